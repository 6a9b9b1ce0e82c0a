"""Issue 18, point 5: patient data is never cached, a file gone from storage is a clear 410
(problem+json on the API, a page on the web), an unconfigured provider's sign-in is a 404,
and lists never read the per-window data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import PredictionFactory, RecordingFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"


@pytest.fixture
def own(clinician):
    return RecordingFactory.create(owner=clinician)


@pytest.fixture
def lost(own):
    """A recording whose stored file vanished from storage (a bad restore, a lost volume)."""
    own.file.storage.delete(own.file.name)
    return own


# --- Cache-Control ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda r: reverse("classifier:recording_list"),
        lambda r: reverse("classifier:recording_detail", args=[r.pk]),
        lambda r: reverse("classifier:recording_download", args=[r.pk]),
        lambda r: LIST,
        lambda r: f"{LIST}{r.pk}/",
        lambda r: f"{LIST}{r.pk}/signal/",
        lambda r: f"{LIST}{r.pk}/status/",
        lambda r: f"{LIST}{r.pk}/file/",
        lambda r: f"{LIST}{r.pk}/scalogram/",
    ],
)
def test_every_answer_holding_patient_data_is_no_store(clinician_client, own, url):
    response = clinician_client.get(url(own))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_api_refusals_are_no_store_too(client):
    response = client.get(LIST)
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_immutable_answers_keep_their_etag_for_clients_with_their_own_copy(clinician_client, own):
    first = clinician_client.get(f"{LIST}{own.pk}/file/")
    again = clinician_client.get(f"{LIST}{own.pk}/file/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["Cache-Control"] == "private, no-store"


# --- a stored file missing from storage -------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["file", "signal", "scalogram"])
def test_api_answers_410_problem_for_a_file_missing_from_storage(clinician_client, lost, endpoint):
    response = clinician_client.get(f"{LIST}{lost.pk}/{endpoint}/")
    assert response.status_code == 410
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "gone"
    assert body["detail"] == "the stored file of this recording is missing from storage"


def test_web_download_of_a_missing_file_is_a_410_page(clinician_client, lost):
    response = clinician_client.get(reverse("classifier:recording_download", args=[lost.pk]))
    assert response.status_code == 410
    assert "missing from storage" in response.content.decode()
    # The result page itself still opens: the metadata and results are there.
    page = clinician_client.get(reverse("classifier:recording_detail", args=[lost.pk]))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="recording_downloaded").count() == 1


def test_another_users_lost_file_is_still_404(client, other_clinician, lost):
    client.force_login(other_clinician)
    assert client.get(f"{LIST}{lost.pk}/file/").status_code == 404


# --- sign-in of a provider that is not configured ----------------------------------------------


@pytest.mark.parametrize(
    "url", ["/accounts/google/login/", "/accounts/google/login/?process=login"]
)
def test_an_unconfigured_providers_sign_in_is_404(client, settings, url):
    assert "google" not in settings.SOCIALACCOUNT_PROVIDERS
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


# --- lists read summaries ----------------------------------------------------------------------


def test_lists_never_load_the_per_window_data(clinician_client, clinician):
    windows = [
        {
            "lead": 0,
            "start_s": 8.0 * i,
            "end_s": 8.0 * (i + 1),
            "label": "NSR",
            "probabilities": {"ARR": 0.1, "CHF": 0.1, "NSR": 0.8},
            "quality": "ok",
        }
        for i in range(50)
    ]
    predictions = [
        PredictionFactory.create(recording__owner=clinician, windows=windows) for _ in range(3)
    ]
    for url in (reverse("classifier:recording_list"), LIST):
        with CaptureQueriesContext(connection) as queries:
            assert clinician_client.get(url).status_code == 200
        selects = [
            q["sql"] for q in queries.captured_queries if "classifier_prediction" in q["sql"]
        ]
        assert selects, url
        assert not any('"windows"' in sql for sql in selects), url
    detail = clinician_client.get(f"{LIST}{predictions[0].recording_id}/")
    assert len(detail.json()["prediction"]["windows"]) == 50  # the detail still has them
