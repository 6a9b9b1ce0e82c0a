"""Rhythm models (v5 on): decision rule fitted on folds, then every figure the card reports.

All figures come from held-out logits (:mod:`classifier.training.rhythm_fit`): windows of a
patient scored by a network that never saw that patient (cross-validation) or that
database (leave-one-database-out). Recording answers use :func:`classifier.core.pipeline.
recording_answer`, the very rule serving applies, with thresholds cross-fitted: the
figures of fold k use thresholds fitted on the other folds only. Intervals resample
patients (:func:`classifier.training.metrics.patient_bootstrap_ci`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from classifier.core.card import UNCERTAIN, DecisionRule
from classifier.core.model import softmax
from classifier.core.pipeline import (
    ARR,
    decide,
    fuse_leads,
    longest_run,
    recording_answer,
    window_labels,
)
from classifier.training.corpus import WindowTable
from classifier.training.crossval import choose_threshold
from classifier.training.metrics import fit_temperature, patient_bootstrap_ci
from classifier.training.rhythm_fit import CLASSES, class_indices

TARGET_ANSWERED_ACCURACY = 0.95
MIN_ANSWERED = 0.70
BURDEN_GRID = tuple(round(x, 2) for x in np.arange(0.1, 1.0, 0.1))
RUN_GRID_S: tuple[float | None, ...] = (None, 32.0, 64.0, 128.0)
RECORDING_THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0.5, 0.99, 0.05))
MIN_RECORDINGS_PER_DATABASE = 10


def _round(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


# ---------------------------------------------------------------- recordings from windows


@dataclass(frozen=True)
class Recordings:
    """One entry per lead (a recording's lead is what CinC and ecg/ label): which windows."""

    lead_index: np.ndarray  # int64[r] into table.leads
    members: list[np.ndarray]  # window rows of each

    @classmethod
    def of(cls, table: WindowTable, rows: np.ndarray) -> Recordings:
        return cls(*table.by_lead(rows))


@dataclass(frozen=True)
class Summaries:
    """Per recording what the decision rule reads (every corpus window counts as usable)."""

    mean: np.ndarray  # float[r, n_classes]
    arr_burden: np.ndarray  # float[r]
    arr_run_s: np.ndarray  # float[r]

    @classmethod
    def of(
        cls, probs: np.ndarray, recordings: Recordings, window_threshold: float, window_s: float
    ) -> Summaries:
        labels = window_labels(probs, CLASSES, window_threshold)
        means, burdens, runs = [], [], []
        for members in recordings.members:
            arr = labels[members] == ARR
            means.append(probs[members].mean(axis=0))
            burdens.append(arr.mean())
            runs.append(window_s * longest_run(arr))
        return cls(np.array(means), np.array(burdens), np.array(runs))

    def answers(self, decision: DecisionRule) -> np.ndarray:
        """str[r]: :func:`classifier.core.pipeline.decide` on every recording."""
        return np.array(
            [
                decide(1.0, burden, run_s, mean, CLASSES, decision)[0]
                for mean, burden, run_s in zip(
                    self.mean, self.arr_burden, self.arr_run_s, strict=True
                )
            ],
            dtype=object,
        )


# ---------------------------------------------------------------- fitting the decision rule


def fit_decision(
    logits: np.ndarray, table: WindowTable, rows: np.ndarray, window_s: float
) -> DecisionRule:
    """Temperature, window and recording thresholds, burden and run rule from ``rows``.

    * temperature: minimum NLL of the windows' logits;
    * ``window_uncertain_below``: lowest top probability whose answered windows reach 95 %
      accuracy (answering at least 70 %);
    * ``arr_burden_at_least``, ``arr_run_at_least_s`` and ``uncertain_below`` together, on
      the labelled recordings: among the grid points whose answered recordings reach 95 %
      accuracy while answering at least 70 %, the one answering most (else the most accurate
      answering 70 %); accuracy and answered fraction are means over databases holding at
      least MIN_RECORDINGS_PER_DATABASE recordings, so CinC's 3,600 do not decide alone.
    """
    labels = class_indices(table.labels[rows])
    temperature = fit_temperature(logits[rows], labels)
    probs = softmax(logits / temperature)
    window_threshold = choose_threshold(probs[rows], labels, TARGET_ANSWERED_ACCURACY, MIN_ANSWERED)
    recording_rows = rows[~table.lead_values("annotated")[rows]]
    recordings = Recordings.of(table, recording_rows)
    truth = np.array([table.leads[k].lead.label for k in recordings.lead_index])
    databases = np.array([table.leads[k].database for k in recordings.lead_index])
    names, counts = np.unique(databases, return_counts=True)
    masks = [databases == name for name in names[counts >= MIN_RECORDINGS_PER_DATABASE]]
    summaries = Summaries.of(probs, recordings, window_threshold, window_s)
    base = DecisionRule(temperature=temperature, window_uncertain_below=window_threshold)
    scored = []
    for burden in BURDEN_GRID:
        for run_s in RUN_GRID_S:
            for threshold in RECORDING_THRESHOLD_GRID:
                rule = replace(
                    base,
                    arr_burden_at_least=burden,
                    arr_run_at_least_s=run_s,
                    uncertain_below=threshold,
                )
                said = summaries.answers(rule)
                answered = said != UNCERTAIN
                fraction = float(np.mean([answered[m].mean() for m in masks]))
                accuracy = _mean_accuracy_on_answered(said, truth, answered, masks)
                scored.append((fraction, accuracy, rule))
    enough = [x for x in scored if x[0] >= MIN_ANSWERED]
    reaching = [x for x in enough if x[1] >= TARGET_ANSWERED_ACCURACY]
    if reaching:
        return max(reaching, key=lambda x: (x[0], x[1]))[2]
    return max(enough or scored, key=lambda x: (x[1], x[0]))[2]


def _mean_accuracy_on_answered(
    said: np.ndarray, truth: np.ndarray, answered: np.ndarray, masks: list[np.ndarray]
) -> float:
    """Mean over databases of the accuracy on answered recordings (databases answering
    nothing count as 0: a rule that answers nothing is not accurate)."""
    return float(
        np.mean(
            [
                np.mean(said[m & answered] == truth[m & answered]) if (m & answered).any() else 0
                for m in masks
            ]
        )
    )


def cross_fitted(
    logits: np.ndarray, group: np.ndarray, table: WindowTable, window_s: float
) -> HeldOut:
    """Calibrated probabilities of every held-out window and the decision rule of each
    group, both fitted on the other groups' trainable windows only."""
    trainable = table.lead_values("train")
    probs = np.zeros_like(logits)
    rules = {}
    for k in np.unique(group[group >= 0]):
        others = np.flatnonzero((group != k) & (group >= 0) & trainable)
        rules[int(k)] = fit_decision(logits, table, others, window_s)
        inside = group == k
        probs[inside] = softmax(logits[inside] / rules[int(k)].temperature)
    return HeldOut(probs, group, rules)


def with_rule(logits: np.ndarray, group: np.ndarray, rule: DecisionRule) -> HeldOut:
    """Held-out logits scored with one given rule (leave-one-database-out uses the rule
    fitted on the cross-validation folds)."""
    rules = {int(k): rule for k in np.unique(group)}
    return HeldOut(softmax(logits / rule.temperature), group, rules)


# ---------------------------------------------------------------- figures


def _with_ci(
    metric: Callable[[np.ndarray], float], patients: np.ndarray, n_resamples: int, seed: int
) -> dict[str, Any]:
    items = np.arange(len(patients))
    return {
        "value": _round(metric(items)),
        "ci95": list(patient_bootstrap_ci(metric, patients, n_resamples, seed)),
    }


def binary_scores(
    truth: np.ndarray,
    said: np.ndarray,
    patients: np.ndarray,
    n_resamples: int,
    seed: int,
    classes: Sequence[str] = ("ARR", "NSR"),
) -> dict[str, Any]:
    """Sensitivity of each class, balanced accuracy (with patient-bootstrap CIs) and, with
    ``uncertain`` answers, the fraction answered and the accuracy on the answered."""

    def recall(name: str) -> Callable[[np.ndarray], float]:
        def value(idx: np.ndarray) -> float:
            inside = truth[idx] == name
            return float(np.mean(said[idx][inside] == name)) if inside.any() else np.nan

        return value

    def balanced(idx: np.ndarray) -> float:
        values = [recall(name)(idx) for name in classes if (truth[idx] == name).any()]
        return float(np.mean(values)) if values else np.nan

    answered = said != UNCERTAIN
    return {
        "n": len(truth),
        "patients": len(np.unique(patients)),
        "support": {name: int(np.sum(truth == name)) for name in classes},
        "balanced_accuracy": _with_ci(balanced, patients, n_resamples, seed),
        **{
            f"{name.lower()}_sensitivity": _with_ci(recall(name), patients, n_resamples, seed)
            for name in classes
        },
        "answered_fraction": _round(answered.mean()) if len(said) else None,
        "accuracy_on_answered": _with_ci(
            lambda idx: (
                float(np.mean(said[idx][answered[idx]] == truth[idx][answered[idx]]))
                if answered[idx].any()
                else np.nan
            ),
            patients,
            n_resamples,
            seed,
        ),
        "called": {
            name: int(np.sum(said == name)) for name in (*CLASSES, UNCERTAIN) if name in said
        },
    }


@dataclass(frozen=True)
class HeldOut:
    """Calibrated held-out probabilities, the group (fold or database) of every window and
    the decision rule fitted without each group."""

    probs: np.ndarray
    group: np.ndarray
    rules: dict[int, DecisionRule]

    def rule(self, row: int) -> DecisionRule:
        return self.rules[int(self.group[row])]

    def window_answers(self, rows: np.ndarray) -> np.ndarray:
        thresholds = np.array([self.rule(row).window_threshold for row in rows])
        return window_labels(self.probs[rows], CLASSES, thresholds)

    def recording_answer(self, members: np.ndarray, window_s: float, forced: bool) -> str:
        """The serving rule on one recording's windows (``forced``: never ``uncertain``)."""
        rule = self.rule(int(members[0]))
        if forced:
            rule = replace(rule, uncertain_below=0.0, min_good_window_fraction=0.0)
        ones = np.ones(len(members), dtype=bool)
        return recording_answer(self.probs[members], ones, CLASSES, rule, window_s).label


def mitdb_per_window(
    table: WindowTable, held: HeldOut, n_resamples: int, seed: int, lead: str | None = None
) -> dict[str, Any]:
    """MIT-BIH windows against the annotations: with the top class, and with ``uncertain``."""
    rows = np.flatnonzero(table.lead_values("annotated"))
    if lead is not None:
        lead_names = np.array([item.lead.lead for item in table.leads])
        rows = rows[lead_names[table.lead_index[rows]] == lead]
    truth = table.labels[rows]
    patients = table.lead_values("patient")[rows]
    top = np.asarray(CLASSES, dtype=object)[held.probs[rows].argmax(axis=1)]
    records = table.lead_values("id")[rows]
    per_record = []
    for record in np.unique(records):
        inside = records == record
        entry: dict[str, Any] = {"lead": str(record).removesuffix("-annotated")}
        for name in ("NSR", "ARR"):
            of_class = inside & (truth == name)
            entry[f"{name.lower()}_windows"] = int(of_class.sum())
            entry[f"{name.lower()}_sensitivity"] = (
                _round(np.mean(top[of_class] == name)) if of_class.any() else None
            )
        per_record.append(entry)
    return {
        "unit": "8-s window, labelled from the reference annotations (label_rule)",
        "leads": lead or "every lead of each record",
        "top_class": binary_scores(truth, top, patients, n_resamples, seed),
        "with_uncertain": binary_scores(
            truth, held.window_answers(rows), patients, n_resamples, seed
        ),
        "per_record": per_record,
    }


def mitdb_per_time_window(
    table: WindowTable, held: HeldOut, n_resamples: int, seed: int
) -> dict[str, Any]:
    """MIT-BIH per 8-s stretch of time with both leads fused (:func:`classifier.core.pipeline.
    fuse_leads`), as served for a two-lead record."""
    rows = np.flatnonzero(table.lead_values("annotated"))
    record_of_lead = np.array([item.lead.id.rsplit("-", 2)[0] for item in table.leads])
    records = record_of_lead[table.lead_index[rows]]
    truth_parts, top_parts, said_parts, patient_parts = [], [], [], []
    for record in np.unique(records):
        members = rows[records == record]
        position = table.position[members]
        fused, _ = fuse_leads(held.probs[members], np.ones(len(members), bool), position)
        labels = np.empty(len(fused), dtype=object)
        labels[position] = table.labels[members]
        threshold = held.rule(int(members[0])).window_threshold
        truth_parts.append(labels)
        top_parts.append(np.asarray(CLASSES, dtype=object)[fused.argmax(axis=1)])
        said_parts.append(window_labels(fused, CLASSES, threshold))
        patient_parts.append(np.full(len(fused), table.leads[table.lead_index[members[0]]].patient))
    truth, top = np.concatenate(truth_parts), np.concatenate(top_parts)
    said, patients = np.concatenate(said_parts), np.concatenate(patient_parts)
    return {
        "unit": "8-s stretch of a two-lead record, both leads' probabilities averaged",
        "top_class": binary_scores(truth, top, patients, n_resamples, seed),
        "with_uncertain": binary_scores(truth, said, patients, n_resamples, seed),
    }


def per_recording(
    table: WindowTable,
    held: HeldOut,
    database: str,
    n_resamples: int,
    seed: int,
    window_s: float,
) -> dict[str, Any]:
    """A labelled database per recording (one lead file), by the serving rule: "top_class"
    without ``uncertain``, "with_uncertain" as served; with the source's own labels."""
    leads = np.flatnonzero(
        [item.database == database and not item.annotated for item in table.leads]
    )
    rows = np.flatnonzero(np.isin(table.lead_index, leads))
    recordings = Recordings.of(table, rows)
    if not len(recordings.lead_index):
        return {}
    items = [table.leads[k] for k in recordings.lead_index]
    truth = np.array([item.lead.label for item in items])
    original = np.array([item.original_label for item in items])
    patients = np.array([item.patient for item in items])
    forced = np.array(
        [held.recording_answer(m, window_s, forced=True) for m in recordings.members], object
    )
    served = np.array(
        [held.recording_answer(m, window_s, forced=False) for m in recordings.members], object
    )
    classes = tuple(c for c in ("ARR", "NSR", "CHF") if c in truth)
    out: dict[str, Any] = {
        "unit": "recording (one lead file)",
        "top_class": binary_scores(truth, forced, patients, n_resamples, seed, classes),
        "with_uncertain": binary_scores(truth, served, patients, n_resamples, seed, classes),
    }
    if set(original) - set(classes):
        out["by_original_label"] = {
            str(name): _original_label_scores(truth, forced, served, original == name)
            for name in np.unique(original)
        }
    return out


def _original_label_scores(
    truth: np.ndarray, forced: np.ndarray, served: np.ndarray, inside: np.ndarray
) -> dict[str, Any]:
    answered = inside & (served != UNCERTAIN)
    return {
        "n": int(inside.sum()),
        "recall_top_class": _round(np.mean(forced[inside] == truth[inside])),
        "answered_fraction": _round(np.mean(served[inside] != UNCERTAIN)),
        "accuracy_on_answered": (
            _round(np.mean(served[answered] == truth[answered])) if answered.any() else None
        ),
    }


def chf_as_it_stands(table: WindowTable, held: HeldOut, window_s: float) -> dict[str, Any]:
    """What the CHF recordings are called when their patient was held out."""
    out = []
    for k in np.flatnonzero(np.array([item.database == "chfdb" for item in table.leads])):
        rows = np.flatnonzero(table.lead_index == k)
        if not len(rows):
            continue
        out.append(
            {
                "recording": table.leads[k].lead.id,
                "patient": table.leads[k].patient,
                "windows": len(rows),
                "answer": held.recording_answer(rows, window_s, forced=False),
                "mean_probabilities": {
                    name: _round(p)
                    for name, p in zip(CLASSES, held.probs[rows].mean(0), strict=True)
                },
            }
        )
    return {
        "recordings": out,
        "note": (
            "Two CHF patients (chfdb chf01, chf02) are all there is; each was scored by a "
            "network trained without it. This is not an estimate of heart-failure detection: "
            "the model must not be used to detect heart failure."
        ),
    }
