"""/healthz (process alive) and /readyz (database, broker, active model) answer JSON."""

import json

import pytest

from classifier.models import ModelVersion
from tests.monitoring.conftest import TOKEN

pytestmark = pytest.mark.usefixtures("metrics_token")


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")  # no django_db mark: any query would fail the test
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_with_database_and_active_model(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    active = ModelVersion.objects.get(is_active=True)
    assert body == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "broker": {"status": "ok", "detail": "skipped: tasks run in-process"},
            "model": {"status": "ok", "detail": active.name},
        },
    }


@pytest.mark.django_db
def test_readyz_fails_without_an_active_model(client):
    ModelVersion.objects.update(is_active=False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["model"] == {"status": "fail"}  # no detail for anonymous
    detailed = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()
    assert detailed["checks"]["model"] == {"status": "fail", "detail": "no active model version"}


@pytest.mark.django_db
def test_readyz_fails_when_the_model_weights_do_not_match_their_card(client, tmp_path, settings):
    active = ModelVersion.objects.get(is_active=True)
    card = tmp_path / active.card_file
    card.write_bytes(active.card_path.read_bytes())
    weights = tmp_path / json.loads(card.read_text())["weights_file"]
    weights.write_bytes(b"not the trained weights")
    settings.WAVECARDIO = {**settings.WAVECARDIO, "MODELS_DIR": tmp_path}
    response = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 503
    assert "do not match" in response.json()["checks"]["model"]["detail"]


@pytest.mark.django_db
def test_readyz_checks_the_broker_when_tasks_are_queued(client, monkeypatch):
    from ecgsite.celery import app

    app.conf.task_always_eager = False
    for name in ("broker_url", "broker_write_url"):  # nothing listens on port 1
        monkeypatch.setitem(app.conf, name, "redis://127.0.0.1:1/0")
    try:
        response = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    finally:
        app.conf.task_always_eager = True
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.services
@pytest.mark.django_db
def test_readyz_reaches_the_real_broker(client):
    from ecgsite.celery import app

    app.conf.task_always_eager = False
    try:
        response = client.get("/readyz")
    finally:
        app.conf.task_always_eager = True
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"status": "ok"}


def test_a_short_metrics_token_is_flagged_by_the_system_checks(settings):
    from django.core.checks import run_checks

    settings.METRICS_BEARER_TOKEN = "short"
    assert "monitoring.W001" in {m.id for m in run_checks()}
    settings.METRICS_BEARER_TOKEN = TOKEN
    assert "monitoring.W001" not in {m.id for m in run_checks()}
