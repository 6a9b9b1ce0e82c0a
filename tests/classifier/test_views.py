"""Web pages: upload form, result page, history, download, delete, isolation."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from classifier import services
from classifier.models import Recording

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction


def upload(client, path, name=None, **extra):
    data = {
        "file": SimpleUploadedFile(name or path.name, path.read_bytes()),
        "sampling_rate_hz": "128",
        **extra,
    }
    return client.post(reverse("classifier:recording_upload"), data)


def test_login_page_and_redirect_for_anonymous(client):
    assert client.get(reverse("login")).status_code == 200
    response = client.get(reverse("classifier:recording_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_roleless_user_sees_waiting_page(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(reverse("classifier:recording_upload"), follow=True)
    assert "administrator must grant you access" in response.content.decode()


def test_upload_then_result_page(clinician_client, recording_path):
    response = upload(clinician_client, recording_path)
    recording = Recording.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("classifier:recording_detail", args=[recording.pk])
    page = clinician_client.get(response["Location"]).content.decode()
    prediction = recording.predictions.get()
    assert recording_path.name in page
    assert prediction.model_version.name in page
    # The finished prediction's verdict, which only the result of a done prediction renders
    # (the footer's "decision support" line is on every page).
    assert prediction.status == "done" and prediction.label in {"ARR", "CHF", "NSR"}
    assert '<p class="verdict" id="prediction-status">' in page
    assert f'Suggested class: <span class="label label-{prediction.label}">' in page
    for name in ("ARR", "CHF", "NSR"):
        assert f"<th>{name}</th>" in page
    assert 'id="signal-plot"' in page and 'id="scalogram"' in page


def test_bad_upload_shows_the_reason_and_stores_nothing(clinician_client, tmp_path):
    path = tmp_path / "notes.npy"
    path.write_text("not an array")
    response = upload(clinician_client, path)
    assert response.status_code == 400
    # The parser's reason, shown as the file field's error (".npy" alone is in the help text).
    reason = "not a valid .npy file: it does not start with the NumPy header"
    assert any(reason in error for error in response.context["form"].errors["file"])
    assert f'<p class="error" role="alert">{escape(reason)}' in response.content.decode()
    assert not Recording.objects.exists()


def test_wrong_sampling_rate_is_a_form_error(clinician_client, recording_path):
    response = upload(clinician_client, recording_path, sampling_rate_hz="5")
    assert response.status_code == 400
    assert "greater than or equal to" in response.content.decode()


def test_history_lists_own_recordings_only(client, clinician, other_clinician, recording_path):
    other = Client()
    other.force_login(other_clinician)
    upload(other, recording_path, name="theirs.npy")
    client.force_login(clinician)
    upload(client, recording_path, name="mine.npy")
    page = client.get(reverse("classifier:recording_list")).content.decode()
    assert "mine.npy" in page and "theirs.npy" not in page


def test_other_users_result_page_is_404(client, clinician, other_clinician, recording_path):
    recording = services.recording_create(
        sampling_rate_hz=128.0,
        owner=other_clinician,
        upload=SimpleUploadedFile("x.npy", recording_path.read_bytes()),
    )
    client.force_login(clinician)
    for name in ("recording_detail", "recording_download"):
        assert client.get(reverse(f"classifier:{name}", args=[recording.pk])).status_code == 404
    assert (
        client.post(reverse("classifier:recording_delete", args=[recording.pk])).status_code == 404
    )


def test_reviewer_sees_everyones_recordings(client, reviewer, clinician, recording_path):
    recording = services.recording_create(
        sampling_rate_hz=128.0,
        owner=clinician,
        upload=SimpleUploadedFile("c.npy", recording_path.read_bytes()),
    )
    client.force_login(reviewer)
    assert (
        client.get(reverse("classifier:recording_detail", args=[recording.pk])).status_code == 200
    )


def test_download_and_delete(clinician_client, recording_path):
    upload(clinician_client, recording_path)
    recording = Recording.objects.get()
    response = clinician_client.get(reverse("classifier:recording_download", args=[recording.pk]))
    assert b"".join(response.streaming_content) == recording_path.read_bytes()
    assert (
        clinician_client.get(
            reverse("classifier:recording_delete", args=[recording.pk])
        ).status_code
        == 405
    )
    response = clinician_client.post(reverse("classifier:recording_delete", args=[recording.pk]))
    assert response.status_code == 302 and not Recording.objects.exists()
    assert AuditEvent.objects.filter(action="recording_downloaded").count() == 1


def test_auditor_cannot_open_recordings_and_denial_is_audited(client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("classifier:recording_upload")).status_code == 403
    assert AuditEvent.objects.filter(action="access_denied", outcome="denied").count() == 1


def test_result_page_states_the_models_limits(clinician_client, recording_path):
    upload(clinician_client, recording_path)
    recording = Recording.objects.get()
    page = clinician_client.get(
        reverse("classifier:recording_detail", args=[recording.pk])
    ).content.decode()
    assert "2 CHF" in page  # patients per class, from the model card
    card = json.loads(recording.predictions.get().model_version.card_path.read_text())
    assert card["limits"]
    for limit in card["limits"]:
        assert escape(limit) in page


def test_result_page_shows_burden_longest_run_and_a_timeline(clinician_client, recording_path):
    upload(clinician_client, recording_path)
    recording = Recording.objects.get()
    prediction = recording.predictions.get()
    page = clinician_client.get(
        reverse("classifier:recording_detail", args=[recording.pk])
    ).content.decode()
    assert 'id="burden"' in page
    assert f"Longest ARR run: {prediction.longest_arr_run_s:.0f} s" in page
    n_runs = page.count('class="run run-')
    assert 1 <= n_runs <= len(prediction.windows)
    # The runs tile the recording's analysed windows, left to right, as SVG rectangles (the
    # content security policy forbids style attributes).
    assert '<rect class="run run-' in page and 'x="0.0"' in page
    assert 'style="' not in page.split('id="result"')[1].split("</section>")[0]


def test_oversize_upload_gets_a_clear_message(clinician_client, settings, tmp_path):
    settings.WAVECARDIO = {**settings.WAVECARDIO, "MAX_UPLOAD_BYTES": 1000}
    path = tmp_path / "big.npy"
    path.write_bytes(b"0" * 200_000)
    response = upload(clinician_client, path)
    assert response.status_code == 413
    assert "the limit is" in response.content.decode()
    assert not Recording.objects.exists()


def test_unusable_signal_is_shown_as_uncertain_with_the_reason(clinician_client, lead_off_path):
    response = upload(clinician_client, lead_off_path)
    page = clinician_client.get(response["Location"]).content.decode()
    assert "label-uncertain" in page
    assert "Too little of the signal is of usable quality" in page
    assert Recording.objects.get().predictions.get().quality["windows_poor"] == 3
