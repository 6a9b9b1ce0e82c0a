"""Test settings: SQLite unless DATABASE_URL is set (the services lane uses PostgreSQL)."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")

from .base import *  # noqa: F403

# Never created on import: pytest points MEDIA_ROOT at a folder under its own basetemp for
# the session and removes it afterwards (tests/conftest.py: test_media_root), passing it to
# the worker processes it starts. This default only serves a process started with these
# settings outside pytest; FileSystemStorage creates the folder on its first save.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "test-media")  # noqa: F405

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Tasks are eager unless a test starts a real worker (tests/conftest.py: celery_worker).
CELERY_TASK_ALWAYS_EAGER = True

# --- Monitoring --- Django's test flush TRUNCATEs every table; the audit table's trigger
# allows that only for sessions that set this (accounts/migrations/0002).
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c wavecardio.allow_audit_truncate=on"
    )

# Rate limits far above what one test sends; tests/classifier/test_throttling.py lowers them.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(THROTTLE_RATES, "100000/min")  # noqa: F405
WAVECARDIO["FAILED_AUTH_PER_MINUTE"] = 100000  # noqa: F405
# Every upload classified in the request (tests/classifier/test_reliability.py lowers it).
WAVECARDIO["EAGER_MAX_SECONDS"] = 10.0**9  # noqa: F405
