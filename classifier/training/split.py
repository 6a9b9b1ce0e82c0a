"""Patient-grouped, class-stratified folds.

Splitting by file or by window puts the other lead (or another excerpt) of a test patient in
the training set, which is how published results on these databases reach 97-100 %. Here the
unit of splitting is the patient: a patient's leads and excerpts always land in one fold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classifier.training.sources import Lead


class SplitError(ValueError):
    """The leads cannot be split as asked (e.g. one patient carries two labels)."""


def patient_labels(leads: Sequence[Lead]) -> dict[str, str]:
    """patient -> label, refusing data where one patient would carry two labels."""
    labels: dict[str, str] = {}
    for lead in leads:
        if labels.setdefault(lead.patient, lead.label) != lead.label:
            raise SplitError(
                f"patient {lead.patient} has leads labelled {labels[lead.patient]} and {lead.label}"
            )
    return labels


def patient_folds(leads: Sequence[Lead], n_folds: int, seed: int) -> list[set[str]]:
    """Patients dealt into ``n_folds`` folds, stratified by class, shuffled by ``seed``.

    Patients of each class are shuffled and dealt round-robin, continuing the deal across
    classes, so every fold gets about the same number of patients of every class. The rarest
    class is dealt first, so a class with fewer patients than folds (CHF: two) lands in the
    first folds, and a holdout split (fold 0) always tests on one of its patients.
    """
    if n_folds < 2:
        raise SplitError("need at least two folds")
    labels = patient_labels(leads)
    rng = np.random.default_rng(seed)
    folds: list[set[str]] = [set() for _ in range(n_folds)]
    dealt = 0
    counts = {label: list(labels.values()).count(label) for label in set(labels.values())}
    for label in sorted(counts, key=lambda name: (counts[name], name)):
        patients = sorted(p for p, lab in labels.items() if lab == label)
        for patient in rng.permutation(patients):
            folds[dealt % n_folds].add(str(patient))
            dealt += 1
    return folds


def holdout_split(
    leads: Sequence[Lead], test_fraction: float, seed: int
) -> tuple[list[Lead], list[Lead]]:
    """(train, test) leads with about ``test_fraction`` of each class's patients in test."""
    n_folds = max(2, round(1.0 / test_fraction))
    test_patients = patient_folds(leads, n_folds, seed)[0]
    train = [lead for lead in leads if lead.patient not in test_patients]
    test = [lead for lead in leads if lead.patient in test_patients]
    return train, test


def leads_in(leads: Sequence[Lead], patients: set[str]) -> list[Lead]:
    return [lead for lead in leads if lead.patient in patients]
