"""What the result page draws: a decimated signal for the zoomable plot and the scalogram image.

Pure NumPy + Pillow (no Django). The browser asks for a time range; we send at most
``max_points`` per lead (min/max per bucket, so no QRS spike disappears when zoomed out).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from classifier.core.cwt import ScalogramSpec, scalograms

# Viridis anchor colours (perceptually uniform, colour-blind safe); interpolated to 256.
_VIRIDIS_ANCHORS = np.array(
    [
        [68, 1, 84],
        [72, 40, 120],
        [62, 73, 137],
        [49, 104, 142],
        [38, 130, 142],
        [31, 158, 137],
        [53, 183, 121],
        [109, 205, 89],
        [180, 222, 44],
        [253, 231, 37],
    ],
    dtype=np.float64,
)
_LUT = np.stack(
    [
        np.interp(np.linspace(0, 1, 256), np.linspace(0, 1, len(_VIRIDIS_ANCHORS)), channel)
        for channel in _VIRIDIS_ANCHORS.T
    ],
    axis=1,
).astype(np.uint8)


def _clip_range(n_samples: int, fs: float, start_s: float, end_s: float | None) -> tuple[int, int]:
    start = int(np.clip(round(start_s * fs), 0, max(n_samples - 1, 0)))
    stop = n_samples if end_s is None else int(np.clip(round(end_s * fs), start + 1, n_samples))
    return start, stop


def signal_series(
    samples: np.ndarray,
    sampling_rate_hz: float,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    max_points: int = 4000,
) -> dict:
    """samples float32[n_leads, n] -> {"t": [s...], "leads": [[mV...], ...], "decimated": bool}.

    Above ``max_points`` samples the range is split into buckets and each bucket contributes
    its minimum and maximum, in time order, so the envelope of the trace is exact.
    """
    n_leads, n_samples = samples.shape
    start, stop = _clip_range(n_samples, sampling_rate_hz, start_s, end_s)
    segment = samples[:, start:stop]
    times = (np.arange(start, stop) / sampling_rate_hz).astype(np.float64)
    n_buckets = max(max_points // 2, 1)
    if segment.shape[1] <= max_points:
        return {
            "t": times.round(4).tolist(),
            "leads": segment.round(4).tolist(),
            "decimated": False,
        }
    # Pad with the edge value up to whole buckets: duplicates never create a new extreme.
    per_bucket = -(-segment.shape[1] // n_buckets)
    padding = per_bucket * n_buckets - segment.shape[1]
    segment = np.pad(segment, ((0, 0), (0, padding)), mode="edge")
    times = np.pad(times, (0, padding), mode="edge")
    buckets = segment.reshape(n_leads, n_buckets, per_bucket)
    bucket_times = times.reshape(n_buckets, per_bucket)
    low, high = buckets.min(axis=2), buckets.max(axis=2)
    low_first = buckets.argmin(axis=2) <= buckets.argmax(axis=2)  # keep each bucket's order
    pairs = np.where(low_first[..., None], np.stack([low, high], 2), np.stack([high, low], 2))
    half = bucket_times.shape[1] // 2
    t = np.stack([bucket_times[:, 0], bucket_times[:, half]], axis=1).ravel()
    leads = pairs.reshape(n_leads, -1)
    return {"t": t.round(4).tolist(), "leads": leads.round(4).tolist(), "decimated": True}


def scalogram_png(
    samples: np.ndarray,
    spec: ScalogramSpec,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    height_px: int = 256,
) -> bytes:
    """One lead float32[n] -> PNG of the log-envelope scalogram of the windows in the range.

    Rows are frequencies (highest at the top), columns are time at the model's column rate:
    exactly the time-frequency resolution the model consumes.
    """
    window = spec.window_samples
    first = int(max(start_s, 0.0) // spec.window_s)
    n_windows = len(samples) // window
    last = n_windows if end_s is None else min(n_windows, int(np.ceil(end_s / spec.window_s)))
    last = max(last, first + 1)
    segment = samples[first * window : last * window]
    envelope = scalograms(np.asarray(segment, dtype=np.float32), spec)
    image = np.concatenate(list(envelope), axis=1)  # [n_freqs, n_windows * columns]
    logs = np.log10(image + 1e-6)
    low, high = np.percentile(logs, [2, 99.5])
    scaled = np.clip((logs - low) / max(high - low, 1e-6), 0, 1)
    rgb = _LUT[(scaled * 255).astype(np.uint8)]
    picture = Image.fromarray(rgb, mode="RGB")
    if spec.frequencies_hz[0] < spec.frequencies_hz[-1]:
        picture = picture.transpose(Image.Transpose.FLIP_TOP_BOTTOM)  # high frequency on top
    picture = picture.resize((picture.width, height_px), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
