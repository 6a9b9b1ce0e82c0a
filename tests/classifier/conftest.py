import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from classifier.core.model import newest_card
from tests.conftest import REPO


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
