"""Classification metrics, patient-bootstrap confidence intervals and calibration.

Everything works on plain arrays: class indices ``y_true``/``y_pred`` (int[n]), probabilities
``probs`` (float[n, n_classes]) and, for the bootstrap, the patient of every item. Intervals
resample *patients*, not windows or files: windows of one patient are strongly correlated, so
resampling them would report far narrower intervals than the data supports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from classifier.core.model import softmax


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """int64[n_classes, n_classes]: rows are true classes, columns predicted classes."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else float("nan")


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """Mean F1 over the classes present in ``y_true`` (absent classes carry no information)."""
    return _mean_over_present(y_true, y_pred, n_classes, "f1")


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """Mean recall over the classes present in ``y_true``."""
    return _mean_over_present(y_true, y_pred, n_classes, "recall")


def _mean_over_present(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, key: str) -> float:
    per_class = _per_class(confusion_matrix(y_true, y_pred, n_classes))
    present = [row[key] for row in per_class if row["support"] > 0]
    return float(np.mean(present)) if present else float("nan")


def report(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> dict[str, Any]:
    """Accuracy, balanced accuracy, macro-F1, per-class recall/precision/F1, confusion matrix."""
    n_classes = len(classes)
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    return {
        "n": len(y_true),
        "accuracy": _round(accuracy(y_true, y_pred)),
        "balanced_accuracy": _round(balanced_accuracy(y_true, y_pred, n_classes)),
        "macro_f1": _round(macro_f1(y_true, y_pred, n_classes)),
        "per_class": {
            name: {key: _round(value) for key, value in row.items()}
            for name, row in zip(classes, _per_class(matrix), strict=True)
        },
        "confusion_matrix": {
            "rows_true_columns_predicted": list(classes),
            "counts": matrix.tolist(),
        },
    }


def _per_class(matrix: np.ndarray) -> list[dict[str, float]]:
    rows = []
    for k in range(len(matrix)):
        tp = matrix[k, k]
        support, predicted = matrix[k].sum(), matrix[:, k].sum()
        recall = tp / support if support else float("nan")
        precision = tp / predicted if predicted else float("nan")
        f1 = 2 * tp / (support + predicted) if support + predicted else float("nan")
        rows.append({"recall": recall, "precision": precision, "f1": f1, "support": int(support)})
    return rows


def patient_bootstrap_ci(
    metric: Callable[[np.ndarray], float],
    patients: np.ndarray,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of ``metric(item_indices)`` over resamples of whole patients.

    ``patients``: str[n] patient of every item. Each resample draws as many patients as
    there are, with replacement, and takes all items of every drawn patient.
    """
    unique, inverse = np.unique(patients, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(unique))]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        drawn = rng.integers(0, len(unique), len(unique))
        value = metric(np.concatenate([members[k] for k in drawn]))
        if np.isfinite(value):
            values.append(value)
    if not values:
        return (float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return (_round(low), _round(high))


def expected_calibration_error(probs: np.ndarray, y_true: np.ndarray, n_bins: int = 10) -> float:
    """ECE of the top-class confidence: sum over equal-width bins of |accuracy - confidence|,
    weighted by the share of items in the bin."""
    bins = reliability_bins(probs, y_true, n_bins)
    total = sum(b["count"] for b in bins)
    return _round(
        sum(b["count"] / total * abs(b["accuracy"] - b["confidence"]) for b in bins if b["count"])
    )


def reliability_bins(probs: np.ndarray, y_true: np.ndarray, n_bins: int = 10) -> list[dict]:
    """Per confidence bin: range, count, mean confidence and accuracy of the top class."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(y_true)
    edges = np.linspace(0, 1, n_bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, n_bins - 1)
    bins = []
    for k in range(n_bins):
        inside = index == k
        bins.append(
            {
                "low": _round(edges[k]),
                "high": _round(edges[k + 1]),
                "count": int(inside.sum()),
                "confidence": _round(confidence[inside].mean()) if inside.any() else None,
                "accuracy": _round(correct[inside].mean()) if inside.any() else None,
            }
        )
    return bins


def fit_temperature(logits: np.ndarray, y_true: np.ndarray) -> float:
    """Temperature T minimising the negative log-likelihood of softmax(logits / T)."""

    def nll(log_t: float) -> float:
        probs = softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(probs[np.arange(len(y_true)), y_true] + 1e-12)))

    result = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return _round(float(np.exp(result.x)))


def _round(value: float) -> float:
    return round(float(value), 4)
