"""Recording -> windows -> scalograms -> CNN probabilities -> recording-level result.

Pure Python shared by the web app, the Celery worker, the CLI, training and the benchmarks,
so every path feeds the model exactly the same inputs. No Django here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from classifier.core import window_table
from classifier.core.cwt import ScalogramSpec
from classifier.core.features import (  # noqa: F401  (model_inputs, robust_amplitude: re-exported)
    concatenate_inputs,
    model_inputs,
    robust_amplitude,
    served_model_inputs,
)
from classifier.core.model import UNCERTAIN, DecisionRule, LoadedModel
from classifier.core.plausibility import median_heart_rate_bpm, sampling_rate_doubt
from classifier.core.signal import REFERENCE_RATE_HZ, EcgSignal, release_pages

# Signal quality per window (mV). Outside these limits a window says nothing about the heart:
# the lead is off (flat), the amplifier saturated (clipped) or a movement artefact dominates.
_MIN_PEAK_TO_PEAK_MV = 0.05
_MAX_PEAK_TO_PEAK_MV = 15.0
_MAX_CLIPPED_FRACTION = 0.1
_CLIP_BAND = 0.002  # samples within 0.2 % of the range from a rail count as clipped
QUALITY_OK = "ok"
QUALITIES = (QUALITY_OK, "flat", "clipped", "artefact")  # window_quality's verdicts


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
    flat, clipped, artefact = QUALITIES[1:]
    verdicts[at_rail > _MAX_CLIPPED_FRACTION] = clipped
    verdicts[span > _MAX_PEAK_TO_PEAK_MV] = artefact
    verdicts[span < _MIN_PEAK_TO_PEAK_MV] = flat
    return verdicts.tolist()


ARR = "ARR"  # the class the burden rule of DecisionRule speaks of
# How the recording's answer was reached (ClassificationResult.decided_by).
BY_ARR_BURDEN, BY_ARR_RUN, BY_MEAN_PROBABILITY, BY_POOR_QUALITY = (
    "arr_burden",
    "arr_run",
    "mean_probability",
    "poor_quality",
)
# The heart rate at the given sampling rate is implausible: the rate is probably wrong.
BY_IMPLAUSIBLE_RATE = "implausible_rate"


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
    # Fraction of usable analysed time whose (lead-fused) answer is each class or "uncertain".
    burden: dict[str, float] = field(default_factory=dict)
    longest_arr_run_s: float = 0.0  # longest stretch of time whose windows are answered ARR
    decided_by: str = BY_MEAN_PROBABILITY

    @property
    def n_windows(self) -> int:
        return len(self.windows)

    def answer_fields(self) -> dict:
        """The recording-level answer as stored, served by the API and printed by the CLI."""
        return {
            "label": self.label,
            "top_class": self.top_class,
            "confidence": self.confidence,
            "probabilities": self.probabilities,
            "burden": self.burden,
            "longest_arr_run_s": self.longest_arr_run_s,
            "decided_by": self.decided_by,
            "quality": self.quality,
            "timings_ms": self.timings_ms,
        }

    def report_fields(self, signal: EcgSignal, *, with_windows: bool = False) -> dict:
        """What the CLI prints and the stateless API returns for one classified signal."""
        fields = {
            "format": signal.format,
            "sampling_rate_hz": signal.original_sampling_rate_hz,
            "header": signal.metadata.as_dict(),
            "leads": list(signal.lead_names),
            **self.answer_fields(),
            "model_version": self.model_version,
            "n_windows": self.n_windows,
        }
        if with_windows:
            fields["windows"] = self.window_fields()
        return fields

    def window_fields(self) -> list[dict]:
        """Per-window answers as stored and served (``lead`` indexes the recording's leads)."""
        return [asdict(window) for window in self.windows]

    def window_table(self) -> bytes:
        """:meth:`window_fields` in their compact stored form (``core.window_table``)."""
        windows = self.windows
        classes = tuple(windows[0].probabilities) if windows else ()
        return window_table.encode_columns(
            lead=np.array([w.lead for w in windows], dtype=np.int64),
            start_s=np.array([w.start_s for w in windows], dtype=np.float64),
            end_s=np.array([w.end_s for w in windows], dtype=np.float64),
            labels=[w.label for w in windows],
            probabilities=np.array(
                [list(w.probabilities.values()) for w in windows], dtype=np.float64
            ).reshape(len(windows), len(classes)),
            classes=classes,
            qualities=[w.quality for w in windows],
        )


@dataclass(frozen=True)
class RecordingAnswer:
    """What :func:`recording_answer` concludes from a recording's windows."""

    label: str
    probabilities: np.ndarray  # float[n_classes]: mean over usable windows
    burden: dict[str, float]
    longest_arr_run_s: float
    decided_by: str


def window_labels(
    probs: np.ndarray, classes: tuple[str, ...], threshold: float | np.ndarray
) -> np.ndarray:
    """str[n]: each window's top class, or ``uncertain`` under ``threshold`` (one for all
    windows, or float[n] one each)."""
    labels = np.asarray(classes, dtype=object)[np.argmax(probs, axis=1)]
    labels[probs.max(axis=1) < threshold] = UNCERTAIN
    return labels


def longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of True in a bool[n]."""
    if not flags.any():
        return 0
    padded = np.concatenate([[0], flags.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max())


def fuse_leads(
    probs: np.ndarray, usable: np.ndarray, position: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One probability per stretch of time, however many leads were recorded.

    ``probs`` float[n, n_classes], ``usable`` bool[n] and ``position`` int[n] (the window's
    number within its lead) for the windows of every lead -> (float[t, n_classes] the mean
    over the leads whose window is usable there, or over all leads where none is; bool[t]
    whether any lead is usable there). Two leads that disagree average out instead of
    counting twice; a lead that is off does not drown the one that is on.
    """
    usable = np.asarray(usable, dtype=bool)
    n_times = int(position.max()) + 1 if len(position) else 0
    any_usable = np.bincount(position, weights=usable, minlength=n_times) > 0
    weight = np.where(any_usable[position], usable, True).astype(np.float64)
    sums = np.zeros((n_times, probs.shape[1]))
    np.add.at(sums, position, probs * weight[:, None])
    counts = np.bincount(position, weights=weight, minlength=n_times)
    return (sums / counts[:, None]).astype(np.float32), any_usable


def recording_answer(
    probs: np.ndarray,
    usable: np.ndarray,
    classes: tuple[str, ...],
    decision: DecisionRule,
    window_s: float,
) -> RecordingAnswer:
    """The recording's answer from its time windows (``probs`` float[t, n_classes]
    calibrated, leads fused by :func:`fuse_leads`; ``usable`` bool[t]; in time order).

    The rule (fitted thresholds in the card's ``decision``): too few usable windows ->
    ``uncertain``; else ARR when the usable windows answered ARR make up at least
    ``arr_burden_at_least`` of the analysed time or run for ``arr_run_at_least_s``; else
    the top class of the mean probability if it reaches ``uncertain_below``, else
    ``uncertain``.
    """
    usable = np.asarray(usable, dtype=bool)
    labels = window_labels(probs, classes, decision.window_threshold)
    kept = labels[usable] if usable.any() else labels
    burden = {name: round(float(np.mean(kept == name)), 6) for name in (*classes, UNCERTAIN)}
    run_s = window_s * longest_run((labels == ARR) & usable)
    mean = probs[usable].mean(axis=0) if usable.any() else probs.mean(axis=0)
    label, decided_by = decide(
        float(usable.mean()), burden.get(ARR, 0.0), float(run_s), mean, classes, decision
    )
    return RecordingAnswer(label, mean, burden, float(run_s), decided_by)


def decide(
    usable_fraction: float,
    arr_burden: float,
    arr_run_s: float,
    mean_probs: np.ndarray,
    classes: tuple[str, ...],
    decision: DecisionRule,
) -> tuple[str, str]:
    """(label, decided_by) from a recording's summary: the rule of :func:`recording_answer`
    on its own, so evaluation can apply it to thousands of recordings cheaply."""
    if usable_fraction < decision.min_good_window_fraction:
        return UNCERTAIN, BY_POOR_QUALITY
    if decision.arr_burden_at_least is not None and arr_burden >= decision.arr_burden_at_least:
        return ARR, BY_ARR_BURDEN
    if decision.arr_run_at_least_s is not None and arr_run_s >= decision.arr_run_at_least_s:
        return ARR, BY_ARR_RUN
    top = int(np.argmax(mean_probs))
    if mean_probs[top] >= decision.uncertain_below:
        return classes[top], BY_MEAN_PROBABILITY
    return UNCERTAIN, BY_MEAN_PROBABILITY


Progress = Callable[[float], None]
"""Told the fraction of windows classified so far (0 < f <= 1) after each model call."""


def classify(
    signal: EcgSignal, model: LoadedModel, *, progress: Progress | None = None
) -> ClassificationResult:
    """Classify every window of every lead in one model call and aggregate to the recording
    with :func:`recording_answer` and the card's decision rule."""
    return classify_many([signal], model, progress=progress)[0]


# Windows are sent to the model in batches of about this many (short recordings together).
MODEL_BATCH_WINDOWS = 256


def classify_many(
    signals: list[EcgSignal], model: LoadedModel, *, progress: Progress | None = None
) -> list[ClassificationResult]:
    """:func:`classify` for several recordings, batching their windows into shared model calls.

    A recording is read chunk by chunk, all its leads together, as training reads it
    (:func:`classifier.core.features.served_model_inputs`). Each chunk's inputs go to the
    model in batches of about :data:`MODEL_BATCH_WINDOWS`, and a memory-mapped signal's
    pages are released once read, so peak memory does not grow with the recording's length.
    ``progress`` hears how far it got after each model call. Each result equals
    ``classify(signal, model)``; ``timings_ms["model"]`` is the recording's share of the
    model calls. Raises ValueError if any recording is shorter than one analysis window.
    """
    card = model.card
    spec, size = card.spec, card.spec.window_samples
    counts = [[len(lead) // size for lead in signal.samples] for signal in signals]
    if any(sum(per_lead) == 0 for per_lead in counts):
        raise ValueError("recording is shorter than one analysis window")
    probs = [np.zeros((sum(per_lead), len(card.classes)), np.float32) for per_lead in counts]
    quality = [[QUALITY_OK] * sum(per_lead) for per_lead in counts]
    doubts = [
        sampling_rate_doubt(median_heart_rate_bpm(signal.samples, REFERENCE_RATE_HZ))
        for signal in signals
    ]
    cwt_ms, model_ms = [0.0] * len(signals), [0.0] * len(signals)
    # (recording, row, inputs, slots): a window's slot is its time in its recording, shared
    # by its leads (recording * stride + window number) for a cross-lead rhythm stage.
    pending: list[tuple[int, int, dict[str, np.ndarray], np.ndarray]] = []
    total, done = sum(map(sum, counts)), 0
    stride = max((per_lead[0] for per_lead in counts), default=0)

    def flush() -> None:
        nonlocal done
        if not pending:
            return
        # A chunk's leads are flushed together, so each window's slot holds all its leads.
        slots = np.concatenate([slot for *_, slot in pending])
        started = time.perf_counter()
        out = model.predict(concatenate_inputs([inputs for _, _, inputs, _ in pending]), slots)
        elapsed = (time.perf_counter() - started) * 1e3
        offset = 0
        for index, row, _, slot in pending:
            n = len(slot)  # one slot per window
            probs[index][row : row + n] = out[offset : offset + n]
            model_ms[index] += elapsed * n / len(out)
            offset += n
        pending.clear()
        done += len(out)
        if progress is not None:
            progress(done / total)

    for index, signal in enumerate(signals):
        n_windows = counts[index][0]  # every lead has as many
        chunks = served_model_inputs(signal.samples, spec, card.all_inputs, card.r_peaks)
        started = time.perf_counter()
        for first, end, per_lead in chunks:
            cwt_ms[index] += (time.perf_counter() - started) * 1e3
            chunk = signal.samples[:, first * size : end * size]
            for lead, inputs in enumerate(per_lead):
                row = lead * n_windows + first  # rows go lead by lead, windows in time order
                quality[index][row : row + end - first] = window_quality(chunk[lead], spec)
                pending.append((index, row, inputs, index * stride + np.arange(first, end)))
            release_pages(signal.samples)  # a memory-mapped 48-h signal is 265 MB: read, let go
            if sum(len(slot) for *_, slot in pending) >= MODEL_BATCH_WINDOWS:
                flush()
            started = time.perf_counter()
    flush()
    results = []
    for index in range(len(signals)):
        timings = {
            "cwt": round(cwt_ms[index], 3),
            "model": round(model_ms[index], 3),
            "total": round(cwt_ms[index] + model_ms[index], 3),
        }
        results.append(
            _result(
                model,
                counts[index],
                probs[index],
                quality[index],
                timings,
                rate_doubt=doubts[index],
            )
        )
    return results


def _result(
    model: LoadedModel,
    windows_per_lead: list[int],
    window_probs: np.ndarray,
    quality: list[str],
    timings_ms: dict[str, float],
    rate_doubt: str | None = None,
) -> ClassificationResult:
    """The recording's result; ``rate_doubt`` (why the sampling rate looks wrong) makes the
    answer ``uncertain`` whatever the windows say, and is reported in ``quality``."""
    card = model.card
    classes, window_s = card.classes, card.spec.window_s
    lead = np.repeat(np.arange(len(windows_per_lead)), windows_per_lead)
    position = np.concatenate([np.arange(n) for n in windows_per_lead])
    labels = window_labels(window_probs, classes, card.decision.window_threshold)
    windows = [
        WindowResult(
            lead=int(lead[k]),
            start_s=float(position[k] * window_s),
            end_s=float((position[k] + 1) * window_s),
            label=str(labels[k]),
            probabilities=_as_dict(window_probs[k], classes),
            quality=quality[k],
        )
        for k in range(len(labels))
    ]
    fused, usable = fuse_leads(window_probs, np.array([q == QUALITY_OK for q in quality]), position)
    answer = recording_answer(fused, usable, classes, card.decision, window_s)
    top = int(np.argmax(answer.probabilities))
    poor = [q for q in quality if q != QUALITY_OK]
    label, decided_by = answer.label, answer.decided_by
    quality_fields: dict = {
        "windows_ok": len(quality) - len(poor),
        "windows_poor": len(poor),
        "reasons": {reason: poor.count(reason) for reason in sorted(set(poor))},
    }
    if rate_doubt is not None:
        label, decided_by = UNCERTAIN, BY_IMPLAUSIBLE_RATE
        quality_fields["sampling_rate"] = rate_doubt
    return ClassificationResult(
        label=label,
        top_class=classes[top],
        confidence=round(float(answer.probabilities[top]), 6),
        probabilities=_as_dict(answer.probabilities, classes),
        windows=windows,
        model_version=model.version,
        timings_ms=timings_ms,
        quality=quality_fields,
        burden=answer.burden,
        longest_arr_run_s=answer.longest_arr_run_s,
        decided_by=decided_by,
    )


def _as_dict(probabilities: np.ndarray, classes: tuple[str, ...]) -> dict[str, float]:
    return {name: round(float(p), 6) for name, p in zip(classes, probabilities, strict=True)}
