"""The same file uploaded again by the same owner is offered as the existing recording (issue
16, point 6): no second recording, no second inference, on the API and the web alike."""

import numpy as np
import pytest

from audit.models import AuditEvent
from classifier import services
from classifier.core.signal import InvalidRecording
from classifier.models import Prediction, Recording
from tests.classifier.test_services import upload_of

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction

LIST = "/api/v1/recordings/"


def post_file(client, path, **fields):
    with open(path, "rb") as handle:
        return client.post(LIST, {"file": handle, "sampling_rate_hz": 128, **fields})


def test_the_api_answers_200_with_the_existing_recording(clinician_client, recording_path):
    first = post_file(clinician_client, recording_path)
    assert first.status_code == 201, first.content
    assert first.json()["duplicate"] is False
    again = post_file(clinician_client, recording_path)
    assert again.status_code == 200, again.content
    body = again.json()
    assert body["duplicate"] is True
    assert body["id"] == first.json()["id"]
    assert body["prediction"] == first.json()["prediction"]
    assert again["Location"] == first["Location"]
    assert Recording.objects.count() == 1
    assert Prediction.objects.count() == 1
    assert AuditEvent.objects.filter(action="prediction_requested").count() == 1
    [offered] = AuditEvent.objects.filter(action="upload_duplicate")
    assert offered.target_id == body["id"]
    assert offered.details["filename"] == recording_path.name


def test_a_renamed_copy_is_still_the_same_file(clinician_client, recording_path, tmp_path):
    post_file(clinician_client, recording_path)
    copy = tmp_path / "renamed.npy"
    copy.write_bytes(recording_path.read_bytes())
    again = post_file(clinician_client, copy)
    assert again.status_code == 200
    assert again.json()["original_filename"] == recording_path.name  # the existing one
    assert Recording.objects.count() == 1


def test_another_owner_or_another_rate_makes_a_new_recording(
    client, clinician, other_clinician, recording_path
):
    client.force_login(clinician)
    assert post_file(client, recording_path).status_code == 201
    other_rate = post_file(client, recording_path, sampling_rate_hz=250)
    assert other_rate.status_code == 201  # the same bytes read at another rate: other data
    client.force_login(other_clinician)
    theirs = post_file(client, recording_path)
    assert theirs.status_code == 201
    assert theirs.json()["duplicate"] is False  # never reveals another owner's upload
    assert Recording.objects.count() == 3


def test_after_a_deletion_the_file_is_new_again(clinician_client, recording_path):
    first = post_file(clinician_client, recording_path).json()
    assert clinician_client.delete(f"{LIST}{first['id']}/").status_code == 204
    again = post_file(clinician_client, recording_path)
    assert again.status_code == 201
    assert again.json()["id"] != first["id"]


def test_a_failed_prediction_is_retried_for_a_duplicate(clinician, recording_path):
    recording = services.recording_create(
        owner=clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )
    recording.predictions.update(status=Prediction.Status.FAILED, error="worker lost")
    outcome = services.recording_upload(
        owner=clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )
    assert outcome.duplicate
    assert outcome.recording.pk == recording.pk
    assert recording.predictions.get().status == Prediction.Status.DONE  # eager tasks
    assert Recording.objects.count() == 1


def test_an_invalid_file_is_rejected_before_any_duplicate_check(clinician, npy_bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("bad.npy", npy_bytes(np.zeros((2, 2, 2))))
    with pytest.raises(InvalidRecording):
        services.recording_upload(owner=clinician, upload=bad)
    assert not AuditEvent.objects.filter(action="upload_duplicate").exists()


def test_the_web_upload_redirects_to_the_existing_recording(clinician_client, recording_path):
    url = "/recordings/upload/"
    with open(recording_path, "rb") as handle:
        first = clinician_client.post(url, {"file": handle, "sampling_rate_hz": 128})
    assert first.status_code == 302
    with open(recording_path, "rb") as handle:
        again = clinician_client.post(url, {"file": handle, "sampling_rate_hz": 128}, follow=True)
    assert again.redirect_chain[-1][0] == first["Location"]
    assert "You uploaded this file before" in again.content.decode()
    assert Recording.objects.count() == 1
