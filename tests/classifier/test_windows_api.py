"""GET /api/v1/recordings/{id}/windows/: the per-window answers, paginated and bounded."""

import pytest

from audit.models import AuditEvent
from tests.factories import RecordingFactory

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction

LIST = "/api/v1/recordings/"
FIELDS = {"lead", "start_s", "end_s", "label", "probabilities", "quality"}  # CLI --windows


@pytest.fixture
def classified(client, clinician, recording_path):
    client.force_login(clinician)
    with open(recording_path, "rb") as handle:
        body = client.post(
            LIST, {"file": handle, "sampling_rate_hz": 128}, format="multipart"
        ).json()
    assert body["prediction"]["status"] == "done"
    return body


def test_windows_are_paginated_with_the_cli_fields(client, classified):
    url = f"{LIST}{classified['id']}/windows/"
    first = client.get(url, {"page_size": 3}).json()
    assert first["count"] == 7  # 60 s in 8-s windows
    assert len(first["results"]) == 3 and first["next"] and first["previous"] is None
    assert set(first["results"][0]) == FIELDS
    assert [w["start_s"] for w in first["results"]] == [0, 8, 16]
    last = client.get(url, {"page_size": 3, "page": 3}).json()
    assert [w["start_s"] for w in last["results"]] == [48]
    every = client.get(url).json()["results"]
    detail = client.get(f"{LIST}{classified['id']}/").json()["prediction"]["windows"]
    assert every == detail
    assert AuditEvent.objects.filter(action="recording_viewed").count() >= 4


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page_size": 5000}, "page_size"), ({"lead": 1}, "lead"), ({"label": "ARR"}, "label")],
)
def test_bad_window_queries_answer_400(client, classified, query, field):
    response = client.get(f"{LIST}{classified['id']}/windows/", query)
    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]


def test_windows_of_others_are_404_and_without_prediction_409(client, clinician, other_clinician):
    mine = RecordingFactory.create(owner=clinician)  # stored, never classified
    theirs = RecordingFactory.create(owner=other_clinician)
    client.force_login(clinician)
    assert client.get(f"{LIST}{theirs.pk}/windows/").status_code == 404
    response = client.get(f"{LIST}{mine.pk}/windows/")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
