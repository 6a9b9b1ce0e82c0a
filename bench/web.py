"""Web load test: upload -> result latency under concurrent clients, production mode.

Starts, on 127.0.0.1 only, a throw-away PostgreSQL database, gunicorn (2 workers) and a
Celery worker (Redis broker) with ``ecgsite.settings.production``; creates clinician users
through manage.py; then ``clients`` threads each log in through the allauth form (CSRF) and,
until ``duration_s`` has passed, upload a recording (``POST /api/v1/recordings/``,
multipart), poll ``GET /api/v1/recordings/{id}/status/`` until its prediction is done,
then read the result once.
Latency = upload sent -> finished prediction seen. Everything started is stopped and the
database dropped at the end. The server runs plain HTTP; clients send
``X-Forwarded-Proto: https`` as the TLS proxy would (gunicorn trusts it from 127.0.0.1) and
carry their (Secure) cookies themselves.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import cast

import requests

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "bench-" + secrets.token_urlsafe(12)
LONG_POLL_S = 30  # the API's longest status wait
REQUEST_TIMEOUT_S = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _psql(sql: str, pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


class Client:
    """One logged-in clinician; cookies kept by hand (they are Secure, the link is not)."""

    def __init__(self, base_url: str, username: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers.update({"X-Forwarded-Proto": "https", "Origin": _origin(base_url)})
        self.cookies: dict[str, str] = {}
        page = self.send("GET", "/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if match is None:
            raise RuntimeError(f"login page for {username} has no CSRF token")
        form = {"login": username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)}
        done = self.send("POST", "/login/", data=form, allow_redirects=False)
        if done.status_code != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed for {username}: HTTP {done.status_code}")

    def send(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
            headers["Referer"] = _origin(self.base_url) + path
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_S)
        response = self.http.request(method, self.base_url + path, headers=headers, **kwargs)
        self.cookies.update({k: v for k, v in response.cookies.get_dict().items() if v is not None})
        self.http.cookies.clear()
        return response

    def upload_and_wait(self, name: str, payload: bytes, deadline: float) -> float:
        """Seconds from upload to a finished prediction; RuntimeError on any failure."""
        started = time.perf_counter()
        response = self.send(
            "POST",
            "/api/v1/recordings/",
            files={"file": (name, payload)},
            data={"sampling_rate_hz": "128"},  # the shared .npy recordings are at 128 Hz
        )
        if response.status_code not in (201, 202):
            raise RuntimeError(f"upload: HTTP {response.status_code} {response.text[:200]}")
        recording_id = response.json()["id"]
        status = (response.json().get("prediction") or {}).get("status")
        while status != "done":
            if status == "failed":
                raise RuntimeError(f"prediction of {recording_id} failed")
            if time.monotonic() > deadline:
                raise RuntimeError("prediction not finished before the deadline")
            # The documented client: a long-poll answered as soon as the status changes.
            wait_s = max(1, min(LONG_POLL_S, int(deadline - time.monotonic())))
            response = self.send(
                "GET",
                f"/api/v1/recordings/{recording_id}/status/?wait={wait_s}",
                timeout=wait_s + REQUEST_TIMEOUT_S,
            )
            if response.status_code != 200:
                raise RuntimeError(f"poll: HTTP {response.status_code}")
            status = response.json()["status"]
        result = self.send("GET", f"/api/v1/recordings/{recording_id}/")  # the result, once
        if result.status_code != 200:
            raise RuntimeError(f"result: HTTP {result.status_code}")
        return time.perf_counter() - started


def _origin(base_url: str) -> str:
    return base_url.replace("http://", "https://")


def _wait_http(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            name = cast(list[str], process.args)[0]
            raise RuntimeError(f"{name} exited with {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout_s:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(
    *,
    payloads: list[tuple[str, bytes]],
    clients: int = 16,
    duration_s: float = 60.0,
    web_workers: int = 2,
    celery_concurrency: int = 2,
    pg_url: str = "postgresql://postgres@127.0.0.1:5432",
    redis_url: str = "redis://127.0.0.1:6379/12",
    cache_url: str = "redis://127.0.0.1:6379/13",
) -> dict:
    python = sys.executable
    bin_dir = Path(python).parent
    database = f"wavecardio_bench_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="wavecardio-bench-web-"))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(
        work,
        port,
        database_url=f"{pg_url}/{database}",
        broker_url=redis_url,
        cache_url=cache_url,
        web_workers=web_workers,
    )
    usernames = [f"bench-clinician-{i}" for i in range(clients)]
    _psql(f'CREATE DATABASE "{database}"', pg_url)
    processes: list[subprocess.Popen] = []
    logs = {name: open(work / f"{name}.log", "w") for name in ("gunicorn", "celery")}  # noqa: SIM115
    try:
        prepare_site(env, usernames)
        celery = subprocess.Popen(
            [
                str(bin_dir / "celery"),
                "-A",
                "ecgsite",
                "worker",
                "-P",
                "prefork",
                f"--concurrency={celery_concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=REPO,
            env={**env, "WAVECARDIO_INFERENCE_THREADS": "1"},  # one thread per worker process
            stdout=logs["celery"],
            stderr=subprocess.STDOUT,
        )
        processes.append(celery)
        gunicorn = start_gunicorn(env, logs["gunicorn"])
        processes.append(gunicorn)
        _wait_http(base_url + "/healthz", gunicorn, 60)
        logged_in = [Client(base_url, name) for name in usernames]
        # One untimed round trip per worker process (Celery pool warm-up) before the clock.
        logged_in[0].upload_and_wait(*payloads[0], time.monotonic() + 60)
        return _load(logged_in, payloads, duration_s) | {
            "clients": clients,
            "web_workers": web_workers,
            "celery_concurrency": celery_concurrency,
        }
    finally:
        for process in reversed(processes):
            _stop(process)
        for handle in logs.values():
            handle.close()
        with contextlib.suppress(Exception):
            _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', pg_url)
        shutil.rmtree(work, ignore_errors=True)


def server_env(
    work: Path, port: int, *, database_url: str, broker_url: str, cache_url: str, web_workers: int
) -> dict[str, str]:
    """The environment of a throw-away production-mode site on 127.0.0.1:``port``, its
    media, static files and metrics under ``work``."""
    (work / "prometheus").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ecgsite.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CACHE_URL": cache_url,  # production requires one (rate limits shared by the workers)
        # Each bench client is one clinician uploading back to back, faster than the 30 uploads
        # a minute a person is allowed: measure the site's throughput, not its throttle.
        "WAVECARDIO_RATE_UPLOADS": "100000/min",
        "WAVECARDIO_RATE_USER": "100000/min",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "ACCOUNT_EMAIL_VERIFICATION": "none",
        "EMAIL_URL": "consolemail://",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "PROMETHEUS_MULTIPROC_DIR": str(work / "prometheus"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(web_workers),
        "LOG_LEVEL": "WARNING",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def prepare_site(env: dict[str, str], usernames: list[str]) -> None:
    """Migrate, collect static files, register the models and create clinicians."""
    manage = [sys.executable, "manage.py"]
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["model_versions", "--sync"],
    ):
        _run_or_explain([*manage, *command], env)
    create_users = (
        "from django.contrib.auth import get_user_model\n"
        "from accounts.roles import Role\n"
        "from accounts.services import role_grant_bootstrap\n"
        f"for name in {usernames!r}:\n"
        f"    user = get_user_model().objects.create_user(name, name + '@example.org', "
        f"{PASSWORD!r})\n"
        "    role_grant_bootstrap(user, Role.CLINICIAN)\n"
    )
    _run_or_explain([*manage, "shell", "-c", create_users], env)


def _run_or_explain(command: list[str], env: dict[str, str]) -> None:
    """Run a set-up command; if it fails, raise with its last lines of output, not just the
    exit status (a missing setting is then named)."""
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise RuntimeError(f"{' '.join(command[1:3])} exited with {done.returncode}:\n{tail}")


def start_gunicorn(env: dict[str, str], log) -> subprocess.Popen:
    """gunicorn with the deployment's configuration (``deploy/gunicorn.conf.py``)."""
    bin_dir = Path(sys.executable).parent
    return subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def distinct(npy: bytes, k: int) -> bytes:
    """The little-endian float32 .npy ``npy`` with its last sample moved ``k`` units in the
    last place: a new file for every upload, since the same file uploaded again by its owner
    is answered at once with its earlier recording (HTTP 200) and would measure nothing."""
    last = (int.from_bytes(npy[-4:], "little") + k) % 2**32
    return npy[:-4] + last.to_bytes(4, "little")


def _load(clients: list[Client], payloads: list[tuple[str, bytes]], duration_s: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + duration_s
    hard_deadline = stop_at + 30  # in-flight requests may finish, bounded

    def client_loop(index: int, client: Client) -> None:
        k = index
        while time.monotonic() < stop_at:
            name, payload = payloads[k % len(payloads)]
            payload = distinct(payload, k + 1)  # the warm-up sent the files as they are
            k += len(clients)
            try:
                latency = client.upload_and_wait(name, payload, hard_deadline)
            except (RuntimeError, requests.RequestException, ValueError) as exc:
                with lock:
                    errors.append(str(exc)[:200])
                continue
            with lock:
                latencies.append(latency)

    threads = [
        threading.Thread(target=client_loop, args=(i, c), daemon=True)
        for i, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(hard_deadline - time.monotonic(), 0) + 5)
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return {
        "duration_s": elapsed,
        "completed": len(latencies),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "p50_ms": statistics.median(ordered) * 1e3 if ordered else None,
        "p95_ms": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1e3
        if ordered
        else None,
        "max_ms": ordered[-1] * 1e3 if ordered else None,
        "throughput_per_s": len(latencies) / elapsed,
    }
