"""gunicorn for WaveCardio's web workers: ``gunicorn -c deploy/gunicorn.conf.py``.

Metrics: every worker writes its Prometheus values into PROMETHEUS_MULTIPROC_DIR and /metrics
sums the files of all processes (prometheus-client multiprocess mode). Celery workers on the
same host use the same directory. Empty it when deploying a new version, before starting the
web and Celery workers (e.g. ``ExecStartPre=/usr/bin/find $DIR -name '*.db' -delete``):
values then restart from zero, which Prometheus' rate() handles as a counter reset.
"""

import os
import tempfile
from pathlib import Path

from prometheus_client import multiprocess

wsgi_app = "ecgsite.wsgi:application"
# Loopback only: clients reach the sync workers through the buffering reverse proxy
# (deploy/nginx.conf), which holds slow clients and whole request bodies, so a client
# sending one header line per second ties up nginx, never a gunicorn worker.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# Threads per worker (gthread): a client long-polling GET .../status/?wait= (at most 30 s,
# idle between its small reads) holds one thread, not a whole worker.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))  # bounds slow leaks
max_requests_jitter = max_requests // 10
# Only the reverse proxy may set X-Forwarded-For / -Proto (REMOTE_ADDR is what audit stores).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"

# Set before any worker imports prometheus_client, so every metric is created file-backed.
# Set it explicitly (the same value for the host's Celery workers); this default is a fallback.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / "wavecardio-prometheus")
)


def on_starting(server) -> None:
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    """A worker ended (crash, max_requests, scale-down): drop its live gauges; its counters
    and histograms stay in the directory, so totals never go backwards."""
    multiprocess.mark_process_dead(worker.pid)
