"""The result page's scalogram is a PNG of the requested windows."""

import io

import numpy as np
from PIL import Image

from classifier.core.cwt import ScalogramSpec
from classifier.core.plotting import scalogram_png


def test_scalogram_png_covers_the_requested_windows(ecg_dir):
    samples = np.load(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")
    spec = ScalogramSpec()
    png = scalogram_png(samples, spec, start_s=16.0, end_s=40.0, height_px=128)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (3 * spec.columns_per_window, 128)  # windows 2, 3, 4
    assert len(set(image.get_flattened_data())) > 20  # a real picture, not a flat fill
