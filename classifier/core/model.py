"""Load a trained classifier once per process and run it on model inputs.

A model is two files in one folder: ``<version>.keras`` (the weights) and ``<version>.json``
(its model card: preprocessing parameters, decision rule, metrics, limits, sha256 of the
weights). The card travels with the weights so a prediction is always made with the
preprocessing the model was trained with. When ``python -m classifier.training.export`` has proved a
LiteRT copy (``<version>.tflite``) equivalent, the card says so under ``serving`` and that
copy is served instead: same answers, without importing TensorFlow. Pure Python: no Django.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from classifier.core.card import UNCERTAIN, DecisionRule, ModelCard, ModelLoadError
from classifier.core.context import across_leads
from classifier.core.features import input_shape
from classifier.core.trees import BoostedTrees

__all__ = ["UNCERTAIN", "DecisionRule", "LoadedModel", "ModelCard", "ModelLoadError", "load_model"]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


SERVING_RUNTIME_LITERT = "litert"
# A LiteRT export is served only if its probabilities stayed this close to the Keras model's
# on every test recording (classifier.training.export writes the measured figure into the card).
SERVING_MAX_ABS_PROB_DIFF = 1e-4


# Model inputs: {input kind: float32[b, ...]} (see classifier.core.features), in the card's order.
Inputs = dict[str, np.ndarray]


class KerasBackend:
    """Runs a Keras model: {kind: float32[b, ...]} -> float32[b, n_classes] logits."""

    runtime = "keras"

    def __init__(self, keras_model: Any) -> None:
        self.keras_model = keras_model
        self._lock = threading.Lock()  # Keras models are not safe for concurrent calls

    def __call__(self, inputs: Inputs) -> np.ndarray:
        # A single-input network (cards before v5) takes the bare array.
        feed = next(iter(inputs.values())) if len(inputs) == 1 else inputs
        with self._lock:
            out = self.keras_model(feed, training=False)
        return np.asarray(out, dtype=np.float32)


class LiteRTBackend:
    """Runs a LiteRT (TFLite) flatbuffer with XNNPACK: same contract as KerasBackend.

    An interpreter is not thread-safe, so each thread gets its own (built on first use);
    threads then run in parallel. An interpreter keeps its tensors allocated for the last
    batch size and re-allocates only when the batch size changes.
    """

    runtime = SERVING_RUNTIME_LITERT

    def __init__(self, model_bytes: bytes, num_threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter  # deferred: optional dependency

        self._interpreter_class = Interpreter
        self._model_bytes = model_bytes
        self._num_threads = num_threads
        self._local = threading.local()
        self._interpreter()  # fail now, not at the first request, if the file is unusable

    def _interpreter(self):
        local = self._local
        if not hasattr(local, "interpreter"):
            local.interpreter = self._interpreter_class(
                model_content=self._model_bytes, num_threads=self._num_threads
            )
            local.inputs = [
                (detail["name"], detail["index"])
                for detail in local.interpreter.get_input_details()
            ]
            local.output = local.interpreter.get_output_details()[0]["index"]
            local.shapes = None
        return local

    def __call__(self, inputs: Inputs) -> np.ndarray:
        local = self._interpreter()
        arrays = [
            np.ascontiguousarray(self._input_for(name, inputs), dtype=np.float32)
            for name, _ in local.inputs
        ]
        shapes = [array.shape for array in arrays]
        if local.shapes != shapes:
            for (_, index), array in zip(local.inputs, arrays, strict=True):
                local.interpreter.resize_tensor_input(index, array.shape, strict=False)
            local.interpreter.allocate_tensors()
            local.shapes = shapes
        for (_, index), array in zip(local.inputs, arrays, strict=True):
            local.interpreter.set_tensor(index, array)
        local.interpreter.invoke()
        return local.interpreter.get_tensor(local.output).astype(np.float32, copy=True)

    @staticmethod
    def _input_for(tensor_name: str, inputs: Inputs) -> np.ndarray:
        """The input a LiteRT tensor takes: by kind in its name (``serving_default_<kind>:0``);
        a single-input model takes the only one."""
        if len(inputs) == 1:
            return next(iter(inputs.values()))
        matches = [kind for kind in inputs if kind in tensor_name]
        if len(matches) != 1:
            raise ModelLoadError(f"LiteRT input {tensor_name!r} matches none of {list(inputs)}")
        return inputs[matches[0]]


class LoadedModel:
    """A model backend plus its card. ``predict`` maps model inputs to calibrated
    probabilities. ``backend`` is a KerasBackend, a LiteRTBackend, or a bare Keras model;
    ``trees`` the card's rhythm stage (v7 on), which turns the network's logits and the
    stage's inputs into the model's logits."""

    def __init__(self, card: ModelCard, backend: Any, trees: BoostedTrees | None = None) -> None:
        self.card = card
        if not isinstance(backend, KerasBackend | LiteRTBackend):
            backend = KerasBackend(backend)
        self.backend = backend
        if (trees is None) != (card.stage is None):
            raise ModelLoadError(f"{card.version}: the rhythm stage and its card disagree")
        self.trees = trees

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def runtime(self) -> str:
        return self.backend.runtime

    def logits(self, inputs: Inputs | np.ndarray, slots: np.ndarray | None = None) -> np.ndarray:
        """{kind: float32[b, ...]} (or a bare scalogram array) -> float32[b, n_classes]
        logits (before temperature). ``slots``: int[b], the rows of one recording at one
        time share a slot (a cross-lead rhythm stage reads them together); default: every
        row its own, as for a single lead."""
        if isinstance(inputs, np.ndarray):
            inputs = {self.card.inputs[0]: inputs}
        n = len(next(iter(inputs.values())))
        if n == 0:
            return np.zeros((0, len(self.card.classes)), dtype=np.float32)
        logits = self.backend({kind: inputs[kind] for kind in self.card.inputs})
        if self.trees is None or self.card.stage is None:
            return logits
        stage = [inputs[kind] for kind in self.card.stage.inputs]
        if self.card.stage.cross_lead:
            stage.append(across_leads(logits, np.arange(n) if slots is None else slots))
        return self.trees.logits(np.hstack([logits, *stage]))

    def predict(self, inputs: Inputs | np.ndarray, slots: np.ndarray | None = None) -> np.ndarray:
        """Model inputs -> float32[b, n_classes] temperature-scaled probabilities (``slots``:
        as for :meth:`logits`)."""
        return softmax(self.logits(inputs, slots) / self.card.decision.temperature)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)


def verified_serving_file(card: ModelCard, folder: Path) -> Path | None:
    """The card's LiteRT export if it is usable: written for these very weights, checked
    against them (``max_abs_prob_diff_vs_keras`` within SERVING_MAX_ABS_PROB_DIFF, identical
    labels) and intact (sha256). None otherwise: the caller serves the Keras model."""
    serving = card.raw.get("serving")
    if not isinstance(serving, dict) or serving.get("runtime") != SERVING_RUNTIME_LITERT:
        return None
    try:
        path = folder / Path(str(serving["file"])).name
        verified = (
            serving["keras_sha256"] == card.weights_sha256
            and float(serving["max_abs_prob_diff_vs_keras"]) <= SERVING_MAX_ABS_PROB_DIFF
            and serving["labels_identical"] is True
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not verified or not path.is_file() or sha256_of(path) != serving.get("sha256"):
        return None
    return path


def default_inference_threads() -> int:
    """LiteRT threads per interpreter: WAVECARDIO_INFERENCE_THREADS, else every core.

    Set it to 1 when several worker processes share the cores (Celery prefork, gunicorn).
    """
    return max(1, int(os.environ.get("WAVECARDIO_INFERENCE_THREADS", os.cpu_count() or 1)))


def load_model(
    card_path: Path | str, *, runtime: str | None = None, num_threads: int | None = None
) -> LoadedModel:
    """Load the model described by ``card_path`` (the .json card), verifying its sha256.

    Serves the card's verified LiteRT export when there is one and ``ai_edge_litert`` is
    installed (no TensorFlow import then), else the Keras weights. ``runtime="keras"``
    forces Keras; ``runtime="litert"`` requires the export (ModelLoadError without it).
    ``num_threads``: LiteRT threads per interpreter (one interpreter per calling thread);
    default :func:`default_inference_threads`.
    """
    num_threads = num_threads or default_inference_threads()
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
    backend: KerasBackend | LiteRTBackend | None = None
    if runtime in (None, SERVING_RUNTIME_LITERT):
        serving_file = verified_serving_file(card, card_path.parent)
        if serving_file is not None:
            try:
                backend = LiteRTBackend(serving_file.read_bytes(), num_threads=num_threads)
            except ImportError:
                backend = None
        if backend is None and runtime == SERVING_RUNTIME_LITERT:
            raise ModelLoadError(f"{card_path.name} has no usable, verified LiteRT export")
    if backend is None:
        import keras  # deferred: importing TensorFlow costs seconds, only pay it when loading

        backend = KerasBackend(keras.models.load_model(weights, compile=False))
    model = LoadedModel(card, backend, rhythm_stage_trees(card, card_path.parent))
    model.predict(  # warm up, and fail now if the network or trees do not take the inputs
        {kind: np.zeros((1, *input_shape(kind, card.spec)), np.float32) for kind in card.all_inputs}
    )
    return model


def rhythm_stage_trees(card: ModelCard, folder: Path) -> BoostedTrees | None:
    """The card's rhythm-stage trees, checked against their sha256 (None without a stage)."""
    if card.stage is None:
        return None
    path = folder / Path(card.stage.file).name
    if not path.is_file():
        raise ModelLoadError(f"the rhythm-stage trees {path} are missing")
    if sha256_of(path) != card.stage.sha256:
        raise ModelLoadError(f"the rhythm-stage trees {path.name} do not match their card")
    return BoostedTrees.load(path)


def newest_card(models_dir: Path) -> Path:
    """The newest model card in ``models_dir`` by its ``created`` date (what a fresh
    install activates)."""
    cards = sorted(Path(models_dir).glob("*.json"))
    if not cards:
        raise ModelLoadError(f"no model card in {models_dir}; run `make train`")
    return max(cards, key=lambda path: json.loads(path.read_text()).get("created", ""))


@functools.lru_cache(maxsize=32)
def _read_card(path: str, mtime_ns: int) -> ModelCard:
    return ModelCard.read(path)


def read_card(card_path: Path | str) -> ModelCard:
    """The card file, parsed and schema-checked once per version of the file."""
    path = Path(card_path).resolve()
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError as exc:
        raise ModelLoadError(f"cannot read model card {card_path}: {exc}") from exc
    return _read_card(str(path), mtime_ns)


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
