"""Patient details on recordings (typed on upload, API fields, editable by the owner) and
the patient page (serial comparison, visibility as for recordings, every view audited)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from classifier import services
from classifier.core.errors import InvalidInput
from classifier.core.patient import patient_details
from classifier.models import Recording
from tests.factories import PredictionFactory, RecordingFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ref": "MRN 123"}, "not valid"),
        ({"ref": "<script>"}, "not valid"),
        ({"ref": "x" * 65}, "not valid"),
        ({"sex": "yes"}, "sex must be one of"),
        ({"birth_year": 1700}, "year of birth"),
        ({"birth_year": 2030}, "year of birth"),
        ({"acquired_at": NOW + dt.timedelta(days=1)}, "future"),
        ({"acquired_at": dt.datetime(2020, 1, 1)}, "time zone"),
        ({"acquired_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "birth_year": 2021}, "birth"),
    ],
)
def test_patient_details_are_validated(fields, message):
    with pytest.raises(InvalidInput, match=message):
        patient_details(now=NOW, **fields)


def test_valid_patient_details():
    details = patient_details(ref=" MRN-0042 ", sex="Female", birth_year=1950, now=NOW)
    assert (details.ref, details.sex, details.birth_year) == ("MRN-0042", "female", 1950)


def test_upload_form_takes_patient_details(clinician_client, recording_path):
    response = clinician_client.post(
        reverse("classifier:recording_upload"),
        {
            "file": SimpleUploadedFile("r.npy", recording_path.read_bytes()),
            "sampling_rate_hz": 128,
            "patient_ref": "MRN-0042",
            "acquired_at": "2026-03-04T08:15",
            "patient_sex": "female",
            "patient_birth_year": "1950",
        },
    )
    assert response.status_code == 302
    recording = Recording.objects.get()
    assert recording.patient_ref == "MRN-0042" and recording.patient_birth_year == 1950
    assert recording.acquired_at == dt.datetime(2026, 3, 4, 8, 15, tzinfo=dt.UTC)
    event = AuditEvent.objects.get(action="recording_uploaded")
    assert event.details["patient_ref"] == "MRN-0042"


def test_upload_form_refuses_bad_details_and_stores_nothing(clinician_client, recording_path):
    response = clinician_client.post(
        reverse("classifier:recording_upload"),
        {
            "file": SimpleUploadedFile("r.npy", recording_path.read_bytes()),
            "sampling_rate_hz": 128,
            "patient_ref": "MRN 42",
        },
    )
    assert response.status_code == 400 and "is not valid" in response.content.decode()
    assert not Recording.objects.exists()


def test_api_upload_and_owner_patch(clinician_client, recording_path, other_clinician, client):
    response = clinician_client.post(
        "/api/v1/recordings/",
        {
            "file": SimpleUploadedFile("r.npy", recording_path.read_bytes()),
            "sampling_rate_hz": 128,
            "patient_ref": "PSN-7",
            "acquired_at": "2026-03-04T08:15:00Z",
            "patient_sex": "male",
        },
    )
    assert response.status_code in (201, 202), response.content
    body = response.json()
    assert (body["patient_ref"], body["patient_sex"]) == ("PSN-7", "male")
    url = f"/api/v1/recordings/{body['id']}/"
    changed = clinician_client.patch(
        url, {"patient_birth_year": 1961}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["patient_ref"], changed.json()["patient_birth_year"]) == ("PSN-7", 1961)
    event = AuditEvent.objects.get(action="patient_details_changed")
    assert event.details["before"]["patient_birth_year"] is None
    assert event.details["after"]["patient_birth_year"] == 1961
    bad = clinician_client.patch(url, {"patient_sex": "x"}, content_type="application/json")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    unknown = clinician_client.patch(url, {"sha256": "0"}, content_type="application/json")
    assert unknown.status_code == 400
    client.force_login(other_clinician)
    assert (
        client.patch(url, {"patient_ref": "X"}, content_type="application/json").status_code == 404
    )


def test_reviewer_may_not_edit_someone_elses_patient_details(client, reviewer, clinician):
    recording = RecordingFactory.create(owner=clinician, patient_ref="MRN-1")
    client.force_login(reviewer)
    url = reverse("classifier:recording_patient_edit", args=[recording.pk])
    assert client.post(url, {"patient_ref": "MRN-2"}).status_code == 403
    page = client.get(reverse("classifier:recording_detail", args=[recording.pk])).content.decode()
    assert "Edit patient details" not in page
    recording.refresh_from_db()
    assert recording.patient_ref == "MRN-1"


def test_owner_edits_patient_details_on_the_result_page(clinician_client, clinician):
    recording = RecordingFactory.create(owner=clinician)
    url = reverse("classifier:recording_patient_edit", args=[recording.pk])
    page = clinician_client.post(url, {"patient_ref": "MRN-9", "patient_sex": "other"}, follow=True)
    assert "Patient details saved" in page.content.decode()
    recording.refresh_from_db()
    assert (recording.patient_ref, recording.patient_sex) == ("MRN-9", "other")
    bad = clinician_client.post(url, {"patient_birth_year": "1700"}, follow=True)
    assert "not saved" in bad.content.decode()


def test_patient_page_is_a_serial_comparison_and_audited(clinician_client, clinician):
    taken = timezone.now() - dt.timedelta(days=400)
    first = RecordingFactory.create(owner=clinician, patient_ref="MRN-5", acquired_at=taken)
    PredictionFactory.create(recording=first, label="NSR")
    second = RecordingFactory.create(owner=clinician, patient_ref="MRN-5")  # upload time
    PredictionFactory.create(recording=second, label="ARR", top_class="ARR")
    RecordingFactory.create(owner=clinician, patient_ref="MRN-6")
    response = clinician_client.get(reverse("classifier:patient_detail", args=["MRN-5"]))
    assert response.status_code == 200
    assert [r.pk for r, _ in response.context["rows"]] == [first.pk, second.pk]
    assert [p.label for _, p in response.context["rows"]] == ["NSR", "ARR"]
    event = AuditEvent.objects.get(action="patient_viewed")
    assert event.actor == clinician and event.details["patient_ref"] == "MRN-5"
    assert event.details["recordings"] == [str(first.pk), str(second.pk)]


def test_patient_page_follows_recording_visibility(client, clinician, other_clinician, reviewer):
    RecordingFactory.create(owner=clinician, patient_ref="MRN-5")
    client.force_login(other_clinician)
    assert client.get(reverse("classifier:patient_detail", args=["MRN-5"])).status_code == 404
    assert client.get(reverse("classifier:patient_detail", args=["bad ref"])).status_code == 400
    assert not AuditEvent.objects.filter(action="patient_viewed").exists()
    client.force_login(reviewer)
    assert client.get(reverse("classifier:patient_detail", args=["MRN-5"])).status_code == 200


def test_header_details_go_through_the_service(clinician, recording_path):
    """What a file reader finds in a header is passed as PatientDetails."""
    details = patient_details(ref="EDF-PAT-1", sex="male", birth_year=1970)
    recording = services.recording_create(
        owner=clinician,
        upload=SimpleUploadedFile("r.npy", recording_path.read_bytes()),
        sampling_rate_hz=128,
        patient=details,
    )
    assert (recording.patient_ref, recording.patient_sex) == ("EDF-PAT-1", "male")
