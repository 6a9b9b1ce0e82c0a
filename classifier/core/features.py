"""What a model reads per analysis window, computed the same way for training and serving.

Three input kinds, each float32 per non-overlapping window of one lead (mV at the card's
rate); a model card lists the kinds its network takes, in order (``preprocessing.inputs``):

* ``scalogram``: [n_freqs, columns, 1] log Morlet envelope (:func:`model_inputs`);
* ``waveform``: [window_samples, 1] the 0.5-40 Hz band-passed signal (:func:`waveform_windows`);
* ``rr_intervals``: [len(RR_FEATURES)] R-R interval features (:mod:`classifier.core.rhythm`);
* ``beats``: [len(BEAT_FEATURES)] QRS width and beat-shape features (same module);
* ``rhythm_context``: [len(RHYTHM_CONTEXT_FEATURES)] every per-window feature with the
  previous and next window's (:mod:`classifier.core.context`), what a card's rhythm stage
  reads beside the network's logits.

Pure NumPy/SciPy: no Django, no TensorFlow.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator

import numpy as np

from classifier.core.context import RHYTHM_CONTEXT_FEATURES, context_features, with_neighbours
from classifier.core.cwt import ScalogramSpec, scalograms
from classifier.core.rhythm import (
    BEAT_FEATURES,
    RR_FEATURES,
    band_passed,
    beat_features,
    beat_windows,
    fused_r_peaks,
    r_peaks,
    rr_features,
)

SCALOGRAM, WAVEFORM, RR_INTERVALS, BEATS = "scalogram", "waveform", "rr_intervals", "beats"
RHYTHM_CONTEXT = "rhythm_context"
# What the networks of v5 and v6 read (the rhythm stage's network too).
NETWORK_INPUT_KINDS: tuple[str, ...] = (SCALOGRAM, WAVEFORM, RR_INTERVALS, BEATS)
INPUT_KINDS: tuple[str, ...] = (*NETWORK_INPUT_KINDS, RHYTHM_CONTEXT)
# Where a lead's R-peaks come from (a card's ``preprocessing.r_peaks``): its own detection
# (v5-v7), or one detection over every lead of the recording (:func:`fused_r_peaks`, v8 on).
EACH_LEAD, FUSED_LEADS = "each_lead", "fused_leads"
R_PEAK_SOURCES: tuple[str, ...] = (EACH_LEAD, FUSED_LEADS)
_LOG_FLOOR = 1e-3  # relative envelope floor: keeps log() finite on flat stretches
# Lead context (amplitude, dominant beat, median R-R) is measured over at most this many
# windows: 30 minutes, the length of the annotated records the model learns it from. Long
# recordings are read in such chunks, so memory stays flat however long the recording is;
# training reads its recordings in the same chunks, so it sees the inputs serving computes.
CHUNK_WINDOWS = 225


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


def waveform_windows(
    samples: np.ndarray, spec: ScalogramSpec, filtered: np.ndarray | None = None
) -> np.ndarray:
    """One lead float32[n] (mV) -> float32[n_windows, window_samples, 1]: the 0.5-40 Hz
    band-passed signal (``filtered``: :func:`classifier.core.rhythm.band_passed`, computed
    when not given; the band the scalograms cover), amplitude-normalised per lead like
    :func:`model_inputs`, each window centred on its median. Beat shape and timing at full
    128-Hz resolution."""
    if filtered is None:
        filtered = band_passed(samples, spec.sampling_rate_hz)
    n_windows = len(filtered) // spec.window_samples
    windows = filtered[: n_windows * spec.window_samples].reshape(n_windows, -1)
    windows = windows - np.median(windows, axis=1, keepdims=True)  # a copy: filtered is shared
    return windows[..., np.newaxis].astype(np.float32)


def lead_model_inputs(
    samples: np.ndarray,
    spec: ScalogramSpec,
    kinds: tuple[str, ...] = (SCALOGRAM,),
    peaks: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """One lead -> {input kind: float32[n_windows, ...]} for the kinds a model reads
    (``peaks``: the lead's R-peaks, detected on the lead itself when not given)."""
    rate, window = spec.sampling_rate_hz, spec.window_samples
    # Each part is computed once, however many kinds read it.
    peaks_of = functools.cache(lambda: r_peaks(samples, rate) if peaks is None else peaks)
    band = functools.cache(lambda: band_passed(samples, rate))
    grouped = functools.cache(lambda: beat_windows(samples, rate, window, peaks_of(), band()))
    rr = functools.cache(lambda: rr_features(samples, rate, window, peaks_of()))
    beats = functools.cache(lambda: beat_features(grouped()))
    builders: dict[str, Callable[[], np.ndarray]] = {
        SCALOGRAM: lambda: model_inputs(samples, spec),
        WAVEFORM: lambda: waveform_windows(samples, spec, band()),
        RR_INTERVALS: rr,
        BEATS: beats,
        RHYTHM_CONTEXT: lambda: with_neighbours(
            np.hstack([rr(), beats(), context_features(grouped())])
        ),
    }
    unknown = set(kinds) - set(builders)
    if unknown:
        raise ValueError(f"unknown model input(s) {sorted(unknown)}; known: {INPUT_KINDS}")
    return {kind: builders[kind]() for kind in kinds}


def recording_model_inputs(
    leads: np.ndarray,
    spec: ScalogramSpec,
    kinds: tuple[str, ...],
    r_peak_source: str = EACH_LEAD,
) -> list[dict[str, np.ndarray]]:
    """float[m, n] simultaneous leads -> :func:`lead_model_inputs` of each, their R-peaks
    detected per lead or once over all of them (``r_peak_source``, from the card)."""
    if r_peak_source not in R_PEAK_SOURCES:
        raise ValueError(f"unknown R-peak source {r_peak_source!r}; known: {R_PEAK_SOURCES}")
    peaks = fused_r_peaks(leads, spec.sampling_rate_hz) if r_peak_source == FUSED_LEADS else None
    return [lead_model_inputs(lead, spec, kinds, peaks) for lead in leads]


def chunk_bounds(n_windows: int, chunk_windows: int = CHUNK_WINDOWS) -> list[tuple[int, int]]:
    """[(first, end)) window ranges of near-equal chunks of at most ``chunk_windows``: a 31-min
    lead is two 15.5-min chunks, never 30 min plus a 1-min stub with no context."""
    n_chunks = max(1, -(-n_windows // chunk_windows))
    edges = np.linspace(0, n_windows, n_chunks + 1).round().astype(np.int64)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def served_model_inputs(
    leads: np.ndarray,
    spec: ScalogramSpec,
    kinds: tuple[str, ...],
    r_peak_source: str = EACH_LEAD,
    chunk_windows: int = CHUNK_WINDOWS,
) -> Iterator[tuple[int, int, list[dict[str, np.ndarray]]]]:
    """float[m, n] simultaneous leads -> (first, end, :func:`recording_model_inputs` of
    windows [first, end)) chunk by chunk (:func:`chunk_bounds`): the inputs of every whole
    window, as serving computes them and training reads them. Lazy: a memory-mapped
    recording is read one chunk at a time."""
    size = spec.window_samples
    for first, end in chunk_bounds(np.shape(leads)[1] // size, chunk_windows):
        chunk = leads[:, first * size : end * size]
        yield first, end, recording_model_inputs(chunk, spec, kinds, r_peak_source)


def concatenate_inputs(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per-lead input dicts -> one dict with every lead's windows stacked in order."""
    return {kind: np.concatenate([part[kind] for part in parts]) for kind in parts[0]}


def input_shape(kind: str, spec: ScalogramSpec) -> tuple[int, ...]:
    """The per-window shape of one input kind."""
    shapes = {
        SCALOGRAM: (spec.n_freqs, spec.columns_per_window, 1),
        WAVEFORM: (spec.window_samples, 1),
        RR_INTERVALS: (len(RR_FEATURES),),
        BEATS: (len(BEAT_FEATURES),),
        RHYTHM_CONTEXT: (len(RHYTHM_CONTEXT_FEATURES),),
    }
    if kind not in shapes:
        raise ValueError(f"unknown model input {kind!r}; known: {', '.join(INPUT_KINDS)}")
    return shapes[kind]
