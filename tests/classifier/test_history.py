"""The history (web list, CSV export, API list): one FilterSet, summaries only, bad filters
answered as form errors (web) or 400 problem details (API)."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tests.factories import OverReadFactory, PredictionFactory, RecordingFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"


@pytest.fixture
def history(clinician, other_clinician):
    """Four recordings of the clinician (patients P-1, P-2) and one of someone else."""
    rows = {}
    for name, label, patient, days in (
        ("holter-a.npy", "ARR", "P-1", 3),
        ("rest-b.npy", "NSR", "P-1", 2),
        ("rest-c.npy", "uncertain", "P-2", 1),
        ("chf-d.npy", "CHF", "", 0),
    ):
        recording = RecordingFactory.create(
            owner=clinician,
            original_filename=name,
            patient_ref=patient,
            uploaded_at=timezone.now() - dt.timedelta(days=days),
        )
        rows[name] = PredictionFactory.create(recording=recording, label=label, top_class=label)
    OverReadFactory.create(prediction=rows["rest-b.npy"])
    foreign = RecordingFactory.create(owner=other_clinician, original_filename="holter-z.npy")
    PredictionFactory.create(recording=foreign, label="ARR")
    return rows


def names(response) -> list[str]:
    return [recording.original_filename for recording, _ in response.context["rows"]]


def api_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["original_filename"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=holter", ["holter-a.npy"]),
        ("q=p-1", ["rest-b.npy", "holter-a.npy"]),
        ("patient=P-2", ["rest-c.npy"]),
        ("label=ARR", ["holter-a.npy"]),
        ("status=done&label=uncertain", ["rest-c.npy"]),
        ("overread=signed", ["rest-b.npy"]),
        ("overread=awaiting&ordering=file", ["chf-d.npy", "holter-a.npy", "rest-c.npy"]),
        ("ordering=uploaded", ["holter-a.npy", "rest-b.npy", "rest-c.npy", "chf-d.npy"]),
        ("ordering=-patient&q=rest", ["rest-c.npy", "rest-b.npy"]),
    ],
)
def test_web_and_api_filter_alike(clinician_client, history, query, expected):
    web = clinician_client.get(f"{reverse('classifier:recording_list')}?{query}")
    assert web.status_code == 200
    assert names(web) == expected
    assert api_names(clinician_client.get(f"{LIST}?{query}")) == expected


def test_date_range_and_page_size(clinician_client, history):
    today = timezone.now().date()
    since = (today - dt.timedelta(days=1)).isoformat()
    query = f"uploaded_from={since}&uploaded_to={today.isoformat()}&ordering=uploaded"
    assert api_names(clinician_client.get(f"{LIST}?{query}")) == ["rest-c.npy", "chf-d.npy"]
    paged = clinician_client.get(f"{LIST}?page_size=3").json()
    assert paged["count"] == 4 and len(paged["results"]) == 3
    web = clinician_client.get(f"{reverse('classifier:recording_list')}?page_size=2")
    assert len(web.context["rows"]) == 2 and web.context["page"].paginator.num_pages == 2


@pytest.mark.parametrize(
    "query",
    [
        "label=MI",
        "overread=maybe",
        "uploaded_from=yesterday",
        "uploaded_from=2026-02-02&uploaded_to=2026-01-01",
        "page_size=0",
        "page_size=1000",
        "ordering=sha256",
        "owner=someone",  # reviewers only
    ],
)
def test_invalid_filters_are_400_problems_and_form_errors(clinician_client, history, query):
    api = clinician_client.get(f"{LIST}?{query}")
    assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
    assert api.json()["errors"]
    if query.startswith("owner"):
        return  # the web form has no owner field for clinicians: the parameter is ignored
    web = clinician_client.get(f"{reverse('classifier:recording_list')}?{query}")
    assert web.status_code == 400
    assert 'class="error" role="alert"' in web.content.decode()


def test_reviewers_filter_by_owner(client, reviewer, history, other_clinician):
    client.force_login(reviewer)
    query = f"owner={other_clinician.username}"
    assert api_names(client.get(f"{LIST}?{query}")) == ["holter-z.npy"]
    assert names(client.get(f"{reverse('classifier:recording_list')}?{query}")) == ["holter-z.npy"]


def test_lists_never_load_per_window_results(clinician_client, history):
    for url in (reverse("classifier:recording_list"), LIST):
        with CaptureQueriesContext(connection) as queries:
            assert clinician_client.get(url).status_code == 200
        prediction_reads = [
            q["sql"] for q in queries.captured_queries if 'FROM "classifier_prediction"' in q["sql"]
        ]
        assert prediction_reads
        assert not any('"classifier_prediction"."windows"' in sql for sql in prediction_reads)


def test_csv_export_of_the_visible_history_is_audited(clinician_client, clinician, history):
    response = clinician_client.get(f"{reverse('classifier:recording_export')}?patient=P-1")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row["file"] for row in rows) == ["holter-a.npy", "rest-b.npy"]
    assert {row["overread_status"] for row in rows} == {"awaiting", "signed"}
    event = AuditEvent.objects.get(action="recordings_exported")
    assert event.actor == clinician and event.details == {
        "filters": {"patient": "P-1"},
        "rows": 2,
    }
    bad = clinician_client.get(f"{reverse('classifier:recording_export')}?label=MI")
    assert bad.status_code == 400


def test_csv_cells_cannot_run_as_formulas(clinician_client, clinician):
    RecordingFactory.create(owner=clinician, original_filename="=HYPERLINK(1).npy")
    response = clinician_client.get(reverse("classifier:recording_export"))
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1).npy" in text


def test_a_list_filtered_to_one_patient_is_an_audited_patient_view(
    clinician_client, clinician, history
):
    clinician_client.get(f"{reverse('classifier:recording_list')}?patient=P-1")
    clinician_client.get(f"{LIST}?patient=P-1")
    clinician_client.get(f"{LIST}?q=rest")  # not one patient: a plain list
    events = AuditEvent.objects.filter(action="patient_viewed").order_by("pk")
    assert [(e.details["via"], e.details["recordings_shown"]) for e in events] == [
        ("history", 2),
        ("api", 2),
    ]
    assert all(e.actor == clinician and e.details["patient_ref"] == "P-1" for e in events)
