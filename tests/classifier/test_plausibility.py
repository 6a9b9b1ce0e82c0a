"""The time base check: a heart rate outside 25-250 bpm at the given sampling rate makes
the answer `uncertain`, asking to check the rate, instead of a confident class."""

from __future__ import annotations

import io

import numpy as np
import pytest
import wfdb
from scipy.signal import resample_poly

from classifier.core import pipeline
from classifier.core.model import UNCERTAIN, get_model
from classifier.core.plausibility import median_heart_rate_bpm, sampling_rate_doubt
from classifier.core.signal import REFERENCE_RATE_HZ, load_signal
from tests.classifier.test_annotations import MITDB


@pytest.fixture(scope="module")
def model(card_path):
    return get_model(card_path)


def npy_bytes(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, values.astype(np.float32))
    return buffer.getvalue()


def declared(values: np.ndarray, rate_hz: float):
    """The recording read as if recorded at ``rate_hz`` (whatever its true rate)."""
    return load_signal(npy_bytes(values), filename="a.npy", sampling_rate_hz=rate_hz)


@pytest.fixture(scope="module")
def mitdb_100_at_720_hz() -> np.ndarray:
    """5 min of MIT-BIH 100 (MLII, ~75 bpm) upsampled from 360 to 720 Hz: float[n] mV."""
    record = wfdb.rdrecord(str(MITDB / "100"), physical=True, channels=[0], sampto=360 * 300)
    return resample_poly(record.p_signal[:, 0], 2, 1)


def test_real_recordings_at_their_true_rate_are_plausible(ecg_dir, mitdb_100_at_720_hz):
    nsr = declared(np.load(ecg_dir / "recordings" / "nsrdb-16273-ECG1.npy"), 128)
    mit = declared(mitdb_100_at_720_hz, 720)

    for signal in (nsr, mit):
        bpm = median_heart_rate_bpm(signal.samples, REFERENCE_RATE_HZ)
        assert bpm is not None and 50 < bpm < 110
        assert sampling_rate_doubt(bpm) is None


def test_a_720_hz_recording_read_as_128_hz_beats_too_slowly(mitdb_100_at_720_hz):
    signal = declared(mitdb_100_at_720_hz, 128)  # 5 min shown as 28 min

    bpm = median_heart_rate_bpm(signal.samples, REFERENCE_RATE_HZ)

    assert bpm is not None and bpm < 25  # ~75 bpm * 128 / 720 = 13 bpm
    doubt = sampling_rate_doubt(bpm)
    assert doubt is not None and doubt.startswith("check the sampling rate") and "below" in doubt


def test_a_128_hz_recording_read_at_four_times_its_rate_beats_too_fast(ecg_dir):
    samples = np.load(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")  # 512 s at 128 Hz
    signal = declared(samples, 4 * 128)

    bpm = median_heart_rate_bpm(signal.samples, REFERENCE_RATE_HZ)

    assert bpm is not None and bpm > 250
    assert "above" in str(sampling_rate_doubt(bpm))


def test_a_flat_or_beatless_signal_gives_no_rate_and_no_doubt():
    assert median_heart_rate_bpm(np.zeros((1, 1280)), REFERENCE_RATE_HZ) is None
    assert sampling_rate_doubt(None) is None


def test_classification_with_an_implausible_rate_answers_uncertain(model, mitdb_100_at_720_hz):
    wrong = declared(mitdb_100_at_720_hz, 128)
    right = declared(mitdb_100_at_720_hz, 720)

    flagged = pipeline.classify(wrong, model)
    trusted = pipeline.classify(right, model)

    assert flagged.label == UNCERTAIN
    assert flagged.decided_by == pipeline.BY_IMPLAUSIBLE_RATE
    assert flagged.quality["sampling_rate"].startswith("check the sampling rate")
    assert trusted.decided_by != pipeline.BY_IMPLAUSIBLE_RATE
    assert "sampling_rate" not in trusted.quality


@pytest.mark.django_db(transaction=True)
def test_the_result_page_and_api_say_to_check_the_rate(clinician_client, mitdb_100_at_720_hz):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile("holter.npy", npy_bytes(mitdb_100_at_720_hz))
    response = clinician_client.post(
        reverse("classifier:recording_upload"),
        {"file": upload, "sampling_rate_hz": "128"},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The sampling rate looks wrong" in page and "check the sampling rate" in page
    recording_id = response.context["recording"].pk
    prediction = clinician_client.get(f"/api/v1/recordings/{recording_id}/").json()["prediction"]
    assert prediction["label"] == UNCERTAIN
    assert prediction["decided_by"] == pipeline.BY_IMPLAUSIBLE_RATE
    assert prediction["quality"]["sampling_rate"].startswith("check the sampling rate")
