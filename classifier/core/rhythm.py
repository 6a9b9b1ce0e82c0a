"""R-peaks and R-R interval features: what the rhythm branch of the model reads.

The scalogram shows beat shape at 8 columns per second, too coarse to time a premature beat
or to see the irregular R-R intervals of atrial fibrillation; these features give the network
the beat times directly. Pure NumPy/SciPy, no Django; the same code serves and trains.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d
from scipy.signal import butter, find_peaks, sosfiltfilt

_QRS_BAND_HZ = (5.0, 20.0)  # where the QRS complex has most of its energy (Pan & Tompkins)
_INTEGRATION_S = 0.15  # moving-window integration: about one QRS width
_REFRACTORY_S = 0.25  # no two beats closer than this (240 bpm)
_REFERENCE_S = 2.5  # the detection threshold follows the largest QRS energy over this span
_THRESHOLD = 0.3  # a peak counts as a beat above this fraction of the local reference
# R-R intervals outside this range are detection errors, not beats (20-300 bpm).
_MIN_RR_S, _MAX_RR_S = 0.2, 3.0
# Successive R-R differences above this fraction of the median interval count as irregular.
_IRREGULAR_DELTA = 0.15

RR_FEATURES: tuple[str, ...] = (
    "beats_per_s",  # heart rate / 60, from the number of beats in the window
    "median_rr_s",
    "rr_cv",  # standard deviation / mean
    "rmssd_rel",  # root mean square of successive differences / median R-R
    "max_delta_rel",  # largest successive difference / median R-R
    "min_rr_rel",  # shortest interval / median (premature beats)
    "max_rr_rel",  # longest interval / median (pauses, compensatory pauses)
    "irregular_fraction",  # successive differences above 15 % of the median
    "rr_vs_lead",  # window median R-R / the whole lead's median R-R (context)
    "enough_beats",  # 1 when at least three intervals were found, else the rest is neutral
)


@functools.cache
def _qrs_filter(sampling_rate_hz: float) -> np.ndarray:
    high = min(_QRS_BAND_HZ[1], 0.45 * sampling_rate_hz)
    return butter(2, (_QRS_BAND_HZ[0], high), btype="bandpass", fs=sampling_rate_hz, output="sos")


def r_peaks(samples: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
    """One lead float[n] (mV) -> int64[k] sample indices of detected R-peaks (QRS complexes).

    Pan-Tompkins-style: 5-20 Hz band-pass, squared derivative, 150-ms moving integration,
    then peaks above 30 % of the largest energy in the surrounding 2.5 s (so the threshold
    follows amplitude changes over a long recording), at most one per 250 ms. Vectorised:
    a 24-h lead takes about a second.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if len(samples) < int(sampling_rate_hz):
        return np.zeros(0, dtype=np.int64)
    filtered = sosfiltfilt(_qrs_filter(float(sampling_rate_hz)), samples)
    energy = np.gradient(filtered) ** 2
    energy = uniform_filter1d(energy, max(1, int(_INTEGRATION_S * sampling_rate_hz)))
    reference = maximum_filter1d(energy, max(1, int(_REFERENCE_S * sampling_rate_hz)))
    reference = uniform_filter1d(reference, max(1, int(2 * _REFERENCE_S * sampling_rate_hz)))
    peaks, _ = find_peaks(
        energy,
        height=_THRESHOLD * reference + 1e-12,
        distance=max(1, int(_REFRACTORY_S * sampling_rate_hz)),
    )
    return peaks.astype(np.int64)


def rr_features(samples: np.ndarray, sampling_rate_hz: float, window_samples: int) -> np.ndarray:
    """One lead -> float32[n_windows, len(RR_FEATURES)] for its non-overlapping windows.

    Each window reads the R-R intervals that end inside it (the first may start in the
    previous window). Windows with fewer than three intervals get neutral values (a regular
    rhythm at the lead's median rate) and ``enough_beats = 0``.
    """
    n_windows = len(samples) // window_samples
    features = np.zeros((n_windows, len(RR_FEATURES)), dtype=np.float32)
    if n_windows == 0:
        return features
    peaks = r_peaks(samples, sampling_rate_hz)
    rr = np.diff(peaks) / sampling_rate_hz
    ends = peaks[1:]
    plausible = (rr >= _MIN_RR_S) & (rr <= _MAX_RR_S)
    rr, ends = rr[plausible], ends[plausible]
    lead_median = float(np.median(rr)) if len(rr) else 1.0
    bounds = np.searchsorted(ends // window_samples, np.arange(n_windows + 1))
    beats = np.bincount(peaks // window_samples, minlength=n_windows)[:n_windows]
    features[:, 0] = beats / (window_samples / sampling_rate_hz)
    # Neutral values: a regular rhythm at the lead's median rate.
    features[:, 1:] = [lead_median, 0, 0, 0, 1, 1, 0, 1, 0]
    counts = np.diff(bounds)
    enough = np.flatnonzero(counts >= 3)
    if len(enough):
        features[enough, 1:] = _window_features(rr, bounds[enough], counts[enough], lead_median)
    return features


def _window_features(
    rr: np.ndarray, starts: np.ndarray, counts: np.ndarray, lead_median: float
) -> np.ndarray:
    """RR_FEATURES[1:] of windows whose intervals are rr[start : start + count] (count >= 3),
    all windows at once: intervals padded with NaN into one [n_windows, max_count] array."""
    width = int(counts.max())
    valid = np.arange(width)[None, :] < counts[:, None]
    index = np.minimum(starts[:, None] + np.arange(width)[None, :], len(rr) - 1)
    intervals = np.where(valid, rr[index], np.nan)
    median = np.nanmedian(intervals, axis=1)
    mean = np.nanmean(intervals, axis=1)
    delta = np.abs(np.diff(intervals, axis=1))  # NaN where either interval is padding
    n_delta = (counts - 1).astype(np.float64)
    delta0 = np.nan_to_num(delta)
    return np.stack(
        [
            median,
            np.nanstd(intervals, axis=1) / mean,
            np.sqrt((delta0**2).sum(axis=1) / n_delta) / median,
            delta0.max(axis=1) / median,
            np.nanmin(intervals, axis=1) / median,
            np.nanmax(intervals, axis=1) / median,
            (delta0 > _IRREGULAR_DELTA * median[:, None]).sum(axis=1) / n_delta,
            median / lead_median,
            np.ones(len(counts)),
        ],
        axis=1,
    ).astype(np.float32)
