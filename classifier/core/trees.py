"""Gradient-boosted decision trees evaluated with NumPy: the rhythm stage of a model card.

Training fits scikit-learn's ``HistGradientBoostingClassifier``
(:mod:`classifier.training.rhythm_stage`) and writes its trees as plain arrays in an ``.npz``
(no pickle: loaded with ``allow_pickle=False``). Serving walks every tree at once, one level
per step, so a batch of windows costs ``max_depth`` vectorised gathers, and needs neither
scikit-learn nor TensorFlow. Pure NumPy, no Django.
"""

from __future__ import annotations

import functools
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.core.card import ModelLoadError

_ARRAYS = ("feature", "threshold", "left", "right", "is_leaf", "missing_left", "value")
_BATCH_ROWS = 1024  # rows walked at once: the node table is rows x trees integers


@dataclass(frozen=True)
class BoostedTrees:
    """``n_trees`` trees of at most ``n_nodes`` nodes each (padded), as [n_trees, n_nodes]
    arrays; ``tree_class``: int[n_trees] the class (logit) each tree adds to; ``baseline``:
    float[n_classes]. A row goes left when its feature is <= the threshold, or is NaN and
    ``missing_left``; a leaf adds its ``value`` to its class's logit."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    is_leaf: np.ndarray
    missing_left: np.ndarray
    value: np.ndarray
    tree_class: np.ndarray
    baseline: np.ndarray
    n_features: int
    max_depth: int

    @property
    def n_classes(self) -> int:
        return len(self.baseline)

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """float[b, n_features] -> float32[b, n_classes] raw scores (logits)."""
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self.n_features:
            raise ValueError(f"the trees read {self.n_features} features, got {rows.shape}")
        out = np.empty((len(rows), self.n_classes), np.float32)
        for start in range(0, len(rows), _BATCH_ROWS):
            out[start : start + _BATCH_ROWS] = self._walk(rows[start : start + _BATCH_ROWS])
        return out

    @functools.cached_property
    def _flat(self) -> dict[str, np.ndarray]:
        """The node tables raveled, node ids global, and every leaf its own child with an
        infinite threshold: a walk then needs no leaf test, only 1-D takes. ``child``
        interleaves each node's left and right child (``2 * node + goes_right``)."""
        n_trees, n_nodes = self.feature.shape
        leaf = self.is_leaf.astype(bool)
        first = (np.arange(n_trees) * n_nodes)[:, None]
        itself = np.broadcast_to(np.arange(n_nodes), leaf.shape)
        return {
            "feature": np.where(leaf, 0, self.feature).astype(np.int64).ravel(),
            "threshold": np.where(leaf, np.inf, self.threshold).ravel(),
            "child": np.stack(
                [
                    np.where(leaf, itself, self.left) + first,
                    np.where(leaf, itself, self.right) + first,
                ],
                axis=-1,
            )
            .astype(np.int64)
            .ravel(),
            "missing_left": self.missing_left.astype(bool).ravel(),
            "value": self.value.astype(np.float64).ravel(),
            "roots": first.ravel().astype(np.int64),
        }

    def _walk(self, rows: np.ndarray) -> np.ndarray:
        flat = self._flat
        node = np.repeat(flat["roots"][None, :], len(rows), axis=0)  # [rows, trees]
        row_start = (np.arange(len(rows)) * self.n_features)[:, None]
        values, has_nan = rows.ravel(), bool(np.isnan(rows).any())
        for _ in range(self.max_depth):
            x = values.take(row_start + flat["feature"].take(node))
            go_right = ~(x <= flat["threshold"].take(node))
            if has_nan:
                go_right = np.where(np.isnan(x), ~flat["missing_left"].take(node), go_right)
            node = flat["child"].take(2 * node + go_right)
        leaves = flat["value"].take(node)  # [rows, trees]
        scores = np.zeros((len(rows), self.n_classes))
        for index in range(self.n_classes):
            scores[:, index] = leaves[:, self.tree_class == index].sum(axis=1)
        return scores + self.baseline[None, :]

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            **{name: getattr(self, name) for name in (*_ARRAYS, "tree_class", "baseline")},
            shape=np.array([self.n_features, self.max_depth]),
        )

    @classmethod
    def load(cls, path: Path | str) -> BoostedTrees:
        """Read and check an ``.npz`` written by :meth:`save`; ModelLoadError if unusable."""
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in (*_ARRAYS, "tree_class", "baseline")}
                n_features, max_depth = (int(x) for x in stored["shape"])
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ModelLoadError(f"cannot read the rhythm-stage trees {path}: {exc}") from exc
        trees = cls(**arrays, n_features=n_features, max_depth=max_depth)
        problem = trees._problem()
        if problem:
            raise ModelLoadError(f"the rhythm-stage trees {Path(path).name} are corrupt: {problem}")
        return trees

    def _problem(self) -> str | None:
        shape = self.feature.shape
        if len(shape) != 2 or any(getattr(self, name).shape != shape for name in _ARRAYS):
            return "the node arrays differ in shape"
        if self.tree_class.shape != (shape[0],) or self.baseline.ndim != 1:
            return "tree classes or baseline of the wrong shape"
        if not (self.tree_class.min() >= 0 and self.tree_class.max() < len(self.baseline)):
            return "a tree adds to a class that does not exist"
        inner = ~self.is_leaf.astype(bool)
        children = np.concatenate([self.left[inner], self.right[inner]])
        if children.size and not (children.min() > 0 and children.max() < shape[1]):
            return "a node points outside its tree"
        used = self.feature[inner]
        if used.size and not (used.min() >= 0 and used.max() < self.n_features):
            return "a node reads a feature that does not exist"
        if not (np.isfinite(self.value).all() and np.isfinite(self.baseline).all()):
            return "non-finite leaf values"
        if not 1 <= self.max_depth <= 64:
            return f"max_depth {self.max_depth} out of range"
        return None
