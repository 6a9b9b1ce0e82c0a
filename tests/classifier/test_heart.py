"""Heart rate and R-R intervals (core.heart) against MIT-BIH's reference beat annotations,
and as stored and served once per recording."""

import io

import numpy as np
import pytest
import wfdb
from django.template.defaultfilters import floatformat

from classifier.core.heart import MAX_TACHOGRAM_POINTS, heart_rhythm
from classifier.core.signal import load_wfdb_record
from classifier.models import Prediction, RecordingRhythm
from tests.conftest import REPO
from tests.factories import PredictionFactory, RecordingFactory

MITDB = REPO.parent / "shared" / "data" / "wfdb" / "mitdb"
# Annotation symbols that mark a beat (wfdb's beat codes; rhythm and noise marks excluded).
BEAT_SYMBOLS = list("NLRBAaJSVrFejnE/fQ?")
LIST = "/api/v1/recordings/"


def annotated_beats_s(record: str) -> np.ndarray:
    annotation = wfdb.rdann(str(MITDB / record), "atr")
    beats = annotation.sample[np.isin(annotation.symbol, BEAT_SYMBOLS)]
    return beats / annotation.fs


def annotated_mean_rate_bpm(beats_s: np.ndarray) -> float:
    """60 / mean R-R over the annotated beats, intervals of 0.2-3 s (as the product counts)."""
    rr = np.diff(beats_s)
    rr = rr[(rr >= 0.2) & (rr <= 3.0)]
    return 60.0 / float(rr.mean())


# Normal rhythm (100), a noisy second lead (101: V1 double-counts), paced (104, whose first
# lead misses beats), frequent ventricular ectopy (200) and a fast rate (215, 112 bpm).
@pytest.mark.parametrize("record", ["100", "101", "104", "200", "215"])
def test_mean_heart_rate_is_within_2_bpm_of_the_annotated_beats(record):
    signal = load_wfdb_record(MITDB / f"{record}.hea")  # 360 Hz, resampled to 128 Hz
    rhythm = heart_rhythm(signal.samples, signal.sampling_rate_hz)
    reference = annotated_mean_rate_bpm(annotated_beats_s(record))
    assert rhythm.heart_rate_bpm() == pytest.approx(reference, abs=2.0)
    summary = rhythm.summary()
    assert summary["rr_ms"]["min"] <= summary["rr_ms"]["mean"] <= summary["rr_ms"]["max"]
    assert summary["rr_ms"]["mean"] == pytest.approx(60e3 / summary["heart_rate_bpm"], rel=2e-3)


def test_r_peaks_sit_on_the_annotated_beats():
    signal = load_wfdb_record(MITDB / "100.hea")
    peaks = heart_rhythm(signal.samples, signal.sampling_rate_hz).peak_times_s
    beats = annotated_beats_s("100")
    index = np.clip(np.searchsorted(peaks, beats), 1, len(peaks) - 1)
    nearest = np.minimum(np.abs(peaks[index] - beats), np.abs(peaks[index - 1] - beats))
    assert np.mean(nearest < 0.05) > 0.99  # sensitivity within 50 ms
    assert np.median(nearest) < 0.01  # on the R apex, not the QRS energy's centre
    assert len(peaks) == pytest.approx(len(beats), rel=0.01)  # hardly any false beats


def test_the_tachogram_and_trend_are_bounded_and_follow_the_intervals():
    signal = load_wfdb_record(MITDB / "100.hea")  # 30 min, ~2270 beats
    rhythm = heart_rhythm(signal.samples, signal.sampling_rate_hz)
    tachogram = rhythm.tachogram()
    assert len(tachogram["rr_ms"]) == MAX_TACHOGRAM_POINTS
    assert tachogram["t_s"] == sorted(tachogram["t_s"])
    assert np.mean(tachogram["rr_ms"]) == pytest.approx(rhythm.rr_ms.mean(), rel=0.01)
    every_beat = rhythm.tachogram(max_points=10_000)
    assert len(every_beat["rr_ms"]) == len(rhythm.rr_ms)
    trend = rhythm.heart_rate_trend(60.0)
    assert len(trend["bpm"]) == 31  # 30 min 6 s, one point per minute
    assert np.nanmean(np.array(trend["bpm"], dtype=float)) == pytest.approx(75.5, abs=2)


