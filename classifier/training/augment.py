"""Realistic augmentation of real ECG signals (never synthetic patients).

Each transform mimics something that differs between recorders or sessions of the same heart:
gain, electrode polarity (lead choice), baseline wander from breathing and movement, and
broadband noise. Noise and wander also blur the recorder fingerprints (noise floor, wander)
that otherwise let a model recognise the database instead of the rhythm. Time shift is done
by the window sampler (:func:`classifier.training.dataset.training_windows`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from classifier.core.pipeline import robust_amplitude


@dataclass(frozen=True)
class Augmentation:
    """Random, label-preserving transform of one lead: float32[n] mV -> float32[n] mV."""

    sampling_rate_hz: float = 128.0
    gain_range: tuple[float, float] = (0.6, 1.6)
    polarity_flip_probability: float = 0.5
    wander_max_relative: float = 0.4  # wander amplitude up to this x the QRS height
    wander_hz: tuple[float, float] = (0.05, 0.5)
    noise_max_relative: float = 0.08  # white-noise std up to this x the QRS height

    def __call__(self, samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        samples = np.asarray(samples, dtype=np.float64)
        height = robust_amplitude(samples)
        t_s = np.arange(len(samples)) / self.sampling_rate_hz
        wander = np.zeros_like(t_s)
        for _ in range(2):
            frequency = rng.uniform(*self.wander_hz)
            amplitude = rng.uniform(0, self.wander_max_relative / 2) * height
            wander += amplitude * np.sin(2 * np.pi * frequency * t_s + rng.uniform(0, 2 * np.pi))
        noise = rng.normal(0, rng.uniform(0, self.noise_max_relative) * height, len(samples))
        sign = -1.0 if rng.random() < self.polarity_flip_probability else 1.0
        gain = rng.uniform(*self.gain_range)
        return (sign * gain * (samples + wander + noise)).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
