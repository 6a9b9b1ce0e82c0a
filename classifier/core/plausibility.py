"""Is the recording's time base believable? A heart-rate check on its R-peaks.

A wrong sampling rate stretches or squeezes time: a 360-Hz recording read as 128 Hz beats at
a third of its rate, one read at three times its rate beats three times as fast. A median
heart rate outside 25-250 bpm is not an ECG finding to classify but a sign that the rate
is wrong; the pipeline then answers ``uncertain`` asking to check the sampling rate.
Pure NumPy/SciPy (R-peaks from ``classifier.core.rhythm``); no Django.

Measured on 407 real recordings (all of ``shared/data/ecg`` and every 12th of
``multi-recorder``), read at a wrong rate: flagged at their true rate 0 %; read at a
quarter of it 87 %, at 1/2.8 of it (a 360-Hz recording read as 128 Hz) 42 %; at four
times 77 %, three times 27 %, twice 3 %. About 2 ms a lead, however long (the excerpts
of all leads are filtered together).
"""

from __future__ import annotations

import numpy as np

from classifier.core.rhythm import r_peaks_of_rows

MIN_PLAUSIBLE_BPM = 25.0
MAX_PLAUSIBLE_BPM = 250.0
_EXCERPT_S = 60.0  # heart rate measured on excerpts of this length ...
_MAX_EXCERPTS = 5  # ... at most this many, spread over the recording (bounded cost)
_MIN_INTERVALS = 3
_FAST_STRETCH = 2
# A squeezed recording's beats are undercounted but still read fast (on 407 real recordings
# read at three or four times their rate, 116 bpm or more in 95 %): only then is the
# stretched reading consulted; a slow recording's noise must not pass for fast beats.
_FAST_CHECK_ABOVE_BPM = 100.0


def median_heart_rate_bpm(samples: np.ndarray, sampling_rate_hz: float) -> float | None:
    """float[n_leads, n] (mV) -> the median heart rate (bpm) over the leads' R-R intervals,
    or None where fewer than three intervals are found (a flat or very short recording).

    Measured with the model's own R-peak detector (``rhythm.r_peaks_of_rows``)
    on up to five 60-s excerpts spread over the recording, so a 24-h Holter costs the same
    as a 5-min one. The detector's 250-ms refractory period stops it at 240 bpm; to see a
    rate above ``MAX_PLAUSIBLE_BPM`` the excerpts are also read as if recorded at half the
    rate (time stretched twice: up to 480 bpm) when the first reading is above
    ``_FAST_CHECK_ABOVE_BPM``, and that reading answers when it is above the maximum.
    """
    excerpts = _excerpts(np.atleast_2d(samples), int(_EXCERPT_S * sampling_rate_hz))
    bpm = _median_bpm(excerpts, sampling_rate_hz, stretch=1)
    if bpm is None or bpm < _FAST_CHECK_ABOVE_BPM:
        return bpm
    fast_bpm = _median_bpm(excerpts, sampling_rate_hz, stretch=_FAST_STRETCH)
    return fast_bpm if fast_bpm is not None and fast_bpm > MAX_PLAUSIBLE_BPM else bpm


def _excerpts(samples: np.ndarray, length: int) -> np.ndarray:
    """float64[m, length]: up to five excerpts of each lead, spread over it; flat ones left out."""
    starts = np.unique(
        np.linspace(0, max(samples.shape[1] - length, 0), _MAX_EXCERPTS).astype(np.int64)
    )
    parts = np.asarray(
        [lead[start : start + length] for lead in samples for start in starts], dtype=np.float64
    )
    return parts[np.ptp(parts, axis=1) > 0]


def _median_bpm(excerpts: np.ndarray, sampling_rate_hz: float, stretch: int) -> float | None:
    """Median rate over the excerpts' R-R intervals, R-peaks found with the samples read as
    recorded at ``sampling_rate_hz / stretch``."""
    intervals = [np.diff(peaks) for peaks in r_peaks_of_rows(excerpts, sampling_rate_hz / stretch)]
    rr_samples = np.concatenate(intervals) if intervals else np.zeros(0)
    if len(rr_samples) < _MIN_INTERVALS:
        return None
    return float(60.0 * sampling_rate_hz / np.median(rr_samples))


def sampling_rate_doubt(heart_rate_bpm: float | None) -> str | None:
    """The message asking to check the sampling rate, or None when the rate is plausible."""
    if heart_rate_bpm is None:
        return None
    if MIN_PLAUSIBLE_BPM <= heart_rate_bpm <= MAX_PLAUSIBLE_BPM:
        return None
    side = "below" if heart_rate_bpm < MIN_PLAUSIBLE_BPM else "above"
    return (
        f"check the sampling rate: at the rate given the heart beats {heart_rate_bpm:.0f} "
        f"times a minute, {side} the plausible {MIN_PLAUSIBLE_BPM:.0f}-{MAX_PLAUSIBLE_BPM:.0f} "
        "bpm; a wrong rate stretches or squeezes every interval"
    )