def test_a_signal_without_beats_has_no_rate():
    flat = np.zeros((1, 128 * 20), dtype=np.float32)
    summary = heart_rhythm(flat, 128.0).summary()
    assert summary["heart_rate_bpm"] is None
    assert summary["rr_ms"] == {"mean": None, "min": None, "max": None}


@pytest.mark.django_db(transaction=True)
def test_the_api_detail_reports_the_rhythm_of_a_real_record(client, clinician):
    """Five minutes of MIT-BIH 215 uploaded at its own 360 Hz: the detail's heart rate is the
    annotated beats' within 2 bpm, computed once (stored) when the prediction ran."""
    record = wfdb.rdrecord(str(MITDB / "215"), sampto=300 * 360)
    buffer = io.BytesIO()
    np.save(buffer, record.p_signal.astype(np.float32).T, allow_pickle=False)
    buffer.name = "mitdb-215.npy"
    buffer.seek(0)
    client.force_login(clinician)
    created = client.post(LIST, {"file": buffer, "sampling_rate_hz": 360}, format="multipart")
    assert created.status_code == 201, created.content
    assert RecordingRhythm.objects.count() == 1  # stored by the prediction's run
    body = client.get(f"{LIST}{created.json()['id']}/").json()
    beats = annotated_beats_s("215")
    reference = annotated_mean_rate_bpm(beats[beats < 300])
    assert body["rhythm"]["heart_rate_bpm"] == pytest.approx(reference, abs=2.0)
    assert set(body["rhythm"]["rr_ms"]) == {"mean", "min", "max"}
    assert body["rhythm"]["n_beats"] == pytest.approx(len(beats[beats < 300]), rel=0.03)
    assert RecordingRhythm.objects.count() == 1


@pytest.mark.django_db
def test_a_recording_stored_before_gets_its_rhythm_on_first_read(client, clinician, recording_path):
    samples = np.load(recording_path)  # a real 60-s NSR excerpt at 128 Hz
    recording = RecordingFactory.create(owner=clinician, samples=samples)
    client.force_login(clinician)
    body = client.get(f"{LIST}{recording.pk}/").json()
    expected = heart_rhythm(samples[None, :], 128.0).summary()
    assert body["rhythm"] == expected
    assert 40 < body["rhythm"]["heart_rate_bpm"] < 120
    assert RecordingRhythm.objects.filter(recording=recording).count() == 1
    client.get(f"{LIST}{recording.pk}/")
    assert RecordingRhythm.objects.count() == 1


@pytest.mark.django_db
def test_the_result_page_shows_heart_rate_and_intervals(client, clinician, recording_path):
    recording = RecordingFactory.create(owner=clinician, samples=np.load(recording_path))
    client.force_login(clinician)
    page = client.get(f"/recordings/{recording.pk}/").content.decode()
    stored = RecordingRhythm.objects.get(recording=recording)
    assert f"{floatformat(stored.heart_rate_bpm, 0)} bpm" in page
    rr = stored.rr_ms
    assert f"min {floatformat(rr['min'], 0)}, max {floatformat(rr['max'], 0)}" in page


@pytest.mark.django_db
def test_a_running_prediction_computes_the_rhythm_not_the_page(client, clinician, recording_path):
    recording = RecordingFactory.create(owner=clinician, samples=np.load(recording_path))
    PredictionFactory.create(recording=recording, status=Prediction.Status.RUNNING)
    client.force_login(clinician)
    page = client.get(f"/recordings/{recording.pk}/").content.decode()
    assert "being computed" in page
    assert client.get(f"{LIST}{recording.pk}/").json()["rhythm"] is None
    assert not RecordingRhythm.objects.exists()
