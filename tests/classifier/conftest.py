import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest

from classifier.core.model import newest_card
from tests.classifier.faults import PrivateRedis, rebuild_pools
from tests.conftest import REPO

FILE_PARTS = ("serving", "rhythm_stage")  # card sections naming a file beside the weights


def copy_model(card_path, folder, edit=None):
    """The model's files (weights, LiteRT export, rhythm-stage trees) in ``folder``;
    ``edit(card_dict)`` changes the copied card."""
    card = json.loads(card_path.read_text())
    files = {card["weights_file"], *((card.get(part) or {}).get("file") for part in FILE_PARTS)}
    for name in files - {None}:
        shutil.copy(card_path.parent / name, folder / name)
    if edit:
        edit(card)
    target = folder / card_path.name
    target.write_text(json.dumps(card))
    return target


@pytest.fixture(scope="session")
def card_path():
    """The newest model card committed under models/ (the one a fresh install activates)."""
    return newest_card(REPO / "models")


@pytest.fixture(scope="module")
def classify(tmp_path_factory) -> Callable[..., subprocess.CompletedProcess]:
    """Run `manage.py classify` on a database without tables, in this run's temporary folder:
    the CLI falls back to the newest shipped model and never depends on the state of a
    developer's var/db.sqlite3 (nor on a file another run left in the system's /tmp)."""
    database = tmp_path_factory.mktemp("cli-db") / "empty.sqlite3"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "classify", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "ecgsite.settings.test",
                "DATABASE_URL": f"sqlite:///{database}",
            },
        )

    return run


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


@pytest.fixture
def ten_minutes(tmp_path, recording_path):
    """The real 60-s excerpt ten times over: long enough to be caught running."""
    path = tmp_path / "ten-minutes.npy"
    np.save(path, np.tile(np.load(recording_path), 10))
    return path
