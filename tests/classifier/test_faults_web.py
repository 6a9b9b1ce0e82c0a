"""Issue 18, point 7, through the web tier (services lane): gunicorn with deploy/gunicorn.conf.py
and Celery workers as real processes on 127.0.0.1, on a private Redis (and, for the restart, a
private PostgreSQL cluster). Short forms here; ``FAULTS_LONG=1`` (``make faults``) runs the
long forms whose figures bench/RESULTS.md quotes.

- PostgreSQL stopped and started again while predictions run: no 5xx after it (persistent
  connections are checked before use) and every recording finishes: none lost, none stuck;
- clients sending one header line per second: the threaded workers keep answering /healthz,
  and the same clients against one single-threaded sync worker make it fail (so the probe
  can see the problem);
- N API clients for T seconds uploading and polling: no 5xx and every upload finishes.
"""

from __future__ import annotations

import collections
import itertools
import os
import shutil
import threading
import time

import numpy as np
import psycopg
import pytest
from django.db import connection

from accounts.services import api_token_create
from tests.classifier.faults import (
    FINISHED,
    ApiClient,
    PrivatePostgres,
    Worker,
    clinician_token,
    django_shell,
    nginx_front,
    probe_health,
    server_errors,
    settle,
    slow_header_clients,
    statuses_by_recording,
    web_env,
)
from tests.factories import npy_variant
from tests.monitoring.processes import gunicorn, manage

pytestmark = [pytest.mark.services, pytest.mark.slow]

LONG = os.environ.get("FAULTS_LONG") == "1"

RECONCILE_LATER = "from tests.classifier.faults import reconcile_later; reconcile_later()"


def lane_database_url() -> str:
    """The test database of the lane, which this process's ORM uses."""
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{connection.settings_dict['NAME']}"


def assert_all_finished(figures: dict[str, int]) -> None:
    assert figures == {
        "submitted": figures["submitted"],
        "finished": figures["submitted"],
        "failed_with_reason": 0,
        "lost": 0,
        "stuck": 0,
    }


@pytest.fixture
def postgres():
    server = PrivatePostgres()
    server.start()
    try:
        server.create_database()
        yield server
    finally:
        server.stop()


def statuses_in(database_url: str):
    """Read the private cluster's predictions (the test's own database is another one)."""

    def statuses(ids: list[str]) -> dict[str, tuple[str, str]]:
        with psycopg.connect(database_url) as db:
            rows = db.execute(
                "SELECT r.id, p.status, p.error FROM classifier_recording r"
                " JOIN classifier_prediction p ON p.recording_id = r.id"
                " WHERE r.id = ANY(%s::uuid[])",
                [ids],
            ).fetchall()
        return {str(pk): (status, error) for pk, status, error in rows}

    return statuses


def test_a_postgresql_restart_costs_no_request_after_it_and_loses_no_recording(
    postgres, redis, ten_minutes, tmp_path
):
    from ecgsite.celery import app

    per_phase, outage_s = (6, 10.0) if LONG else (3, 3.0)
    env = web_env(tmp_path, database_url=postgres.url, broker_url=redis.url)
    manage("migrate", "--noinput", env=env)
    key = clinician_token(env)
    signal = np.load(ten_minutes)
    before: collections.Counter = collections.Counter()
    after: collections.Counter = collections.Counter()
    worker = Worker(env)

    def upload(client: ApiClient, i: int) -> str:
        recording_id = client.upload(f"r{i}.npy", npy_variant(signal, i))
        assert recording_id is not None, (before, after)
        return recording_id

    with gunicorn(env, workers=2) as base:
        worker.start(app)
        try:
            client = ApiClient(base, key, before)
            ids = [upload(client, i) for i in range(per_phase)]
            statuses = statuses_in(postgres.url)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # cut the database while the worker writes
                unfinished = sum(s not in FINISHED for s, _ in statuses(ids).values())
                if unfinished < per_phase:  # the first done, the rest running or queued
                    break
                time.sleep(0.05)
            postgres.outage(outage_s)
            client = ApiClient(base, key, after)
            ids += [upload(client, i) for i in range(per_phase, 2 * per_phase)]
            for recording_id in ids:
                client.status(recording_id)
            figures = settle(
                ids,
                statuses=statuses,
                reconcile=lambda: django_shell(RECONCILE_LATER, env),
            )
            for recording_id in ids:
                client.status(recording_id)
        finally:
            worker.stop()
    print(f"unfinished at the outage: {unfinished}; requests after it:", dict(after))
    assert sum(after.values()) == 5 * per_phase  # uploads, then two polls of each
    assert server_errors(after) == 0 and None not in after, after
    assert_all_finished(figures)


