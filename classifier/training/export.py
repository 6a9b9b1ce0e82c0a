"""Export a trained Keras model to LiteRT (TFLite) for serving, and prove it equivalent.

``python -m classifier.training.export models/<version>.json [--data DIR]`` converts
``<version>.keras`` to ``<version>.tflite`` next to it, runs both on every recording under
``DIR/recordings`` (default: WAVECARDIO_ECG_DIR or ``<repo>/../shared/data/ecg``) and, only
if every window and recording gets the same label and probabilities within
``SERVING_MAX_ABS_PROB_DIFF`` (1e-4), records the export in the card::

    card["serving"] = {"runtime": "litert", "file": ..., "sha256": ..., "size_bytes": ...,
                       "keras_sha256": ..., "max_abs_prob_diff_vs_keras": ...,
                       "labels_identical": true, "n_recordings": ..., "n_windows": ...}

``classifier.core.model.load_model`` serves the export only while that record matches the files.
On a failed check the card is left without ``serving`` and the command exits 1. TensorFlow
stays the training framework; this only changes the runtime that serves predictions.
Pure Python: no Django here.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from classifier.core import pipeline
from classifier.core.model import (
    SERVING_MAX_ABS_PROB_DIFF,
    SERVING_RUNTIME_LITERT,
    LiteRTBackend,
    LoadedModel,
    ModelCard,
    load_model,
    sha256_of,
)
from classifier.core.signal import REFERENCE_RATE_HZ, load_signal
from classifier.training.sources import default_data_dir

_Result: TypeAlias = pipeline.ClassificationResult | pipeline.WindowResult


@dataclass(frozen=True)
class Equivalence:
    """How far the LiteRT model's answers are from the Keras model's."""

    n_recordings: int
    n_windows: int
    max_abs_prob_diff: float  # over every window and recording probability
    labels_identical: bool  # every window label and recording label

    @property
    def passed(self) -> bool:
        return self.labels_identical and self.max_abs_prob_diff <= SERVING_MAX_ABS_PROB_DIFF


def convert_to_litert(keras_model) -> bytes:
    """The Keras model as a LiteRT flatbuffer (float32, no quantisation: same numbers)."""
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(keras_model).convert()


def compare(reference: LoadedModel, candidate: LoadedModel, recordings: list[Path]) -> Equivalence:
    """Classify every recording with both models and compare labels and probabilities."""
    max_diff, identical, n_windows = 0.0, True, 0
    for path in recordings:
        # The shared recordings are .npy at the reference rate (their manifest's fs_hz).
        signal = load_signal(
            path.read_bytes(), filename=path.name, sampling_rate_hz=REFERENCE_RATE_HZ
        )
        expected = pipeline.classify(signal, reference)
        actual = pipeline.classify(signal, candidate)
        pairs: list[tuple[_Result, _Result]] = [
            (expected, actual),
            *zip(expected.windows, actual.windows, strict=True),
        ]
        for want, got in pairs:
            identical &= want.label == got.label
            diffs = [abs(want.probabilities[c] - got.probabilities[c]) for c in want.probabilities]
            max_diff = max(max_diff, *diffs)
        n_windows += expected.n_windows
    return Equivalence(len(recordings), n_windows, max_diff, identical)


def export(card_path: Path, ecg_dir: Path) -> Equivalence:
    """Write ``<version>.tflite`` and, if it is equivalent, its ``serving`` record in the card."""
    card_path = Path(card_path)
    keras_model = load_model(card_path, runtime="keras")
    card = keras_model.card
    recordings = sorted((ecg_dir / "recordings").glob("*.npy"))
    if not recordings:
        raise FileNotFoundError(f"no recordings under {ecg_dir / 'recordings'}")
    flatbuffer = convert_to_litert(keras_model.backend.keras_model)
    target = card_path.parent / f"{card.version}.tflite"
    target.write_bytes(flatbuffer)
    litert_model = LoadedModel(card, LiteRTBackend(flatbuffer), keras_model.trees)
    result = compare(keras_model, litert_model, recordings)
    raw = json.loads(card_path.read_text())
    raw.pop("serving", None)
    if result.passed:
        raw["serving"] = {
            "runtime": SERVING_RUNTIME_LITERT,
            "file": target.name,
            "sha256": sha256_of(target),
            "size_bytes": target.stat().st_size,
            "keras_sha256": card.weights_sha256,
            "max_abs_prob_diff_vs_keras": result.max_abs_prob_diff,
            "labels_identical": result.labels_identical,
            "n_recordings": result.n_recordings,
            "n_windows": result.n_windows,
        }
    else:
        target.unlink()
    card_path.write_text(json.dumps(raw, indent=2, allow_nan=False) + "\n")
    ModelCard.read(card_path)  # the card we wrote still parses
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m classifier.training.export", description=__doc__
    )
    parser.add_argument("card", type=Path, help="model card, e.g. models/<version>.json")
    parser.add_argument("--data", type=Path, default=None, help="ECG folder with recordings/")
    args = parser.parse_args(argv)
    result = export(args.card, args.data or default_data_dir())
    verdict = "adopted" if result.passed else "REJECTED (card left on Keras)"
    print(
        f"LiteRT export {verdict}: {result.n_recordings} recordings, {result.n_windows} windows, "
        f"max |p_litert - p_keras| = {result.max_abs_prob_diff:.2e} "
        f"(limit {SERVING_MAX_ABS_PROB_DIFF:g}), labels identical: {result.labels_identical}"
    )
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
