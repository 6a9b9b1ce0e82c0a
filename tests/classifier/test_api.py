"""REST API v1: upload, list, detail, delete, signal and scalogram, with isolation."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from classifier.models import ModelVersion, Prediction, Recording

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction

LIST = "/api/v1/recordings/"


def post_file(client, path, **extra):
    with open(path, "rb") as handle:
        return client.post(
            LIST, {"file": handle, "sampling_rate_hz": 128, **extra}, format="multipart"
        )


@pytest.fixture
def api(client, clinician):
    client.force_login(clinician)
    return client


def test_upload_answers_201_with_the_prediction(api, recording_path):
    response = post_file(api, recording_path)
    assert response.status_code == 201, response.content
    body = response.json()
    recording = Recording.objects.get(pk=body["id"])
    assert body["original_filename"] == recording_path.name
    prediction = body["prediction"]
    assert prediction["status"] == "done"
    assert set(prediction["probabilities"]) == {"ARR", "CHF", "NSR"}
    assert prediction["label"] in {"ARR", "CHF", "NSR", "uncertain"}
    assert prediction["model_version"] == recording.predictions.get().model_version.name
    assert set(prediction["burden"]) == {"ARR", "CHF", "NSR", "uncertain"}
    assert sum(prediction["burden"].values()) == pytest.approx(1.0, abs=1e-5)
    assert prediction["longest_arr_run_s"] >= 0
    assert prediction["decided_by"] in {"arr_burden", "arr_run", "mean_probability"}


def test_an_unusable_signal_is_answered_uncertain_with_the_reason(api, lead_off_path):
    response = post_file(api, lead_off_path)
    assert response.status_code == 201, response.content
    prediction = response.json()["prediction"]
    assert prediction["label"] == "uncertain"  # never a confident class
    assert prediction["top_class"] in {"ARR", "CHF", "NSR"}  # kept for review, not as the answer
    assert prediction["quality"] == {"windows_ok": 1, "windows_poor": 3, "reasons": {"flat": 3}}


def test_upload_answers_202_while_the_prediction_runs(api, recording_path, settings, monkeypatch):
    from ecgsite.celery import app

    app.conf.task_always_eager = False
    monkeypatch.setitem(app.conf, "broker_url", "memory://")
    try:
        response = post_file(api, recording_path)
    finally:
        app.conf.task_always_eager = True
    assert response.status_code == 202
    assert response.json()["prediction"]["status"] == "pending"


def test_upload_with_sampling_rate_is_resampled(api, ecg_dir, tmp_path):
    import numpy as np
    from scipy.signal import resample_poly

    samples = np.load(ecg_dir / "recordings" / "nsrdb-16273-ECG1.npy")
    path = tmp_path / "at360.npy"
    np.save(path, resample_poly(samples, 45, 16).astype(np.float32))
    response = post_file(api, path, sampling_rate_hz="360")
    assert response.status_code == 201
    assert response.json()["sampling_rate_hz"] == 360
    assert response.json()["duration_s"] == pytest.approx(60, abs=0.1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is text, not numpy", "npy"),
        (b"", "empty"),
    ],
)
def test_bad_file_answers_400_with_reason(api, tmp_path, content, message):
    path = tmp_path / "bad.npy"
    path.write_bytes(content)
    response = post_file(api, path)
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["code"] in ("invalid_recording", "invalid")  # the reader's or the form's
    assert message in str(body).lower()
    assert not Recording.objects.exists()


def test_missing_file_answers_400(api):
    response = api.post(LIST, {}, format="multipart")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["file"]


def test_list_shows_only_own_recordings(api, clinician, other_clinician, client, recording_path):
    mine = post_file(api, recording_path).json()["id"]
    client.force_login(other_clinician)
    post_file(client, recording_path)
    client.force_login(clinician)
    ids = [r["id"] for r in client.get(LIST).json()["results"]]
    assert ids == [mine]


def test_other_users_recording_is_404_everywhere(api, client, other_clinician, recording_path):
    rid = post_file(api, recording_path).json()["id"]
    client.force_login(other_clinician)
    for suffix in ["", "signal/", "scalogram/", "file/"]:
        assert client.get(f"{LIST}{rid}/{suffix}").status_code == 404, suffix
    assert client.delete(f"{LIST}{rid}/").status_code == 404
    assert Recording.objects.filter(pk=rid).exists()


def test_detail_embeds_windows_and_is_audited(api, recording_path):
    rid = post_file(api, recording_path).json()["id"]
    body = api.get(f"{LIST}{rid}/").json()
    assert len(body["prediction"]["windows"]) == 7
    assert body["prediction"]["windows"][0]["start_s"] == 0
    assert AuditEvent.objects.filter(action="recording_viewed", target_id=rid).count() == 1


def test_delete(api, recording_path):
    rid = post_file(api, recording_path).json()["id"]
    assert api.delete(f"{LIST}{rid}/").status_code == 204
    assert api.get(f"{LIST}{rid}/").status_code == 404


def test_signal_endpoint_returns_whole_recording_decimated(api, ecg_dir):
    rid = post_file(api, ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy").json()["id"]
    body = api.get(f"{LIST}{rid}/signal/", {"max_points": 1000}).json()
    assert body["decimated"] is True
    assert len(body["t"]) <= 1000 and body["t"][-1] > 500  # spans the whole 512 s
    zoomed = api.get(f"{LIST}{rid}/signal/", {"start_s": 100, "end_s": 104}).json()
    assert zoomed["decimated"] is False and len(zoomed["t"]) == 4 * 128


def test_signal_endpoint_rejects_bad_query(api, recording_path):
    rid = post_file(api, recording_path).json()["id"]
    assert api.get(f"{LIST}{rid}/signal/", {"max_points": "lots"}).status_code == 400


def test_scalogram_is_png(api, recording_path):
    rid = post_file(api, recording_path).json()["id"]
    response = api.get(f"{LIST}{rid}/scalogram/", {"end_s": 16})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_download_returns_original_bytes_and_is_audited(api, recording_path):
    rid = post_file(api, recording_path).json()["id"]
    response = api.get(f"{LIST}{rid}/file/")
    assert b"".join(response.streaming_content) == recording_path.read_bytes()
    assert AuditEvent.objects.filter(action="recording_downloaded").count() == 1


def test_anonymous_and_roleless_are_refused(client, no_role_user):
    anonymous = client.get(LIST)
    assert anonymous.status_code == 401  # names the API token scheme to authenticate with
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="api"'
    client.force_login(no_role_user)
    assert client.get(LIST).status_code == 403


def test_openapi_schema_lists_recordings(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/recordings/" in response.json()["paths"]


def test_oversize_upload_is_refused_from_its_content_length(api, settings, tmp_path):
    settings.WAVECARDIO = {**settings.WAVECARDIO, "MAX_UPLOAD_BYTES": 1000}
    path = tmp_path / "big.npy"
    path.write_bytes(b"\x93NUMPY" + b"0" * 200_000)
    response = post_file(api, path)
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "upload_too_large"
    assert body["detail"].endswith("KB; the limit is 1000 bytes")  # from Content-Length
    assert not Recording.objects.exists()


def test_status_endpoint_is_cheap_and_not_audited(
    api, recording_path, client, other_clinician, django_assert_max_num_queries
):
    rid = post_file(api, recording_path).json()["id"]
    before = AuditEvent.objects.count()
    with django_assert_max_num_queries(5):  # session, user, 2 x permissions, the status
        assert api.get(f"{LIST}{rid}/status/").json() == {
            "id": rid,
            "status": "done",
            "progress": None,
        }
    assert AuditEvent.objects.count() == before
    client.force_login(other_clinician)
    assert client.get(f"{LIST}{rid}/status/").status_code == 404


def test_status_is_the_shown_predictions_not_a_shadow_ones(api, recording_path):
    rid = post_file(api, recording_path).json()["id"]
    shadow_version = ModelVersion.objects.create(
        name="shadow-candidate", card_file="shadow.json", sha256="0" * 64, is_shadow=True
    )
    Prediction.objects.create(  # newer than the shown one, still pending
        recording_id=rid, model_version=shadow_version, is_shadow=True
    )
    assert api.get(f"{LIST}{rid}/status/").json()["status"] == "done"
