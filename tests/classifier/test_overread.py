"""Reviewers over-read predictions (web and API); clinicians cannot; all audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from classifier import services
from classifier.models import OverRead

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def recording(clinician, recording_path):
    return services.recording_create(
        sampling_rate_hz=128.0,
        owner=clinician,
        upload=SimpleUploadedFile("r.npy", recording_path.read_bytes()),
    )


def test_reviewer_corrects_a_label_on_the_result_page(client, reviewer, recording):
    client.force_login(reviewer)
    prediction = recording.predictions.get()
    other = next(c for c in ("ARR", "CHF", "NSR") if c != prediction.label)
    url = reverse("classifier:recording_overread", args=[recording.pk])
    response = client.post(url, {"label": other, "comment": "P waves absent"}, follow=True)
    page = response.content.decode()
    assert "Over-read recorded" in page and "P waves absent" in page
    overread = OverRead.objects.get()
    assert (overread.reviewer, overread.label, overread.agrees) == (reviewer, other, False)
    event = AuditEvent.objects.get(action="overread_recorded")
    assert event.actor == reviewer and event.details["reviewer_label"] == other


def test_reviewer_agrees_through_the_api(client, reviewer, recording):
    client.force_login(reviewer)
    prediction = recording.predictions.get()
    label = prediction.label if prediction.label != "uncertain" else prediction.top_class
    response = client.post(
        f"/api/v1/recordings/{recording.pk}/overread/",
        {"label": label, "comment": ""},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["agrees"] is (prediction.label == label)
    detail = client.get(f"/api/v1/recordings/{recording.pk}/").json()
    assert detail["prediction"]["overreads"][0]["reviewer"] == reviewer.username


def test_bad_label_is_refused(client, reviewer, recording):
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/recordings/{recording.pk}/overread/",
        {"label": "MI"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not OverRead.objects.exists()


def test_clinician_cannot_overread_even_own_recording(client, clinician, recording):
    client.force_login(clinician)
    url = f"/api/v1/recordings/{recording.pk}/overread/"
    assert client.post(url, {"label": "NSR"}, content_type="application/json").status_code == 403
    web = reverse("classifier:recording_overread", args=[recording.pk])
    assert client.post(web, {"label": "NSR"}).status_code == 403
    assert not OverRead.objects.exists()
