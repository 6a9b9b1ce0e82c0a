import json

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="session")
def card_path():
    """The newest model card committed under models/ (the one a fresh install activates)."""
    cards = sorted((REPO / "models").glob("*.json"))
    assert cards, "a trained model must be committed under models/"
    return max(cards, key=lambda p: json.loads(p.read_text()).get("created", ""))
