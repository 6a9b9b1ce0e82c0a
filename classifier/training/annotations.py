"""Window labels from cardiologists' beat and rhythm annotations (WFDB ``.atr``).

The rule, written into the model card as ``label_rule``: an analysis window is **NSR** when
normal sinus rhythm ``(N`` is the only rhythm in force anywhere in it and every beat in it is
a normal beat ``N``; otherwise **ARR**. Bundle-branch-block and paced records are therefore
ARR throughout, and one premature beat makes its window ARR. The rhythm before the first
rhythm annotation is taken to be the first annotated rhythm (it comes within 230 samples of
the start in MIT-BIH).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

LABEL_RULE = (
    "NSR iff normal sinus rhythm '(N' is the only rhythm in force anywhere in the window and "
    "every beat annotated in it is 'N'; otherwise ARR. The rhythm before the first rhythm "
    "annotation is the first annotated rhythm. Windows are those served: non-overlapping, "
    "from the recording's first sample."
)
# Beat symbols of WFDB annotations (non-beat symbols such as '+', '~', '|' are ignored).
BEAT_SYMBOLS = frozenset("NLRBAaJSVrFejnE/fQ?")
NORMAL_BEAT = "N"
NORMAL_RHYTHM = "(N"


@dataclass(frozen=True)
class Annotations:
    """Beat and rhythm annotations of one record at its native rate."""

    sampling_rate_hz: float
    beat_samples: np.ndarray  # int64[n_beats]
    beat_symbols: np.ndarray  # str[n_beats]
    rhythm_starts: np.ndarray  # int64[n_rhythms], the first moved to 0
    rhythms: tuple[str, ...]

    @classmethod
    def read(cls, record_path: Path | str, extension: str = "atr") -> Annotations:
        """Read ``<record>.atr`` with the ``wfdb`` package."""
        import wfdb

        ann = wfdb.rdann(str(record_path), extension)
        symbols = np.array(ann.symbol)
        samples = np.asarray(ann.sample, dtype=np.int64)
        is_beat = np.isin(symbols, list(BEAT_SYMBOLS))
        aux = np.array([(note or "").strip("\x00 ") for note in ann.aux_note])
        is_rhythm = (symbols == "+") & (aux != "")
        starts = samples[is_rhythm].copy()
        if len(starts):
            starts[0] = 0
        return cls(
            sampling_rate_hz=float(ann.fs),
            beat_samples=samples[is_beat],
            beat_symbols=symbols[is_beat],
            rhythm_starts=starts,
            rhythms=tuple(aux[is_rhythm]),
        )

    def window_labels(self, window_s: float, n_samples: int, start_s: float = 0.0) -> np.ndarray:
        """str[n_windows]: ``"NSR"`` or ``"ARR"`` for consecutive windows of ``window_s``
        seconds from ``start_s`` over a record of ``n_samples`` native samples."""
        size = window_s * self.sampling_rate_hz
        first = start_s * self.sampling_rate_hz
        n_windows = int((n_samples - first) // size)
        starts = first + size * np.arange(n_windows)
        ends = starts + size
        abnormal_beat = self.beat_symbols != NORMAL_BEAT
        # Count beats (and abnormal beats) in [start, end) with cumulative sums.
        lo = np.searchsorted(self.beat_samples, starts, side="left")
        hi = np.searchsorted(self.beat_samples, ends, side="left")
        abnormal = np.concatenate([[0], np.cumsum(abnormal_beat)])
        has_abnormal_beat = (abnormal[hi] - abnormal[lo]) > 0
        return np.where(has_abnormal_beat | ~self._only_normal_rhythm(starts, ends), "ARR", "NSR")

    def _only_normal_rhythm(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """bool[n]: whether '(N' is the only rhythm in force in each [start, end)."""
        if not len(self.rhythm_starts):
            return np.zeros(len(starts), dtype=bool)
        normal = np.array([rhythm == NORMAL_RHYTHM for rhythm in self.rhythms])
        # The rhythm in force at a window's start, and every rhythm that begins inside it.
        first = np.searchsorted(self.rhythm_starts, starts, side="right") - 1
        last = np.searchsorted(self.rhythm_starts, ends, side="left") - 1
        abnormal = np.concatenate([[0], np.cumsum(~normal)])
        first = np.maximum(first, 0)
        return (abnormal[last + 1] - abnormal[first]) == 0
