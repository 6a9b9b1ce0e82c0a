"""Services lane: uploads through gunicorn (2 workers), predictions by a separate Celery
worker process, one multiprocess metrics directory; a scrape with the operator token sees
every process's counters and histograms with the right values."""

import time

import pytest
import redis
import requests
from django.db import connection

from classifier.models import Prediction
from tests.factories import PASSWORD, distinct_copies
from tests.monitoring.conftest import TOKEN
from tests.monitoring.processes import (
    celery_worker,
    csrf_token,
    gunicorn,
    log_in,
    metrics_env,
    scrape,
)
from tests.monitoring.promtext import samples, value

pytestmark = [pytest.mark.services, pytest.mark.slow]

UPLOADS = 3
BROKER = "redis://127.0.0.1:6379/14"  # not the queue of the lane's shared worker


def wait_for_predictions(n: int, timeout_s: float = 180) -> list[Prediction]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = list(Prediction.objects.filter(status__in=["done", "failed"]))
        if len(done) >= n:
            return done
        time.sleep(0.5)
    pytest.fail(f"{n} predictions not finished after {timeout_s} s")


def scrape_once_recorded(url: str, n: int, timeout_s: float = 60):
    """Scrape until the worker's metrics of ``n`` predictions are in: it records them right
    after committing the row, so the row alone does not mean they are there yet."""
    deadline = time.monotonic() + timeout_s
    while True:
        scraped, anonymous = scrape(url, TOKEN)
        found = samples(scraped.text) if scraped.status_code == 200 else {}
        recorded = [value(found, "wavecardio_model_confidence_count")] + [
            value(found, "wavecardio_inference_seconds_count", stage=stage)
            for stage in ("load", "cwt", "model", "total")
        ]
        if min(recorded) >= n or time.monotonic() > deadline:
            return scraped, anonymous
        time.sleep(0.2)


def test_web_and_worker_processes_are_scraped_together(
    transactional_db, clinician, recording_path, tmp_path
):
    import os

    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    # The servers run the production hashers, not the test settings' fast MD5.
    hasher = PBKDF2PasswordHasher()
    clinician.password = hasher.encode(PASSWORD, hasher.salt())
    clinician.save(update_fields=["password"])
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = metrics_env(
        tmp_path / "prometheus",
        DJANGO_SETTINGS_MODULE="ecgsite.settings.dev",  # not eager: tasks go to the broker
        DEBUG="false",
        DATABASE_URL=f"{base}/{connection.settings_dict['NAME']}",
        CELERY_BROKER_URL=BROKER,
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    redis.Redis.from_url(BROKER).flushdb()  # no task left over from an earlier run
    with celery_worker(env), gunicorn(env, workers=2) as url:
        session = requests.Session()
        assert log_in(session, url, clinician.username, PASSWORD) == 302
        for path in distinct_copies(recording_path, UPLOADS, tmp_path):
            token = csrf_token(session, f"{url}/recordings/upload/")
            with open(path, "rb") as handle:
                response = session.post(
                    f"{url}/api/v1/recordings/",
                    files={"file": handle},
                    data={"sampling_rate_hz": "128"},
                    headers={"X-CSRFToken": token},
                    timeout=60,
                )
            assert response.status_code == 202, response.text  # the web did not classify
        predictions = wait_for_predictions(UPLOADS)
        scraped, anonymous = scrape_once_recorded(url, UPLOADS)
    assert anonymous.status_code == 401
    assert scraped.status_code == 200
    found = samples(scraped.text)
    assert all(p.status == "done" for p in predictions)
    assert value(found, "wavecardio_uploads_total") == UPLOADS
    assert value(found, "wavecardio_logins_total", outcome="success") == 1
    for label in {p.label for p in predictions}:
        expected = sum(p.label == label for p in predictions)
        assert value(found, "wavecardio_predictions_total", label=label) == expected
    assert value(found, "wavecardio_model_confidence_count") == UPLOADS
    confidences = [p.confidence for p in predictions if p.confidence is not None]
    assert len(confidences) == len(predictions)
    assert value(found, "wavecardio_model_confidence_sum") == pytest.approx(
        sum(confidences), abs=1e-6
    )
    for stage in ("load", "cwt", "model", "total"):
        assert value(found, "wavecardio_inference_seconds_count", stage=stage) == UPLOADS
    assert value(found, "wavecardio_inference_seconds_sum", stage="total") == pytest.approx(
        sum(p.timings_ms["total"] for p in predictions) / 1e3, rel=1e-6
    )
    assert value(found, "wavecardio_predictions_pending", status="pending") == 0
