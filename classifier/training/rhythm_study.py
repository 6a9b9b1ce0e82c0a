"""Train and evaluate the rhythm models (v5 on, "rhythm, not recorder") and write the card.

    python -m classifier.training.rhythm_study train --out models --version NAME [--seed 0]
    python -m classifier.training.rhythm_study evaluate --card models/NAME.json [--seed 0 --deals 2]

``train``: patient-grouped 5-fold cross-validation (fits the decision rule), the shipped
network on every patient, its card with the cross-validated figures. ``evaluate``: the same
cross-validation (cached), leave-one-database-out, the equipment-only shortcut control and
the cross-validation on ``--deals`` - 1 other deals of the patients into folds (default: one
more), written into the card's ``evaluation``. ``--data`` is the shared data root holding
``wfdb/mitdb``, ``ecg`` and ``multi-recorder`` (default ``../shared/data``).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from classifier.core.card import DecisionRule, ModelCard
from classifier.core.context import CONTEXT_FEATURES, RHYTHM_CONTEXT_FEATURES
from classifier.core.features import BEATS
from classifier.core.model import sha256_of
from classifier.core.rhythm import BEAT_FEATURES, RR_FEATURES
from classifier.training import PROGRESS_LOGGER, show_progress
from classifier.training import card as cards
from classifier.training.annotations import LABEL_RULE
from classifier.training.corpus import (
    CorpusLead,
    WindowTable,
    corpus_sha256,
    read_corpus,
    window_table,
)
from classifier.training.rhythm_eval import (
    HeldOut,
    chf_as_it_stands,
    cross_fitted,
    fit_decision,
    mitdb_per_time_window,
    mitdb_per_window,
    per_recording,
    with_rule,
)
from classifier.training.rhythm_fit import (
    CLASSES,
    HeldOutLogits,
    RhythmRecipe,
    class_indices,
    cross_validated_logits,
    database_groups,
    deal_folds,
    fit_network,
    fold_groups,
    leave_database_out_logits,
    training_rows,
    training_weights,
)
from classifier.training.rhythm_stage import StageRecipe, fit_trees, stage_logits
from classifier.training.shortcut import FEATURES as SHORTCUT_FEATURES
from classifier.training.shortcut import equipment_features
from classifier.training.sources import DataSourceError, shared_data_root

logger = logging.getLogger(PROGRESS_LOGGER)

DEFAULT_VERSION = "wavecardio-cnn-v10"
N_FOLDS = 5
# Databases holding both classes: each is held out whole in turn (leave-one-database-out).
BOTH_CLASS_DATABASES = ("mitdb", "cinc2017", "cpsc2021")
RECORDING_DATABASES = ("cinc2017", "cpsc2021", "ptbxl", "georgia", "ningbo", "svdb", "ltafdb")

INTENDED_USE = (
    "Clinical decision support, not a diagnosis: per 8-s window and per recording, the "
    "output suggests whether an ECG lead shows normal sinus rhythm with normal beats (NSR) or "
    "an arrhythmia / abnormal beats (ARR), with the burden and longest run of ARR windows, or "
    "says 'uncertain'. The CHF output rests on two patients and must not be used. A "
    "clinician must read the ECG."
)
LIMITS = (
    "Decision support, not a diagnosis; every answer must be read by a clinician.",
    "CHF: two patients (chfdb chf01, chf02) are all the heart-failure data there is; the CHF "
    "output cannot detect heart failure and must not be used clinically.",
    "CinC 2017, PTB-XL, Georgia and Ningbo publish no patient ids here: patient = record, "
    "so one person's several recordings may sit in training and test folds at once (CinC "
    "2017 users recorded repeatedly); their figures may be optimistic.",
    "Window labels outside MIT-BIH are the recording's label: a CinC 'other rhythm' "
    "recording may hold normal windows, so per-window figures there are not reported.",
    "MIT-BIH windows are labelled by the rule in label_rule: one premature beat makes a "
    "window ARR; bundle-branch-block and paced records are ARR throughout.",
    "Adults; Holter (MIT-BIH 1975-79, nsrdb, chfdb, CPSC 2021, svdb, ltafdb), AliveCor "
    "handheld single lead (CinC 2017) and a few 12-lead carts (PTB-XL, Georgia, Ningbo). "
    "Not seen: children, implanted devices beyond four paced MIT-BIH records, other "
    "wearables.",
    "Thresholds were fitted on these folds and the recipe was chosen looking at them: the "
    "figures are somewhat optimistic for new recorders; leave-one-database-out shows how "
    "much.",
)
STAGE_LIMIT = (
    "The rhythm stage (v7 on) was designed looking at these folds (its context features, and "
    "from v10 its inputs across leads, were compared on them), and its trees read out-of-fold "
    "network logits that came from "
    "networks which had seen the other folds' patients: a second, smaller source of "
    "optimism. The network-alone row shows what the stage adds under the same folds."
)
CITATIONS = (
    *cards.CITATIONS,
    "Clifford GD et al. AF classification from a short single lead ECG recording: the "
    "PhysioNet/CinC Challenge 2017. Computing in Cardiology 2017. (cinc2017)",
    "Wang X et al. Paroxysmal atrial fibrillation events detection from dynamic ECG "
    "recordings: the 4th China Physiological Signal Challenge 2021. (cpsc2021)",
    "Reyna MA et al. Will two do? Varying dimensions in electrocardiography: the "
    "PhysioNet/CinC Challenge 2021; Wagner P et al. PTB-XL, Sci Data 7:154, 2020; Zheng J et "
    "al. (Ningbo) Sci Data 2020. (ptbxl, georgia, ningbo)",
    "Greenwald SD, MIT 1990 (svdb); Petrutiu S, Sahakian AV, Swiryn S. Europace 9:466-470, "
    "2007 (ltafdb).",
)
LICENCE = (
    "Source databases: ODC-By 1.0 (PhysioNet mitdb, nsrdb, chfdb, CinC 2017, svdb, ltafdb) "
    "and CC BY 4.0 (CPSC 2021, PTB-XL, Georgia, Ningbo)."
)


class Study:
    """The corpus, its window table and the patient folds, read once per command.
    ``stage``: the rhythm stage after the network (None: the network alone, as v5-v6)."""

    def __init__(
        self, root: Path, recipe: RhythmRecipe, seed: int, stage: StageRecipe | None = None
    ) -> None:
        self.root, self.recipe, self.seed, self.stage = root, recipe, seed, stage
        self.leads: list[CorpusLead] = read_corpus(root, recipe.spec.window_s)
        started = time.perf_counter()
        kinds = recipe.inputs + (stage.inputs if stage else ())
        self.table: WindowTable = window_table(self.leads, recipe.spec, kinds, recipe.r_peaks)
        logger.info(
            "model inputs of %d windows in %.0f s", len(self.table), time.perf_counter() - started
        )
        self.folds = deal_folds(self.leads, N_FOLDS, seed)

    @property
    def window_s(self) -> float:
        return self.recipe.spec.window_s

    def dealt_again(self, seed: int) -> Study:
        """The same corpus and windows, the patients dealt into folds by ``seed`` (which
        seeds its networks too): another draw of the cross-validation."""
        other = copy.copy(self)
        other.seed, other.folds = seed, deal_folds(self.leads, N_FOLDS, seed)
        return other

    def headline_figures(self, n_resamples: int) -> dict[str, Any]:
        """The cross-validation's headline evaluations (MIT-BIH per window, per lead MLII,
        two leads fused; CinC 2017 per recording), thresholds cross-fitted."""
        held = self.cross_validation()
        scored = cross_fitted(held.logits, held.group, self.table, self.window_s)
        return self._evaluations(scored, n_resamples, brief=True)

    def network_cross_validation(self) -> HeldOutLogits:
        return cross_validated_logits(self.table, self.recipe, self.folds, self.seed, "cv")

    def cross_validation(self) -> HeldOutLogits:
        """Held-out logits of the whole model (network, then the rhythm stage if any)."""
        network = self.network_cross_validation()
        if self.stage is None:
            return network
        groups = fold_groups(self.table, self.folds)
        return stage_logits(self.table, network, network, groups, self.stage, self.seed)

    def leave_database_out(self) -> HeldOutLogits:
        """Each database holding both classes scored by a model trained on all the others:
        its network never saw the database; the stage's trees read the other databases'
        cross-validated logits."""
        network = leave_database_out_logits(
            self.table, self.recipe, BOTH_CLASS_DATABASES, self.seed, "lodo"
        )
        if self.stage is None:
            return network
        groups = database_groups(self.table, BOTH_CLASS_DATABASES)
        trained_on = self.network_cross_validation()
        return stage_logits(self.table, trained_on, network, groups, self.stage, self.seed)

    def fitted_rule(self, held_out: HeldOutLogits) -> DecisionRule:
        """The decision rule fitted on every trainable held-out window (what is served when
        ``held_out`` is the cross-validation)."""
        trainable = np.flatnonzero(self.table.lead_values("train"))
        return fit_decision(held_out.logits, self.table, trainable, self.window_s)

    @staticmethod
    def decision_fields(rule: DecisionRule) -> dict[str, Any]:
        """The card's ``decision``: the rule's fields, what they mean and how they were fitted."""
        return {
            **asdict(rule),
            "rule": (
                "The leads' window probabilities are averaged per 8 s of time. A window is "
                "answered when its top probability reaches window_uncertain_below, else "
                "uncertain. The recording is uncertain when under min_good_window_fraction of "
                "its time is of usable quality; else ARR when the windows answered ARR reach "
                "arr_burden_at_least of the usable time (the ARR burden) or run for "
                "arr_run_at_least_s; else the top class of the mean probability if it reaches "
                "uncertain_below; else uncertain."
            ),
            "how_chosen": (
                "on out-of-fold predictions: temperature by minimum NLL of the window logits; "
                "window_uncertain_below as the lowest threshold whose answered windows reach "
                "95 % accuracy (answering at least 70 %); arr_burden_at_least, "
                "arr_run_at_least_s and uncertain_below together on a grid, as the point "
                "answering the most recordings with at least 95 % of them correct and at "
                "least 70 % answered, else the most accurate answering 70 %, both as means "
                "over the databases holding at least 10 recordings"
            ),
        }

    def report(
        self,
        cv: HeldOutLogits,
        n_resamples: int,
        lodo: HeldOutLogits | None = None,
        shortcut: tuple[HeldOutLogits, HeldOutLogits] | None = None,
    ) -> dict[str, Any]:
        """Every evaluation of the card: cross-validated, and with ``lodo``/``shortcut``
        the leave-one-database-out and equipment-only control figures too."""
        held = cross_fitted(cv.logits, cv.group, self.table, self.window_s)
        out: dict[str, Any] = {
            "method": (
                f"patient-grouped {N_FOLDS}-fold cross-validation over all three data folders "
                "(a patient's annotated record, excerpts and leads share one fold); every "
                "figure is from networks that never saw the patient, with temperature and "
                "thresholds cross-fitted (fold k uses a rule fitted on the other folds); "
                f"95 % intervals: {n_resamples} patient-bootstrap resamples"
            ),
            "computed_on": cards.computed_on(),
            "seed": self.seed,
            "folds": N_FOLDS,
            "seconds": {"cross_validation": round(cv.seconds)},
            **self._evaluations(held, n_resamples),
        }
        if lodo is not None:
            out["seconds"]["leave_one_database_out"] = round(lodo.seconds)
            out["leave_one_database_out"] = self._lodo(
                with_rule(lodo.logits, lodo.group, self.fitted_rule(cv)), n_resamples
            )
        if shortcut is not None:
            cv_control, lodo_control = shortcut
            control = cross_fitted(cv_control.logits, cv_control.group, self.table, self.window_s)
            control_rule = self.fitted_rule(cv_control)
            out["shortcut_control"] = {
                "features": list(SHORTCUT_FEATURES),
                "classifier": "gradient boosting on equipment-only features per window",
                **self._evaluations(control, n_resamples, brief=True),
                "leave_one_database_out": self._lodo(
                    with_rule(lodo_control.logits, lodo_control.group, control_rule), n_resamples
                ),
            }
        if self.stage is not None:
            network = self.network_cross_validation()
            alone = cross_fitted(network.logits, network.group, self.table, self.window_s)
            out["network_alone"] = {
                "note": (
                    "the same cross-validation scored by the network without the rhythm "
                    "stage (its own temperature and thresholds): what the trees add"
                ),
                **self._evaluations(alone, n_resamples, brief=True),
            }
        out["targets"] = targets(out)
        if shortcut is not None:
            out["shortcut_verdict"] = shortcut_verdict(out)
        return out

    def _evaluations(self, held: HeldOut, n_resamples: int, brief: bool = False) -> dict:
        seed, window_s = self.seed, self.window_s
        out = {
            "mitdb_per_window": mitdb_per_window(self.table, held, n_resamples, seed),
            "mitdb_per_window_mlii": mitdb_per_window(
                self.table, held, n_resamples, seed, lead="MLII"
            ),
            "mitdb_per_time_window_two_leads": mitdb_per_time_window(
                self.table, held, n_resamples, seed
            ),
            "cinc2017_per_recording": per_recording(
                self.table, held, "cinc2017", n_resamples, seed, window_s
            ),
        }
        if brief:
            return out
        out["other_databases_per_recording"] = {
            name: per_recording(self.table, held, name, n_resamples, seed, window_s)
            for name in (*RECORDING_DATABASES[1:], "nsrdb")
        }
        out["ecg_folder_recording_level"] = {
            "note": (
                "the old recording-level figures on ../shared/data/ecg (one label per file, "
                "set by its database): MIT-BIH excerpts are called by networks that never saw "
                "their patient; many of them are mostly normal rhythm, so 'ARR' is not their "
                "truth window by window"
            ),
            "mitdb": per_recording(self.table, held, "mitdb", n_resamples, seed, window_s),
            "nsrdb": out.get("other_databases_per_recording", {}).get("nsrdb"),
        }
        out["chf"] = chf_as_it_stands(self.table, held, window_s)
        return out

    def _lodo(self, held: HeldOut, n_resamples: int) -> dict[str, Any]:
        seed, window_s = self.seed, self.window_s
        out: dict[str, Any] = {
            "method": (
                "each database holding both classes is scored by a network trained on every "
                "other database (same recipe), with the decision rule fitted on the "
                "cross-validation folds"
            )
        }
        for k, name in enumerate(BOTH_CLASS_DATABASES):
            inside = held.group == k
            if not inside.any():
                continue
            if name == "mitdb":
                out[name] = mitdb_per_window(self.table, held, n_resamples, seed)
            else:
                out[name] = per_recording(self.table, held, name, n_resamples, seed, window_s)
        return out

    def data_summary(self) -> dict[str, Any]:
        per_database: dict[str, Any] = {}
        labels, lead_index = self.table.labels, self.table.lead_index
        for index, item in enumerate(self.leads):
            entry = per_database.setdefault(
                item.database,
                {"patients": set(), "leads": 0, "hours": 0.0, "windows": {}, "trained_on": 0},
            )
            entry["patients"].add(item.patient)
            entry["leads"] += 1
            entry["hours"] += item.lead.seconds / 3600
            entry["trained_on"] += int(item.train)
            for label, count in zip(
                *np.unique(labels[lead_index == index], return_counts=True), strict=True
            ):
                entry["windows"][str(label)] = entry["windows"].get(str(label), 0) + int(count)
        for entry in per_database.values():
            entry["patients"] = len(entry["patients"])
            entry["hours"] = round(entry["hours"], 2)
        return {
            "source": str(self.root),
            "folders": ["wfdb/mitdb (with .atr)", "ecg", "multi-recorder"],
            "sha256": corpus_sha256(self.leads),
            "sha256_covers": "sorted lead ids, patients, window labels and float32 samples",
            "patients": len({item.patient for item in self.leads}),
            "leads": len(self.leads),
            "windows": len(self.table),
            "per_database": dict(sorted(per_database.items())),
            "per_class": {
                name: {
                    "patients": len(
                        {self.leads[k].patient for k in np.unique(lead_index[labels == name])}
                    ),
                    "windows": int(np.sum(labels == name)),
                }
                for name in CLASSES
            },
        }


def shortcut_logits(study: Study, databases: Sequence[str]) -> tuple[HeldOutLogits, HeldOutLogits]:
    """Equipment-only gradient boosting under the same folds and held-out databases."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    table, recipe = study.table, study.recipe
    features = np.concatenate(
        [
            equipment_features(item.lead.samples, recipe.spec)[
                : int(np.sum(table.lead_index == index))
            ]
            for index, item in enumerate(table.leads)
        ]
    )
    patients = np.array([item.patient for item in table.leads])
    lead_fold = np.array([study.folds[p] for p in patients])
    lead_db = np.array([item.database for item in table.leads])

    def held_out(groups: list[np.ndarray]) -> HeldOutLogits:
        started = time.perf_counter()
        logits = np.full((len(table), len(CLASSES)), np.nan, np.float32)
        group = np.full(len(table), -1, np.int64)
        for k, held in enumerate(groups):
            rows = training_rows(table, ~held, recipe.max_train_windows_per_lead)
            model = HistGradientBoostingClassifier(  # no early stopping: CHF has few windows
                max_iter=200, learning_rate=0.05, early_stopping=False, random_state=study.seed
            )
            weights = training_weights(table, rows, recipe)
            model.fit(features[rows], class_indices(table.labels[rows]), sample_weight=weights)
            scored = np.flatnonzero(held[table.lead_index])
            probs = np.full((len(scored), len(CLASSES)), 1e-6)
            probs[:, model.classes_] = model.predict_proba(features[scored])
            logits[scored] = np.log(np.clip(probs, 1e-6, 1.0))
            group[scored] = k
        return HeldOutLogits(logits, group, time.perf_counter() - started)

    cv = held_out([lead_fold == k for k in range(N_FOLDS)])
    lodo = held_out([lead_db == name for name in databases])
    return cv, lodo


