"""Load a trained classifier once per process and run it on model inputs.

A model is two files in one folder: ``<version>.keras`` (the weights) and ``<version>.json``
(its model card: preprocessing parameters, decision rule, metrics, limits, sha256 of the
weights). The card travels with the weights so a prediction is always made with the
preprocessing the model was trained with. Pure Python: no Django here.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifier.cwt import ScalogramSpec

CLASSES: tuple[str, ...] = ("ARR", "CHF", "NSR")
UNCERTAIN = "uncertain"


class ModelLoadError(RuntimeError):
    """The model files are missing, inconsistent or corrupt."""


@dataclass(frozen=True)
class DecisionRule:
    """How calibrated probabilities become an answer (fitted on cross-validation folds)."""

    temperature: float = 1.0
    uncertain_below: float = 0.6  # top probability under this -> "uncertain"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionRule:
        return cls(float(data.get("temperature", 1.0)), float(data.get("uncertain_below", 0.6)))


@dataclass(frozen=True)
class ModelCard:
    version: str
    classes: tuple[str, ...]
    spec: ScalogramSpec
    decision: DecisionRule
    weights_file: str
    weights_sha256: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def read(cls, card_path: Path) -> ModelCard:
        try:
            raw = json.loads(Path(card_path).read_text())
            return cls(
                version=raw["version"],
                classes=tuple(raw["classes"]),
                spec=ScalogramSpec.from_dict(raw["preprocessing"]["scalogram"]),
                decision=DecisionRule.from_dict(raw.get("decision", {})),
                weights_file=raw["weights_file"],
                weights_sha256=raw["weights_sha256"],
                raw=raw,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelLoadError(f"cannot read model card {card_path}: {exc}") from exc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LoadedModel:
    """A Keras model plus its card. ``predict`` maps model inputs to calibrated probabilities."""

    def __init__(self, card: ModelCard, keras_model: Any) -> None:
        self.card = card
        self._keras_model = keras_model
        self._lock = threading.Lock()  # Keras models are not safe for concurrent calls

    @property
    def version(self) -> str:
        return self.card.version

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        """float32[b, f, c, 1] -> float32[b, n_classes] logits (before temperature)."""
        if len(inputs) == 0:
            return np.zeros((0, len(self.card.classes)), dtype=np.float32)
        with self._lock:
            out = self._keras_model(inputs, training=False)
        return np.asarray(out, dtype=np.float32)

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """float32[b, f, c, 1] -> float32[b, n_classes] temperature-scaled probabilities."""
        return softmax(self.logits(inputs) / self.card.decision.temperature)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)


def load_model(card_path: Path | str) -> LoadedModel:
    """Load the model described by ``card_path`` (the .json card), verifying its sha256."""
    card_path = Path(card_path)
    card = ModelCard.read(card_path)
    weights = card_path.parent / card.weights_file
    if not weights.is_file():
        raise ModelLoadError(f"model weights {weights} are missing")
    actual = sha256_of(weights)
    if actual != card.weights_sha256:
        raise ModelLoadError(
            f"model weights {weights.name} do not match their card "
            f"(sha256 {actual[:12]}… != {card.weights_sha256[:12]}…)"
        )
    import keras  # deferred: importing TensorFlow costs seconds, only pay it when loading

    keras_model = keras.models.load_model(weights, compile=False)
    model = LoadedModel(card, keras_model)
    spec = card.spec
    model.predict(np.zeros((1, spec.n_freqs, spec.columns_per_window, 1), np.float32))  # warm up
    return model


_cache: dict[tuple[str, str], LoadedModel] = {}
_cache_lock = threading.Lock()


def get_model(card_path: Path | str) -> LoadedModel:
    """Process-wide model: loaded on first use, then reused by every request and task."""
    card_path = Path(card_path).resolve()
    key = (str(card_path), str(card_path.stat().st_mtime_ns) if card_path.exists() else "")
    with _cache_lock:
        if key not in _cache:
            _cache[key] = load_model(card_path)
        return _cache[key]
