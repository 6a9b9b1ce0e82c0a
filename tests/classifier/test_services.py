"""Upload -> storage -> prediction through the services, on the embedded default."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from classifier import selectors, services
from classifier.core.errors import PermissionDenied
from classifier.core.signal import InvalidRecording
from classifier.models import ModelVersion, Prediction, Recording

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction


def upload_of(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def test_shipped_model_is_registered_and_active():
    active = ModelVersion.objects.get(is_active=True)
    card = selectors.card_of(active)
    assert card is not None
    assert card.classes == ("ARR", "CHF", "NSR")
    assert active.card_path.is_file()


def test_upload_stores_file_row_prediction_and_audit(clinician, recording_path):
    recording = services.recording_create(
        sampling_rate_hz=128.0, owner=clinician, upload=upload_of(recording_path)
    )
    content = recording_path.read_bytes()
    assert recording.sha256 == hashlib.sha256(content).hexdigest()
    assert recording.file.read() == content
    assert recording.file.name.startswith("recordings/")
    assert recording_path.name not in recording.file.name  # generated name, not the user's
    assert recording.duration_s == pytest.approx(60.0, abs=0.1)
    prediction = recording.predictions.get()
    assert prediction.status == Prediction.Status.DONE
    assert prediction.label in {"ARR", "CHF", "NSR", "uncertain"}
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert len(prediction.windows) == 7  # 60 s in 8-s windows
    assert prediction.model_version.is_active
    assert {"cwt", "model", "total"} <= set(prediction.timings_ms)
    events = AuditEvent.objects.exclude(action="model_version_activated").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["recording_uploaded", "prediction_requested", "prediction_completed"]


def test_user_filename_cannot_choose_the_storage_path(clinician, recording_path):
    upload = upload_of(recording_path, name="../../etc/passwd.npy")
    recording = services.recording_create(sampling_rate_hz=128.0, owner=clinician, upload=upload)
    assert ".." not in recording.file.name and "passwd" not in recording.file.name
    assert recording.original_filename == "passwd.npy"


def test_invalid_upload_stores_nothing_and_is_audited(clinician, npy_bytes):
    bad = SimpleUploadedFile("bad.npy", npy_bytes([1.0, float("nan")] * 1000))
    with pytest.raises(InvalidRecording, match="NaN"):
        services.recording_create(sampling_rate_hz=128.0, owner=clinician, upload=bad)
    assert not Recording.objects.exists()
    event = AuditEvent.objects.get(action="upload_rejected")
    assert (event.action, event.outcome) == ("upload_rejected", "failure")


def test_oversize_upload_is_refused_before_reading(clinician, settings):
    settings.WAVECARDIO = {**settings.WAVECARDIO, "MAX_UPLOAD_BYTES": 1000}
    big = SimpleUploadedFile("big.npy", b"\x93NUMPY" + b"0" * 5000)
    with pytest.raises(InvalidRecording, match="limit"):
        services.recording_create(sampling_rate_hz=128.0, owner=clinician, upload=big)
    assert not Recording.objects.exists()


def test_user_without_role_cannot_upload(no_role_user, recording_path):
    with pytest.raises(PermissionDenied):
        services.recording_create(
            sampling_rate_hz=128.0, owner=no_role_user, upload=upload_of(recording_path)
        )
    assert not Recording.objects.exists()


def test_prediction_run_is_idempotent(clinician, recording_path):
    recording = services.recording_create(
        sampling_rate_hz=128.0, owner=clinician, upload=upload_of(recording_path)
    )
    prediction = recording.predictions.get()
    again = services.prediction_run(prediction.pk)
    assert again.finished_at == prediction.finished_at
    assert Prediction.objects.count() == 1
    assert AuditEvent.objects.filter(action="prediction_completed").count() == 1


def test_prediction_failure_is_stored_with_reason(clinician, recording_path):
    recording = services.recording_create(
        sampling_rate_hz=128.0, owner=clinician, upload=upload_of(recording_path)
    )
    recording.file.storage.delete(recording.file.name)  # the stored file disappeared
    prediction = recording.predictions.get()
    Prediction.objects.filter(pk=prediction.pk).update(status=Prediction.Status.PENDING)
    failed = services.prediction_run(prediction.pk)
    assert failed.status == Prediction.Status.FAILED
    assert failed.error
    assert AuditEvent.objects.filter(action="prediction_failed", outcome="failure").count() == 1


def test_delete_removes_row_predictions_and_file(
    clinician, recording_path, django_capture_on_commit_callbacks
):
    recording = services.recording_create(
        sampling_rate_hz=128.0, owner=clinician, upload=upload_of(recording_path)
    )
    storage, name = recording.file.storage, recording.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.recording_delete(actor=clinician, recording_id=recording.pk)
    assert not Recording.objects.exists() and not Prediction.objects.exists()
    assert not storage.exists(name)
    assert AuditEvent.objects.filter(action="recording_deleted").count() == 1


def test_shadow_model_prediction_is_stored_but_not_shown(clinician, recording_path):

    active = ModelVersion.objects.get(is_active=True)
    shadow = ModelVersion.objects.create(
        name="shadow-copy", card_file=active.card_file, sha256=active.sha256
    )
    services.model_version_set_shadow(version=shadow, shadow=True, user=None)
    recording = services.recording_create(
        sampling_rate_hz=128.0, owner=clinician, upload=upload_of(recording_path)
    )
    assert recording.predictions.count() == 2
    assert recording.predictions.get(model_version=shadow).status == Prediction.Status.DONE
    shown = selectors.displayed_prediction(selectors.recording_get(clinician, recording.pk))
    assert shown is not None
    assert shown.model_version == active and not shown.is_shadow


def test_activate_switches_the_single_active_version(admin_user):
    active = ModelVersion.objects.get(is_active=True)
    other = ModelVersion.objects.create(
        name="other", card_file=active.card_file, sha256=active.sha256
    )
    services.model_version_activate(version=other, user=admin_user)
    assert list(ModelVersion.objects.filter(is_active=True)) == [other]
    event = AuditEvent.objects.filter(action="model_version_activated").latest("id")
    assert event.details == {"previous": active.name, "version": "other"}


def test_only_model_managers_activate(clinician):
    active = ModelVersion.objects.get(is_active=True)
    with pytest.raises(PermissionDenied):
        services.model_version_activate(version=active, user=clinician)


def test_upload_reads_only_up_to_the_limit(clinician, settings):
    settings.WAVECARDIO = {**settings.WAVECARDIO, "MAX_UPLOAD_BYTES": 100}

    class Unsized(io.BytesIO):
        name = "stream.npy"

    with pytest.raises(InvalidRecording):
        services.recording_create(
            sampling_rate_hz=128.0, owner=clinician, upload=Unsized(b"x" * 10_000)
        )
