"""The rhythm stage's trees: NumPy serving gives scikit-learn's answers; bad files refused."""

import numpy as np
import pytest

from classifier.core.card import ModelLoadError
from classifier.core.trees import BoostedTrees
from classifier.training.rhythm_stage import trees_of


@pytest.fixture(scope="module")
def fitted():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(2000, 5))
    rows[::5, 1] = np.nan  # missing values take the side learnt for them
    labels = (rows[:, 0] + np.nan_to_num(rows[:, 1], nan=2.0) > 0).astype(int) + (rows[:, 2] > 1)
    model = HistGradientBoostingClassifier(max_iter=25, max_depth=6, random_state=0)
    return model.fit(rows, labels), rows


def test_numpy_trees_give_the_fitted_model_s_logits(fitted, tmp_path):
    model, rows = fitted
    path = tmp_path / "trees.npz"
    trees_of(model, n_classes=3).save(path)
    trees = BoostedTrees.load(path)
    np.testing.assert_allclose(trees.logits(rows), model._raw_predict(rows), atol=1e-5)
    probabilities = np.exp(trees.logits(rows))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities, model.predict_proba(rows), atol=1e-5)


def test_a_binary_fit_gives_every_class_a_logit(fitted):
    """A fold without CHF windows: the trees answer ARR or NSR and never CHF."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    _, rows = fitted
    labels = np.where(rows[:, 0] > 0, 2, 0)  # classes 0 and 2 of three
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(rows, labels)
    logits = trees_of(model, n_classes=3).logits(rows)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities[:, [0, 2]], model.predict_proba(rows), atol=1e-5)
    assert (probabilities[:, 1] < 1e-9).all()


def test_the_wrong_number_of_features_is_a_clear_error(fitted):
    model, rows = fitted
    with pytest.raises(ValueError, match="read 5 features"):
        trees_of(model, n_classes=3).logits(rows[:, :4])


def corrupt(trees: BoostedTrees, **arrays) -> dict:
    fields = {name: getattr(trees, name) for name in trees.__dataclass_fields__}
    return {**fields, **arrays}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: {"left": t.left + 1000}, "points outside"),
        (lambda t: {"feature": np.where(t.is_leaf, 0, 99)}, "feature that does not exist"),
        (lambda t: {"tree_class": t.tree_class + 5}, "class that does not exist"),
        (lambda t: {"value": np.full_like(t.value, np.nan)}, "non-finite"),
        (lambda t: {"threshold": t.threshold[:, :3]}, "differ in shape"),
    ],
)
def test_corrupt_trees_are_refused(fitted, tmp_path, change, message):
    trees = trees_of(fitted[0], n_classes=3)
    path = tmp_path / "trees.npz"
    BoostedTrees(**corrupt(trees, **change(trees))).save(path)
    with pytest.raises(ModelLoadError, match=message):
        BoostedTrees.load(path)


def test_a_file_holding_pickled_objects_or_nothing_usable_is_refused(tmp_path):
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, feature=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ModelLoadError, match="cannot read"):
        BoostedTrees.load(pickled)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelLoadError, match="cannot read"):
        BoostedTrees.load(truncated)
