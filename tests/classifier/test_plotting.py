"""The result page's data: min/max decimation keeps every spike; the scalogram is a PNG."""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from classifier.core.cwt import ScalogramSpec
from classifier.core.plotting import scalogram_png, signal_series


def test_short_range_is_returned_at_full_resolution():
    samples = np.arange(2 * 1280, dtype=np.float32).reshape(2, -1)
    series = signal_series(samples, 128.0, start_s=1.0, end_s=2.0)
    assert series["decimated"] is False
    assert series["t"][0] == pytest.approx(1.0) and len(series["t"]) == 128
    assert series["leads"][1][0] == pytest.approx(1280 + 128)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(5000, 40000),
    spike_at=st.floats(0, 1, exclude_max=True),
    max_points=st.integers(100, 2000),
)
def test_decimation_keeps_extremes_and_bounds_points(n, spike_at, max_points):
    rng = np.random.default_rng(n)
    samples = rng.normal(0, 0.1, size=(1, n)).astype(np.float32)
    samples[0, int(spike_at * (n - 1))] = 5.0  # a QRS-like spike must survive zoom-out
    series = signal_series(samples, 128.0, max_points=max_points)
    assert series["decimated"] is True
    assert len(series["t"]) <= max_points
    assert max(series["leads"][0]) == pytest.approx(5.0, abs=1e-3)
    assert min(series["leads"][0]) == pytest.approx(samples.min(), abs=1e-3)
    assert series["t"] == sorted(series["t"])


def test_range_is_clipped_to_the_recording():
    samples = np.zeros((1, 1280), np.float32)
    series = signal_series(samples, 128.0, start_s=5.0, end_s=999.0)
    assert series["t"][-1] == pytest.approx(1279 / 128, abs=1e-3)


def test_scalogram_png_covers_the_requested_windows(ecg_dir):
    samples = np.load(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")
    spec = ScalogramSpec()
    png = scalogram_png(samples, spec, start_s=16.0, end_s=40.0, height_px=128)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (3 * spec.columns_per_window, 128)  # windows 2, 3, 4
    assert len(set(image.get_flattened_data())) > 20  # a real picture, not a flat fill
