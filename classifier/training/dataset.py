"""Leads -> model-input windows with labels, leads and patients attached.

Every window goes through :func:`classifier.core.pipeline.model_inputs`, the function serving uses,
so the model is trained on exactly what it will see. Long recordings are capped to a number
of evenly spaced windows: one 2-hour NSR recording would otherwise outweigh all other NSR
patients together, and the model would learn that patient instead of the class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from classifier.core.cwt import ScalogramSpec
from classifier.core.pipeline import model_inputs
from classifier.training.sources import CLASSES, Lead

# A signal-level transform applied before preprocessing (augmentation): (samples, rng) -> samples.
SignalTransform = Callable[[np.ndarray, np.random.Generator], np.ndarray]
# Lead samples -> float32[n_windows, ...] model inputs (default: core.pipeline.model_inputs).
Preprocess = Callable[[np.ndarray, ScalogramSpec], np.ndarray]


@dataclass(frozen=True)
class WindowSet:
    """Model inputs with, per window, the class index and the lead it was cut from.

    ``inputs``: float32[n, n_freqs, columns, 1]; ``labels``: int64[n] indices into
    ``CLASSES``; ``lead_index``: int64[n] indices into ``leads``.
    """

    inputs: np.ndarray
    labels: np.ndarray
    lead_index: np.ndarray
    leads: tuple[Lead, ...]

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def patients(self) -> np.ndarray:
        """str[n]: the patient of every window (the unit of bootstrap resampling)."""
        return np.array([lead.patient for lead in self.leads])[self.lead_index]

    @property
    def lead_labels(self) -> np.ndarray:
        """int64[n_leads]: the class index of every lead."""
        return np.array([CLASSES.index(lead.label) for lead in self.leads], dtype=np.int64)


def evenly_spaced(n_available: int, n_wanted: int) -> np.ndarray:
    """Indices of at most ``n_wanted`` items spread evenly over ``n_available``."""
    if n_available <= n_wanted:
        return np.arange(n_available)
    return np.linspace(0, n_available - 1, n_wanted).round().astype(np.int64)


def lead_inputs(
    samples: np.ndarray,
    spec: ScalogramSpec,
    max_windows: int,
    preprocess: Preprocess = model_inputs,
) -> np.ndarray:
    """Model inputs of one whole lead (exactly as served), then at most ``max_windows``
    evenly spaced windows of them."""
    if len(samples) < spec.window_samples:
        return _no_windows()
    inputs = preprocess(samples, spec)
    return inputs[evenly_spaced(len(inputs), max_windows)]


def evaluation_windows(
    leads: Sequence[Lead],
    spec: ScalogramSpec,
    max_windows_per_lead: int,
    preprocess: Preprocess = model_inputs,
) -> WindowSet:
    """Non-overlapping windows of every lead (as served), capped per lead, no augmentation."""
    per_lead = [lead_inputs(lead.samples, spec, max_windows_per_lead, preprocess) for lead in leads]
    return _window_set(leads, per_lead)


def training_windows(
    leads: Sequence[Lead],
    spec: ScalogramSpec,
    max_windows_per_lead: int,
    views_per_lead: int,
    rng: np.random.Generator,
    augment: SignalTransform | None = None,
    preprocess: Preprocess = model_inputs,
) -> WindowSet:
    """Several views of every lead, each a contiguous run of at most ``max_windows_per_lead``
    windows starting at a random sample (time shift: a 10-s lead moves its 8-s window by up
    to 2 s, a long lead shows another stretch), optionally passed through ``augment`` (a
    transform of the real signal) before the serving preprocessing."""
    window = spec.window_samples
    per_lead = []
    for lead in leads:
        span = min(max_windows_per_lead, len(lead.samples) // window) * window
        views = []
        for _ in range(views_per_lead if span else 0):
            start = int(rng.integers(0, len(lead.samples) - span + 1))
            chunk = lead.samples[start : start + span]
            if augment is not None:
                chunk = augment(chunk, rng)
            views.append(preprocess(chunk, spec))
        per_lead.append(np.concatenate(views) if views else _no_windows())
    return _window_set(leads, per_lead)


def _no_windows() -> np.ndarray:
    return np.zeros((0,), np.float32)


def _window_set(leads: Sequence[Lead], per_lead: Sequence[np.ndarray]) -> WindowSet:
    counts = np.array([len(x) for x in per_lead], dtype=np.int64)
    nonempty = [x for x in per_lead if len(x)]
    return WindowSet(
        inputs=np.concatenate(nonempty) if nonempty else _no_windows(),
        labels=np.repeat([CLASSES.index(lead.label) for lead in leads], counts).astype(np.int64),
        lead_index=np.repeat(np.arange(len(leads)), counts).astype(np.int64),
        leads=tuple(leads),
    )
