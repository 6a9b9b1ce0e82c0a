import pytest

from classifier.core.model import newest_card
from tests.conftest import REPO


@pytest.fixture(scope="session")
def card_path():
    """The newest model card committed under models/ (the one a fresh install activates)."""
    return newest_card(REPO / "models")
