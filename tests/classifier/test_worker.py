"""Services lane: uploads are classified by a real Celery worker process over Redis."""

import time

import pytest

from classifier.models import Prediction

pytestmark = [pytest.mark.services, pytest.mark.slow]


def wait_until_finished(client, url, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        prediction = client.get(url).json()["prediction"]
        if prediction["status"] in {"done", "failed"}:
            return prediction
        time.sleep(0.5)
    pytest.fail(f"prediction not finished after {timeout_s} s")


def test_upload_is_classified_by_the_worker(real_worker, client, clinician, recording_path):
    client.force_login(clinician)
    with open(recording_path, "rb") as handle:
        response = client.post("/api/v1/recordings/", {"file": handle})
    assert response.status_code == 202  # the web process did not run the model
    body = response.json()
    assert body["prediction"]["status"] == "pending"
    prediction = wait_until_finished(client, f"/api/v1/recordings/{body['id']}/")
    assert prediction["status"] == "done"
    assert set(prediction["probabilities"]) == {"ARR", "CHF", "NSR"}
    stored = Prediction.objects.get(recording_id=body["id"])
    assert stored.finished_at is not None and stored.timings_ms["total"] > 0


def test_redelivered_task_does_not_duplicate_work(real_worker, client, clinician, recording_path):
    from classifier.tasks import predict_recording

    client.force_login(clinician)
    with open(recording_path, "rb") as handle:
        rid = client.post("/api/v1/recordings/", {"file": handle}).json()["id"]
    first = wait_until_finished(client, f"/api/v1/recordings/{rid}/")
    prediction = Prediction.objects.get(recording_id=rid)
    assert predict_recording.delay(prediction.pk).get(timeout=60) == "done"
    assert Prediction.objects.filter(recording_id=rid).count() == 1
    assert Prediction.objects.get(pk=prediction.pk).finished_at.isoformat() == first["finished_at"].replace("Z", "+00:00")
