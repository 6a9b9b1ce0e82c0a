"""Issue 18, point 8: retention purges signal files and keeps results and the audit trail;
deleting a recording, by any path, removes its file; a user's data exports as one zip."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import Action
from classifier.models import Prediction, Recording
from tests.factories import OverReadFactory, PredictionFactory, RecordingFactory

pytestmark = pytest.mark.django_db(transaction=True)  # files leave storage on commit


def aged(days: float, **kwargs) -> Recording:
    return RecordingFactory.create(uploaded_at=timezone.now() - dt.timedelta(days=days), **kwargs)


def stored(recording: Recording) -> bool:
    return recording.file.storage.exists(str(recording.file.name))


# --- retention -----------------------------------------------------------------------------


def test_purge_removes_old_signal_files_and_keeps_results_and_audit(clinician):
    old = aged(40, owner=clinician)
    recent = aged(5, owner=clinician)
    prediction = PredictionFactory.create(recording=old)
    out = io.StringIO()
    call_command("purge_signals", "--days", "30", stdout=out)
    assert "1 recording(s) older than 30 days" in out.getvalue()
    old.refresh_from_db()
    assert old.signal_purged_at is not None and not stored(old)
    assert stored(recent) and Recording.objects.get(pk=recent.pk).signal_purged_at is None
    kept = Prediction.objects.get(pk=prediction.pk)  # the summary is still there
    assert (kept.label, kept.probabilities) == ("NSR", prediction.probabilities)
    event = AuditEvent.objects.get(action=Action.RECORDING_SIGNAL_PURGED)
    assert event.target_id == str(old.pk) and event.details["retention_days"] == 30
    # Idempotent: a second run purges nothing more.
    call_command("purge_signals", "--days", "30", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action=Action.RECORDING_SIGNAL_PURGED).count() == 1


def test_purge_defaults_to_the_retention_setting_and_is_off_at_zero(settings, clinician):
    old = aged(400, owner=clinician)
    out = io.StringIO()
    call_command("purge_signals", stdout=out)
    assert "retention is off" in out.getvalue() and stored(old)
    settings.WAVECARDIO = {**settings.WAVECARDIO, "RETENTION_DAYS": 365}
    call_command("purge_signals", stdout=io.StringIO())
    assert not stored(old)


def test_purge_refuses_a_zero_day_period():
    with pytest.raises(CommandError, match="at least 1 day"):
        call_command("purge_signals", "--days", "0")


def test_pages_and_api_say_the_signal_was_purged(clinician_client, clinician):
    old = aged(40, owner=clinician)
    PredictionFactory.create(recording=old)
    call_command("purge_signals", "--days", "30", stdout=io.StringIO())
    page = clinician_client.get(reverse("classifier:recording_detail", args=[old.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "removed on" in body and "under the retention policy" in body
    assert "Download original" not in body and 'id="signal-plot"' not in body
    detail = clinician_client.get(f"/api/v1/recordings/{old.pk}/").json()
    assert detail["signal_purged_at"] is not None
    assert detail["prediction"]["label"] == "NSR"
    gone = clinician_client.get(f"/api/v1/recordings/{old.pk}/file/")
    assert gone.status_code == 410 and "retention policy" in gone.json()["detail"]
    download = clinician_client.get(reverse("classifier:recording_download", args=[old.pk]))
    assert download.status_code == 410


# --- deletion removes the file, by every path ---------------------------------------------------


def test_a_recording_deleted_outside_the_service_leaves_no_file(clinician):
    """The admin's bulk delete and any queryset delete go through the same receiver."""
    recording = RecordingFactory.create(owner=clinician)
    assert stored(recording)
    Recording.objects.filter(pk=recording.pk).delete()
    assert not stored(recording)


def test_deleting_through_the_api_removes_the_file(clinician_client, clinician):
    recording = RecordingFactory.create(owner=clinician)
    response = clinician_client.delete(f"/api/v1/recordings/{recording.pk}/")
    assert response.status_code == 204
    assert not stored(recording)


# --- per-user export ---------------------------------------------------------------------------


def test_export_user_data_writes_recordings_predictions_and_files(tmp_path, clinician):
    kept = RecordingFactory.create(owner=clinician)
    prediction = PredictionFactory.create(recording=kept)
    OverReadFactory.create(prediction=prediction, label="ARR", comment="PVCs")
    purged = aged(40, owner=clinician)
    call_command("purge_signals", "--days", "30", stdout=io.StringIO())
    RecordingFactory.create()  # someone else's: not exported
    out = tmp_path / "export.zip"
    stdout = io.StringIO()
    call_command("export_user_data", clinician.username, "--out", str(out), stdout=stdout)
    assert "2 recording(s)" in stdout.getvalue()
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("export.json"))
        by_id = {entry["id"]: entry for entry in manifest["recordings"]}
        assert set(by_id) == {str(kept.pk), str(purged.pk)}
        entry = by_id[str(kept.pk)]
        with kept.file.open("rb") as handle:
            assert archive.read(entry["file"]) == handle.read()
        assert entry["sha256"] == kept.sha256
        assert entry["predictions"][0]["label"] == "NSR"
        assert entry["predictions"][0]["overreads"][0]["comment"] == "PVCs"
        assert by_id[str(purged.pk)]["file"] is None
        assert "retention policy" in by_id[str(purged.pk)]["file_note"]
    assert manifest["user"]["username"] == clinician.username
    event = AuditEvent.objects.get(action=Action.USER_DATA_EXPORTED)
    assert event.details == {"username": clinician.username, "recordings": 2}


def test_export_of_an_unknown_user_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("export_user_data", "nobody", "--out", str(tmp_path / "x.zip"))
