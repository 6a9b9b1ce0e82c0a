"""Real server processes for the multiprocess metrics tests: gunicorn, celery, a browser-like
HTTP session (CSRF token + session cookie)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import REPO
from tests.monitoring.conftest import TOKEN

GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", LOG_LEVEL="WARNING", **extra)
    return env


def metrics_env(metrics_dir: Path, **extra: str) -> dict[str, str]:
    """:func:`base_env` for servers writing to ``metrics_dir`` (created here), scraped with
    the operator token."""
    metrics_dir.mkdir()
    return base_env(METRICS_BEARER_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), **extra)


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, timeout=300,
        capture_output=True,
    )  # fmt: skip


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, max_requests: int = 0) -> Iterator[str]:
    """gunicorn with deploy/gunicorn.conf.py on a free 127.0.0.1 port; yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--max-requests", str(max_requests),
        "--max-requests-jitter", "0", "--access-logfile", "/dev/null",
        "--no-control-socket",  # its default path is per user: test servers would share it
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_up(url: str, process: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not up after {timeout_s} s")


@contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[subprocess.Popen]:
    command = [
        sys.executable, "-m", "celery", "-A", "ecgsite", "worker", "--pool=prefork",
        "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
        "--without-heartbeat",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=env)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    page.raise_for_status()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def log_in(session: requests.Session, base: str, username: str, password: str) -> int:
    """POST the login form like a browser; returns the HTTP status (302 = signed in)."""
    token = csrf_token(session, f"{base}/login/")
    response = session.post(
        f"{base}/login/",
        data={"login": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    return response.status_code


def pids_with_files(directory: Path) -> set[str]:
    return {p.stem.rsplit("_", 1)[-1] for p in directory.glob("*.db")}


def scrape(url: str, token: str) -> tuple[requests.Response, requests.Response]:
    """(/metrics with the operator token, /metrics anonymous) from a running server."""
    authorised = requests.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    return authorised, requests.get(f"{url}/metrics", timeout=30)
