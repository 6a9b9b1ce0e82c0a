"""Patient-grouped, class-stratified folds.

Splitting by file or by window puts the other lead (or another excerpt) of a test patient in
the training set, which is how published results on these databases reach 97-100 %. Here the
unit of splitting is the patient: a patient's leads and excerpts always land in one fold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
    class is dealt first, so a class with fewer patients than folds (CHF: two) lands in
    distinct folds: cross-validation then tests it leave-one-patient-out.
    """
    labels = patient_labels(leads)
    if not 2 <= n_folds <= len(labels):
        raise SplitError(f"cannot deal {len(labels)} patients into {n_folds} folds (need 2..n)")
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


def fold_index(patients: Iterable[str], folds: Sequence[set[str]]) -> np.ndarray:
    """int[n]: the fold of every item, given the patient of every item."""
    fold_of = {patient: k for k, fold in enumerate(folds) for patient in fold}
    return np.array([fold_of[patient] for patient in patients], dtype=np.int64)
