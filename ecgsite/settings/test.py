"""Test settings: SQLite unless DATABASE_URL is set (the services lane uses PostgreSQL)."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="wavecardio-test-media-"))

from .base import *  # noqa: F403

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