@pytest.fixture
def web_on_test_database(transactional_db, tmp_path):
    return web_env(tmp_path, database_url=lane_database_url(), broker_url="memory://")


def test_slow_header_clients_leave_the_threaded_workers_answering_health_probes(
    web_on_test_database,
):
    # Each slow client holds one of a worker's 8 threads: 6 leave every worker a thread for
    # the probe however they spread. As many as the threads starve it too (nginx's job).
    clients, duration_s = (6, 30.0) if LONG else (4, 8.0)
    with gunicorn(web_on_test_database, workers=2) as base, slow_header_clients(base, clients):
        time.sleep(1.0)  # every slow client connected and holding a thread
        statuses = probe_health(base, duration_s)
    print(f"/healthz under {clients} slow-header clients:", collections.Counter(statuses))
    assert statuses and set(statuses) == {200}


def test_slow_header_clients_starve_a_single_threaded_sync_worker_and_the_probe_shows_it(
    web_on_test_database,
):
    """The control: the probe above would see a worker tied up by slow clients."""
    env = {**web_on_test_database, "GUNICORN_THREADS": "1"}  # one thread: the sync worker
    with gunicorn(env, workers=1) as base, slow_header_clients(base, 4):
        time.sleep(1.0)
        statuses = probe_health(base, 6.0)
    print("/healthz of one sync worker under 4 slow-header clients:", statuses)
    assert statuses.count(200) < len(statuses) / 2


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_behind_the_shipped_nginx_slow_header_clients_never_reach_the_worker(
    web_on_test_database, tmp_path
):
    """The defence as deployed: nginx reads headers itself, so even one single-threaded sync
    worker (starved by 4 such clients above) keeps answering through it."""
    clients, duration_s = (16, 30.0) if LONG else (8, 8.0)
    env = {**web_on_test_database, "GUNICORN_THREADS": "1"}
    with (
        gunicorn(env, workers=1) as upstream,
        nginx_front(upstream, tmp_path / "nginx") as base,
        slow_header_clients(base, clients),
    ):
        time.sleep(1.0)
        statuses = probe_health(base, duration_s)
    print(f"/healthz through nginx under {clients} slow-header clients:", statuses)
    assert statuses and set(statuses) == {200}


def test_clients_uploading_and_polling_for_a_while_get_no_5xx_and_every_upload_finishes(
    redis, clinician, recording_path, tmp_path
):
    from ecgsite.celery import app

    clients, duration_s = (32, 60.0) if LONG else (8, 10.0)
    env = web_env(tmp_path, database_url=lane_database_url(), broker_url=redis.url)
    _, key = api_token_create(user=clinician, name="load")
    signal = np.load(recording_path)
    numbers = itertools.count()
    answers: collections.Counter = collections.Counter()
    accepted: list[str] = []
    worker = Worker(env)

    def client_loop(api: ApiClient, until: float) -> None:
        while time.monotonic() < until:
            i = next(numbers)
            recording_id = api.upload(f"load-{i}.npy", npy_variant(signal, i))
            if recording_id is not None:
                accepted.append(recording_id)
                api.status(recording_id)
                api.status(recording_id)

    with gunicorn(env, workers=2) as base:
        worker.start(app)
        try:
            until = time.monotonic() + duration_s
            threads = [
                threading.Thread(target=client_loop, args=(ApiClient(base, key, answers), until))
                for _ in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            figures = settle(accepted, statuses=statuses_by_recording)
        finally:
            worker.stop()
    print(f"{clients} clients x {duration_s:.0f} s:", sum(answers.values()), dict(answers))
    assert server_errors(answers) == 0 and None not in answers, answers
    assert answers[202] + answers[201] == len(accepted) > 0
    assert_all_finished(figures)
