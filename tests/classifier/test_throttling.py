"""API rate limits answer 429 with Retry-After, as problem details: per user, per upload
and per client address guessing tokens."""

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.classifier.test_api_contract import assert_problem

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"


@pytest.fixture
def rates(monkeypatch):
    def set_rates(**rates):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {
            "anon": "1000/min", "user": "1000/min", "uploads": "1000/min", **rates
        })  # fmt: skip

    return set_rates


def test_a_user_over_the_rate_gets_429_with_retry_after(client, clinician, rates):
    rates(user="3/min")
    client.force_login(clinician)
    answers = [client.get(LIST) for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    assert_problem(answers[3], 429, "throttled")
    assert int(answers[3]["Retry-After"]) > 0


def test_uploads_have_their_own_lower_rate(client, clinician, rates):
    rates(uploads="1/min")
    client.force_login(clinician)
    client.post(LIST, {})  # counts, even when refused as invalid
    assert_problem(client.post(LIST, {}), 429, "throttled")
    assert client.get(LIST).status_code == 200  # reading is not an upload
    assert_problem(client.post("/api/v1/classify/", {}), 429, "throttled")


def test_guessing_tokens_is_throttled_per_address(client, settings, clinician):
    settings.WAVECARDIO = {**settings.WAVECARDIO, "FAILED_AUTH_PER_MINUTE": 3}
    bad = {"Authorization": "Bearer wc_not-a-real-token"}
    answers = [client.get(LIST, headers=bad) for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [401, 401, 401]
    limited = assert_problem(answers[3], 429, "throttled")
    assert "failed authentications" in limited["detail"]
    assert int(answers[3]["Retry-After"]) > 0
