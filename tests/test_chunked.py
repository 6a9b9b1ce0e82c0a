"""Issue 18: chunked uploads answered "No file was submitted" (Django reads a body only as far
as CONTENT_LENGTH says). ecgsite.chunked gives a chunked body its length, bounded."""

import hashlib
import io

import numpy as np
import pytest
import requests

from ecgsite.chunked import ChunkedBodies
from tests.classifier.faults import clinician_token
from tests.monitoring.processes import base_env, gunicorn, manage


def echo(environ, start_response):
    """Answers with the length Django would see and the body it would read."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    start_response("200 OK", [("X-Length", str(length))])
    return [environ["wsgi.input"].read(length)]


def call(app, body: bytes, **extra) -> tuple[dict, bytes]:
    environ = {
        "REQUEST_METHOD": "POST",
        "wsgi.input": io.BytesIO(body),
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input_terminated": True,
        **extra,
    }
    headers: dict = {}
    response = app(environ, lambda status, pairs: headers.update(pairs))
    content = b"".join(response)
    getattr(response, "close", lambda: None)()
    return headers, content


def test_a_chunked_body_reaches_the_application_with_its_length():
    body = bytes(range(256)) * 10_000  # 2.5 MB: spooled to disk past 1 MB
    headers, content = call(ChunkedBodies(echo, max_bytes=lambda: 10**7), body)
    assert headers["X-Length"] == str(len(body))
    assert content == body


def test_a_body_over_the_limit_is_cut_one_byte_over_for_the_413_downstream():
    source = io.BytesIO(b"x" * 5_000_000)
    app = ChunkedBodies(echo, max_bytes=lambda: 1000)
    headers, _ = call(app, b"", **{"wsgi.input": source})
    assert headers["X-Length"] == "1001"  # over the limit: the view or Django refuses it
    assert source.tell() == 1001  # the rest is never read


@pytest.mark.parametrize(
    "extra",
    [
        {"CONTENT_LENGTH": "3"},  # sized: Django reads it as it is
        {"wsgi.input_terminated": False},  # the server did not decode the chunks
        {"HTTP_TRANSFER_ENCODING": ""},
    ],
)
def test_other_bodies_pass_untouched(extra):
    seen = []

    def app(environ, start_response):
        seen.append(environ)
        start_response("200 OK", [])
        return [b""]

    body = io.BytesIO(b"abc")
    call(ChunkedBodies(app, max_bytes=lambda: 10), b"", **{"wsgi.input": body, **extra})
    assert seen[0]["wsgi.input"] is body


def test_the_spooled_body_is_closed_with_the_response():
    kept = []

    def app(environ, start_response):
        kept.append(environ["wsgi.input"])
        start_response("200 OK", [])
        return [b"ok"]

    call(ChunkedBodies(app, max_bytes=lambda: 10), b"abc")
    assert kept[0].closed


@pytest.mark.slow
def test_a_chunked_upload_through_gunicorn_is_stored_and_an_oversize_one_is_a_413(
    tmp_path, recording_path
):
    env = base_env(
        DJANGO_SETTINGS_MODULE="ecgsite.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        WAVECARDIO_MAX_UPLOAD_BYTES="200000",
    )
    manage("migrate", "--noinput", env=env)
    key = clinician_token(env)
    content = recording_path.read_bytes()
    big = io.BytesIO()
    np.save(big, np.zeros(100_000, dtype=np.float32))  # 400 KB: over the 200-KB limit

    def chunked_upload(base: str, data: bytes) -> requests.Response:
        url = f"{base}/api/v1/recordings/"
        prepared = requests.Request(
            "POST",
            url,
            files={"file": ("chunked.npy", data)},
            data={"sampling_rate_hz": "128"},
        ).prepare()
        body = prepared.body
        assert isinstance(body, bytes)
        return requests.post(  # a generator body: requests sends it chunked, without a length
            url,
            data=(body[i : i + 4096] for i in range(0, len(body), 4096)),
            headers={
                "Content-Type": prepared.headers["Content-Type"],
                "Authorization": f"Bearer {key}",
            },
            timeout=60,
        )

    with gunicorn(env, workers=1) as base:
        stored = chunked_upload(base, content)
        refused = chunked_upload(base, big.getvalue())
    assert stored.request.headers.get("Transfer-Encoding") == "chunked"
    assert stored.status_code in (201, 202), stored.text
    assert stored.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert refused.status_code == 413, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
