"""Readiness probes over the real dependencies: database, broker, active model files."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""  # "skipped: ..." or the error, shown to operators only

    def as_dict(self, *, with_error: bool) -> dict[str, str]:
        out = {"status": "ok" if self.ok else "fail"}
        if self.detail and (self.ok or with_error):
            out["detail"] = self.detail
        return out


def check_database() -> Check:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("readiness_database_failed error=%s", exc)
        return Check("database", False, f"{type(exc).__name__}: {exc}")
    return Check("database", True)


def check_broker(timeout_s: float = 2.0) -> Check:
    """The Celery broker, unless tasks run in-process (embedded mode: nothing to reach)."""
    from ecgsite.celery import app

    if app.conf.task_always_eager:
        return Check("broker", True, "skipped: tasks run in-process")
    try:
        with app.connection_for_write(connect_timeout=timeout_s) as conn:
            # kombu counts whole seconds; rounding up keeps a fraction from meaning "no limit" (0).
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=math.ceil(timeout_s))
    except Exception as exc:
        logger.warning("readiness_broker_failed error=%s", exc)
        return Check("broker", False, f"{type(exc).__name__}: {exc}")
    return Check("broker", True)


_verified: dict[tuple[str, int, int], bool] = {}
_verified_lock = threading.Lock()


def check_model() -> Check:
    """An active model is registered and its files are present and match their card.

    Web workers never load TensorFlow for this: the weights' sha256 is checked (once per
    file version) exactly as ``classifier.core.model.load_model`` would before loading them.
    """
    from classifier.core.model import read_card, sha256_of
    from classifier.selectors import active_model_version

    try:
        version = active_model_version()
        if version is None:
            return Check("model", False, "no active model version")
        card = read_card(version.card_path)
        weights = Path(version.card_path).parent / card.weights_file
        stat = weights.stat()
        key = (str(weights), stat.st_mtime_ns, stat.st_size)
        with _verified_lock:
            if key not in _verified:
                _verified[key] = sha256_of(weights) == card.weights_sha256
            matches = _verified[key]
    except Exception as exc:  # whatever goes wrong, the model is not ready
        return Check("model", False, f"{type(exc).__name__}: {exc}")
    if not matches:
        return Check("model", False, f"weights of {version.name} do not match their card")
    return Check("model", True, version.name)


def readiness_checks() -> list[Check]:
    database = check_database()
    model = check_model() if database.ok else Check("model", False, "database unreachable")
    return [database, check_broker(), model]
