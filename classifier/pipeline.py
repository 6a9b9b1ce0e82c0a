"""Recording -> windows -> scalograms -> CNN probabilities -> recording-level result.

Pure Python shared by the web app, the Celery worker, the CLI, training and the benchmarks,
so every path feeds the model exactly the same inputs. No Django here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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


# Signal quality per window (mV). Outside these limits a window says nothing about the heart:
# the lead is off (flat), the amplifier saturated (clipped) or a movement artefact dominates.
_MIN_PEAK_TO_PEAK_MV = 0.05
_MAX_PEAK_TO_PEAK_MV = 15.0
_MAX_CLIPPED_FRACTION = 0.1
_CLIP_BAND = 0.002  # samples within 0.2 % of the range from a rail count as clipped
MIN_GOOD_WINDOW_FRACTION = 0.5  # below this the recording is answered "uncertain"
QUALITY_OK = "ok"


def window_quality(samples: np.ndarray, spec: ScalogramSpec) -> list[str]:
    """One lead float32[n] (mV) -> per analysis window "ok", "flat", "clipped" or "artefact"."""
    size = spec.window_samples
    n_windows = len(samples) // size
    windows = np.asarray(samples[: n_windows * size], dtype=np.float32).reshape(n_windows, size)
    low, high = windows.min(axis=1, keepdims=True), windows.max(axis=1, keepdims=True)
    span = (high - low)[:, 0]
    band = np.maximum(high - low, 1e-9) * _CLIP_BAND
    at_rail = ((windows >= high - band) | (windows <= low + band)).mean(axis=1)
    verdicts = np.full(n_windows, QUALITY_OK, dtype=object)
    verdicts[at_rail > _MAX_CLIPPED_FRACTION] = "clipped"
    verdicts[span > _MAX_PEAK_TO_PEAK_MV] = "artefact"
    verdicts[span < _MIN_PEAK_TO_PEAK_MV] = "flat"
    return verdicts.tolist()


@dataclass(frozen=True)
class WindowResult:
    lead: int
    start_s: float
    end_s: float
    label: str
    probabilities: dict[str, float]
    quality: str = QUALITY_OK


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
    quality: dict = field(default_factory=dict)  # windows_ok, windows_poor, reasons

    @property
    def n_windows(self) -> int:
        return len(self.windows)


def _decide(probabilities: np.ndarray, classes: tuple[str, ...], threshold: float) -> str:
    top = int(np.argmax(probabilities))
    return classes[top] if probabilities[top] >= threshold else UNCERTAIN


def classify(signal: EcgSignal, model: LoadedModel) -> ClassificationResult:
    """Classify every window of every lead in one model call and aggregate to the recording.

    The recording-level probabilities are the mean of the probabilities of the windows that
    pass the signal-quality checks; the answer is ``uncertain`` when the top probability is
    under the model card's threshold or when too few windows are of usable quality.
    """
    return classify_many([signal], model)[0]


def classify_many(signals: list[EcgSignal], model: LoadedModel) -> list[ClassificationResult]:
    """:func:`classify` for several recordings, with all their windows in one model call.

    Each result equals ``classify(signal, model)``; ``timings_ms["model"]`` is the shared
    model call. Raises ValueError if any recording is shorter than one analysis window.
    """
    spec = model.card.spec
    per_recording, cwt_ms, qualities = [], [], []
    for signal in signals:
        started = time.perf_counter()
        per_lead = [model_inputs(lead, spec) for lead in signal.samples]
        cwt_ms.append((time.perf_counter() - started) * 1e3)
        if sum(len(x) for x in per_lead) == 0:
            raise ValueError("recording is shorter than one analysis window")
        per_recording.append(per_lead)
        qualities.append([q for lead in signal.samples for q in window_quality(lead, spec)])
    if not per_recording:
        return []
    started = time.perf_counter()
    window_probs = model.predict(np.concatenate([x for lead in per_recording for x in lead]))
    model_ms = (time.perf_counter() - started) * 1e3
    results, offset = [], 0
    for per_lead, recording_cwt_ms, quality in zip(per_recording, cwt_ms, qualities, strict=True):
        n_windows = sum(len(x) for x in per_lead)
        results.append(
            _result(
                model,
                [len(x) for x in per_lead],
                window_probs[offset : offset + n_windows],
                quality,
                {
                    "cwt": round(recording_cwt_ms, 3),
                    "model": round(model_ms, 3),
                    "total": round(recording_cwt_ms + model_ms, 3),
                },
            )
        )
        offset += n_windows
    return results


def _result(
    model: LoadedModel,
    windows_per_lead: list[int],
    window_probs: np.ndarray,
    quality: list[str],
    timings_ms: dict[str, float],
) -> ClassificationResult:
    card = model.card
    classes, threshold, window_s = card.classes, card.decision.uncertain_below, card.spec.window_s
    windows, offset = [], 0
    for lead_index, n_windows in enumerate(windows_per_lead):
        for k in range(n_windows):
            probs = window_probs[offset + k]
            windows.append(
                WindowResult(
                    lead=lead_index,
                    start_s=k * window_s,
                    end_s=(k + 1) * window_s,
                    label=_decide(probs, classes, threshold),
                    probabilities=_as_dict(probs, classes),
                    quality=quality[offset + k],
                )
            )
        offset += n_windows
    usable = np.array([q == QUALITY_OK for q in quality])
    recording_probs = window_probs[usable].mean(axis=0) if usable.any() else window_probs.mean(0)
    top = int(np.argmax(recording_probs))
    enough = usable.mean() >= MIN_GOOD_WINDOW_FRACTION
    poor = [q for q in quality if q != QUALITY_OK]
    return ClassificationResult(
        label=_decide(recording_probs, classes, threshold) if enough else UNCERTAIN,
        top_class=classes[top],
        confidence=round(float(recording_probs[top]), 6),
        probabilities=_as_dict(recording_probs, classes),
        windows=windows,
        model_version=model.version,
        timings_ms=timings_ms,
        quality={
            "windows_ok": int(usable.sum()),
            "windows_poor": len(poor),
            "reasons": {reason: poor.count(reason) for reason in sorted(set(poor))},
        },
    )


def _as_dict(probabilities: np.ndarray, classes: tuple[str, ...]) -> dict[str, float]:
    return {name: round(float(p), 6) for name, p in zip(classes, probabilities, strict=True)}
