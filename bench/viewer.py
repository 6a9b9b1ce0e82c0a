"""Viewer figures (issue 15: first paint of a 24-h recording < 1 s; signal endpoint p95
< 200 ms at any zoom), measured through Django's test client in this process.

A throw-away SQLite database and media folder (``ecgsite.settings.test``, tasks eager); a
clinician uploads a Holter-length .npy through the API (stored and classified by the
service layer as in production), then, with this process's caches emptied as in a freshly
started web worker:

* first paint: the result page, then the two signal requests its script makes at once
  (the overview strip, one lead at 4 points per pixel of a 1,000-px plot, and the ECG
  paper's first 10 s of every lead), in that order;
* the signal endpoint over zoom levels from 10 s to the whole recording, each at random
  pans, every lead and one lead, at the page's point budgets;
* the windows endpoint, pages of 500.

Run as the ``viewer`` stage of ``bench.stages`` (its own process: Django is set up here).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

SPANS_S = (10.0, 60.0, 600.0, 3600.0, 6 * 3600.0, None)  # None: the whole recording
PANS_PER_SPAN = 8


def _setup(folder: Path, upload_bytes: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "ecgsite.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["WAVECARDIO_MAX_UPLOAD_BYTES"] = str(upload_bytes + 1024)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.WAVECARDIO["MAX_UPLOAD_BYTES"] = upload_bytes + 1024
    call_command("migrate", verbosity=0)


def _stats(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max_ms": ordered[-1],
        "n": len(ordered),
    }


def _timed_get(client, url: str, params: dict | None = None) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(url, params or {})
    elapsed_ms = (time.perf_counter() - started) * 1e3
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} {params} -> {response.status_code}")
    return elapsed_ms, response


def _forget_parsed_signals() -> None:
    """As in a freshly started web worker: nothing parsed or mapped in this process."""
    from classifier import services

    services.recording_signal_cache_clear()


def run(*, path: str, seed: int = 0) -> dict:
    """Upload the .npy at ``path`` and measure the viewer's requests on it."""
    size = Path(path).stat().st_size
    with tempfile.TemporaryDirectory(prefix="wavecardio-viewer-") as folder:
        _setup(Path(folder), size)
        from django.test import Client

        from accounts.roles import Role
        from tests.factories import UserFactory

        user = UserFactory.create(roles=[Role.CLINICIAN])
        client = Client()
        client.force_login(user)
        started = time.perf_counter()
        with open(path, "rb") as handle:
            response = client.post("/api/v1/recordings/", {"file": handle, "sampling_rate_hz": 128})
        upload_s = time.perf_counter() - started
        if response.status_code != 201:
            raise RuntimeError(f"upload -> {response.status_code}: {response.content[:300]!r}")
        body = response.json()
        if body["prediction"]["status"] != "done":
            raise RuntimeError(f"prediction {body['prediction']['status']}")
        recording_id, duration_s = body["id"], body["duration_s"]
        n_leads = len(body["leads"])
        api = f"/api/v1/recordings/{recording_id}"
        signal_url = f"{api}/signal/"

        _forget_parsed_signals()
        page_ms, _ = _timed_get(client, f"/recordings/{recording_id}/")
        overview_ms, _ = _timed_get(
            client, signal_url, {"start_s": 0, "lead": 0, "max_points": 4000}
        )
        paper_ms, _ = _timed_get(
            client, signal_url, {"start_s": 0, "end_s": 10, "max_points": 20000}
        )
        first_paint_ms = page_ms + overview_ms + paper_ms

        _forget_parsed_signals()
        cold_whole_ms, _ = _timed_get(client, signal_url, {"max_points": 4000})

        rng = random.Random(seed)
        per_span: dict[str, list[float]] = {}
        every: list[float] = []
        for span_s in SPANS_S:
            name = "whole" if span_s is None else f"{span_s:g} s"
            for _ in range(PANS_PER_SPAN):
                for lead in (None, rng.randrange(n_leads)):
                    params: dict = {"max_points": rng.choice([4000, 20000])}
                    if span_s is not None:
                        span = min(span_s, duration_s)  # a short (smoke) recording
                        start = rng.uniform(0, duration_s - span)
                        params |= {"start_s": round(start, 3), "end_s": round(start + span, 3)}
                    if lead is not None:
                        params["lead"] = lead
                    elapsed_ms, _ = _timed_get(client, signal_url, params)
                    per_span.setdefault(name, []).append(elapsed_ms)
                    every.append(elapsed_ms)

        windows_ms = []
        count = client.get(f"{api}/windows/", {"page_size": 1}).json()["count"]
        n_pages = -(-count // 500)
        for page in rng.sample(range(1, n_pages + 1), min(10, n_pages)):
            elapsed_ms, _ = _timed_get(client, f"{api}/windows/", {"page": page, "page_size": 500})
            windows_ms.append(elapsed_ms)
        detail_ms, _ = _timed_get(client, f"{api}/")

        return {
            "hours": duration_s / 3600,
            "leads": n_leads,
            "upload_bytes": size,
            "upload_and_classify_s": upload_s,
            "windows": count,
            "first_paint": {
                "page_ms": page_ms,
                "overview_signal_ms": overview_ms,
                "paper_signal_ms": paper_ms,
                "total_ms": first_paint_ms,
            },
            "cold_whole_signal_ms": cold_whole_ms,
            "signal": _stats(every),
            "signal_per_span": {name: _stats(ms) for name, ms in per_span.items()},
            "windows_page": _stats(windows_ms),
            "detail_api_ms": detail_ms,
        }
