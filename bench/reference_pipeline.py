"""The original demo's pipeline, re-implemented faithfully as the benchmark's baseline.

Per request the demo:

1. computed ``pywt.cwt(signal, np.arange(1, 129), 'morl')`` on the whole recording
   (PyWavelets' default ``method='conv'``: direct convolution, float64);
2. took the coefficients' magnitude, min-max normalised it to [0, 1] and resized the
   128 x n_samples image to 224 x 224 with OpenCV (``cv2.INTER_AREA``, bilinear-like area
   averaging for downsizing);
3. loaded the Keras CNN from disk (``keras.models.load_model``) and predicted one image.

The original 520 MB model is not available. :func:`build_stand_in_model` builds a VGG-like
CNN for the same 224 x 224 x 1 input (five blocks of two 3x3 convolutions, 32-256 filters,
then a 256-unit dense head): 5.6 M parameters, 22 MB as a .keras file, i.e. ~24x smaller
than the original, so loading it per call *understates* the reference cost (our speed-ups
are conservative). Its weights are random: only the cost of the pipeline is measured here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SCALES = np.arange(1, 129)
IMAGE_SIZE = 224
N_CLASSES = 3


def reference_cwt(signal: np.ndarray, method: str = "conv") -> np.ndarray:
    """float64[128, n_samples]: ``pywt.cwt(signal, 1..128, 'morl', method=method)[0]``."""
    import pywt

    return pywt.cwt(np.asarray(signal, dtype=np.float64), SCALES, "morl", method=method)[0]


def reference_image(signal: np.ndarray) -> np.ndarray:
    """float32[224, 224]: |CWT| min-max normalised to [0, 1], resized with OpenCV."""
    import cv2

    magnitude = np.abs(reference_cwt(signal)).astype(np.float32)
    low, high = float(magnitude.min()), float(magnitude.max())
    normalised = (magnitude - low) / max(high - low, 1e-12)
    return cv2.resize(normalised, (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_AREA)


def build_stand_in_model(path: Path) -> dict:
    """Save the stand-in reference CNN to ``path`` (.keras); return its size figures."""
    import keras

    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1))
    x = inputs
    for filters in (32, 64, 128, 256, 256):  # 224 -> 7 after five 2x2 poolings
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(256, activation="relu")(x)
    outputs = keras.layers.Dense(N_CLASSES, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="reference_stand_in")
    model.save(path)
    return {"params": int(model.count_params()), "size_bytes": Path(path).stat().st_size}


def reference_classify(signal: np.ndarray, model_path: Path) -> np.ndarray:
    """float32[3]: the demo's request: CWT image, model loaded from disk, one prediction."""
    import keras

    image = reference_image(signal)
    model = keras.models.load_model(model_path, compile=False)
    return np.asarray(model(image[np.newaxis, :, :, np.newaxis], training=False))[0]