MITDB, CINC = "mitdb_per_window", "cinc2017_per_recording"
TOP, WITH_UNCERTAIN, ANSWERED = "top_class", "with_uncertain", "accuracy_on_answered"
TARGETS = (
    ("MIT-BIH per window: balanced accuracy", (MITDB, TOP, "balanced_accuracy"), 0.90),
    ("MIT-BIH per window: NSR sensitivity", (MITDB, TOP, "nsr_sensitivity"), 0.85),
    ("CinC 2017 per recording: balanced accuracy", (CINC, TOP, "balanced_accuracy"), 0.85),
    ("MIT-BIH with uncertain: accuracy on answered", (MITDB, WITH_UNCERTAIN, ANSWERED), 0.95),
    ("CinC 2017 with uncertain: accuracy on answered", (CINC, WITH_UNCERTAIN, ANSWERED), 0.95),
)


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 13's acceptance figures, each with its value and whether it is met."""
    rows = []
    for name, path, target in TARGETS:
        value = _dig(report, *path, "value")
        rows.append({"name": name, "target": target, "value": value, "met": _met(value, target)})
    cinc = report.get("cinc2017_per_recording", {})
    af = (cinc.get("by_original_label") or {}).get("A", {})
    rows.append(
        {
            "name": "CinC 2017: AF recall",
            "target": 0.95,
            "value": af.get("recall_top_class"),
            "met": _met(af.get("recall_top_class"), 0.95),
        }
    )
    for name, block in (
        ("MIT-BIH with uncertain: answered fraction", report.get("mitdb_per_window", {})),
        ("CinC 2017 with uncertain: answered fraction", cinc),
    ):
        value = (block.get("with_uncertain") or {}).get("answered_fraction")
        rows.append({"name": name, "target": 0.70, "value": value, "met": _met(value, 0.70)})
    control = report.get("shortcut_control")
    if control:
        model = report["mitdb_per_window"]["top_class"]["balanced_accuracy"]["value"]
        shortcut = control["mitdb_per_window"]["top_class"]["balanced_accuracy"]["value"]
        margin = None if model is None or shortcut is None else round(model - shortcut, 4)
        rows.append(
            {
                "name": "MIT-BIH per window: model minus shortcut control, balanced accuracy",
                "target": 0.20,
                "value": margin,
                "met": _met(margin, 0.20),
            }
        )
    return rows


