"""Async without tight polling (issue 16, point 9): ``GET .../status/?wait=`` answers as soon
as the prediction is no longer pending or running, or after ``wait`` seconds."""

import time

import pytest

from classifier import selectors
from classifier.models import Prediction
from tests.classifier.test_api_contract import assert_problem
from tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"


@pytest.fixture
def pending(clinician):
    return PredictionFactory.create(
        recording__owner=clinician, status=Prediction.Status.PENDING, label=""
    )


def test_the_answer_comes_as_soon_as_the_prediction_finishes(
    clinician_client, pending, monkeypatch
):
    naps = []

    def finish_during_the_nap(seconds):
        naps.append(seconds)
        if len(naps) == 2:  # the worker finishes while the client waits
            Prediction.objects.filter(pk=pending.pk).update(status=Prediction.Status.DONE)

    monkeypatch.setattr(selectors, "_sleep", finish_during_the_nap)
    started = time.monotonic()
    response = clinician_client.get(f"{LIST}{pending.recording.pk}/status/?wait=30")
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert naps == [selectors.STATUS_POLL_INTERVAL_S] * 2  # a modest interval, not a spin
    assert time.monotonic() - started < 5


def test_a_wait_ends_with_the_status_as_it_is_then(clinician_client, pending):
    started = time.monotonic()
    response = clinician_client.get(f"{LIST}{pending.recording.pk}/status/?wait=1.2")
    elapsed = time.monotonic() - started
    assert response.json()["status"] == "pending"
    assert 1.1 <= elapsed < 3


def test_a_finished_prediction_answers_at_once(clinician_client, pending, monkeypatch):
    Prediction.objects.filter(pk=pending.pk).update(status=Prediction.Status.FAILED)
    monkeypatch.setattr(selectors, "_sleep", lambda seconds: pytest.fail("slept"))
    response = clinician_client.get(f"{LIST}{pending.recording.pk}/status/?wait=30")
    assert response.json()["status"] == "failed"


@pytest.mark.parametrize("wait", ["31", "-1", "soon", "nan", "1e308"])
def test_bad_waits_are_refused(clinician_client, pending, wait):
    body = assert_problem(
        clinician_client.get(f"{LIST}{pending.recording.pk}/status/?wait={wait}"), 400
    )
    assert body["errors"][0]["field"] == "wait"


def test_another_users_recording_is_not_found_without_waiting(client, other_clinician, pending):
    client.force_login(other_clinician)
    started = time.monotonic()
    assert_problem(client.get(f"{LIST}{pending.recording.pk}/status/?wait=5"), 404)
    assert time.monotonic() - started < 2


def test_the_schema_documents_wait(client):
    import yaml

    from tests.conftest import REPO

    schema = yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text())
    operation = schema["paths"]["/api/v1/recordings/{id}/status/"]["get"]
    [wait] = [p for p in operation["parameters"] if p["name"] == "wait"]
    assert wait["schema"]["maximum"] == 30


def test_a_long_poll_holds_a_thread_not_a_web_worker(monkeypatch, tmp_path):
    """deploy/gunicorn.conf.py: threaded workers, and a request timeout above the longest wait."""
    import runpy

    from classifier.api.serializers import MAX_STATUS_WAIT_S
    from tests.conftest import REPO

    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    # The file sets this default for its workers: restored after the test, never leaked.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = runpy.run_path(str(REPO / "deploy" / "gunicorn.conf.py"))
    assert conf["threads"] >= 4
    assert conf["timeout"] > MAX_STATUS_WAIT_S + 10
