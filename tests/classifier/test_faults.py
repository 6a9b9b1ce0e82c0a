"""Issue 18, point 7 (short forms, services lane): real Celery workers on a private Redis,
crashed and cut off on purpose. Every recording stored is finished or failed with a reason:
none lost, none stuck.

- a worker SIGKILLed mid-task, then restarted: all finish (the reconciler re-queues what the
  dead worker held; its clock is moved on instead of waiting out the deadlines);
- Redis stopped during uploads: every upload is accepted (202) and all finish once it is back;
- a poison recording that kills its worker on every try: failed with the reason after
  MAX_ATTEMPTS, and the recordings behind it finish.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from classifier import services
from classifier.models import Prediction, PredictionOutbox
from tests.classifier.faults import Worker, settle
from tests.factories import distinct_copies

pytestmark = [pytest.mark.services, pytest.mark.slow]


def upload(owner, path, name: str | None = None) -> int:
    recording = services.recording_create(
        owner=owner,
        upload=SimpleUploadedFile(name or path.name, path.read_bytes()),
        sampling_rate_hz=128.0,
    )
    return recording.predictions.get().pk


def test_a_worker_killed_mid_task_loses_nothing(
    redis, worker_env, clinician, ten_minutes, tmp_path
):
    from ecgsite.celery import app

    worker = Worker(worker_env)
    worker.start(app)
    try:
        ids = [upload(clinician, path) for path in distinct_copies(ten_minutes, 6, tmp_path)]
        deadline = time.monotonic() + 90
        while not Prediction.objects.filter(status="running").exists():
            assert time.monotonic() < deadline, (
                "no prediction started",
                list(Prediction.objects.values_list("status", "attempts")),
                list(PredictionOutbox.objects.values_list("attempts", "last_error")),
            )
            time.sleep(0.02)
        worker.kill()
        held = list(Prediction.objects.filter(pk__in=ids, status="running").values_list("pk"))
        # Beat, minutes later: what the dead worker held is past its deadline.
        report = services.predictions_reconcile(now=timezone.now() + dt.timedelta(seconds=300))
        assert held and {pk for (pk,) in held} <= set(report.requeued)
        worker.start(app)
        figures = settle(ids)
    finally:
        worker.stop()
    assert figures == {
        "submitted": 6, "finished": 6, "failed_with_reason": 0, "lost": 0, "stuck": 0,
    }  # fmt: skip


def test_uploads_while_redis_is_down_are_accepted_and_finish_after_it(
    redis, worker_env, client, clinician, recording_path, tmp_path
):
    from ecgsite.celery import app

    paths = distinct_copies(recording_path, 5, tmp_path)
    worker = Worker(worker_env)
    worker.start(app)
    try:
        redis.stop()
        client.force_login(clinician)
        answers = []
        for path in paths[:3]:
            with open(path, "rb") as handle:
                answers.append(
                    client.post("/api/v1/recordings/", {"file": handle, "sampling_rate_hz": 128})
                )
        assert [a.status_code for a in answers] == [202, 202, 202]
        ids = [Prediction.objects.get(recording_id=a.json()["id"]).pk for a in answers]
        ids += [upload(clinician, path) for path in paths[3:]]
        assert PredictionOutbox.objects.count() == 5  # kept, waiting for the broker
        redis.start()
        report = services.predictions_reconcile(now=timezone.now() + dt.timedelta(seconds=60))
        assert sorted(report.redispatched) == sorted(ids)
        figures = settle(ids)
    finally:
        worker.stop()
    assert not PredictionOutbox.objects.exists()
    assert figures == {
        "submitted": 5, "finished": 5, "failed_with_reason": 0, "lost": 0, "stuck": 0,
    }  # fmt: skip


def test_a_poison_recording_fails_with_its_reason_and_unblocks_the_queue(
    redis, worker_env, clinician, recording_path, settings, tmp_path
):
    from ecgsite.celery import app

    worker = Worker(worker_env, app="tests.classifier.poison_worker")
    worker.start(app)
    try:
        first, *rest = distinct_copies(recording_path, 4, tmp_path)
        poison = upload(clinician, first, name="poison.npy")
        behind = [upload(clinician, path) for path in rest]
        figures = settle([poison, *behind])
    finally:
        worker.stop()
    failed = Prediction.objects.get(pk=poison)
    assert failed.status == "failed"
    assert failed.error.startswith(f"gave up after {settings.WAVECARDIO['MAX_ATTEMPTS']} attempt")
    assert figures == {
        "submitted": 4, "finished": 3, "failed_with_reason": 1, "lost": 0, "stuck": 0,
    }  # fmt: skip