def shortcut_verdict(report: dict[str, Any]) -> str:
    """One sentence per evaluation: the model against the equipment-only control."""
    control = report["shortcut_control"]
    parts = []
    for key, name in ((MITDB, "MIT-BIH per window"), (CINC, "CinC 2017 per recording")):
        model = report[key][TOP]["balanced_accuracy"]["value"]
        shortcut = control[key][TOP]["balanced_accuracy"]["value"]
        parts.append(f"{name}: model {model:.3f}, equipment-only control {shortcut:.3f}")
    lodo = control.get("leave_one_database_out", {})
    held = [
        f"{name} held out {block[TOP]['balanced_accuracy']['value']:.3f}"
        for name, block in lodo.items()
        if isinstance(block, dict) and TOP in block
    ]
    return (
        "Balanced accuracy of a gradient-boosting classifier that sees only recorder "
        "features (noise above 45 Hz, amplitude, baseline wander, sample step), under the "
        f"same folds: {'; '.join(parts)}; leave-one-database-out: {', '.join(held)}. Within "
        "one recorder it should sit near chance (0.5); what the model reaches above it is "
        "rhythm, not recorder."
    )


# Another deal of the patients into folds moves the figures (37 MIT-BIH patients): the card
# reports these on each deal, so no single draw passes for the model's accuracy.
DEALS = 2
DEAL_FIGURES = (
    ("MIT-BIH per window: balanced accuracy", (MITDB, TOP, "balanced_accuracy", "value")),
    ("MIT-BIH per window: NSR sensitivity", (MITDB, TOP, "nsr_sensitivity", "value")),
    (
        "MIT-BIH per window, lead MLII: balanced accuracy",
        ("mitdb_per_window_mlii", TOP, "balanced_accuracy", "value"),
    ),
    (
        "MIT-BIH per 8 s, two leads fused: balanced accuracy",
        ("mitdb_per_time_window_two_leads", TOP, "balanced_accuracy", "value"),
    ),
    ("MIT-BIH with uncertain: answered", (MITDB, WITH_UNCERTAIN, "answered_fraction")),
    ("MIT-BIH with uncertain: correct on answered", (MITDB, WITH_UNCERTAIN, ANSWERED, "value")),
    ("CinC 2017 per recording: balanced accuracy", (CINC, TOP, "balanced_accuracy", "value")),
    ("CinC 2017: AF recall", (CINC, "by_original_label", "A", "recall_top_class")),
    ("CinC 2017 with uncertain: answered", (CINC, WITH_UNCERTAIN, "answered_fraction")),
    ("CinC 2017 with uncertain: correct on answered", (CINC, WITH_UNCERTAIN, ANSWERED, "value")),
)


