"""Services lane: uploads are classified by a real Celery worker process over Redis."""

import time

import pytest

from classifier import services
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


def test_upload_is_classified_by_the_worker(
    real_worker, client, clinician, recording_path, monkeypatch
):
    run_here: list[int] = []
    monkeypatch.setattr(services, "prediction_run", run_here.append)
    client.force_login(clinician)
    with open(recording_path, "rb") as handle:
        response = client.post("/api/v1/recordings/", {"file": handle, "sampling_rate_hz": 128})
    assert response.status_code == 202
    body = response.json()
    # The worker may already have started (or even finished) it when the answer is written.
    assert body["prediction"]["status"] in {"pending", "running", "done"}
    prediction = wait_until_finished(client, f"/api/v1/recordings/{body['id']}/")
    assert prediction["status"] == "done"
    assert set(prediction["probabilities"]) == {"ARR", "CHF", "NSR"}
    stored = Prediction.objects.get(recording_id=body["id"])
    assert stored.finished_at is not None and stored.timings_ms["total"] > 0
    assert run_here == []  # the web process did not run the model
