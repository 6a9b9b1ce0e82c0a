"""Patient-grouped, stratified k-fold cross-validation of a recipe.

Every recording is scored by the network trained without its patient. The decision rule is
cross-fitted too: a fold's recordings are scored with the temperature and ``uncertain``
threshold fitted on the *other* folds' predictions, so choosing them does not flatter the
reported numbers. The values fitted on all folds are the ones a shipped model carries.

With the rarest class dealt first (see :func:`classifier.training.split.patient_folds`) and
two CHF patients, each CHF patient sits in its own fold: CHF is evaluated leave-one-patient-out.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifier.core.cwt import ScalogramSpec
from classifier.core.model import softmax
from classifier.training import metrics
from classifier.training.evaluation import HeldOut, summarise
from classifier.training.fit import logits_of
from classifier.training.recipes import Recipe
from classifier.training.sources import CLASSES, Lead
from classifier.training.split import fold_index, patient_folds

logger = logging.getLogger(__name__)

TARGET_ANSWERED_ACCURACY = 0.95
MIN_ANSWERED_FRACTION = 0.70


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold logits of one recipe plus its fitted decision rule."""

    recipe: Recipe
    held_out: HeldOut
    lead_fold: np.ndarray  # int[n_leads]: the fold each lead was scored in
    n_folds: int
    seed: int
    seconds: float
    probe_logits: Mapping[str, np.ndarray] = field(default_factory=dict)
    teacher: CrossValidation | None = None  # a distilled recipe's ensemble, same folds

    @property
    def with_teacher(self) -> tuple[CrossValidation, ...]:
        """This result, then its teacher's if it has one: everything these folds scored."""
        return (self,) if self.teacher is None else (self, self.teacher)

    @property
    def window_fold(self) -> np.ndarray:
        return self.lead_fold[self.held_out.windows.lead_index]

    def temperature(self, exclude_fold: int | None = None) -> float:
        """Temperature fitted on the out-of-fold window logits (of all folds but one)."""
        keep = self.window_fold != exclude_fold
        return metrics.fit_temperature(
            self.held_out.logits[keep], self.held_out.windows.labels[keep]
        )

    def uncertain_below(self, exclude_fold: int | None = None) -> float:
        """Threshold chosen on the recordings of all folds (but one), each scored with the
        temperature fitted without its own fold."""
        probs, labels, leads = self._cross_fitted_recordings
        keep = self.lead_fold[leads] != exclude_fold
        return choose_threshold(probs[keep], labels[keep])

    @functools.cached_property
    def _per_fold_temperatures(self) -> np.ndarray:
        """float[n_folds]: each fold's temperature, fitted without that fold (computed once)."""
        return np.array([self.temperature(exclude_fold=k) for k in range(self.n_folds)])

    @functools.cached_property
    def _cross_fitted_recordings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(probabilities, class indices, lead indices) of the recordings, each scored with
        the temperature fitted without its own fold (computed once)."""
        temperature = self._per_fold_temperatures[self.window_fold]
        probs, leads = self.held_out.recording_probs(temperature)
        return probs, self.held_out.windows.lead_labels[leads], leads

    def report(self, n_resamples: int = 1000) -> dict[str, Any]:
        """Cross-fitted metrics plus the decision rule fitted on every fold."""
        per_fold_temperatures = self._per_fold_temperatures
        thresholds = np.array([self.uncertain_below(exclude_fold=k) for k in range(self.n_folds)])
        scores = summarise(
            self.held_out,
            per_fold_temperatures[self.window_fold],
            thresholds[self.lead_fold],
            n_resamples=n_resamples,
            seed=self.seed,
        )
        return {
            "recipe": self.recipe.name,
            "description": self.recipe.description,
            "folds": self.n_folds,
            "seed": self.seed,
            "seconds": round(self.seconds, 1),
            "decision": {
                "temperature": self.temperature(),
                "uncertain_below": self.uncertain_below(),
                "per_fold_temperature": per_fold_temperatures.tolist(),
                "per_fold_uncertain_below": thresholds.tolist(),
            },
            "uncalibrated_window_ece": metrics.expected_calibration_error(
                softmax(self.held_out.logits), self.held_out.windows.labels
            ),
            **scores,
            **({"probes": self._probe_report()} if self.probe_logits else {}),
        }

    def _probe_report(self) -> dict[str, Any]:
        """Window accuracy (ARR vs NSR windows, three-class argmax) with each probe applied."""
        labels = self.held_out.windows.labels
        arr_nsr = np.isin(labels, [CLASSES.index("ARR"), CLASSES.index("NSR")])

        def accuracy(logits: np.ndarray) -> float:
            return round(float(np.mean(logits[arr_nsr].argmax(axis=1) == labels[arr_nsr])), 4)

        return {
            "window_accuracy_arr_nsr_windows": accuracy(self.held_out.logits),
            **{name: accuracy(logits) for name, logits in self.probe_logits.items()},
        }


def choose_threshold(
    probs: np.ndarray,
    labels: np.ndarray,
    target_accuracy: float = TARGET_ANSWERED_ACCURACY,
    min_answered: float = MIN_ANSWERED_FRACTION,
) -> float:
    """The lowest top-probability threshold whose answered recordings reach
    ``target_accuracy``; if none does while answering ``min_answered``, the threshold with
    the best accuracy among those answering at least ``min_answered``."""
    top = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    candidates = np.unique(np.concatenate([[1.0 / probs.shape[1]], top]))
    feasible = []
    for threshold in candidates:
        answered = top >= threshold
        if answered.mean() < min_answered:
            break
        accuracy = correct[answered].mean()
        if accuracy >= target_accuracy:
            return round(float(threshold), 4)
        feasible.append((accuracy, -threshold))
    if not feasible:
        return round(float(candidates[0]), 4)
    return round(float(-max(feasible)[1]), 4)


def cross_validate(
    recipe: Recipe,
    leads: Sequence[Lead],
    n_folds: int = 5,
    seed: int = 0,
    probes: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
) -> CrossValidation:
    """Train ``n_folds`` networks, each without one fold's patients, and score that fold.

    ``probes`` are input transforms (e.g. blanking a frequency band) whose effect on the
    held-out windows tells what the networks rely on; their logits are kept per probe.
    """
    probes = probes or {}
    started = time.perf_counter()
    folds = patient_folds(leads, n_folds, seed)
    windows = recipe.evaluation_windows(leads)  # computed once: evaluation is not augmented
    lead_fold = fold_index([lead.patient for lead in leads], folds)
    logits = np.zeros((len(windows), len(CLASSES)), np.float32)
    teacher_recipe = recipe.teacher
    teacher_logits = np.zeros_like(logits) if teacher_recipe else None
    probe_logits = {name: np.zeros_like(logits) for name in probes}
    for k in range(n_folds):
        train = [lead for lead, fold in zip(leads, lead_fold, strict=True) if fold != k]
        model, teacher = recipe.train_with_teacher(train, seed=seed + k)
        scored = lead_fold[windows.lead_index] == k
        logits[scored] = logits_of(model, windows.inputs[scored])
        if teacher_logits is not None:
            teacher_logits[scored] = logits_of(teacher, windows.inputs[scored])
        for name, probe in probes.items():
            probe_logits[name][scored] = logits_of(model, probe(windows.inputs[scored]))
        logger.info(
            "  %s fold %d/%d: %d patients, window accuracy %.3f (%.0f s)",
            recipe.name,
            k + 1,
            n_folds,
            len(folds[k]),
            np.mean(logits[scored].argmax(axis=1) == windows.labels[scored]),
            time.perf_counter() - started,
        )
    seconds = time.perf_counter() - started
    return CrossValidation(
        recipe=recipe,
        held_out=HeldOut(logits, windows),
        lead_fold=lead_fold,
        n_folds=n_folds,
        seed=seed,
        seconds=seconds,
        probe_logits=probe_logits,
        teacher=None
        if teacher_recipe is None or teacher_logits is None
        else CrossValidation(
            teacher_recipe, HeldOut(teacher_logits, windows), lead_fold, n_folds, seed, seconds
        ),
    )


def band_occlusion_probes(
    spec: ScalogramSpec, edges_hz: Sequence[float] = (2.0, 5.0, 12.0, 25.0)
) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """One probe per frequency band: its scalogram rows set to 0 (the per-window mean after
    z-scoring). A large accuracy drop when blanking the highest band, where recorders differ
    in noise and filtering, would point at a recorder shortcut."""
    frequencies = spec.frequencies_hz
    bounds = [spec.f_min_hz, *[e for e in edges_hz if spec.f_min_hz < e < spec.f_max_hz]]
    bounds.append(spec.f_max_hz)
    probes: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
    for low, high in itertools.pairwise(bounds):
        rows = np.flatnonzero((frequencies >= low) & (frequencies <= high))
        probes[f"without_{low:g}-{high:g}_hz"] = functools.partial(_blank_rows, rows=rows)
    return probes


def _blank_rows(inputs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    blanked = inputs.copy()
    blanked[:, rows] = 0.0
    return blanked
