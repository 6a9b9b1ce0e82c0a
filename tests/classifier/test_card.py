"""The model card's schema: serving reads classes, inputs and the decision rule from it."""

import json

import pytest

from classifier.card import LEGACY_INPUTS, CardSchemaError, ModelCard, ModelLoadError
from classifier.features import INPUT_KINDS
from tests.conftest import REPO


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


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.pop("classes"), "classes must be a list"),
        (lambda c: c.update(classes=["ARR", "ARR"]), "distinct"),
        (lambda c: c.update(classes=["ARR", "uncertain"]), "distinct"),
        (lambda c: c["preprocessing"].update(inputs=["scalogram", "x"]), "preprocessing.inputs"),
        (lambda c: c["preprocessing"].pop("scalogram"), "preprocessing.scalogram"),
        (lambda c: c["preprocessing"]["scalogram"].update(f_max_hz=500.0), "Nyquist"),
        (lambda c: c["decision"].update(uncertain_below=1.5), "decision.uncertain_below"),
        (lambda c: c["decision"].update(temperature="hot"), "decision.temperature"),
        (lambda c: c.update(weights_sha256=""), "weights_sha256"),
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
    from classifier.model import load_model

    card_dict["classes"] = ["ARR"]
    path = tmp_path / card_path.name
    path.write_text(json.dumps(card_dict))
    with pytest.raises(CardSchemaError, match="at least two"):
        load_model(path)
