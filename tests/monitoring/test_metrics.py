"""/metrics: operators only; counters and histograms follow real uploads and predictions
(tasks in-process here; tests/monitoring/test_multiprocess*.py cover several processes)."""

import pytest

from audit.models import AuditEvent
from audit.services import Action
from classifier.models import ModelVersion, Prediction
from tests.factories import PASSWORD
from tests.monitoring.conftest import TOKEN
from tests.monitoring.promtext import samples, value

pytestmark = pytest.mark.usefixtures("metrics_token")


def scrape(client, token=TOKEN) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())


# --- who may scrape -------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_scrape_is_refused_with_401(client):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"wavecardio_" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_wrong_credentials_are_refused(client, header):
    response = client.get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert b"wavecardio_" not in response.content


@pytest.mark.django_db
def test_token_access_is_off_when_no_token_is_configured(client, settings):
    settings.METRICS_BEARER_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 401


@pytest.mark.django_db
def test_other_roles_get_403_and_the_denial_is_audited(client, clinician):
    client.force_login(clinician)
    assert client.get("/metrics").status_code == 403
    event = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (event.actor, event.details["path"]) == (clinician, "/metrics")


@pytest.mark.django_db
def test_operator_session_may_scrape(client, operator_user):
    client.force_login(operator_user)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"wavecardio_uploads_total" in response.content


@pytest.mark.django_db
def test_operator_token_may_scrape(client):
    found = scrape(client)
    active = ModelVersion.objects.get(is_active=True)
    assert value(found, "wavecardio_active_model_info", version=active.name) == 1
    assert value(found, "wavecardio_metrics_database_up") == 1
    assert ("django_http_requests_total_by_method_total", frozenset({("method", "GET")})) in found


# --- values after real work -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_upload_and_prediction_are_counted(client, clinician, recording_path):
    before = scrape(client)
    client.force_login(clinician)
    with open(recording_path, "rb") as handle:
        assert (
            client.post(
                "/api/v1/recordings/", {"file": handle, "sampling_rate_hz": 128}
            ).status_code
            == 201
        )
    client.logout()
    prediction = Prediction.objects.get()
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("wavecardio_uploads_total") == 1
    assert delta("wavecardio_predictions_total", label=prediction.label) == 1
    assert (
        sum(
            delta("wavecardio_predictions_total", label=x)
            for x in ("ARR", "CHF", "NSR", "uncertain")
        )
        == 1
    )
    assert delta("wavecardio_model_confidence_count") == 1
    assert delta("wavecardio_model_confidence_sum") == pytest.approx(prediction.confidence)
    for stage in ("load", "cwt", "model", "total"):
        assert delta("wavecardio_inference_seconds_count", stage=stage) == 1, stage
    assert delta("wavecardio_inference_seconds_sum", stage="total") == pytest.approx(
        prediction.timings_ms["total"] / 1e3
    )
    assert delta("wavecardio_prediction_failures_total", reason="storage_error") == 0
    assert value(after, "wavecardio_predictions_pending", status="pending") == 0


@pytest.fixture
def recording(clinician, recording_path):
    """A recording of ``clinician`` stored through the upload service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from classifier import services

    return services.recording_create(
        sampling_rate_hz=128.0,
        owner=clinician,
        upload=SimpleUploadedFile("a.npy", recording_path.read_bytes()),
    )


@pytest.mark.django_db(transaction=True)
def test_pending_predictions_are_the_queue_backlog(client, recording):
    Prediction.objects.filter(recording=recording).update(status=Prediction.Status.PENDING)
    found = scrape(client)
    assert value(found, "wavecardio_predictions_pending", status="pending") == 1
    assert value(found, "wavecardio_predictions_pending", status="running") == 0


@pytest.mark.django_db(transaction=True)
def test_failed_prediction_is_counted_by_reason(client, recording):
    from classifier import services

    recording.file.storage.delete(recording.file.name)
    prediction = recording.predictions.get()
    Prediction.objects.filter(pk=prediction.pk).update(status=Prediction.Status.PENDING)
    before = scrape(client)
    services.prediction_run(prediction.pk)
    after = scrape(client)
    name = "wavecardio_prediction_failures_total"
    assert (
        value(after, name, reason="storage_error") - value(before, name, reason="storage_error")
        == 1
    )


@pytest.mark.django_db
def test_logins_are_counted_by_outcome(client, clinician):
    name = "wavecardio_logins_total"
    before = scrape(client)
    client.post("/login/", {"login": clinician.username, "password": "wrong-password-1"})
    client.post("/login/", {"login": clinician.username, "password": PASSWORD})
    client.logout()
    after = scrape(client)
    assert value(after, name, outcome="failure") - value(before, name, outcome="failure") == 1
    assert value(after, name, outcome="success") - value(before, name, outcome="success") == 1


@pytest.mark.django_db
def test_shadow_predictions_are_timed_but_not_counted_as_answers(client):
    from types import SimpleNamespace

    from django.utils import timezone

    from monitoring import metrics

    now = timezone.now()
    shadow = SimpleNamespace(
        is_shadow=True, label="NSR", confidence=0.9, timings_ms={"cwt": 1, "model": 2, "total": 4},
        started_at=now, finished_at=now,
    )  # fmt: skip
    before = scrape(client)
    metrics.observe_prediction(shadow)
    after = scrape(client)
    name = "wavecardio_inference_seconds_count"
    assert value(after, name, stage="total") - value(before, name, stage="total") == 1
    assert value(after, "wavecardio_predictions_total", label="NSR") == value(
        before, "wavecardio_predictions_total", label="NSR"
    )
    assert value(after, "wavecardio_model_confidence_count") == value(
        before, "wavecardio_model_confidence_count"
    )
