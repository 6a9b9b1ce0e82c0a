"""Min/max envelopes of a signal per zoom level: what the viewer draws of a long recording.

A span with more samples than the viewer asks for is cut into buckets of ``2**level``
samples, aligned on multiples of the bucket size from the recording's first sample (so the
same zoom level gives the same buckets wherever the user pans), and each bucket gives its
minimum and maximum in time order: the trace never hides a spike, however far out it is
zoomed. Pure NumPy, no Django.

``samples``: float32[n_leads, n] in mV at ``sampling_rate_hz``.
"""

from __future__ import annotations

import numpy as np


def zoom_level(n_samples: int, max_points: int) -> int:
    """The smallest level whose buckets (``2**level`` samples, two points each, plus one
    partial bucket at either end) fit ``n_samples`` into ``max_points``; 0: every sample."""
    if n_samples <= max_points:
        return 0
    level = 1
    while 2 * (-(-n_samples // 2**level) + 1) > max_points:
        level += 1
    return level


def sample_range(
    n_samples: int, sampling_rate_hz: float, start_s: float, end_s: float | None
) -> tuple[int, int]:
    """[start, stop) sample indices of a time span, clipped to the recording (>= 1 sample)."""
    start = int(np.clip(round(start_s * sampling_rate_hz), 0, max(n_samples - 1, 0)))
    if end_s is None:
        return start, n_samples
    return start, int(np.clip(round(end_s * sampling_rate_hz), start + 1, n_samples))


def signal_envelope(
    samples: np.ndarray,
    sampling_rate_hz: float,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    max_points: int = 4000,
) -> dict:
    """The span as at most ``max_points`` points per lead.

    -> ``{"t": [s], "leads": [[mV], ...], "decimated": bool, "zoom_level": int,
    "samples_per_bucket": int}``. Level 0: every sample. Above: per bucket two points, its
    minimum and maximum in the order they occur, at the bucket's start and middle times.
    """
    n_leads, n_samples = samples.shape
    start, stop = sample_range(n_samples, sampling_rate_hz, start_s, end_s)
    level = zoom_level(stop - start, max_points)
    if level == 0:
        segment = samples[:, start:stop]
        return {
            "t": (np.arange(start, stop) / sampling_rate_hz).round(4).tolist(),
            "leads": np.asarray(segment, dtype=np.float64).round(4).tolist(),
            "decimated": False,
            "zoom_level": 0,
            "samples_per_bucket": 1,
        }
    size = 2**level
    first, last = start // size, -(-stop // size)  # buckets on the level's grid
    # Samples of the grid outside the span repeat the span's edge values: never a new extreme.
    padding = ((0, 0), (start - first * size, last * size - stop))
    grid = np.pad(np.asarray(samples[:, start:stop]), padding, mode="edge")
    buckets = grid.reshape(n_leads, last - first, size)
    low, high = buckets.min(axis=2), buckets.max(axis=2)
    low_first = buckets.argmin(axis=2) <= buckets.argmax(axis=2)
    pairs = np.where(low_first[..., None], np.stack([low, high], 2), np.stack([high, low], 2))
    bucket_start = np.maximum(np.arange(first, last) * size, start)
    bucket_end = np.minimum(np.arange(first + 1, last + 1) * size, stop)
    t = np.stack([bucket_start, (bucket_start + bucket_end - 1) / 2], axis=1).ravel()
    return {
        "t": (t / sampling_rate_hz).round(4).tolist(),
        "leads": pairs.reshape(n_leads, -1).astype(np.float64).round(4).tolist(),
        "decimated": True,
        "zoom_level": level,
        "samples_per_bucket": size,
    }
