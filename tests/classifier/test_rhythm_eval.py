"""Model v5's evaluation machinery on synthetic held-out logits (no network trained)."""

import numpy as np
import pytest

from classifier.training.corpus import CorpusLead, WindowTable
from classifier.training.rhythm_eval import cross_fitted, fit_decision, per_recording
from classifier.training.sources import Lead


def table_of(n_recordings=60, windows=4, seed=0):
    """Two single-lead databases of ARR and NSR recordings; logits that are right and
    confident for 85 % of recordings and wrong but unsure for the rest."""
    rng = np.random.default_rng(seed)
    leads, labels, lead_index, position, logits = [], [], [], [], []
    for k in range(n_recordings):
        label = "ARR" if k % 2 else "NSR"
        database = "alpha" if k < n_recordings // 2 else "beta"
        lead = Lead(f"{database}-{k}", label, f"p{k}", database, "ECG", np.zeros(windows * 1024))
        leads.append(CorpusLead(lead, np.full(windows, label), False, label))
        right = rng.random() < 0.85
        for w in range(windows):
            target = ("ARR", "CHF", "NSR").index(label if right else ("NSR" if k % 2 else "ARR"))
            row = np.full(3, -2.0)
            row[target] = 3.0 if right else 0.2
            logits.append(row)
            labels.append(label)
            lead_index.append(k)
            position.append(w)
    table = WindowTable(
        inputs={},
        labels=np.array(labels),
        lead_index=np.array(lead_index),
        position=np.array(position),
        leads=tuple(leads),
    )
    return table, np.array(logits, dtype=np.float32)


def test_fit_decision_answers_the_confident_and_leaves_the_unsure_uncertain():
    table, logits = table_of()
    rule = fit_decision(logits, table, np.arange(len(table)), window_s=8.0)
    assert rule.window_threshold > 0.5  # the unsure (wrong) windows fall under it
    assert rule.arr_burden_at_least is not None and rule.uncertain_below >= 0.5


def test_cross_fitted_rules_never_see_their_own_fold():
    table, logits = table_of()
    group = np.repeat(np.arange(60) % 3, 4)  # three folds of recordings
    held = cross_fitted(logits, group, table, window_s=8.0)
    for k in range(3):
        others = np.flatnonzero(group != k)
        assert held.rules[k] == fit_decision(logits, table, others, window_s=8.0)
        inside = group == k
        np.testing.assert_allclose(held.probs[inside].sum(axis=1), 1.0, rtol=1e-5)


def test_per_recording_scores_answers_and_bootstraps_patients():
    table, logits = table_of()
    held = cross_fitted(logits, np.repeat(np.arange(60) % 3, 4), table, window_s=8.0)
    scores = per_recording(table, held, "alpha", n_resamples=50, seed=0, window_s=8.0)
    top, served = scores["top_class"], scores["with_uncertain"]
    assert top["n"] == 30 and top["patients"] == 30
    low, high = top["balanced_accuracy"]["ci95"]
    assert low <= top["balanced_accuracy"]["value"] <= high
    assert served["answered_fraction"] < 1.0  # the unsure recordings are left uncertain
    assert served["accuracy_on_answered"]["value"] == pytest.approx(1.0)


def test_training_reads_at_most_cap_windows_of_each_allowed_lead():
    from classifier.training.rhythm_fit import training_rows

    table, _ = table_of(n_recordings=6, windows=5)
    allowed = np.array([True, True, False, True, True, True])
    rows = training_rows(table, allowed, cap=3)
    leads, counts = np.unique(table.lead_index[rows], return_counts=True)
    assert leads.tolist() == [0, 1, 3, 4, 5] and set(counts) == {3}
    assert table.position[rows[:3]].tolist() == [0, 2, 4]  # evenly spaced, first and last
