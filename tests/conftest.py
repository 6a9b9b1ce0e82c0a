"""Shared fixtures: real ECG data, users per role, and (services lane) a real Celery worker."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from accounts.roles import Role
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[1]
ECG_DIR = Path(os.environ.get("WAVECARDIO_ECG_DIR", REPO.parent / "shared" / "data" / "ecg"))
SERVICES = os.environ.get("WAVECARDIO_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    if SERVICES:
        return
    skip = pytest.mark.skip(reason="services lane only (WAVECARDIO_SERVICES=1)")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def test_media_root(tmp_path_factory) -> Iterator[Path]:
    """Uploads of the whole run go to a folder under pytest's basetemp, removed afterwards
    (ecgsite/settings/test.py creates nothing). Worker processes get it as MEDIA_ROOT."""
    from django.test import override_settings

    media = tmp_path_factory.mktemp("media")
    override = override_settings(MEDIA_ROOT=str(media))  # the default storage follows
    override.enable()
    try:
        yield media
    finally:
        override.disable()
        shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a database file, as the embedded mode does, not Django's in-memory
    one: that shares one cache between threads, where the page a browser test polls and the
    background classification writing its progress fail at once ("database table is
    locked") instead of waiting their turn."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = tmp_path_factory.mktemp("db") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (allauth per IP, axes) live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def ecg_dir() -> Path:
    if not (ECG_DIR / "manifest.csv").is_file():
        pytest.fail(f"real ECG data not found at {ECG_DIR} (set WAVECARDIO_ECG_DIR)")
    return ECG_DIR


@pytest.fixture(scope="session")
def recording_path(ecg_dir) -> Path:
    """A real 60-s MIT-BIH NSR excerpt."""
    return ecg_dir / "recordings" / "nsrdb-16273-ECG1.npy"


@pytest.fixture
def lead_off_path(ecg_dir, tmp_path) -> Path:
    """A real 32-s NSR excerpt whose lead is off (flat) for its first 24 s: 3 of 4 windows."""
    samples = np.load(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")[: 4 * 1024].copy()
    samples[: 3 * 1024] = 0.0
    path = tmp_path / "lead-off.npy"
    np.save(path, samples)
    return path


@pytest.fixture
def npy_bytes():
    def make(array) -> bytes:
        import io

        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        return buffer.getvalue()

    return make


def _user_fixture(role: Role | None):
    """A fixture creating a fresh user holding ``role`` (None: a new account, no role)."""

    @pytest.fixture
    def user(db):
        return UserFactory(roles=[role] if role else [])

    return user


clinician = _user_fixture(Role.CLINICIAN)
other_clinician = _user_fixture(Role.CLINICIAN)
reviewer = _user_fixture(Role.REVIEWER)
auditor = _user_fixture(Role.AUDITOR)
operator_user = _user_fixture(Role.OPERATOR)
admin_user = _user_fixture(Role.ADMIN)
no_role_user = _user_fixture(None)


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, test_media_root):
    """A real `celery worker` subprocess on the services lane's Redis and test database."""
    if not SERVICES:
        pytest.skip("services lane only")
    from django.db import connection

    env = dict(os.environ)
    test_db = connection.settings_dict["NAME"]
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env.update(
        DATABASE_URL=f"{base}/{test_db}",
        DJANGO_SETTINGS_MODULE="ecgsite.settings.test",
        CELERY_TASK_ALWAYS_EAGER="false",
        WAVECARDIO_WORKER="1",
        MEDIA_ROOT=str(test_media_root),  # the web side's uploads, read by the worker
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ecgsite",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=REPO,
        env=env,
    )
    from ecgsite.celery import app

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"celery worker exited with {worker.returncode}")
        if app.control.ping(timeout=1.0):
            break
    else:
        worker.terminate()
        pytest.fail("celery worker did not answer a ping within 90 s")
    yield worker
    worker.terminate()
    worker.wait(timeout=30)


@pytest.fixture
def real_worker(celery_worker_process, transactional_db, settings):
    """Route tasks to the real worker (not eager) for one test."""
    from ecgsite.celery import app

    app.conf.task_always_eager = False
    yield celery_worker_process
    app.conf.task_always_eager = True
