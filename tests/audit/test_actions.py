"""Each audited action leaves exactly one event with the right actor, target and outcome."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from audit.services import Action
from classifier import services
from classifier.core.signal import InvalidRecording
from classifier.models import ModelVersion, Prediction, Recording
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction


def only(action: str, **filters) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action, **filters))
    assert len(events) == 1, f"{action}: {len(events)} events"
    return events[0]


def upload(owner, path):
    return services.recording_create(
        sampling_rate_hz=128.0, owner=owner, upload=SimpleUploadedFile(path.name, path.read_bytes())
    )


# --- authentication -------------------------------------------------------------------------


def test_login_is_audited_with_actor_and_ip(client, clinician):
    response = client.post("/login/", {"login": clinician.username, "password": PASSWORD})
    assert response.status_code == 302
    event = only(Action.LOGIN)
    assert (event.actor, event.actor_label, event.outcome) == (
        clinician,
        clinician.username,
        "success",
    )
    assert event.ip_address == "127.0.0.1"


def test_failed_login_has_no_actor_and_never_the_password(client, clinician):
    client.post("/login/", {"login": clinician.username, "password": "wrong-secret-123"})
    event = only(Action.LOGIN_FAILED)
    assert event.actor is None and event.outcome == "failure"
    assert event.details["username"] == clinician.username
    assert "wrong-secret-123" not in json.dumps(event.details)
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


def test_failed_login_of_an_unknown_user_is_audited(client, db):
    client.post("/login/", {"login": "nobody-here", "password": "whatever-123"})
    assert only(Action.LOGIN_FAILED).details["username"] == "nobody-here"


def test_logout_is_audited(client, clinician):
    client.force_login(clinician)
    client.post("/logout/")
    event = only(Action.LOGOUT)
    assert event.actor == clinician


def test_signup_is_audited_with_the_new_account_as_actor_and_target(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a-long unusual passphrase 42",
            "password2": "a-long unusual passphrase 42",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    event = only(Action.SIGNUP)
    assert event.actor is not None
    assert event.actor.username == "newcomer"
    assert (event.target_type, event.target_id) == ("User", str(event.actor.pk))
    assert event.details == {"provider": "local"}


# --- recordings and predictions -------------------------------------------------------------


def test_upload_request_and_completion_are_each_audited_once(clinician, recording_path):
    recording = upload(clinician, recording_path)
    prediction = recording.predictions.get()
    uploaded = only(Action.RECORDING_UPLOADED)
    assert (uploaded.actor, uploaded.target_type, uploaded.target_id) == (
        clinician,
        "Recording",
        str(recording.pk),
    )
    requested = only(Action.PREDICTION_REQUESTED)
    assert (requested.actor, requested.target_type, requested.target_id) == (
        clinician,
        "Prediction",
        str(prediction.pk),
    )
    completed = only(Action.PREDICTION_COMPLETED)
    assert completed.actor is None  # the system (worker) did it
    assert (completed.target_type, completed.target_id) == ("Prediction", str(prediction.pk))
    assert completed.details["label"] == prediction.label


def test_rejected_upload_is_audited(clinician, npy_bytes):
    with pytest.raises(InvalidRecording):
        services.recording_create(
            sampling_rate_hz=128.0,
            owner=clinician,
            upload=SimpleUploadedFile("x.npy", npy_bytes([float("nan")] * 4000)),
        )
    event = only(Action.UPLOAD_REJECTED)
    assert (event.actor, event.outcome, event.target_id) == (clinician, "failure", "")
    assert event.details["filename"] == "x.npy"


def test_failed_prediction_is_audited(clinician, recording_path):
    recording = upload(clinician, recording_path)
    recording.file.storage.delete(recording.file.name)
    prediction = recording.predictions.get()
    Prediction.objects.filter(pk=prediction.pk).update(status=Prediction.Status.PENDING)
    services.prediction_run(prediction.pk)
    event = only(Action.PREDICTION_FAILED)
    assert (event.target_type, event.target_id, event.outcome) == (
        "Prediction",
        str(prediction.pk),
        "failure",
    )


def test_view_download_and_delete_on_the_web_are_audited(client, clinician, recording_path):
    recording = upload(clinician, recording_path)
    client.force_login(clinician)
    assert client.get(f"/recordings/{recording.pk}/").status_code == 200
    viewed = only(Action.RECORDING_VIEWED)
    assert (viewed.actor, viewed.target_id) == (clinician, str(recording.pk))
    assert client.get(f"/recordings/{recording.pk}/download/").status_code == 200
    assert only(Action.RECORDING_DOWNLOADED).target_id == str(recording.pk)
    assert client.post(f"/recordings/{recording.pk}/delete/").status_code == 302
    deleted = only(Action.RECORDING_DELETED)
    assert (deleted.actor, deleted.target_type, deleted.target_id) == (
        clinician,
        "Recording",
        str(recording.pk),
    )
    assert not Recording.objects.exists()


def test_view_download_and_delete_through_the_api_are_audited(client, clinician, recording_path):
    recording = upload(clinician, recording_path)
    client.force_login(clinician)
    url = f"/api/v1/recordings/{recording.pk}/"
    assert client.get(url).status_code == 200
    assert client.get(url + "file/").status_code == 200
    assert client.delete(url).status_code == 204
    for action in (Action.RECORDING_VIEWED, Action.RECORDING_DOWNLOADED, Action.RECORDING_DELETED):
        event = only(action)
        assert (event.actor, event.target_id) == (clinician, str(recording.pk))


# --- model versions -------------------------------------------------------------------------


def test_model_activation_and_shadowing_are_audited(admin_user):
    active = ModelVersion.objects.get(is_active=True)
    other = ModelVersion.objects.create(
        name="other", card_file=active.card_file, sha256=active.sha256
    )
    before = AuditEvent.objects.filter(action=Action.MODEL_VERSION_ACTIVATED).count()
    services.model_version_set_shadow(version=other, shadow=True, user=admin_user)
    shadowed = only(Action.MODEL_VERSION_SHADOWED)
    assert (shadowed.actor, shadowed.target_type, shadowed.target_id) == (
        admin_user,
        "ModelVersion",
        str(other.pk),
    )
    services.model_version_activate(version=other, user=admin_user)
    activated = AuditEvent.objects.filter(action=Action.MODEL_VERSION_ACTIVATED)
    assert activated.count() == before + 1
    first = activated.first()
    assert first is not None
    assert (first.actor, first.target_id) == (admin_user, str(other.pk))


# --- denied access --------------------------------------------------------------------------


def test_denied_web_page_is_audited(client, auditor):
    client.force_login(auditor)
    assert client.get("/recordings/").status_code == 403
    event = only(Action.ACCESS_DENIED)
    assert (event.actor, event.outcome) == (auditor, "denied")
    # the same details as an API denial (below), so one filter finds both
    assert event.details == {
        "path": "/recordings/",
        "method": "GET",
        "permission": "classifier.upload_recording",
    }


def test_denied_api_call_is_audited_once(client, auditor):
    client.force_login(auditor)
    assert client.get("/api/v1/recordings/").status_code == 403
    event = only(Action.ACCESS_DENIED)
    assert event.actor == auditor
    assert event.details == {
        "path": "/api/v1/recordings/",
        "method": "GET",
        "permission": "classifier.upload_recording",
    }


def test_anonymous_api_call_is_refused_without_an_event(client, db):
    assert client.get("/api/v1/recordings/").status_code == 401
    assert not AuditEvent.objects.filter(action=Action.ACCESS_DENIED).exists()


def test_the_whole_trail_verifies_after_a_mixed_session(client, clinician, recording_path):
    from audit import services as audit

    client.post("/login/", {"login": clinician.username, "password": "nope-nope-1"})
    client.post("/login/", {"login": clinician.username, "password": PASSWORD})
    upload(clinician, recording_path)
    client.post("/logout/")
    assert audit.verify_chain().intact


def test_login_refused_by_the_lockout_is_audited_as_locked_out(client, clinician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/login/", {"login": clinician.username, "password": "wrong-password-1"})
    events = list(AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("id"))
    assert len(events) == settings.AXES_FAILURE_LIMIT + 1
    assert events[-1].details == {"username": clinician.username, "locked_out": True}
    assert "locked_out" not in events[0].details
