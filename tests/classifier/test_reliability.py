"""Issue 18: no recording is ever lost or stuck. Any error fails a prediction with a reason;
attempts are counted and bounded; the reconciler re-queues what is overdue or undelivered;
a broker outage is answered 202 and everything stored is classified once it returns."""

import datetime as dt
import io
import json
import threading
import time
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from audit.models import AuditEvent
from audit.services import Action
from classifier import services, tasks
from classifier.core import pipeline
from classifier.models import Prediction, PredictionOutbox, Recording
from tests.monitoring.conftest import TOKEN
from tests.monitoring.promtext import samples, value

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction


def upload_of(path):
    return SimpleUploadedFile(path.name, path.read_bytes())


@pytest.fixture
def scrape_token(settings) -> None:
    settings.METRICS_BEARER_TOKEN = TOKEN


def scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return samples(response.content.decode())


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing raises what kombu raises when Redis is unreachable; ``recover()`` ends it."""
    sent: list[int] = []
    real = tasks.predict_recording.apply_async

    def refuse(args=None, **kwargs):
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.predict_recording, "apply_async", refuse)

    class Outage:
        def recover(self) -> None:
            def deliver(args=None, **kwargs):
                sent.append(args[0])
                return real(args, **kwargs)

            monkeypatch.setattr(tasks.predict_recording, "apply_async", deliver)

        delivered = sent

    return Outage()


@pytest.fixture
def queued(monkeypatch):
    """The broker takes tasks but no worker runs them: the calls are recorded."""
    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(
        tasks.predict_recording, "apply_async", lambda args=None, **kw: calls.append((args, kw))
    )
    return calls


def stored_pending(clinician, recording_path, queued) -> Prediction:
    recording = services.recording_create(
        owner=clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )
    prediction = recording.predictions.get()
    assert prediction.status == Prediction.Status.PENDING
    return prediction


# --- any error fails the prediction with a reason --------------------------------------------


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (RuntimeError("LiteRT: failed to allocate tensors"), "the model runtime failed"),
        (SoftTimeLimitExceeded(), "took longer than the 122 s allowed"),
        (MemoryError(), "more memory than a worker may use"),
        (KeyError("boom"), "an unexpected error in the worker (KeyError"),
    ],
)
def test_any_error_of_the_work_fails_the_prediction_with_a_reason(
    clinician, recording_path, queued, monkeypatch, error, shown
):
    prediction = stored_pending(clinician, recording_path, queued)

    def raise_error(*args, **kwargs):
        raise error

    monkeypatch.setattr(pipeline, "classify", raise_error)
    failed = services.prediction_run(prediction.pk)
    stored = Prediction.objects.get(pk=prediction.pk)
    assert failed.status == stored.status == Prediction.Status.FAILED
    assert shown in stored.error
    assert stored.attempts == 1 and stored.deadline is None
    event = AuditEvent.objects.get(action=Action.PREDICTION_FAILED)
    assert event.outcome == "failure" and shown in event.details["reason"]


def test_the_result_page_shows_the_reason(client, clinician, recording_path, queued, monkeypatch):
    prediction = stored_pending(clinician, recording_path, queued)
    monkeypatch.setattr(pipeline, "classify", lambda *a, **k: (_ for _ in ()).throw(RuntimeError))
    services.prediction_run(prediction.pk)
    client.force_login(clinician)
    page = client.get(reverse("classifier:recording_detail", args=[prediction.recording_id]))
    assert "Classification failed: the model runtime failed" in page.content.decode()


def test_a_finished_prediction_is_not_run_again(clinician, recording_path):
    recording = services.recording_create(
        owner=clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )
    done = recording.predictions.get()
    assert done.status == Prediction.Status.DONE and done.attempts == 1
    assert services.prediction_run(done.pk).attempts == 1


# --- attempts are bounded ----------------------------------------------------------------------


def test_a_prediction_started_max_attempts_times_fails_instead_of_running(
    client, settings, scrape_token, clinician, recording_path, queued, monkeypatch
):
    """A poison recording kills its worker on every delivery: the next start gives up."""
    prediction = stored_pending(clinician, recording_path, queued)
    Prediction.objects.filter(pk=prediction.pk).update(
        status=Prediction.Status.RUNNING, attempts=settings.WAVECARDIO["MAX_ATTEMPTS"]
    )
    ran = []
    monkeypatch.setattr(pipeline, "classify", lambda *a, **k: ran.append(1))
    before = value(scrape(client), "wavecardio_prediction_failures_total", reason="gave_up")
    failed = services.prediction_run(prediction.pk)
    assert ran == []  # never started a fourth time
    assert failed.status == Prediction.Status.FAILED
    assert failed.error.startswith("gave up after 3 attempt(s)")
    after = value(scrape(client), "wavecardio_prediction_failures_total", reason="gave_up")
    assert after - before == 1
    assert AuditEvent.objects.filter(action=Action.PREDICTION_FAILED).count() == 1


def test_time_limits_grow_with_the_recording(settings):
    short_soft, short_hard = services.prediction_time_limits(60)
    day_soft, day_hard = services.prediction_time_limits(24 * 3600)
    assert short_soft == 120 + 2 and short_hard == short_soft + 30
    assert day_soft == 120 + 90 * 24 and day_hard == day_soft + 30
    # Redis must not hand the longest task to a second worker while the first still runs.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > day_hard
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD > 0


def test_the_task_is_sent_with_limits_sized_from_the_recording(clinician, recording_path, queued):
    prediction = stored_pending(clinician, recording_path, queued)
    (args, options) = queued[-1]
    assert args == (prediction.pk,)
    assert (options["soft_time_limit"], options["time_limit"]) == (122, 152)


def test_a_prediction_killed_at_its_hard_limit_is_failed_with_the_reason(
    client, scrape_token, clinician, recording_path, queued
):
    from celery.exceptions import TimeLimitExceeded
    from celery.signals import task_failure

    prediction = stored_pending(clinician, recording_path, queued)
    Prediction.objects.filter(pk=prediction.pk).update(status=Prediction.Status.RUNNING)
    before = value(scrape(client), "wavecardio_prediction_failures_total", reason="time_limit")
    task_failure.send(
        sender=tasks.predict_recording,
        task_id="t",
        exception=TimeLimitExceeded(152),
        args=[prediction.pk],
        kwargs={},
        traceback=None,
        einfo=None,
    )
    stored = Prediction.objects.get(pk=prediction.pk)
    assert stored.status == Prediction.Status.FAILED
    assert "took longer than the 122 s allowed" in stored.error
    after = value(scrape(client), "wavecardio_prediction_failures_total", reason="time_limit")
    assert after - before == 1  # counted once
    assert AuditEvent.objects.get(action=Action.PREDICTION_FAILED).outcome == "failure"


def test_database_errors_are_retried_with_a_backoff_that_outlasts_a_restart():
    task: Any = tasks.predict_recording
    waits = [min(task.retry_backoff * 2**n, task.retry_backoff_max) for n in range(6)]
    assert task.max_retries == 6 and not task.retry_jitter
    assert sum(waits) >= 120  # a 40-s PostgreSQL restart is ridden out with room to spare


# --- the reconciler --------------------------------------------------------------------------


def later(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_a_running_prediction_whose_worker_vanished_is_requeued_and_finishes(
    client, scrape_token, clinician, recording_path, queued, monkeypatch
):
    prediction = stored_pending(clinician, recording_path, queued)
    Prediction.objects.filter(pk=prediction.pk).update(
        status=Prediction.Status.RUNNING, attempts=1, deadline=later(-1)
    )
    PredictionOutbox.objects.all().delete()  # it had been delivered
    assert value(scrape(client), "wavecardio_predictions_overdue") == 1
    before = value(scrape(client), "wavecardio_predictions_requeued_total", cause="overdue_running")
    monkeypatch.undo()  # a worker is back (in-process here)
    report = services.predictions_reconcile()
    assert report.requeued == [prediction.pk] and report.abandoned == []
    stored = Prediction.objects.get(pk=prediction.pk)
    assert stored.status == Prediction.Status.DONE and stored.attempts == 2
    event = AuditEvent.objects.get(action=Action.PREDICTION_REQUEUED)
    assert event.details == {
        "recording": str(stored.recording_id),
        "cause": "overdue_running",
        "attempts": 1,
    }
    found = scrape(client)
    assert value(found, "wavecardio_predictions_requeued_total", cause="overdue_running") == (
        before + 1
    )
    assert value(found, "wavecardio_predictions_overdue") == 0


def test_a_prediction_not_due_yet_is_left_alone(clinician, recording_path, queued):
    prediction = stored_pending(clinician, recording_path, queued)
    PredictionOutbox.objects.all().delete()
    report = services.predictions_reconcile()
    assert report.as_dict() == {"redispatched": [], "requeued": [], "abandoned": []}
    assert Prediction.objects.get(pk=prediction.pk).status == Prediction.Status.PENDING


def test_a_pending_prediction_never_started_is_requeued_then_given_up(
    settings, clinician, recording_path, queued
):
    """A lost message (Redis killed with tasks queued): each re-queue counts, none forever."""
    prediction = stored_pending(clinician, recording_path, queued)
    assert PredictionOutbox.objects.count() == 0  # delivered
    max_attempts = settings.WAVECARDIO["MAX_ATTEMPTS"]
    for attempt in range(1, max_attempts):
        before = len(queued)
        report = services.predictions_reconcile(now=later(16 * attempt))
        assert report.requeued == [prediction.pk]
        assert len(queued) == before + 1  # sent again
        assert Prediction.objects.get(pk=prediction.pk).attempts == attempt
    report = services.predictions_reconcile(now=later(16 * max_attempts))
    assert report.abandoned == [prediction.pk]
    stored = Prediction.objects.get(pk=prediction.pk)
    assert stored.status == Prediction.Status.FAILED and stored.attempts == max_attempts
    assert "gave up after 3 attempt(s)" in stored.error
    assert services.predictions_reconcile(now=later(600)).as_dict()["abandoned"] == []


def test_the_reconcile_command_prints_what_it_did(clinician, recording_path, queued):
    prediction = stored_pending(clinician, recording_path, queued)
    Prediction.objects.filter(pk=prediction.pk).update(deadline=later(-1))
    out = io.StringIO()
    call_command("reconcile_predictions", stdout=out)
    assert json.loads(out.getvalue()) == {
        "abandoned": [],
        "redispatched": [],
        "requeued": [prediction.pk],
    }


def test_the_beat_task_reconciles(clinician, recording_path, queued):
    prediction = stored_pending(clinician, recording_path, queued)
    Prediction.objects.filter(pk=prediction.pk).update(
        status=Prediction.Status.RUNNING, attempts=1, deadline=later(-1)
    )
    assert tasks.reconcile_predictions.apply().get() == {
        "redispatched": [],
        "requeued": [prediction.pk],
        "abandoned": [],
    }


def test_the_reconciler_runs_each_minute_under_celery_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-predictions"]
    assert entry["task"] == tasks.reconcile_predictions.name
    assert entry["schedule"] == 60.0


# --- broker outage: accept and keep ------------------------------------------------------------


def test_api_upload_during_a_broker_outage_is_accepted_and_classified_after_it(
    client, scrape_token, clinician, recording_path, broker_down
):
    client.force_login(clinician)
    with open(recording_path, "rb") as handle:
        response = client.post("/api/v1/recordings/", {"file": handle, "sampling_rate_hz": 128})
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"/api/v1/recordings/{response.json()['id']}/")
    assert response.json()["prediction"]["status"] == "pending"
    recording = Recording.objects.get()
    assert recording.file.storage.exists(str(recording.file.name))
    outbox = PredictionOutbox.objects.get()
    assert outbox.prediction.recording == recording
    assert outbox.attempts == 1 and "Connection refused" in outbox.last_error
    assert value(scrape(client), "wavecardio_outbox_undelivered") == 1

    assert services.predictions_reconcile().redispatched == []  # too soon: no retry storm
    broker_down.recover()
    report = services.predictions_reconcile(now=later(1))
    assert report.redispatched == [outbox.prediction_id]
    assert broker_down.delivered == [outbox.prediction_id]
    assert not PredictionOutbox.objects.exists()
    assert recording.predictions.get().status == Prediction.Status.DONE
    found = scrape(client)
    assert value(found, "wavecardio_outbox_undelivered") == 0
    assert value(found, "wavecardio_predictions_requeued_total", cause="undelivered") >= 1


def test_web_upload_during_a_broker_outage_shows_the_recording_queued(
    client, clinician, recording_path, broker_down
):
    client.force_login(clinician)
    response = client.post(
        reverse("classifier:recording_upload"),
        {"file": upload_of(recording_path), "sampling_rate_hz": 128},
    )
    recording = Recording.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("classifier:recording_detail", args=[recording.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Stored and queued for classification" in page


def test_an_outage_longer_than_the_retry_delay_keeps_the_row_until_delivery(
    clinician, recording_path, broker_down
):
    services.recording_create(
        owner=clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )
    services.predictions_reconcile(now=later(1))
    services.predictions_reconcile(now=later(30))  # long outage: never given up while stored
    row = PredictionOutbox.objects.get()
    assert row.attempts == 3
    assert row.prediction.status == Prediction.Status.PENDING


# --- embedded mode: long recordings in the background -----------------------------------------


def test_dev_mode_classifies_long_recordings_in_a_background_thread(
    client, clinician, recording_path, settings
):
    settings.WAVECARDIO = {**settings.WAVECARDIO, "EAGER_MAX_SECONDS": 30.0}
    client.force_login(clinician)
    response = client.post(
        reverse("classifier:recording_upload"),
        {"file": upload_of(recording_path), "sampling_rate_hz": 128},
    )
    assert response.status_code == 302  # answered before the 60-s recording is classified
    threads = [t for t in threading.enumerate() if t.name.startswith("prediction-")]
    assert threads, "the prediction did not go to a background thread"
    for thread in threads:
        thread.join(timeout=60)
    deadline = time.monotonic() + 10
    while Prediction.objects.get().status != Prediction.Status.DONE:
        assert time.monotonic() < deadline
        time.sleep(0.1)


# --- progress of a running prediction ----------------------------------------------------------


def test_a_running_prediction_shows_its_progress_to_the_poll_and_on_its_page(
    client, clinician, recording_path, queued, monkeypatch
):
    prediction = stored_pending(clinician, recording_path, queued)
    client.force_login(clinician)
    status_url = f"/api/v1/recordings/{prediction.recording_id}/status/"
    page_url = reverse("classifier:recording_detail", args=[prediction.recording_id])
    monkeypatch.setattr(services, "PROGRESS_EVERY_S", 0.0)
    seen: list[tuple[dict, str]] = []
    real = pipeline.classify

    def classify(signal, model, *, progress):
        progress(0.42)
        seen.append((client.get(status_url).json(), client.get(page_url).content.decode()))
        return real(signal, model, progress=progress)

    monkeypatch.setattr(pipeline, "classify", classify)
    services.prediction_run(prediction.pk)

    [(status, page)] = seen
    assert status["status"] == "running" and status["progress"] == pytest.approx(0.42)
    assert 'id="prediction-progress" max="1" value="0.420"' in page
    assert "42 % of the windows classified" in page
    finished = client.get(status_url).json()
    assert finished == {"id": str(prediction.recording_id), "status": "done", "progress": None}


def test_a_queued_prediction_has_no_progress_yet(client, clinician, recording_path, queued):
    prediction = stored_pending(clinician, recording_path, queued)
    client.force_login(clinician)
    status = client.get(f"/api/v1/recordings/{prediction.recording_id}/status/").json()
    assert (status["status"], status["progress"]) == ("pending", None)
    page = client.get(reverse("classifier:recording_detail", args=[prediction.recording_id]))
    assert (
        '<progress id="prediction-progress" max="1" aria' in page.content.decode()
    )  # no value: indeterminate
