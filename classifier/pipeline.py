"""Recording -> windows -> scalograms -> CNN probabilities -> recording-level result.

Pure Python shared by the web app, the Celery worker, the CLI, training and the benchmarks,
so every path feeds the model exactly the same inputs. No Django here.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from classifier.cwt import ScalogramSpec, scalograms
from classifier.model import UNCERTAIN, LoadedModel
from classifier.signal import EcgSignal

_LOG_FLOOR = 1e-3  # relative envelope floor: keeps log() finite on flat stretches


def robust_amplitude(samples: np.ndarray) -> float:
    """Peak-to-peak amplitude of a lead ignoring outliers (mV); ~ the QRS height."""
    low, high = np.percentile(samples, [1.0, 99.0])
    return float(high - low)


def model_inputs(samples: np.ndarray, spec: ScalogramSpec) -> np.ndarray:
    """One lead float32[n_samples] (mV, spec.sampling_rate_hz) -> float32[n_windows, f, c, 1].

    Log-envelope scalograms, amplitude-normalised per lead and z-scored per window, so the
    model sees the same scale for every recorder and cannot use gain or offset as a cue.
    """
    samples = np.asarray(samples, dtype=np.float32)
    amplitude = max(robust_amplitude(samples), 1e-6)
    envelope = scalograms(samples, spec) / amplitude
    logs = np.log(envelope + _LOG_FLOOR, dtype=np.float32)
    mean = logs.mean(axis=(1, 2), keepdims=True)
    std = logs.std(axis=(1, 2), keepdims=True)
    return ((logs - mean) / (std + 1e-6))[..., np.newaxis].astype(np.float32, copy=False)


@dataclass(frozen=True)
class WindowResult:
    lead: int
    start_s: float
    end_s: float
    label: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class ClassificationResult:
    """Decision support for one recording: never a diagnosis."""

    label: str  # one of the model's classes, or "uncertain"
    top_class: str
    confidence: float
    probabilities: dict[str, float]
    windows: list[WindowResult]
    model_version: str
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def n_windows(self) -> int:
        return len(self.windows)

    def to_dict(self) -> dict:
        return asdict(self) | {"n_windows": self.n_windows}


def _decide(probabilities: np.ndarray, classes: tuple[str, ...], threshold: float) -> str:
    top = int(np.argmax(probabilities))
    return classes[top] if probabilities[top] >= threshold else UNCERTAIN


def classify(signal: EcgSignal, model: LoadedModel) -> ClassificationResult:
    """Classify every window of every lead in one model call and aggregate to the recording.

    The recording-level probabilities are the mean of the window probabilities; the answer is
    ``uncertain`` when the top probability is under the model card's threshold.
    """
    card = model.card
    spec = card.spec
    started = time.perf_counter()
    per_lead = [model_inputs(lead, spec) for lead in signal.samples]
    inputs = np.concatenate(per_lead) if per_lead else np.zeros((0,), np.float32)
    after_cwt = time.perf_counter()
    if len(inputs) == 0:
        raise ValueError("recording is shorter than one analysis window")
    window_probs = model.predict(inputs)
    after_model = time.perf_counter()

    classes = card.classes
    threshold = card.decision.uncertain_below
    windows = []
    for lead_index, lead_inputs in enumerate(per_lead):
        offset = sum(len(x) for x in per_lead[:lead_index])
        for k in range(len(lead_inputs)):
            probs = window_probs[offset + k]
            windows.append(
                WindowResult(
                    lead=lead_index,
                    start_s=k * spec.window_s,
                    end_s=(k + 1) * spec.window_s,
                    label=_decide(probs, classes, threshold),
                    probabilities=_as_dict(probs, classes),
                )
            )
    recording_probs = window_probs.mean(axis=0)
    top = int(np.argmax(recording_probs))
    return ClassificationResult(
        label=_decide(recording_probs, classes, threshold),
        top_class=classes[top],
        confidence=round(float(recording_probs[top]), 6),
        probabilities=_as_dict(recording_probs, classes),
        windows=windows,
        model_version=model.version,
        timings_ms={
            "cwt": round((after_cwt - started) * 1e3, 3),
            "model": round((after_model - after_cwt) * 1e3, 3),
            "total": round((time.perf_counter() - started) * 1e3, 3),
        },
    )


def _as_dict(probabilities: np.ndarray, classes: tuple[str, ...]) -> dict[str, float]:
    return {name: round(float(p), 6) for name, p in zip(classes, probabilities, strict=True)}
