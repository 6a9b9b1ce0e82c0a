"""Beat-by-beat context features and the window-with-neighbours table the rhythm stage reads.

The R-R and beat features of :mod:`classifier.core.rhythm` summarise a window against the
whole lead. A single premature beat, though, is premature against the beats just before it,
and an ectopic beat differs from the beats around it; an atrial beat has another P wave. The
features here measure each beat against its local context, then summarise per window.
:func:`with_neighbours` stacks every per-window feature with those of the window before and
after it (rhythms last; one window's evidence is clearer with its neighbours'):
:func:`classifier.core.features.lead_model_inputs` builds the ``rhythm_context`` input so.
:func:`across_leads` gives a window the network's view of the recording's other leads at the
same time (v10 on). Pure NumPy/SciPy, no Django; the same code serves and trains.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from classifier.core import rhythm

CONTEXT_FEATURES: tuple[str, ...] = (
    "premature_min",  # shortest R-R / the median of the 8 intervals before it
    "premature_fraction",  # beats whose R-R is under 85 % of that local median
    "pause_after_max",  # largest next R-R / previous R-R (compensatory pause)
    "p_wave_corr_min",  # the 250-80 ms before the R-peak against the lead's dominant beat
    "p_wave_corr_mean",
    "window_corr_min",  # least correlation of a beat with the window's own median beat
    "width_excess_max",  # widest QRS minus the dominant beat's QRS width (s)
    "alternation",  # R-R differences alternating in sign by > 10 % (bigeminy, AF)
    "odd_or_premature_fraction",  # beats unlike the dominant beat or premature
)
# One window's features (R-R, beat shape, context), then the previous and the next window's.
WINDOW_FEATURES: tuple[str, ...] = rhythm.RR_FEATURES + rhythm.BEAT_FEATURES + CONTEXT_FEATURES
RHYTHM_CONTEXT_FEATURES: tuple[str, ...] = tuple(
    f"{where}{name}" for where in ("", "previous_", "next_") for name in WINDOW_FEATURES
)
_NEUTRAL = (1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0)  # regular, narrow, alike
_LOCAL_BEATS = 8
_PREMATURE = 0.85
_ALTERNATION = 0.1
_P_WAVE_S = (0.25, 0.08)  # before the R-peak


def context_features(windows: rhythm.BeatWindows) -> np.ndarray:
    """A lead's :class:`rhythm.BeatWindows` -> float32[n_windows, len(CONTEXT_FEATURES)];
    windows with fewer than two beats get neutral values."""
    features = np.tile(np.asarray(_NEUTRAL, np.float32), (windows.n_windows, 1))
    peaks, beats, enough = windows.peaks, windows.beats, windows.enough
    if windows.n_windows == 0 or len(peaks) < 4 or not len(enough):
        return features
    rate, half, template = windows.sampling_rate_hz, windows.half, windows.template
    odd = windows.correlations < rhythm._ODD_CORRELATION
    p_start, p_end = half - int(_P_WAVE_S[0] * rate), half - int(_P_WAVE_S[1] * rate)
    p_corr = rhythm._correlation(beats[:, p_start:p_end], template[None, p_start:p_end])

    rr = np.diff(peaks) / rate
    before = np.concatenate([[np.nan], rr])  # the interval ending at each beat
    after = np.concatenate([rr, [np.nan]])
    median_rr = np.median(rr)
    premature = before / _local_median(before, float(median_rr))
    change = np.diff(before, prepend=np.nan)
    alternating = (np.sign(change) * np.sign(np.roll(change, 1)) < 0) & (
        np.abs(change) > _ALTERNATION * median_rr
    )
    is_premature = premature < _PREMATURE  # NaN (the first beat) is not premature

    padded, valid = windows.padded, windows.valid
    window_corr = rhythm._correlation(padded(beats), windows.window_beats[:, None, :])
    with np.errstate(invalid="ignore"):
        features[enough] = np.stack(
            [
                _finite_or(np.nanmin, padded(premature), 1.0),
                windows.fraction(is_premature),
                _finite_or(np.nanmax, padded(after / before), 1.0),
                np.nanmin(padded(p_corr), axis=1),
                np.nanmean(padded(p_corr), axis=1),
                np.nanmin(np.where(valid, window_corr, np.nan), axis=1),
                np.nanmax(padded(windows.widths), axis=1) - windows.lead_width,
                windows.fraction(alternating),
                windows.fraction(odd | is_premature),
            ],
            axis=1,
        )
    return np.nan_to_num(features, nan=0.0)


def _local_median(intervals: np.ndarray, fallback: float) -> np.ndarray:
    """float[k]: the median of the _LOCAL_BEATS intervals before each (``fallback`` when
    there are none yet)."""
    padded = np.concatenate([np.full(_LOCAL_BEATS, np.nan), intervals])
    local = rhythm.nan_median(sliding_window_view(padded, _LOCAL_BEATS)[:-1])
    return np.where(np.isnan(local), fallback, local)


def _finite_or(reduce, values: np.ndarray, default: float) -> np.ndarray:
    """``reduce`` (np.nanmin, np.nanmax) over each row's finite values; ``default`` for a
    row with none."""
    finite = np.isfinite(values)
    rows = finite.any(axis=1)
    out = np.full(len(values), default)
    out[rows] = reduce(np.where(finite[rows], values[rows], np.nan), axis=1)
    return out


def with_neighbours(features: np.ndarray) -> np.ndarray:
    """float32[n, k] per-window features of one stretch -> float32[n, 3k]: each window's,
    then the previous and the next window's (the first and last repeat their own)."""
    if len(features) == 0:
        return np.zeros((0, 3 * features.shape[1]), np.float32)
    previous = np.concatenate([features[:1], features[:-1]])
    following = np.concatenate([features[1:], features[-1:]])
    return np.hstack([features, previous, following]).astype(np.float32)


def across_leads(logits: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """float[n, c] the network's logits of n windows, int[n] ``slots`` (the windows of one
    recording at one time share a slot) -> float64[n, 2c]: the mean and the spread (max -
    min) of the logits over the slot's leads, so one lead's window is read beside what the
    others saw at that time. A lead alone: its own logits and zero spread."""
    logits = np.asarray(logits, dtype=np.float64)
    _, slot = np.unique(np.asarray(slots), return_inverse=True)
    n_slots, width = int(slot.max(initial=-1)) + 1, logits.shape[1]
    sums = np.zeros((n_slots, width))
    highest, lowest = np.full((n_slots, width), -np.inf), np.full((n_slots, width), np.inf)
    np.add.at(sums, slot, logits)
    np.maximum.at(highest, slot, logits)
    np.minimum.at(lowest, slot, logits)
    mean = sums / np.bincount(slot, minlength=n_slots)[:, np.newaxis]
    return np.hstack([mean[slot], (highest - lowest)[slot]])
