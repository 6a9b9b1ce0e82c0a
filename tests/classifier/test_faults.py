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
import os
import time

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from classifier import services
from classifier.models import Prediction, PredictionOutbox
from tests.classifier.faults import PrivateRedis, Worker
from tests.factories import distinct_copies

pytestmark = [pytest.mark.services, pytest.mark.slow]


def rebuild_pools(app) -> None:
    """Drop this process's broker connections: the next use connects to the current URL.

    kombu keeps its pools in a process-wide registry keyed by URL; closing only the app's
    pool left a closed pool registered for the lane's broker ("Acquire on closed pool")."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis(tmp_path, transactional_db, monkeypatch):
    """A private redis-server; this process's Celery app publishes to it (never the lane's:
    Celery reads CELERY_BROKER_URL from the environment before its own setting)."""
    from ecgsite.celery import app

    server = PrivateRedis(tmp_path)
    server.start()
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    rebuild_pools(app)
    assert app.conf.broker_url == server.url
    app.conf.task_always_eager = False
    try:
        yield server
    finally:
        app.conf.task_always_eager = True
        monkeypatch.undo()
        rebuild_pools(app)
        server.stop()


@pytest.fixture
def worker_env(redis, test_media_root) -> dict[str, str]:
    from django.db import connection

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return {
        **os.environ,
        "DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}",
        "DJANGO_SETTINGS_MODULE": "ecgsite.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": redis.url,
        "MEDIA_ROOT": str(test_media_root),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "LOG_LEVEL": "WARNING",
    }


def upload(owner, path, name: str | None = None) -> int:
    recording = services.recording_create(
        owner=owner,
        upload=SimpleUploadedFile(name or path.name, path.read_bytes()),
        sampling_rate_hz=128.0,
    )
    return recording.predictions.get().pk


def settle(ids: list[int], timeout_s: float = 240) -> dict[str, int]:
    """Wait until every prediction is finished. When nothing moves for 15 s, run the
    reconciler as if its deadlines had passed (what each minute of beat does over time)."""
    deadline = time.monotonic() + timeout_s
    last, still_since = None, time.monotonic()
    while time.monotonic() < deadline:
        statuses = dict(Prediction.objects.filter(pk__in=ids).values_list("pk", "status"))
        if all(status in {"done", "failed"} for status in statuses.values()):
            break
        if statuses != last:
            last, still_since = statuses, time.monotonic()
        elif time.monotonic() - still_since > 15:
            services.predictions_reconcile(now=timezone.now() + dt.timedelta(seconds=1000))
            still_since = time.monotonic()
        time.sleep(0.5)
    rows = list(Prediction.objects.filter(pk__in=ids))
    figures = {
        "submitted": len(ids),
        "finished": sum(p.status == "done" for p in rows),
        "failed_with_reason": sum(p.status == "failed" and bool(p.error) for p in rows),
        "lost": len(ids) - len(rows),
        "stuck": sum(p.status in {"pending", "running"} for p in rows),
    }
    print("fault figures:", figures)  # the closing note quotes them
    return figures


@pytest.fixture
def ten_minutes(tmp_path, recording_path):
    """The real 60-s excerpt ten times over: long enough to be caught running."""
    path = tmp_path / "ten-minutes.npy"
    np.save(path, np.tile(np.load(recording_path), 10))
    return path


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
