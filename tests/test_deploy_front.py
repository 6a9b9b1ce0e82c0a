"""Issue 18, point 4: the front. A buffering nginx before gunicorn on 127.0.0.1, the client's
address taken from trusted proxies only (lockout, rate limits, audit), shared counters."""

import ipaddress
import json
import os
import re
import runpy
import shutil
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from ecgsite.middleware import forwarded_client_ip
from tests.conftest import REPO
from tests.factories import PASSWORD
from tests.test_settings import PRODUCTION_ENV

NGINX = REPO / "deploy" / "nginx.conf"
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))


# --- which address is the client's -------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "client"),
    [
        ("198.51.100.7", "", "198.51.100.7"),  # direct: the peer
        ("198.51.100.7", "1.2.3.4", "198.51.100.7"),  # an untrusted peer's header is ignored
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),  # through our proxy
        ("127.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # the client's own prefix ignored
        ("127.0.0.1", "198.51.100.7, 10.1.2.3", "198.51.100.7"),  # two trusted hops
        ("127.0.0.1", "10.1.2.3", "10.1.2.3"),  # only proxies: the farthest one
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),  # malformed: the proxy's own address
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_client_address_comes_from_trusted_proxies_only(remote_addr, forwarded_for, client):
    assert forwarded_client_ip(remote_addr, forwarded_for, LOOPBACK) == client


def login(client: Client, username: str, password: str, forwarded_for: str = ""):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(reverse("login"), {"login": username, "password": password}, headers=headers)


@pytest.mark.django_db
def test_behind_the_proxy_one_address_cannot_lock_out_a_username_for_everyone(settings, clinician):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.AXES_FAILURE_LIMIT = 3
    proxy = Client(REMOTE_ADDR="127.0.0.1")  # every request arrives from nginx
    for _ in range(3):
        login(proxy, clinician.username, "wrong", forwarded_for="203.0.113.9")
    assert login(proxy, clinician.username, PASSWORD, "203.0.113.9").status_code == 429
    failed = AuditEvent.objects.filter(action="login_failed").first()
    assert failed is not None and failed.ip_address == "203.0.113.9"  # the audit agrees
    # The clinician, elsewhere, still signs in.
    assert login(Client(REMOTE_ADDR="127.0.0.1"), clinician.username, PASSWORD, "198.51.100.7")[
        "Location"
    ]


@pytest.mark.django_db
def test_a_direct_client_cannot_escape_its_lockout_with_a_forged_header(settings, clinician):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        login(Client(REMOTE_ADDR="203.0.113.9"), clinician.username, "wrong", f"10.0.0.{n}")
    forged = Client(REMOTE_ADDR="203.0.113.9")
    assert login(forged, clinician.username, PASSWORD, "192.0.2.55").status_code == 429


def test_the_api_rate_limit_ignores_a_forged_forwarded_for(rf):
    from rest_framework.throttling import AnonRateThrottle

    request = rf.get("/api/v1/recordings/", REMOTE_ADDR="203.0.113.9")
    request.META["HTTP_X_FORWARDED_FOR"] = "1.2.3.4"  # what a client may send
    assert AnonRateThrottle().get_ident(request) == "203.0.113.9"


# --- deploy configuration ------------------------------------------------------------------------


def test_gunicorn_listens_on_loopback_only(monkeypatch, tmp_path):
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # the config sets a default
    config = runpy.run_path(str(REPO / "deploy" / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:8000"


def nginx_directives() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in NGINX.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"([a-z_]+)\s+(.+);", line)
        if match:
            found.setdefault(match[1], []).append(match[2])
    return found


def test_nginx_buffers_requests_and_bounds_sizes_and_times(settings):
    directives = nginx_directives()
    size = directives["client_max_body_size"][0]
    assert size.endswith("m")
    limit = settings.WAVECARDIO["MAX_UPLOAD_BYTES"]
    assert limit < int(size[:-1]) * 1024 * 1024 <= limit + 2 * 1024 * 1024
    for name in ("client_header_timeout", "client_body_timeout", "proxy_read_timeout"):
        assert int(directives[name][0].rstrip("s")) <= 60
    assert directives["proxy_request_buffering"] == ["on"]
    assert directives["proxy_buffering"] == ["on"]
    headers = directives["proxy_set_header"]
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in headers
    assert "X-Forwarded-Proto $scheme" in headers
    assert "127.0.0.1:8000 fail_timeout=0" in directives["server"]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_config(tmp_path):
    """The whole file, TLS included, with a throw-away certificate in place of the host's."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=ecg.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (
        NGINX.read_text()
        .replace("/etc/ssl/certs/ecg.example.org.pem", str(cert))
        .replace("/etc/ssl/private/ecg.example.org.key", str(key))
    )
    (tmp_path / "site.conf").write_text(site)
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text(
        f"pid {tmp_path}/nginx.pid; error_log stderr; events {{}}\n"
        f"http {{ include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(wrapper)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


# --- production settings ----------------------------------------------------------------------

SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'health': s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
    "'age': s.DATABASES['default']['CONN_MAX_AGE'], 'proxies': s.TRUSTED_PROXIES, "
    "'cache': s.CACHES['default']['BACKEND']}))"
)


def production(*args: str, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"}}
    env.update({k: v for k, v in PRODUCTION_ENV.items() if k not in without})
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_checks_pooled_connections_and_shares_counters_in_redis():
    result = production("-c", SHOW)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["health"] is True and shown["age"] == 60  # a restarted PostgreSQL: no 500
    assert shown["proxies"] == ["127.0.0.1", "::1"]
    assert "redis" in shown["cache"].lower()


def test_production_refuses_to_start_without_a_shared_cache():
    result = production("manage.py", "check", without=("CACHE_URL",))
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr
