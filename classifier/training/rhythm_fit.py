"""Rhythm models (v5 on): which windows train them, how sources are weighted, the fits.

Cross-validation, leave-one-database-out and the final fit all go through
:func:`fit_logits`, so every figure in the card comes from networks trained exactly like the
shipped one. Out-of-fold logits are cached under ``var/cache`` (keyed by the recipe, the
windows' labels and inputs, and the folds) so ``make evaluate`` reuses what ``make train`` computed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifier.core.cwt import ScalogramSpec
from classifier.core.features import FUSED_LEADS, NETWORK_INPUT_KINDS
from classifier.training.corpus import CorpusLead, WindowTable
from classifier.training.fit import make_deterministic
from classifier.training.sources import CLASSES

logger = logging.getLogger(__name__)

CACHE_DIR = Path("var") / "cache"


@dataclass(frozen=True)
class RhythmRecipe:
    """Everything that decides the trained network (recorded in the model card)."""

    spec: ScalogramSpec = field(default_factory=ScalogramSpec)
    inputs: tuple[str, ...] = NETWORK_INPUT_KINDS
    # R-peaks detected once over a recording's leads (v8 on; v5-v7: "each_lead").
    r_peaks: str = FUSED_LEADS
    width: int = 8
    dropout: float = 0.3
    epochs: int = 10
    batch_size: int = 256
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    # Training reads at most this many evenly spaced windows of one lead: a 2-hour nsrdb
    # lead would otherwise weigh as much as 100 CinC patients. (225, every window of a 30-min
    # annotated record, was tried as v11 and v12 and not kept: see README.)
    max_train_windows_per_lead: int = 100
    # A database's total loss weight grows as (its windows) ** source_exponent: 0.5 keeps
    # CinC's 3,600 recordings from drowning MIT-BIH's annotated windows, and the 18 PTB-XL
    # windows from counting as much as either. Within a database, each class present weighs
    # the same; over all databases, ARR and NSR weigh the same and CHF half as much (two
    # patients cannot support more).
    source_exponent: float = 0.5
    chf_weight: float = 0.5
    # Database weights count at most this many windows of one lead (None: as many as
    # training reads), so reading more windows of the long records can add their detail
    # without tilting the balance between databases towards them (v12's 100).
    balance_windows_per_lead: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.balance_windows_per_lead is None:
            del data["balance_windows_per_lead"]  # cards and caches from before the field
        data["spec"] = self.spec.to_dict()
        data["inputs"] = list(self.inputs)
        return data

    def key(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def class_indices(labels: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(CLASSES), labels).astype(np.int64)


def training_rows(table: WindowTable, leads_allowed: np.ndarray, cap: int) -> np.ndarray:
    """Indices of the windows training reads: leads allowed (bool per lead) and trainable,
    at most ``cap`` evenly spaced windows per lead."""
    trainable = np.array([item.train for item in table.leads]) & leads_allowed
    rows = []
    for members in table.by_lead(np.flatnonzero(trainable[table.lead_index]))[1]:
        if len(members) > cap:
            members = members[np.linspace(0, len(members) - 1, cap).round().astype(np.int64)]
        rows.append(members)
    return np.sort(np.concatenate(rows)) if rows else np.zeros(0, np.int64)


def source_weights(
    databases: np.ndarray,
    labels: np.ndarray,
    exponent: float,
    chf_weight: float,
    sizes: dict[str, float] | None = None,
) -> np.ndarray:
    """float64[n] loss weights averaging 1 (see RhythmRecipe.source_exponent). ``sizes``:
    the window count each database's weight grows with (default: its windows here)."""
    weights = np.zeros(len(labels))
    for database in np.unique(databases):
        in_db = databases == database
        size = in_db.sum() if sizes is None else sizes[str(database)]
        classes = np.unique(labels[in_db])
        for label in classes:
            members = in_db & (labels == label)
            weights[members] = size**exponent / len(classes) / members.sum()
    for label in np.unique(labels):
        members = labels == label
        share = chf_weight if label == "CHF" else 1.0
        weights[members] *= share / weights[members].sum()
    return weights * len(weights) / weights.sum()


def training_weights(table: WindowTable, rows: np.ndarray, recipe: RhythmRecipe) -> np.ndarray:
    """Loss weights of the training ``rows`` (see RhythmRecipe.balance_windows_per_lead)."""
    databases = table.lead_values("database")[rows]
    sizes = None
    if recipe.balance_windows_per_lead is not None:
        _, first, counts = np.unique(table.lead_index[rows], return_index=True, return_counts=True)
        counted, lead_db = np.minimum(counts, recipe.balance_windows_per_lead), databases[first]
        sizes = {str(name): float(counted[lead_db == name].sum()) for name in np.unique(lead_db)}
    return source_weights(
        databases, table.labels[rows], recipe.source_exponent, recipe.chf_weight, sizes
    )


