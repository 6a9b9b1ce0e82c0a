"""The equipment-only shortcut control.

Each class here comes from its own database, so a model can score well by recognising the
recorder instead of the heart. This control is trained under the very same patient-grouped
folds on features that carry no rhythm or morphology information: high-frequency noise,
amplitude, baseline wander and sample-to-sample change. Whatever it reaches is what "knowing
the recorder" is worth; a model is only shown to learn cardiology by what it adds beyond it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.signal import butter, sosfiltfilt

from classifier.core.cwt import ScalogramSpec
from classifier.core.pipeline import robust_amplitude
from classifier.training.dataset import evaluation_windows
from classifier.training.evaluation import HeldOut, summarise
from classifier.training.sources import CLASSES, Lead
from classifier.training.split import fold_index, patient_folds

FEATURES = (
    "noise_above_45hz_mv",  # std of the 45-64 Hz band: recorder noise floor / filtering
    "noise_above_45hz_relative",  # the same relative to the QRS height
    "amplitude_mv",  # robust peak-to-peak: gain and lead placement
    "baseline_wander_mv",  # std below 0.5 Hz: electrode/high-pass behaviour
    "sample_step_mv",  # median |x[t+1] - x[t]|: resolution and smoothing of the chain
)


@functools.cache
def _filters(sampling_rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    high = butter(4, 45.0, btype="highpass", fs=sampling_rate_hz, output="sos")
    low = butter(2, 0.5, btype="lowpass", fs=sampling_rate_hz, output="sos")
    return high, low


def equipment_features(samples: np.ndarray, spec: ScalogramSpec) -> np.ndarray:
    """One lead (mV) -> float32[n_windows, len(FEATURES)] over the model's windows."""
    high, low = _filters(spec.sampling_rate_hz)
    samples = np.asarray(samples, dtype=np.float64)
    noise, wander = sosfiltfilt(high, samples), sosfiltfilt(low, samples)
    n_windows = len(samples) // spec.window_samples
    rows = []
    for k in range(n_windows):
        window = slice(k * spec.window_samples, (k + 1) * spec.window_samples)
        amplitude = max(robust_amplitude(samples[window]), 1e-6)
        noise_std = float(noise[window].std())
        rows.append(
            [
                noise_std,
                noise_std / amplitude,
                amplitude,
                float(wander[window].std()),
                float(np.median(np.abs(np.diff(samples[window])))),
            ]
        )
    return np.asarray(rows, dtype=np.float32).reshape(n_windows, len(FEATURES))


def _classifiers(seed: int) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    return {
        "gradient_boosting": HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, class_weight="balanced", random_state=seed
        ),
        "logistic_regression": make_pipeline(
            FunctionTransformer(np.log1p),  # every feature is a positive scale
            StandardScaler(),
            LogisticRegression(class_weight="balanced", max_iter=2000),
        ),
    }


def shortcut_control(
    leads: Sequence[Lead],
    spec: ScalogramSpec,
    max_windows_per_lead: int,
    n_folds: int = 5,
    seed: int = 0,
    n_resamples: int = 1000,
) -> dict[str, Any]:
    """Both equipment-only classifiers under the same patient folds as the models."""
    windows = evaluation_windows(leads, spec, max_windows_per_lead, equipment_features)
    folds = patient_folds(leads, n_folds, seed)
    window_fold = fold_index(windows.patients, folds)
    out: dict[str, Any] = {"features": list(FEATURES)}
    for name in _classifiers(seed):
        probs = np.zeros((len(windows), len(CLASSES)))
        for k in range(n_folds):
            model = _classifiers(seed)[name]
            train = window_fold != k
            model.fit(windows.inputs[train], windows.labels[train])
            columns = [int(c) for c in model.classes_]
            probs[np.ix_(~train, columns)] = model.predict_proba(windows.inputs[~train])
        held_out = HeldOut(np.log(np.clip(probs, 1e-7, 1.0)).astype(np.float32), windows)
        out[name] = summarise(held_out, 1.0, 0.0, n_resamples=n_resamples, seed=seed)
    return out
