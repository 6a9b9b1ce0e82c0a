"""prometheus-client multiprocess mode: /metrics sums every process's values (gunicorn
workers, including ones that already exited, and any other process writing to the dir)."""

import subprocess
import sys
import textwrap

import pytest
import requests

from classifier.models import ModelVersion
from tests.conftest import REPO
from tests.monitoring.conftest import TOKEN
from tests.monitoring.processes import (
    base_env,
    gunicorn,
    log_in,
    manage,
    metrics_env,
    pids_with_files,
    scrape,
)
from tests.monitoring.promtext import samples, value


def write_metrics_in_a_process(directory, uploads: int, label: str) -> None:
    code = textwrap.dedent(
        f"""
        from monitoring import metrics
        metrics.uploads_total.inc({uploads})
        metrics.predictions_total.labels(label="{label}").inc()
        metrics.inference_seconds.labels(stage="total").observe(0.25)
        """
    )
    env = base_env(PROMETHEUS_MULTIPROC_DIR=str(directory))
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, timeout=60)


@pytest.mark.django_db
def test_metrics_view_sums_the_files_of_two_processes(client, metrics_token, tmp_path, monkeypatch):
    write_metrics_in_a_process(tmp_path, 3, "NSR")
    write_metrics_in_a_process(tmp_path, 4, "ARR")
    assert len(pids_with_files(tmp_path)) == 2
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    found = samples(response.content.decode())
    assert value(found, "wavecardio_uploads_total") == 7
    assert value(found, "wavecardio_predictions_total", label="NSR") == 1
    assert value(found, "wavecardio_predictions_total", label="ARR") == 1
    assert value(found, "wavecardio_inference_seconds_count", stage="total") == 2
    assert value(found, "wavecardio_inference_seconds_bucket", stage="total", le="0.25") == 2
    active = ModelVersion.objects.get(is_active=True).name
    assert value(found, "wavecardio_active_model_info", version=active) == 1


@pytest.mark.slow
def test_gunicorn_workers_are_summed_even_after_they_exit(tmp_path):
    """Two gunicorn workers that restart every 6 requests: 14 failed logins land in at least
    three processes; one scrape through any worker counts all 14."""
    metrics_dir = tmp_path / "prometheus"
    env = metrics_env(
        metrics_dir,
        DJANGO_SETTINGS_MODULE="ecgsite.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    manage("migrate", "--noinput", env=env)
    attempts = 14
    with gunicorn(env, workers=2, max_requests=6) as url:
        for n in range(attempts):  # a new name each time: no lockout
            assert log_in(requests.Session(), url, f"nobody{n}", "wrong-password") == 200
        scraped, anonymous = scrape(url, TOKEN)
    assert anonymous.status_code == 401
    assert scraped.status_code == 200
    found = samples(scraped.text)
    assert value(found, "wavecardio_logins_total", outcome="failure") == attempts
    assert value(found, "wavecardio_logins_total", outcome="success") == 0
    assert len(pids_with_files(metrics_dir)) >= 3  # workers were replaced; their counts kept
