"""The scalogram image the result page shows (the trace's envelopes: ``core.envelope``).

Pure NumPy + Pillow (no Django).
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
