"""The model card's schema: serving reads classes, inputs and the decision rule from it."""

import json

import pytest

from classifier.core.card import LEGACY_INPUTS, CardSchemaError, ModelCard, ModelLoadError
from classifier.core.features import EACH_LEAD, INPUT_KINDS
from tests.conftest import REPO

STAGE = {"file": "v.trees.npz", "sha256": "0" * 64, "inputs": ["rhythm_context"]}


@pytest.fixture
def card_dict(card_path) -> dict:
    return json.loads(card_path.read_text())


def write(tmp_path, data) -> str:
    path = tmp_path / "card.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_every_shipped_card_passes_the_schema():
    for path in sorted((REPO / "models").glob("*.json")):
        card = ModelCard.read(path)
        assert card.classes and card.inputs
        assert set(card.inputs) <= set(INPUT_KINDS)


def test_a_card_before_v5_reads_the_scalogram_only():
    card = ModelCard.read(REPO / "models" / "wavecardio-cnn-v4.json")
    assert card.inputs == LEGACY_INPUTS
    assert card.decision.arr_burden_at_least is None
    assert card.decision.window_threshold == card.decision.uncertain_below


def test_cards_before_v8_detect_each_lead_s_own_r_peaks():
    """v5-v7 were trained on each lead's own R-peaks: serving them so keeps their inputs."""
    for version in ("v5", "v6", "v7"):
        card = ModelCard.read(REPO / "models" / f"wavecardio-cnn-{version}.json")
        assert "r_peaks" not in card.raw["preprocessing"]
        assert card.r_peaks == EACH_LEAD


def test_cards_before_v10_read_no_other_lead():
    """v7-v9's trees read one lead's window: serving them so keeps their inputs."""
    for version in ("v7", "v8", "v9"):
        card = ModelCard.read(REPO / "models" / f"wavecardio-cnn-{version}.json")
        assert "cross_lead" not in card.raw["rhythm_stage"]
        assert card.stage is not None and not card.stage.cross_lead


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.pop("classes"), "classes must be a list"),
        (lambda c: c.update(classes=["ARR", "ARR"]), "distinct"),
        (lambda c: c.update(classes=["ARR", "uncertain"]), "distinct"),
        (lambda c: c["preprocessing"].update(inputs=["scalogram", "x"]), "preprocessing.inputs"),
        (lambda c: c["preprocessing"].pop("scalogram"), "preprocessing.scalogram"),
        (lambda c: c["preprocessing"]["scalogram"].update(f_max_hz=500.0), "Nyquist"),
        (lambda c: c["preprocessing"].update(r_peaks="best"), "preprocessing.r_peaks"),
        (lambda c: c["decision"].update(uncertain_below=1.5), "decision.uncertain_below"),
        (lambda c: c["decision"].update(temperature="hot"), "decision.temperature"),
        (lambda c: c.update(weights_sha256=""), "weights_sha256"),
        (lambda c: c.update(rhythm_stage=["trees.npz"]), "rhythm_stage must be an object"),
        (lambda c: c.update(rhythm_stage=STAGE | {"inputs": ["x"]}), "rhythm_stage.inputs"),
        (lambda c: c.update(rhythm_stage=STAGE | {"file": "trees.pkl"}), "must name an .npz"),
        (lambda c: c.update(rhythm_stage=STAGE | {"sha256": None}), "sha256"),
        (lambda c: c.update(rhythm_stage=STAGE | {"cross_lead": "yes"}), "true or false"),
    ],
)
def test_a_broken_card_is_refused_with_the_field_named(tmp_path, card_dict, change, message):
    change(card_dict)
    with pytest.raises(CardSchemaError, match=message):
        ModelCard.read(write(tmp_path, card_dict))


def test_a_card_that_is_not_json_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="cannot read model card"):
        ModelCard.read(write(tmp_path, "{not json"))


def test_a_broken_card_is_not_served(tmp_path, card_path, card_dict):
    from classifier.core.model import load_model

    card_dict["classes"] = ["ARR"]
    path = tmp_path / card_path.name
    path.write_text(json.dumps(card_dict))
    with pytest.raises(CardSchemaError, match="at least two"):
        load_model(path)


def test_the_served_preprocessing_is_the_code_the_newest_model_was_trained_with(card_path):
    """Changing classifier/core/features.py, rhythm.py or cwt.py after training would serve
    inputs the model never saw: retrain (make train) when this fails."""
    from classifier.core.model import sha256_of

    code = ModelCard.read(card_path).raw["preprocessing"]["code_sha256"]
    assert code
    for path, digest in code.items():
        assert sha256_of(REPO / path) == digest, path


def rhythm_cards() -> list:
    """Cards from v5 on: window labels from annotations (they carry a label_rule)."""
    cards = [json.loads(p.read_text()) for p in sorted((REPO / "models").glob("*.json"))]
    return [card for card in cards if card.get("label_rule")]


def test_a_rhythm_card_holds_every_evaluation_make_evaluate_writes():
    cards = rhythm_cards()
    assert cards, "no model card with a label rule under models/"
    for card in cards:
        evaluation = card["evaluation"]
        mitdb, cinc = evaluation["mitdb_per_window"], evaluation["cinc2017_per_recording"]
        for block in (mitdb, cinc, evaluation["mitdb_per_time_window_two_leads"]):
            top, answered = block["top_class"], block["with_uncertain"]
            assert top["balanced_accuracy"]["ci95"][0] <= top["balanced_accuracy"]["value"]
            assert 0 < answered["answered_fraction"] <= 1
            assert answered["accuracy_on_answered"]["value"] is not None
        assert {"A", "N", "O"} <= set(cinc["by_original_label"])  # AF and other-rhythm recall
        assert len(mitdb["per_record"]) == 2 * 38
        lodo = evaluation["leave_one_database_out"]
        assert {"mitdb", "cinc2017"} <= set(lodo)
        control = evaluation["shortcut_control"]
        for key in ("mitdb_per_window", "cinc2017_per_recording"):
            assert control[key]["top_class"]["balanced_accuracy"]["value"] is not None
        assert {"mitdb", "cinc2017"} <= set(control["leave_one_database_out"])
        assert evaluation["ecg_folder_recording_level"]["mitdb"]["top_class"]["n"] > 0
        assert "not" in evaluation["chf"]["note"] and evaluation["chf"]["recordings"]
        names = {target["name"] for target in evaluation["targets"]}
        assert "CinC 2017: AF recall" in names
        assert any("shortcut control" in name for name in names)
        assert any(line.startswith("Measured on patients") for line in card["limits"])
        assert "patient = record" in " ".join(card["limits"])  # CinC has no patient ids
