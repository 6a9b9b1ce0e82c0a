"""The operator's metrics bearer token, shared by the monitoring tests."""

import pytest

TOKEN = "operator-scrape-token-0123456789abcdef"


@pytest.fixture
def metrics_token(settings) -> str:
    """Configure the operator bearer token for /metrics and /readyz; returns it."""
    settings.METRICS_BEARER_TOKEN = TOKEN
    return TOKEN
