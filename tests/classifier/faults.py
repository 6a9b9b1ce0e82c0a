"""Real processes for the fault tests (services lane): a private redis-server and a private
PostgreSQL cluster on free 127.0.0.1 ports (never the shared ones), Celery workers on them,
killed and restarted, and slow HTTP clients."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
from django.utils import timezone

from tests.conftest import REPO
from tests.monitoring.processes import free_port, metrics_env

FINISHED = {"done", "failed"}


class PrivateRedis:
    """redis-server on its own port, in memory only; stopped and started again at will."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


class Worker:
    """``celery worker`` (prefork) in its own process group, so SIGKILL reaches every child."""

    def __init__(self, env: dict[str, str], app: str = "ecgsite", concurrency: int = 2) -> None:
        self.env = env
        self.app = app
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self, celery_app) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                self.app,
                "worker",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=REPO,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.process.returncode}")
            if celery_app.control.ping(timeout=1.0):
                return
        raise RuntimeError("celery worker did not answer a ping within 120 s")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and children), as a crash or OOM would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None

    def stop(self) -> None:
        """End the test's worker and every child it forked (nothing outlives the test)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb) on a free 127.0.0.1 port, restarted at will.

    The cluster lives in a fresh folder under /tmp: PostgreSQL refuses to run as root, so as
    root it runs as the ``postgres`` account, which cannot enter pytest's private tmp_path."""

    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="wavecardio-pg-"))
        self.data = self.workdir / "data"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/wavecardio"

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_owner, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if not self.data.exists():
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            )
        self._pg_ctl("start")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", action, "-D", str(self.data), "-w", "-t", "60", "-o", options,
            "-l", str(self.workdir / "server.log"), *extra,
        )  # fmt: skip

    def create_database(self) -> None:
        import psycopg

        admin = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("CREATE DATABASE wavecardio")

    def outage(self, seconds: float) -> None:
        """Stop (fast: every open connection is cut), stay down ``seconds``, start again."""
        self._pg_ctl("stop", "-m", "fast")
        time.sleep(seconds)
        self._pg_ctl("start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)


def rebuild_pools(app) -> None:
    """Drop this process's broker connections: the next use connects to the current URL.

    kombu keeps its pools in a process-wide registry keyed by URL; closing only the app's
    pool left a closed pool registered for the lane's broker ("Acquire on closed pool")."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def prediction_statuses(ids: list[int]) -> dict[int, tuple[str, str]]:
    """(status, error) of each of these predictions found in the test database."""
    from classifier.models import Prediction

    rows = Prediction.objects.filter(pk__in=ids).values_list("pk", "status", "error")
    return {pk: (status, error) for pk, status, error in rows}


def statuses_by_recording(ids: list[str]) -> dict[str, tuple[str, str]]:
    """(status, error) of the prediction of each of these recordings in the test database."""
    from classifier.models import Prediction

    rows = Prediction.objects.filter(recording_id__in=ids).values_list(
        "recording_id", "status", "error"
    )
    return {str(pk): (status, error) for pk, status, error in rows}


def reconcile_later() -> None:
    """The reconciler as if its deadlines had passed (what each minute of beat does over time)."""
    from classifier import services

    services.predictions_reconcile(now=timezone.now() + dt.timedelta(seconds=1000))


def settle(
    ids: list,
    *,
    statuses: Callable[[list], dict] = prediction_statuses,
    reconcile: Callable[[], object] = reconcile_later,
    timeout_s: float = 240,
) -> dict[str, int]:
    """Wait until every prediction is finished; ``statuses`` maps the ids found to (status,
    error). When nothing moves for 15 s, ``reconcile``. Returns the figures issue 18 asks for."""
    deadline = time.monotonic() + timeout_s
    last, still_since = None, time.monotonic()
    while time.monotonic() < deadline:
        found = statuses(ids)
        if len(found) == len(ids) and all(s in FINISHED for s, _ in found.values()):
            break
        if found != last:
            last, still_since = found, time.monotonic()
        elif time.monotonic() - still_since > 15:
            reconcile()
            still_since = time.monotonic()
        time.sleep(0.5)
    rows = list(statuses(ids).values())
    figures = {
        "submitted": len(ids),
        "finished": sum(status == "done" for status, _ in rows),
        "failed_with_reason": sum(status == "failed" and bool(error) for status, error in rows),
        "lost": len(ids) - len(rows),
        "stuck": sum(status in {"pending", "running"} for status, _ in rows),
    }
    print("fault figures:", figures)  # bench/RESULTS.md quotes them
    return figures


def web_env(folder: Path, *, database_url: str, broker_url: str) -> dict[str, str]:
    """What gunicorn and the Celery worker of a fault test share: not eager (tasks go to the
    broker), persistent connections checked before use (as in production), no rate limit."""
    return metrics_env(
        folder / "prometheus",
        DJANGO_SETTINGS_MODULE="ecgsite.settings.dev",
        DEBUG="false",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        MEDIA_ROOT=str(folder / "media"),
        CONN_MAX_AGE="60",
        WAVECARDIO_RATE_USER="100000/min",
        WAVECARDIO_RATE_UPLOADS="100000/min",
    )


def django_shell(code: str, env: dict[str, str]) -> str:
    """Run ``code`` in ``manage.py shell`` with ``env`` (another database); returns stdout."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO, env=env, check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.stdout


CLINICIAN_WITH_TOKEN = """
from django.contrib.auth import get_user_model
from accounts.roles import Role
from accounts.services import api_token_create, role_grant_bootstrap
user = get_user_model().objects.create_user("faults-clinician")
role_grant_bootstrap(user, Role.CLINICIAN)
print(api_token_create(user=user, name="faults")[1])
"""


def clinician_token(env: dict[str, str]) -> str:
    """A new clinician in ``env``'s database, and their API token."""
    return django_shell(CLINICIAN_WITH_TOKEN, env).split()[-1]


class ApiClient:
    """A script using the REST API with a bearer token; counts every answer by status
    (None: no answer within the timeout). Thread-safe: one per client thread."""

    def __init__(self, base: str, key: str, answers: collections.Counter) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"
        self.answers = answers

    def _count(self, send) -> requests.Response | None:
        try:
            response = send()
        except (requests.ConnectionError, requests.Timeout):
            self.answers[None] += 1
            return None
        self.answers[response.status_code] += 1
        return response

    def upload(self, name: str, content: bytes) -> str | None:
        """The new recording's id, or None when it was not accepted."""
        response = self._count(
            lambda: self.session.post(
                f"{self.base}/api/v1/recordings/",
                files={"file": (name, content)},
                data={"sampling_rate_hz": "128"},
                timeout=60,
            )
        )
        if response is None or response.status_code not in {201, 202}:
            return None
        return response.json()["id"]

    def status(self, recording_id: str) -> None:
        self._count(
            lambda: self.session.get(
                f"{self.base}/api/v1/recordings/{recording_id}/status/", timeout=60
            )
        )


def server_errors(answers: collections.Counter) -> int:
    return sum(n for status, n in answers.items() if status is not None and status >= 500)


NGINX_CONF = REPO / "deploy" / "nginx.conf"


def nginx_site(upstream: str, port: int) -> str:
    """deploy/nginx.conf as shipped, but served in plain HTTP on 127.0.0.1:``port`` (no
    certificate here, no redirect block) in front of ``upstream`` instead of 127.0.0.1:8000."""
    site = NGINX_CONF.read_text()
    for pattern, replacement in (
        (r"server 127\.0\.0\.1:8000", f"server {upstream.removeprefix('http://')}"),
        (r"server \{\n    listen 80;.*?\n\}\n", ""),
        (r"    listen 443 ssl http2;[^\n]*\n    listen \[::\]:443 ssl http2;\n",
         f"    listen 127.0.0.1:{port};\n"),
        (r"    ssl_certificate[^\n]*\n    ssl_certificate_key[^\n]*\n", ""),
    ):  # fmt: skip
        site, count = re.subn(pattern, replacement, site, count=1, flags=re.S)
        assert count == 1, f"deploy/nginx.conf no longer has {pattern!r}"
    return site


@contextlib.contextmanager
def nginx_front(upstream: str, folder: Path) -> Iterator[str]:
    """The shipped nginx front before ``upstream`` on a free port; yields its base URL."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.conf").write_text(nginx_site(upstream, port))
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    (folder / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # workers write the folder's temp files
        + f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
        + f"events {{}}\nhttp {{ access_log off; {temp} include {folder}/site.conf; }}\n"
    )
    process = subprocess.Popen(["nginx", "-c", str(folder / "nginx.conf")])
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for_port(port: int, process: subprocess.Popen, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listened on {port} after {timeout_s} s")


@contextlib.contextmanager
def slow_header_clients(base: str, n: int) -> Iterator[None]:
    """``n`` clients that each send a request line, then one header line per second and
    never finish their headers, until the block ends (slowloris)."""
    host, port = base.removeprefix("http://").split(":")
    stop = threading.Event()

    def dribble(i: int) -> None:
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            line = 0
            while not stop.wait(1.0):
                line += 1
                with contextlib.suppress(OSError):  # the server may give up on us
                    sock.sendall(f"X-Slow-{i}-{line}: x\r\n".encode())

    threads = [threading.Thread(target=dribble, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def probe_health(base: str, duration_s: float, timeout_s: float = 2.0) -> list[int | None]:
    """GET /healthz every 0.25 s for ``duration_s``, as a load balancer would; the statuses
    (None: no answer within ``timeout_s``)."""
    statuses: list[int | None] = []
    until = time.monotonic() + duration_s
    while time.monotonic() < until:
        try:
            statuses.append(requests.get(f"{base}/healthz", timeout=timeout_s).status_code)
        except (requests.ConnectionError, requests.Timeout):
            statuses.append(None)
        time.sleep(0.25)
    return statuses
