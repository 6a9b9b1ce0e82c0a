"""Model loading: the verified LiteRT export is served, anything doubtful falls back to Keras."""

import json

import numpy as np
import pytest

from classifier.core import pipeline
from classifier.core.features import input_shape
from classifier.core.model import (
    LiteRTBackend,
    LoadedModel,
    ModelCard,
    ModelLoadError,
    load_model,
    verified_serving_file,
)
from classifier.core.signal import load_signal
from tests.classifier.conftest import copy_model


@pytest.fixture(scope="module")
def served(card_path):
    return load_model(card_path)


def _has_litert_export(card_path) -> bool:
    return (json.loads(card_path.read_text()).get("serving") or {}).get("runtime") == "litert"


def test_the_verified_litert_export_is_served(card_path, served):
    if not _has_litert_export(card_path):
        pytest.skip("this model has no LiteRT export (python -m classifier.training.export)")
    assert served.runtime == "litert"


def test_served_model_gives_keras_answers_on_real_recordings(card_path, served, ecg_dir):
    keras_model = load_model(card_path, runtime="keras")
    assert keras_model.runtime == "keras"
    for name in ("nsrdb-16273-ECG1.npy", "chfdb-chf01-ECG1.npy", "mitdb-101-V1.npy"):
        path = ecg_dir / "recordings" / name
        signal = load_signal(path.read_bytes(), filename=name, sampling_rate_hz=128.0)
        want, got = pipeline.classify(signal, keras_model), pipeline.classify(signal, served)
        assert got.label == want.label
        for cls, p in want.probabilities.items():
            assert got.probabilities[cls] == pytest.approx(p, abs=1e-4)


@pytest.mark.parametrize(
    "edit",
    [
        lambda card: card["serving"].update(sha256="0" * 64),  # export file changed
        lambda card: card["serving"].update(keras_sha256="0" * 64),  # other weights
        lambda card: card["serving"].update(max_abs_prob_diff_vs_keras=0.01),  # too far
        lambda card: card["serving"].update(labels_identical=False),
        lambda card: card["serving"].pop("file"),
    ],
    ids=["tampered-export", "other-weights", "not-equivalent", "labels-differ", "malformed"],
)
def test_a_doubtful_export_is_not_served(card_path, tmp_path, edit):
    if not _has_litert_export(card_path):
        pytest.skip("this model has no LiteRT export")
    doubtful = copy_model(card_path, tmp_path, edit)
    assert verified_serving_file(ModelCard.read(doubtful), tmp_path) is None
    with pytest.raises(ModelLoadError, match="LiteRT"):
        load_model(doubtful, runtime="litert")


def test_the_rhythm_stage_must_be_there_and_match_its_card(card_path, tmp_path):
    stage = json.loads(card_path.read_text()).get("rhythm_stage")
    if not stage:
        pytest.skip("this model has no rhythm stage")
    trees = tmp_path / stage["file"]
    copied = copy_model(card_path, tmp_path)
    assert load_model(copied).trees is not None
    trees.write_bytes(trees.read_bytes()[:-16])
    with pytest.raises(ModelLoadError, match="do not match their card"):
        load_model(copied)
    trees.unlink()
    with pytest.raises(ModelLoadError, match="missing"):
        load_model(copied)


def test_a_card_with_a_rhythm_stage_is_not_served_without_its_trees(served):
    if served.card.stage is None:
        pytest.skip("this model has no rhythm stage")
    with pytest.raises(ModelLoadError, match="disagree"):
        LoadedModel(served.card, served.backend, trees=None)


def test_without_a_verified_export_keras_serves(card_path, tmp_path):
    tampered = copy_model(card_path, tmp_path, lambda card: card.pop("serving", None))
    assert load_model(tampered).runtime == "keras"


def test_litert_backend_serves_each_thread_and_batch_size(card_path, served):
    if served.runtime != "litert":
        pytest.skip("this model has no LiteRT export")
    from concurrent.futures import ThreadPoolExecutor

    card = served.card
    rng = np.random.default_rng(0)
    batches = [
        {
            kind: rng.normal(size=(n, *input_shape(kind, card.spec))).astype(np.float32)
            for kind in card.all_inputs
        }
        for n in (1, 7, 3)
    ]
    alone = [served.predict(b) for b in batches]
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(served.predict, batches * 2))
    for got, want in zip(together, alone * 2, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
    empty = {kind: value[:0] for kind, value in batches[0].items()}
    assert served.predict(empty).shape == (0, len(card.classes))


def test_a_loaded_model_can_carry_another_card(served):
    """Tests and tools re-wrap a backend with a changed card (e.g. a stricter threshold)."""
    again = LoadedModel(served.card, served.backend, served.trees)
    assert again.backend is served.backend
    if isinstance(served.backend, LiteRTBackend):
        assert again.runtime == "litert"


def test_batched_recordings_get_their_own_answers(served, ecg_dir):
    """classify_many (one model call for several recordings) == classify one by one."""
    names = ("nsrdb-16273-ECG1.npy", "chfdb-chf01-ECG1.npy", "mitdb-101-V1.npy")
    signals = [
        load_signal((ecg_dir / "recordings" / n).read_bytes(), filename=n, sampling_rate_hz=128.0)
        for n in names
    ]
    together = pipeline.classify_many(signals, served)
    for signal, got in zip(signals, together, strict=True):
        want = pipeline.classify(signal, served)
        assert (got.label, got.n_windows) == (want.label, want.n_windows)
        assert [w.label for w in got.windows] == [w.label for w in want.windows]
        for cls, p in want.probabilities.items():
            assert got.probabilities[cls] == pytest.approx(p, abs=1e-6)
    assert pipeline.classify_many([], served) == []
