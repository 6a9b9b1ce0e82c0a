"""classifier.training.export: Keras -> LiteRT, adopted only if equivalent on every recording."""

import json
import shutil

import pytest

from classifier.core.model import load_model, newest_card, sha256_of
from classifier.training import export
from tests.classifier.conftest import copy_model
from tests.conftest import REPO

pytestmark = pytest.mark.slow  # the fixture converts the shipped model to LiteRT (~8 s)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, ecg_dir):
    """A copy of the shipped model exported against a few real recordings."""
    folder = tmp_path_factory.mktemp("model")
    copied = copy_model(newest_card(REPO / "models"), folder, lambda c: c.pop("serving", None))
    data = folder / "ecg"
    (data / "recordings").mkdir(parents=True)
    for name in ("mitdb-100-MLII.npy", "nsrdb-16273-ECG1.npy", "chfdb-chf01-ECG1.npy"):
        shutil.copy(ecg_dir / "recordings" / name, data / "recordings" / name)
    code = export.main([str(copied), "--data", str(data)])
    return copied, code


def test_export_writes_a_verified_serving_record(exported):
    card_path, code = exported
    assert code == 0
    card = json.loads(card_path.read_text())
    serving = card["serving"]
    tflite = card_path.parent / serving["file"]
    assert serving["runtime"] == "litert"
    assert serving["sha256"] == sha256_of(tflite)
    assert serving["keras_sha256"] == card["weights_sha256"]
    assert serving["labels_identical"] is True
    assert serving["max_abs_prob_diff_vs_keras"] <= 1e-4
    assert serving["n_recordings"] == 3
    assert load_model(card_path).runtime == "litert"


def test_a_failed_check_leaves_the_card_on_keras(exported, tmp_path, monkeypatch, ecg_dir):
    card_path, _ = exported
    copy_model(card_path, tmp_path, lambda card: card.pop("serving", None))
    data = tmp_path / "ecg" / "recordings"
    data.mkdir(parents=True)
    shutil.copy(ecg_dir / "recordings" / "mitdb-100-MLII.npy", data / "mitdb-100-MLII.npy")
    failing = export.Equivalence(1, 8, max_abs_prob_diff=0.5, labels_identical=False)
    monkeypatch.setattr(export, "compare", lambda *args: failing)
    flatbuffer = next(card_path.parent.glob("*.tflite")).read_bytes()
    monkeypatch.setattr(export, "convert_to_litert", lambda keras_model: flatbuffer)
    assert export.main([str(tmp_path / card_path.name), "--data", str(tmp_path / "ecg")]) == 1
    assert "serving" not in json.loads((tmp_path / card_path.name).read_text())
    assert not list(tmp_path.glob("*.tflite"))
    assert load_model(tmp_path / card_path.name).runtime == "keras"
