"""Idempotency-Key: a retried POST returns the first answer, never a second recording,
inference or over-read; the same key with another body is a 409."""

import pytest

from audit.models import AuditEvent
from classifier.models import OverRead, Recording
from tests.classifier.test_api_contract import assert_problem
from tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"


def upload(client, path, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    with open(path, "rb") as handle:
        return client.post(LIST, {"file": handle, "sampling_rate_hz": 128}, headers=headers)


def test_a_retried_upload_returns_the_first_recording(client, clinician, recording_path):
    client.force_login(clinician)
    first = upload(client, recording_path, key="upload-42")
    again = upload(client, recording_path, key="upload-42")
    assert first.status_code in (201, 202)
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Recording.objects.count() == 1
    assert AuditEvent.objects.filter(action="prediction_requested").count() == 1


def test_the_same_key_with_another_body_is_a_conflict(client, clinician, recording_path, ecg_dir):
    client.force_login(clinician)
    upload(client, recording_path, key="k-1")
    other = next(p for p in sorted((ecg_dir / "recordings").glob("*.npy")) if p != recording_path)
    assert_problem(upload(client, other, key="k-1"), 409, "conflict")
    assert Recording.objects.count() == 1


def test_keys_are_per_user_and_without_a_key_every_post_counts(
    client, clinician, other_clinician, recording_path, ecg_dir
):
    client.force_login(clinician)
    upload(client, recording_path, key="shared")
    other = next(p for p in sorted((ecg_dir / "recordings").glob("*.npy")) if p != recording_path)
    upload(client, other)
    client.force_login(other_clinician)
    upload(client, recording_path, key="shared")
    assert Recording.objects.filter(owner=clinician).count() == 2
    assert Recording.objects.filter(owner=other_clinician).count() == 1


def test_a_retried_overread_is_recorded_once(client, reviewer):
    prediction = PredictionFactory.create()
    client.force_login(reviewer)
    url = f"{LIST}{prediction.recording.pk}/overread/"
    answers = [
        client.post(url, {"label": "NSR"}, headers={"Idempotency-Key": "read-1"}) for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert OverRead.objects.count() == 1


def test_an_overlong_key_is_refused(client, clinician, recording_path):
    client.force_login(clinician)
    assert_problem(upload(client, recording_path, key="k" * 200), 400)