def fold_deals(per_deal: Sequence[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """The headline figures of the cross-validation on each deal of the patients into folds
    (``per_deal``: (seed, its evaluations)), with their mean and range."""
    figures = []
    for name, path in DEAL_FIGURES:
        values = [_dig(report, *path) for _, report in per_deal]
        known = [float(v) for v in values if v is not None]
        figures.append(
            {
                "name": name,
                "values": values,
                "mean": round(float(np.mean(known)), 4) if known else None,
                "low": min(known, default=None),
                "high": max(known, default=None),
            }
        )
    return {
        "method": (
            "the same cross-validation (recipe, corpus, rule fitting) on other deals of the "
            "patients into folds, each seeding its networks: how far the figures move with "
            "the draw alone; the card's other figures are those of the first deal"
        ),
        "seeds": [seed for seed, _ in per_deal],
        "figures": figures,
    }


MEASURED = "Measured on patients it never saw: "
# Records whose arrhythmia shows in beat shape only (bundle branch block, pre-excitation).
MORPHOLOGY_RECORDS = ("111", "118", "124", "207", "212", "230", "231")


def measured_limits(report: dict[str, Any]) -> list[str]:
    """The limits the evaluation itself shows, in words (rewritten by every evaluation)."""
    mitdb = _dig(report, MITDB, TOP, "balanced_accuracy", "value")
    cinc = _dig(report, CINC, TOP, "balanced_accuracy", "value")
    reached = "reached" if mitdb >= 0.90 and cinc >= 0.85 else "not both reached"
    lines = [
        f"{MEASURED}balanced accuracy {mitdb:.2f} per MIT-BIH window and {cinc:.2f} per CinC "
        f"2017 recording (issue 13 asked 0.90 and 0.85: {reached}; see evaluation.targets)."
    ]
    lodo = report.get("leave_one_database_out") or {}
    held = [
        f"{name} {block[TOP]['balanced_accuracy']['value']:.2f}"
        for name, block in lodo.items()
        if isinstance(block, dict) and TOP in block
    ]
    if held:
        lines.append(
            f"{MEASURED}with a whole database held out: {', '.join(held)} (balanced "
            "accuracy): expect less than the cross-validated figures on a new recorder."
        )
    per_record = {row["lead"]: row for row in _dig(report, MITDB, "per_record") or []}
    missed = [
        f"{record} {row['arr_sensitivity']:.2f}"
        for record in MORPHOLOGY_RECORDS
        if (row := per_record.get(f"mitdb-{record}-MLII")) and row["arr_sensitivity"] is not None
    ]
    deals = report.get("fold_deals")
    if deals:
        first = deals["figures"][0]
        lines.append(
            f"{MEASURED}over {len(deals['seeds'])} deals of the patients into folds, "
            f"balanced accuracy per MIT-BIH window ranged {first['low']:.3f}-"
            f"{first['high']:.3f} (mean {first['mean']:.3f}): each deal's figure is one draw "
            "of the folds (evaluation.fold_deals)."
        )
    lines.append(
        f"{MEASURED}ARR sensitivity on the MIT-BIH records whose arrhythmia shows in beat "
        f"shape only (bundle branch block, pre-excitation; MLII): {', '.join(missed)}. Over "
        "every annotated ARR window (one premature beat makes a window ARR): "
        f"{_dig(report, MITDB, TOP, 'arr_sensitivity', 'value'):.2f}."
    )
    return lines


def with_measured_limits(card: dict[str, Any]) -> None:
    """Replace the card's measured limits by those of its current evaluation."""
    kept = [line for line in card.get("limits", []) if not line.startswith(MEASURED)]
    card["limits"] = kept + measured_limits(card["evaluation"])


def _dig(data: Any, *keys: str) -> Any:
    """data[k1][k2]... or None where a level is missing."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _met(value: float | None, target: float) -> bool | None:
    return None if value is None else bool(value >= target)


def train(study: Study, out_dir: Path, version: str, n_resamples: int) -> Path:
    """Cross-validate, train the shipped network on every patient, write weights + card."""
    from classifier.training.architectures import describe

    preprocessing_code = preprocessing_code_sha256()
    cv = study.cross_validation()
    decision = study.decision_fields(study.fitted_rule(cv))
    table, recipe = study.table, study.recipe
    rows = training_rows(
        table, np.ones(len(table.leads), dtype=bool), recipe.max_train_windows_per_lead
    )
    logger.info("training the shipped network on %d windows of every patient", len(rows))
    cap = recipe.balance_windows_per_lead
    counting = "" if cap is None else f" (counting at most {cap} windows a lead)"
    started = time.perf_counter()
    model = fit_network(table, rows, recipe, study.seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = out_dir / f"{version}.keras"
    model.save(weights)
    stage = study.stage and _ship_stage(study, out_dir / f"{version}.trees.npz")
    card = {
        "schema_version": 2,
        "version": version,
        "classes": list(CLASSES),
        "created": cards.now_utc(),
        "intended_use": INTENDED_USE,
        "label_rule": LABEL_RULE,
        **cards.weights_fields(weights),
        "preprocessing": {
            "inputs": list(recipe.inputs),
            "scalogram": recipe.spec.to_dict(),
            "rr_features": list(RR_FEATURES),
            **({"beat_features": list(BEAT_FEATURES)} if BEATS in recipe.inputs else {}),
            **({"context_features": list(CONTEXT_FEATURES)} if study.stage else {}),
            "r_peaks": recipe.r_peaks,
            "functions": "classifier.core.features.served_model_inputs",
            "input": "each lead, mV, resampled to 128 Hz by classifier.core.signal",
            "code_sha256": preprocessing_code,
        },
        "decision": decision,
        "architecture": describe(model),
        "training": {
            "recipe": recipe.to_dict(),
            "seed": study.seed,
            "windows": len(rows),
            "seconds": round(time.perf_counter() - started),
            "source_weighting": (
                "a database's total loss weight grows as its windows ** "
                f"{recipe.source_exponent}{counting}; within a database each class weighs "
                f"the same; overall ARR and NSR weigh the same, CHF {recipe.chf_weight} of that"
            ),
            "trained_on": "every patient of the corpus (after cross-validation)",
        },
        **({"rhythm_stage": stage} if stage else {}),
        "data": study.data_summary(),
        "evaluation": study.report(cv, n_resamples),
        "limits": [*LIMITS, *([STAGE_LIMIT] if study.stage else [])],
        "citations": list(CITATIONS),
        "licence": LICENCE,
    }
    with_measured_limits(card)
    ModelCard.from_dict(card)  # the schema serving enforces, checked before writing
    card_path = out_dir / f"{version}.json"
    cards.write_card(card, card_path)
    return card_path


def _ship_stage(study: Study, path: Path) -> dict[str, Any]:
    """Fit the rhythm stage on every patient (reading the cross-validated network logits),
    save its trees, and return the card's ``rhythm_stage``."""
    assert study.stage is not None
    started = time.perf_counter()
    network = study.network_cross_validation()
    every_lead = np.ones(len(study.table.leads), dtype=bool)
    trees = fit_trees(study.table, network.logits, every_lead, study.stage, study.seed)
    trees.save(path)
    return {
        "file": path.name,
        "sha256": sha256_of(path),
        "size_bytes": path.stat().st_size,
        "inputs": list(study.stage.inputs),
        "reads": stage_reads(study.stage),
        "cross_lead": study.stage.cross_lead,
        "trees": len(trees.tree_class),
        "max_depth": trees.max_depth,
        "recipe": study.stage.to_dict(),
        "fitted_on": (
            "every patient's windows, each read with the logits of a network that never saw "
            "its patient (cross-validation); serving reads the shipped network's logits"
        ),
        "seconds": round(time.perf_counter() - started),
    }


def stage_reads(stage: StageRecipe) -> list[str]:
    """The names of the columns the trees read, in order (:func:`rhythm_stage.stage_rows`)."""
    logits = ["logit_" + name for name in CLASSES]
    across = [f"leads_{what}_{logit}" for what in ("mean", "spread") for logit in logits]
    return logits + list(RHYTHM_CONTEXT_FEATURES) + (across if stage.cross_lead else [])


def evaluate(study: Study, card_path: Path, n_resamples: int, deals: int = DEALS) -> dict[str, Any]:
    """Cross-validation (cached), leave-one-database-out, the shortcut control and the
    cross-validation on ``deals`` - 1 other deals of the patients, written into the card's
    ``evaluation``."""
    card = json.loads(card_path.read_text())
    cv = study.cross_validation()
    lodo = study.leave_database_out()
    control = shortcut_logits(study, BOTH_CLASS_DATABASES)
    report = study.report(cv, n_resamples, lodo=lodo, shortcut=control)
    others = [
        (seed, study.dealt_again(seed).headline_figures(n_resamples))
        for seed in range(study.seed + 1, study.seed + deals)
    ]
    if others:
        report["fold_deals"] = fold_deals([(study.seed, report), *others])
    card["evaluation"] = report
    with_measured_limits(card)
    ModelCard.from_dict(card)
    cards.write_card(card, card_path)
    return card["evaluation"]


def preprocessing_code_sha256() -> dict[str, str]:
    """sha256 of the source files that turn a signal into the rhythm models' inputs. (How
    the trees are walked is checked against scikit-learn by the tests instead.)"""
    import classifier.core.context
    import classifier.core.cwt
    import classifier.core.features
    import classifier.core.rhythm

    return cards.preprocessing_code_sha256(
        (
            classifier.core.cwt,
            classifier.core.features,
            classifier.core.rhythm,
            classifier.core.context,
        )
    )


def _at_least_one(text: str) -> int:
    """argparse type: a whole number >= 1, else a usage error naming the option."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifier.training.rhythm_study")
    parser.add_argument("command", choices=("train", "evaluate"))
    parser.add_argument("--data", type=Path, default=None, help="shared data root")
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument("--version", default=DEFAULT_VERSION)
    parser.add_argument("--card", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument(
        "--deals",
        type=_at_least_one,
        default=DEALS,
        help="evaluate: cross-validate on this many deals of the patients into folds (>= 1)",
    )
    parser.add_argument(
        "--network-only", action="store_true", help="no rhythm stage (how v5 and v6 were made)"
    )
    args = parser.parse_args(argv)
    show_progress("%(asctime)s %(message)s")
    try:
        stage = None if args.network_only else StageRecipe()
        study = Study(args.data or shared_data_root(), RhythmRecipe(), args.seed, stage)
        if args.command == "train":
            path = train(study, args.out, args.version, args.bootstrap)
            summary = json.loads(path.read_text())["evaluation"]["targets"]
        else:
            card = args.card or args.out / f"{args.version}.json"
            if not card.is_file():
                raise DataSourceError(f"no model card at {card}: run train first")
            summary = evaluate(study, card, args.bootstrap, args.deals)["targets"]
    except DataSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
