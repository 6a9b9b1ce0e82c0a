"""Turn held-out window logits into the numbers a model card reports.

Windows and recordings are scored the way serving decides: ``softmax(logits / temperature)``
per window, the recording is the mean of its windows' probabilities, and a recording whose top
probability is below ``uncertain_below`` is answered ``uncertain``. A "recording" is one lead
file of the data (the manifest's unit). Every figure comes with a 95 % interval from a
bootstrap over patients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from classifier.core.model import softmax
from classifier.training import metrics
from classifier.training.dataset import WindowSet
from classifier.training.sources import CLASSES

ARR_VS_NSR = ("ARR", "NSR")


@dataclass(frozen=True)
class HeldOut:
    """Logits of windows whose patients the network never saw in training.

    ``logits``: float32[n_windows, n_classes] aligned with ``windows``.
    """

    logits: np.ndarray
    windows: WindowSet

    def window_probs(self, temperature: float | np.ndarray) -> np.ndarray:
        """``temperature``: one value, or float[n_windows] (cross-fitted, one per fold)."""
        return softmax(self.logits / np.reshape(temperature, (-1, 1)))

    def recording_probs(self, temperature: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities float32[n_rec, n_classes], lead indices int[n_rec]) of the leads
        that have at least one window."""
        probs = self.window_probs(temperature)
        leads = np.unique(self.windows.lead_index)
        per_lead = np.array([probs[self.windows.lead_index == i].mean(axis=0) for i in leads])
        return per_lead.reshape(len(leads), len(CLASSES)), leads

    def patients_of_leads(self, lead_indices: np.ndarray) -> np.ndarray:
        return np.array([self.windows.leads[i].patient for i in lead_indices])


def summarise(
    held_out: HeldOut,
    temperature: float | np.ndarray,
    uncertain_below: float | np.ndarray,
    classes: Sequence[str] = CLASSES,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Per-window and per-recording metrics (three-class and ARR-vs-NSR), patient-bootstrap
    intervals, calibration and the effect of the ``uncertain`` outcome.

    ``temperature`` is one value or float[n_windows]; ``uncertain_below`` one value or
    float[n_leads]: cross-validation passes values fitted without the item's own fold.
    """
    windows = held_out.windows
    window_probs = held_out.window_probs(temperature)
    rec_probs, rec_leads = held_out.recording_probs(temperature)
    rec_labels = windows.lead_labels[rec_leads]
    rec_patients = held_out.patients_of_leads(rec_leads)
    rec_threshold = np.broadcast_to(uncertain_below, (len(windows.leads),))[rec_leads]
    arr_nsr = np.isin(rec_labels, [classes.index(name) for name in ARR_VS_NSR])
    levels = {
        "per_window": (window_probs, windows.labels, windows.patients),
        "per_recording": (rec_probs, rec_labels, rec_patients),
    }
    out: dict[str, Any] = {}
    for level, (probs, labels, patients) in levels.items():
        out[level] = {
            "three_class": _scored(probs, labels, patients, classes, n_resamples, seed),
            "arr_vs_nsr": _scored(
                *_two_class(probs, labels, patients, classes), ARR_VS_NSR, n_resamples, seed
            ),
            "calibration": {
                "ece": metrics.expected_calibration_error(probs, labels),
                "reliability_bins": metrics.reliability_bins(probs, labels),
            },
        }
    out["per_recording"]["with_uncertain"] = {
        "three_class": answered_accuracy(rec_probs, rec_labels, rec_patients, rec_threshold),
        # served three-class answers, on the ARR and NSR recordings only
        "arr_vs_nsr": answered_accuracy(
            rec_probs[arr_nsr], rec_labels[arr_nsr], rec_patients[arr_nsr], rec_threshold[arr_nsr]
        ),
    }
    return out


def _two_class(
    probs: np.ndarray, labels: np.ndarray, patients: np.ndarray, classes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Restrict to ARR and NSR items and renormalise over those two classes."""
    columns = [classes.index(name) for name in ARR_VS_NSR]
    keep = np.isin(labels, columns)
    two = probs[keep][:, columns]
    two = two / np.maximum(two.sum(axis=1, keepdims=True), 1e-12)
    relabel = np.searchsorted(columns, labels[keep])
    return two, relabel, patients[keep]


def _scored(
    probs: np.ndarray,
    labels: np.ndarray,
    patients: np.ndarray,
    classes: Sequence[str],
    n_resamples: int,
    seed: int,
) -> dict[str, Any]:
    predicted = probs.argmax(axis=1)
    scored = metrics.report(labels, predicted, classes)
    n_classes = len(classes)
    scored["n_patients"] = len(np.unique(patients))
    scored["ci95"] = {
        "accuracy": metrics.patient_bootstrap_ci(
            lambda idx: metrics.accuracy(labels[idx], predicted[idx]), patients, n_resamples, seed
        ),
        "balanced_accuracy": metrics.patient_bootstrap_ci(
            lambda idx: metrics.balanced_accuracy(labels[idx], predicted[idx], n_classes),
            patients,
            n_resamples,
            seed,
        ),
        "macro_f1": metrics.patient_bootstrap_ci(
            lambda idx: metrics.macro_f1(labels[idx], predicted[idx], n_classes),
            patients,
            n_resamples,
            seed,
        ),
    }
    return scored


def answered_accuracy(
    probs: np.ndarray,
    labels: np.ndarray,
    patients: np.ndarray,
    uncertain_below: float | np.ndarray,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Share answered (top probability >= threshold, as served) and accuracy on those."""
    answered = probs.max(axis=1) >= uncertain_below
    correct = probs.argmax(axis=1) == labels

    def accuracy_answered(idx: np.ndarray) -> float:
        return float(correct[idx][answered[idx]].mean()) if answered[idx].any() else float("nan")

    return {
        "answered_fraction": round(float(answered.mean()), 4) if len(answered) else None,
        "accuracy_on_answered": round(accuracy_answered(np.arange(len(labels))), 4),
        "ci95_accuracy_on_answered": metrics.patient_bootstrap_ci(
            accuracy_answered, patients, n_resamples, seed
        ),
        "ci95_answered_fraction": metrics.patient_bootstrap_ci(
            lambda idx: float(answered[idx].mean()), patients, n_resamples, seed
        ),
    }