def fit_network(table: WindowTable, rows: np.ndarray, recipe: RhythmRecipe, seed: int) -> Any:
    """Train a fresh network on ``rows`` of ``table`` -> the Keras model (logits out)."""
    import keras

    from classifier.training.architectures import rhythm_branches

    make_deterministic(seed)
    shapes = {kind: table.inputs[kind].shape[1:] for kind in recipe.inputs}
    model = rhythm_branches(shapes, len(CLASSES), width=recipe.width, dropout=recipe.dropout)
    labels = table.labels[rows]
    weights = training_weights(table, rows, recipe)
    steps = recipe.epochs * int(np.ceil(len(rows) / recipe.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(recipe.learning_rate, steps)
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=recipe.weight_decay),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(
        {kind: table.inputs[kind][rows] for kind in recipe.inputs},
        class_indices(labels),
        sample_weight=weights,
        batch_size=recipe.batch_size,
        epochs=recipe.epochs,
        shuffle=True,
        verbose=0,
    )
    return model


def predict_logits(
    model: Any, table: WindowTable, rows: np.ndarray, kinds: tuple[str, ...]
) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros((0, len(CLASSES)), np.float32)
    inputs = {kind: table.inputs[kind][rows] for kind in kinds}
    return np.asarray(model.predict(inputs, batch_size=1024, verbose=0), dtype=np.float32)


def deal_folds(leads: Sequence[CorpusLead], n_folds: int, seed: int) -> dict[str, int]:
    """patient -> fold. Patients are shuffled within each (database, recording label) group
    and dealt round-robin, continuing the deal across groups (smallest first), so every fold
    holds MIT-BIH, CinC and nsrdb patients and the two CHF patients land in different folds."""
    groups: dict[tuple[str, str], set[str]] = {}
    for item in leads:
        groups.setdefault((item.database, item.lead.label), set()).add(item.patient)
    rng = np.random.default_rng(seed)
    fold_of: dict[str, int] = {}
    dealt = 0
    for key in sorted(groups, key=lambda k: (len(groups[k]), k)):
        for patient in rng.permutation(sorted(groups[key])):
            if str(patient) not in fold_of:
                fold_of[str(patient)] = dealt % n_folds
                dealt += 1
    return fold_of


@dataclass(frozen=True)
class HeldOutLogits:
    """Logits of every window from a network that never saw its patient (or database)."""

    logits: np.ndarray  # float32[n_windows, n_classes]
    group: np.ndarray  # int64[n_windows]: the fold (or held-out database index)
    seconds: float


def cross_validated_logits(
    table: WindowTable, recipe: RhythmRecipe, fold_of: dict[str, int], seed: int, tag: str
) -> HeldOutLogits:
    """Patient-grouped CV: fold k's windows are scored by a network trained on the others."""
    return _held_out(table, recipe, fold_groups(table, fold_of), seed, tag)


def fold_groups(table: WindowTable, fold_of: dict[str, int]) -> list[np.ndarray]:
    """bool[n_leads] per fold: the leads of that fold's patients."""
    lead_fold = np.array([fold_of[item.patient] for item in table.leads])
    return [lead_fold == k for k in range(max(fold_of.values()) + 1)]


def leave_database_out_logits(
    table: WindowTable, recipe: RhythmRecipe, databases: Sequence[str], seed: int, tag: str
) -> HeldOutLogits:
    """Each database in turn scored by a network trained on every other database."""
    return _held_out(table, recipe, database_groups(table, databases), seed, tag)


def database_groups(table: WindowTable, databases: Sequence[str]) -> list[np.ndarray]:
    """bool[n_leads] per database in ``databases``: that database's leads."""
    lead_db = np.array([item.database for item in table.leads])
    return [lead_db == name for name in databases]


def _held_out(
    table: WindowTable,
    recipe: RhythmRecipe,
    held_out_leads: list[np.ndarray],
    seed: int,
    tag: str,
) -> HeldOutLogits:
    cache = CACHE_DIR / f"{tag}-{recipe.key()}-{_groups_key(table, held_out_leads)}-{seed}.npz"
    if cache.is_file():
        stored = np.load(cache)
        return HeldOutLogits(stored["logits"], stored["group"], float(stored["seconds"]))
    started = time.perf_counter()
    logits = np.full((len(table), len(CLASSES)), np.nan, np.float32)
    group = np.full(len(table), -1, np.int64)
    for k, held in enumerate(held_out_leads):
        rows = training_rows(table, ~held, recipe.max_train_windows_per_lead)
        logger.info("%s %d/%d: training on %d windows", tag, k + 1, len(held_out_leads), len(rows))
        model = fit_network(table, rows, recipe, seed + k)
        scored = np.flatnonzero(held[table.lead_index])
        logits[scored] = predict_logits(model, table, scored, recipe.inputs)
        group[scored] = k
    seconds = time.perf_counter() - started
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(cache, logits=logits, group=group, seconds=seconds)
    return HeldOutLogits(logits, group, seconds)


def _groups_key(table: WindowTable, groups: list[np.ndarray]) -> str:
    """What the held-out logits depend on besides the recipe: the windows (their inputs
    too, so a change to the preprocessing code is never served from the cache) and the
    groups."""
    digest = hashlib.sha256()
    for item in table.leads:
        digest.update(f"{item.lead.id}|{item.patient}|{'.'.join(item.window_labels)}".encode())
    for kind in sorted(table.inputs):
        digest.update(np.ascontiguousarray(table.inputs[kind]).tobytes())
    for mask in groups:
        digest.update(np.packbits(mask).tobytes())
    return digest.hexdigest()[:12]
