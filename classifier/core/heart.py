"""Heart rate and R-R intervals of a whole recording: what the viewer marks and the API reports.

Computed once per recording from the R-peaks of :func:`classifier.core.rhythm.r_peaks` (the
detector the model's rhythm inputs use), on the lead whose beat sequence is the most
regular, so a lead that is noisy or double-counts tall T waves does not set the rate.
Pure NumPy, no Django.

``samples``: float32[n_leads, n] in mV at ``sampling_rate_hz``; times in seconds, intervals
in milliseconds, rates in beats per minute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from classifier.core.rhythm import r_peaks
from classifier.core.signal import release_pages

# R-R intervals outside this range are detection errors or signal gaps, not beats
# (the same bounds as the model's R-R features: 20-300 bpm).
MIN_RR_S, MAX_RR_S = 0.2, 3.0
_R_SEARCH_S = 0.06  # the R apex: the largest deflection within 60 ms of the detection
_IRREGULAR_DELTA = 0.15  # successive R-R differences above 15 % of the median: irregular
MAX_TACHOGRAM_POINTS = 2000  # the stored R-R series: every beat, or means of equal stretches
HEART_RATE_TREND_S = 60.0  # one heart-rate point per minute for the trend under the trace
# Beats are detected an hour at a time, so memory does not grow with the recording (a 48-h
# lead as float64 is 177 MB, times the detector's intermediate arrays). Each hour is read
# with this much more either side: the detector's filters and its 2.5-s threshold reach
# less than 4 s, so beats in the hour are found as in the whole lead.
STRETCH_S = 3600.0
_OVERLAP_S = 10.0


@dataclass(frozen=True)
class HeartRhythm:
    """The R-peaks of one recording and what follows from them."""

    lead: int  # the lead the R-peaks were detected on
    sampling_rate_hz: float
    r_peaks: np.ndarray  # int64[k] sample indices of the R apices, increasing
    duration_s: float

    @property
    def peak_times_s(self) -> np.ndarray:
        return self.r_peaks / self.sampling_rate_hz

    @property
    def rr_ms(self) -> np.ndarray:
        """float[k'] the plausible R-R intervals (ms), each ending at ``rr_end_s``."""
        return 1e3 * np.diff(self.r_peaks)[self._plausible] / self.sampling_rate_hz

    @property
    def rr_end_s(self) -> np.ndarray:
        return self.r_peaks[1:][self._plausible] / self.sampling_rate_hz

    @property
    def _plausible(self) -> np.ndarray:
        rr_s = np.diff(self.r_peaks) / self.sampling_rate_hz
        return (rr_s >= MIN_RR_S) & (rr_s <= MAX_RR_S)

    def heart_rate_bpm(self) -> float | None:
        """Mean heart rate: 60 000 / mean plausible R-R interval (None under two intervals)."""
        rr = self.rr_ms
        return round(60e3 / float(rr.mean()), 1) if len(rr) >= 2 else None

    def summary(self) -> dict:
        """``{heart_rate_bpm, rr_ms: {mean, min, max}, n_beats, lead}`` (None when too few
        beats were found to time the rhythm)."""
        rr = self.rr_ms
        enough = len(rr) >= 2
        return {
            "heart_rate_bpm": self.heart_rate_bpm(),
            "rr_ms": {
                "mean": round(float(rr.mean()), 1) if enough else None,
                "min": round(float(rr.min()), 1) if enough else None,
                "max": round(float(rr.max()), 1) if enough else None,
            },
            "n_beats": len(self.r_peaks),
            "lead": self.lead,
        }

    def tachogram(self, max_points: int = MAX_TACHOGRAM_POINTS) -> dict:
        """The R-R series ``{"t_s": [...], "rr_ms": [...]}``: every plausible interval at the
        time its beat ends, or, for more than ``max_points`` intervals, the mean of each of
        ``max_points`` equal runs of consecutive intervals (at their mean time)."""
        rr, t = self.rr_ms, self.rr_end_s
        if len(rr) > max_points:
            groups = np.array_split(np.arange(len(rr)), max_points)
            rr = np.array([rr[g].mean() for g in groups])
            t = np.array([t[g].mean() for g in groups])
        return {"t_s": np.round(t, 3).tolist(), "rr_ms": np.round(rr, 1).tolist()}

    def heart_rate_trend(self, step_s: float = HEART_RATE_TREND_S) -> dict:
        """``{"t_s": [...], "bpm": [...]}``: mean heart rate of each ``step_s`` stretch
        (its centre time), from the plausible intervals ending in it; None where none do."""
        n_steps = max(int(np.ceil(self.duration_s / step_s)), 1)
        step = np.minimum((self.rr_end_s // step_s).astype(np.int64), n_steps - 1)
        sums = np.bincount(step, weights=self.rr_ms, minlength=n_steps)
        counts = np.bincount(step, minlength=n_steps)
        bpm = [round(60e3 * c / s, 1) if c else None for s, c in zip(sums, counts, strict=True)]
        centres = np.minimum((np.arange(n_steps) + 0.5) * step_s, self.duration_s)
        return {"t_s": np.round(centres, 3).tolist(), "bpm": bpm}


def r_apices(lead: np.ndarray, peaks: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
    """Move each detection (energy peak) to the R apex: the sample of largest deflection from
    the local median within ``_R_SEARCH_S``, so marks and intervals sit on the waveform."""
    if len(peaks) == 0:
        return peaks.astype(np.int64)
    search = max(1, round(_R_SEARCH_S * sampling_rate_hz))
    offsets = np.arange(-search, search + 1)
    index = np.clip(peaks[:, None] + offsets[None, :], 0, len(lead) - 1)
    near = np.asarray(lead, dtype=np.float64)[index]
    near -= np.median(near, axis=1, keepdims=True)
    apices = index[np.arange(len(peaks)), np.argmax(np.abs(near), axis=1)]
    return np.unique(apices).astype(np.int64)


def irregular_fraction(peaks: np.ndarray, sampling_rate_hz: float) -> float:
    """Share of successive plausible R-R differences above 15 % of the median interval (1.0
    under three intervals): what tells a lead that misses or double-counts beats."""
    rr = np.diff(peaks) / sampling_rate_hz
    rr = rr[(rr >= MIN_RR_S) & (rr <= MAX_RR_S)]
    if len(rr) < 3:
        return 1.0
    return float(np.mean(np.abs(np.diff(rr)) > _IRREGULAR_DELTA * np.median(rr)))


def lead_r_apices(
    lead: np.ndarray, sampling_rate_hz: float, stretch_s: float = STRETCH_S
) -> np.ndarray:
    """int64[k] R apices of one lead float[n] (mV), detected a stretch of ``stretch_s`` at
    a time (with ``_OVERLAP_S`` either side; a beat belongs to the stretch it is detected in)."""
    step = max(1, round(stretch_s * sampling_rate_hz))
    overlap = round(_OVERLAP_S * sampling_rate_hz)
    found = [np.zeros(0, dtype=np.int64)]
    for start in range(0, len(lead), step):
        stop = min(start + step, len(lead))
        low, high = max(start - overlap, 0), min(stop + overlap, len(lead))
        part = np.array(lead[low:high], dtype=np.float64)
        release_pages(lead)
        peaks = r_peaks(part, sampling_rate_hz)
        peaks = peaks[(peaks >= start - low) & (peaks < stop - low)]
        found.append(r_apices(part, peaks, sampling_rate_hz) + low)
    return np.unique(np.concatenate(found))


def heart_rhythm(
    samples: np.ndarray, sampling_rate_hz: float, stretch_s: float = STRETCH_S
) -> HeartRhythm:
    """R-peaks of the recording on its most regular lead (the first of equals), detected
    ``stretch_s`` at a time (:func:`lead_r_apices`).

    A lead whose QRS is small or noisy lets the detector count noise or T waves as beats,
    which shows as alternating short and long intervals; a true arrhythmia is irregular on
    every lead, so the most regular lead loses none. Known limit: in bigeminy, a lead on
    which every ectopic beat is too small to detect looks regular at half the rate.
    """
    samples = np.atleast_2d(samples)
    best: tuple[float, int, np.ndarray] | None = None
    for index, lead in enumerate(samples):
        peaks = lead_r_apices(lead, sampling_rate_hz, stretch_s)
        score = irregular_fraction(peaks, sampling_rate_hz)
        if best is None or score < best[0]:
            best = (score, index, peaks)
    assert best is not None  # at least one lead
    return HeartRhythm(
        lead=best[1],
        sampling_rate_hz=float(sampling_rate_hz),
        r_peaks=best[2],
        duration_s=samples.shape[1] / sampling_rate_hz,
    )
