"""Upload memory (issue 15): how much a web worker's resident memory grows while it takes a
~500-MB upload, which it streams to disk, reads a stretch at a time, checksums, stores and
decodes (the decoded copy beside it), without holding the file.

Starts, on 127.0.0.1 only, gunicorn with the deployment's configuration (one worker),
production settings on a throw-away SQLite database, tasks queued in memory and never run
(the upload alone is measured). A clinician logs in; small uploads of each format warm the
worker (imports, first allocations); then, for each file, the worker's peak-RSS mark is
reset (``/proc/PID/clear_refs``), the file is uploaded through ``POST /api/v1/recordings/``
and the growth is its peak RSS (VmHWM) afterwards minus its RSS before.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench.web import (
    Client,
    _free_port,
    _stop,
    _wait_http,
    prepare_site,
    server_env,
    start_gunicorn,
)

UPLOAD_TIMEOUT_S = 900
USERNAME = "bench-uploader"


def _status_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def _worker_pid(master: int, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def _upload(client: Client, path: Path, rate_hz: float | None) -> tuple[int, float, str]:
    """(HTTP status, seconds, the response's start) of one upload."""
    data = {} if rate_hz is None else {"sampling_rate_hz": str(rate_hz)}
    started = time.perf_counter()
    with open(path, "rb") as handle:
        response = client.send(
            "POST",
            "/api/v1/recordings/",
            files={"file": (path.name, handle)},
            data=data,
            timeout=UPLOAD_TIMEOUT_S,
        )
    return response.status_code, time.perf_counter() - started, response.text[:300]


def run(*, uploads: list[dict], warm_up: list[dict]) -> dict:
    """``uploads`` and ``warm_up``: ``{"path": ..., "rate_hz": float | None}`` each. Returns
    per upload (by file name) its size, HTTP status, seconds and the worker's RSS growth."""
    work = Path(tempfile.mkdtemp(prefix="wavecardio-bench-upload-"))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(
        work,
        port,
        database_url=f"sqlite:///{work / 'db.sqlite3'}",
        broker_url="memory://",
        cache_url="locmemcache://",
        web_workers=1,
    ) | {
        "CELERY_TASK_ALWAYS_EAGER": "False",  # queued, never run: the upload alone
        "GUNICORN_TIMEOUT": str(UPLOAD_TIMEOUT_S),
        "WAVECARDIO_MAX_UPLOAD_MB": "1024",
        "TMPDIR": str(work),
    }
    results: dict = {}
    with open(work / "gunicorn.log", "w") as log:
        gunicorn = None
        try:
            prepare_site(env, [USERNAME])
            gunicorn = start_gunicorn(env, log)
            _wait_http(base_url + "/healthz", gunicorn, 60)
            worker = _worker_pid(gunicorn.pid)
            client = Client(base_url, USERNAME)
            for item in warm_up:
                status, _, text = _upload(client, Path(item["path"]), item["rate_hz"])
                if status not in (201, 202):
                    raise RuntimeError(f"warm-up upload: HTTP {status} {text}")
            for item in uploads:
                path = Path(item["path"])
                Path(f"/proc/{worker}/clear_refs").write_text("5")  # VmHWM := VmRSS
                before = _status_mb(worker)["VmRSS"]
                status, seconds, text = _upload(client, path, item["rate_hz"])
                after = _status_mb(worker)
                results[path.name] = {
                    "bytes": path.stat().st_size,
                    "status": status,
                    "seconds": seconds,
                    "rss_before_mb": before,
                    "peak_rss_mb": after["VmHWM"],
                    "growth_mb": after["VmHWM"] - before,
                    "response": text if status not in (201, 202) else "",
                }
        finally:
            if gunicorn is not None:
                _stop(gunicorn)
            shutil.rmtree(work, ignore_errors=True)
    return results
