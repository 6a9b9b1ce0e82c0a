"""The rhythm stage (v7 on): gradient-boosted trees over the network's logits and each
window's beat-by-beat context, fitted on out-of-fold logits.

The network (scalogram, waveform, R-R and beat branches) stays the core; the trees read its
three logits beside :data:`classifier.core.context.RHYTHM_CONTEXT_FEATURES` (the window's
R-R, beat-shape and local-context features and its neighbours') and, from v10, the logits'
mean and spread over the recording's leads at that time. They are fitted on logits
of networks that never saw the window's patient (cross-validation), so they learn how far to
trust the network, not to echo a network that memorised its training windows. Shipped as
arrays (:class:`classifier.core.trees.BoostedTrees`), served with NumPy.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from classifier.core.context import across_leads
from classifier.core.features import RHYTHM_CONTEXT
from classifier.core.trees import BoostedTrees
from classifier.training.corpus import WindowTable
from classifier.training.rhythm_fit import (
    CLASSES,
    HeldOutLogits,
    class_indices,
    source_weights,
    training_rows,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageRecipe:
    """Everything that decides the trees (recorded in the model card). Library defaults
    where they serve; depth and leaf size bounded so no tree can single out one patient."""

    inputs: tuple[str, ...] = (RHYTHM_CONTEXT,)
    max_iter: int = 200
    learning_rate: float = 0.05
    max_leaf_nodes: int = 31
    max_depth: int = 8
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    # Windows per lead the trees read: more than the network (they are cheap to fit), still
    # capped so a 2-h lead does not outweigh a hundred short ones before weighting.
    max_train_windows_per_lead: int = 400
    source_exponent: float = 0.5
    chf_weight: float = 0.5
    # The mean and spread of the network's logits over the recording's leads at the same
    # time (v10 on): one lead's window is read beside what the other leads saw.
    cross_lead: bool = True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["inputs"] = list(self.inputs)
        return data


def stage_rows(table: WindowTable, logits: np.ndarray, rows: np.ndarray, recipe: StageRecipe):
    """float64[len(rows), 3 + features]: the network's logits, the stage's inputs, then
    (``recipe.cross_lead``) the logits across the recording's leads, as serving assembles
    them (:meth:`classifier.core.model.LoadedModel.logits`). ``logits``: every window's."""
    parts = [logits[rows]] + [table.inputs[kind][rows] for kind in recipe.inputs]
    if recipe.cross_lead:
        parts.append(across_leads(logits, table.time_slots)[rows])
    return np.hstack(parts).astype(np.float64)


def fit_trees(
    table: WindowTable,
    network_logits: np.ndarray,
    leads_allowed: np.ndarray,
    recipe: StageRecipe,
    seed: int,
) -> BoostedTrees:
    """Fit the trees on the trainable windows of ``leads_allowed`` (bool per lead), reading
    ``network_logits`` (held-out logits of every window)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rows = training_rows(table, leads_allowed, recipe.max_train_windows_per_lead)
    labels = table.labels[rows]
    weights = source_weights(
        table.lead_values("database")[rows], labels, recipe.source_exponent, recipe.chf_weight
    )
    model = HistGradientBoostingClassifier(
        max_iter=recipe.max_iter,
        learning_rate=recipe.learning_rate,
        max_leaf_nodes=recipe.max_leaf_nodes,
        max_depth=recipe.max_depth,
        min_samples_leaf=recipe.min_samples_leaf,
        l2_regularization=recipe.l2_regularization,
        early_stopping=False,
        random_state=seed,
    )
    targets = class_indices(labels)
    model.fit(stage_rows(table, network_logits, rows, recipe), targets, sample_weight=weights)
    return trees_of(model, n_classes=len(CLASSES))


# The logit of a class the trees never saw in training: never chosen, probability ~0.
ABSENT_CLASS_LOGIT = -30.0


def trees_of(model: Any, n_classes: int) -> BoostedTrees:
    """A fitted HistGradientBoostingClassifier (classes: indices among ``n_classes``) as
    BoostedTrees giving a logit for every class. A binary fit has one tree per iteration
    (the log-odds of its second class against its first, whose logit is 0)."""
    fitted = [int(c) for c in model.classes_]
    binary = len(fitted) == 2
    predictors = [
        (fitted[1] if binary else fitted[k], tree)
        for per_iteration in model._predictors
        for k, tree in enumerate(per_iteration)
    ]
    n_nodes = max(len(tree.nodes) for _, tree in predictors)

    def table_of(field: str, dtype: Any) -> np.ndarray:
        out = np.zeros((len(predictors), n_nodes), dtype)
        for index, (_, tree) in enumerate(predictors):
            out[index, : len(tree.nodes)] = tree.nodes[field]
        return out

    baseline = np.full(n_classes, ABSENT_CLASS_LOGIT)
    fitted_baseline = np.asarray(model._baseline_prediction, np.float64).reshape(-1)
    if binary:
        baseline[fitted] = [0.0, fitted_baseline[0]]
    else:
        baseline[fitted] = fitted_baseline
    sizes = np.array([len(tree.nodes) for _, tree in predictors])
    is_leaf = table_of("is_leaf", bool) | (np.arange(n_nodes)[None, :] >= sizes[:, None])
    return BoostedTrees(
        feature=table_of("feature_idx", np.int32),
        threshold=table_of("num_threshold", np.float64),
        left=table_of("left", np.int32),
        right=table_of("right", np.int32),
        is_leaf=is_leaf,
        missing_left=table_of("missing_go_to_left", bool),
        value=table_of("value", np.float64),
        tree_class=np.array([k for k, _ in predictors], np.int32),
        baseline=baseline,
        n_features=int(model.n_features_in_),
        max_depth=int(max(tree.nodes["depth"].max() for _, tree in predictors)) or 1,
    )


def stage_logits(
    table: WindowTable,
    trained_on: HeldOutLogits,
    scored: HeldOutLogits,
    groups: list[np.ndarray],
    recipe: StageRecipe,
    seed: int,
) -> HeldOutLogits:
    """Held-out logits of the whole model: group k's windows (``groups``: bool per lead),
    read with ``scored``'s network logits, by trees fitted on every other group's windows
    read with ``trained_on``'s (both held-out logits; the same for cross-validation)."""
    started = time.perf_counter()
    logits = np.full_like(scored.logits, np.nan)
    for k, held in enumerate(groups):
        trees = fit_trees(table, trained_on.logits, ~held, recipe, seed + k)
        rows = np.flatnonzero(held[table.lead_index])
        logits[rows] = trees.logits(stage_rows(table, scored.logits, rows, recipe))
        logger.info("rhythm stage %d/%d fitted", k + 1, len(groups))
    seconds = scored.seconds + time.perf_counter() - started
    return HeldOutLogits(logits, scored.group, seconds)
