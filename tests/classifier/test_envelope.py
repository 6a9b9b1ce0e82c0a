"""Min/max envelopes per zoom level (core.envelope): spikes survive, points are bounded,
buckets stay put when the user pans."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.core.envelope import signal_envelope, zoom_level
from classifier.models import RecordingRhythm
from tests.factories import RecordingFactory


def test_short_range_is_returned_at_full_resolution():
    samples = np.arange(2 * 1280, dtype=np.float32).reshape(2, -1)
    series = signal_envelope(samples, 128.0, start_s=1.0, end_s=2.0)
    assert series["decimated"] is False and series["zoom_level"] == 0
    assert series["t"][0] == pytest.approx(1.0) and len(series["t"]) == 128
    assert series["leads"][1][0] == pytest.approx(1280 + 128)


def test_a_single_sample_spike_survives_every_zoom_level():
    """A 24-h lead (11 M samples) with one 1-sample spike and one 1-sample dip: every
    level from the whole day down keeps both, at the right time."""
    n = 24 * 3600 * 128
    samples = np.zeros((1, n), dtype=np.float32)
    spike, dip = 5_000_001, 9_876_543
    samples[0, spike], samples[0, dip] = 4.0, -3.0
    for span_s in (24 * 3600, 3600, 600, 60):
        start_s = max(0.0, spike / 128 - span_s / 2)
        series = signal_envelope(samples, 128.0, start_s=start_s, end_s=start_s + span_s)
        assert len(series["t"]) <= 4000
        assert max(series["leads"][0]) == 4.0, span_s
        at = series["t"][int(np.argmax(series["leads"][0]))]
        assert abs(at - spike / 128) <= series["samples_per_bucket"] / 128, span_s
    whole = signal_envelope(samples, 128.0, max_points=1000)
    assert whole["decimated"] and min(whole["leads"][0]) == -3.0 and len(whole["t"]) <= 1000


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(5000, 40000),
    spike_at=st.floats(0, 1, exclude_max=True),
    max_points=st.integers(100, 2000),
    start=st.integers(0, 3000),
)
def test_decimation_keeps_extremes_and_bounds_points(n, spike_at, max_points, start):
    rng = np.random.default_rng(n)
    samples = rng.normal(0, 0.1, size=(1, n)).astype(np.float32)
    where = start + int(spike_at * (n - 1 - start))
    samples[0, where] = 5.0  # a QRS-like spike must survive zoom-out
    series = signal_envelope(samples, 128.0, start_s=start / 128, max_points=max_points)
    assert len(series["t"]) <= max_points
    assert max(series["leads"][0]) == pytest.approx(5.0, abs=1e-3)
    assert min(series["leads"][0]) == pytest.approx(samples[0, start:].min(), abs=1e-3)
    assert series["t"] == sorted(series["t"])
    assert series["t"][0] >= start / 128 - 1e-3


def test_buckets_stay_on_the_level_grid_when_panning():
    samples = np.random.default_rng(0).normal(size=(1, 128 * 3600)).astype(np.float32)
    a = signal_envelope(samples, 128.0, start_s=600.0, end_s=1200.0, max_points=2000)
    b = signal_envelope(samples, 128.0, start_s=632.0, end_s=1232.0, max_points=2000)
    assert a["zoom_level"] == b["zoom_level"] == zoom_level(600 * 128, 2000)
    shared = sorted(set(a["t"][2:-2]) & set(b["t"][2:-2]))
    assert len(shared) > 0.9 * len(a["t"][2:-2])
    values_a = dict(zip(a["t"], a["leads"][0], strict=True))
    values_b = dict(zip(b["t"], b["leads"][0], strict=True))
    assert all(values_a[t] == values_b[t] for t in shared)


def test_range_is_clipped_to_the_recording():
    samples = np.zeros((1, 1280), np.float32)
    series = signal_envelope(samples, 128.0, start_s=5.0, end_s=999.0)
    assert series["t"][-1] == pytest.approx(1279 / 128, abs=1e-3)


@pytest.mark.django_db
def test_the_signal_endpoint_bounds_points_honours_lead_and_marks_r_peaks(
    client, clinician, recording_path
):
    real = np.load(recording_path)  # 60 s of real NSR at 128 Hz
    samples = np.stack([real, -2 * real]).astype(np.float32)
    samples[1, 3000] = 9.0  # a one-sample spike on the second lead only
    recording = RecordingFactory.create(
        owner=clinician,
        samples=samples,
        leads=["lead 1", "lead 2"],
        n_samples=samples.shape[1],
        duration_s=samples.shape[1] / 128,
    )
    client.force_login(clinician)
    url = f"/api/v1/recordings/{recording.pk}/signal/"
    assert client.get(url, {"start_s": 10, "end_s": 20}).json()["r_peaks_s"] is None
    client.get(f"/api/v1/recordings/{recording.pk}/")  # the first read computes the rhythm

    whole = client.get(url, {"lead": 1, "max_points": 100}).json()
    assert whole["lead_names"] == ["lead 2"] and len(whole["leads"]) == 1
    assert whole["decimated"] and whole["zoom_level"] >= 1 and len(whole["t"]) <= 100
    assert max(whole["leads"][0]) == 9.0  # the spike survives
    assert whole["r_peaks_s"] is None  # not at full resolution: no beat marks

    span = client.get(url, {"start_s": 10, "end_s": 20}).json()
    assert not span["decimated"] and len(span["t"]) == 10 * 128 and len(span["leads"]) == 2
    rhythm = RecordingRhythm.objects.get(recording=recording)
    assert span["r_peaks_s"] == rhythm.peak_times_s(10, span["t"][-1])
    assert 5 <= len(span["r_peaks_s"]) <= 25 and all(10 <= t <= 20 for t in span["r_peaks_s"])


@pytest.mark.django_db
def test_panning_parses_the_stored_file_once(client, clinician, recording_path, monkeypatch):
    from classifier import services

    recording = RecordingFactory.create(owner=clinician, samples=np.load(recording_path))
    parses = []
    original = services.recording_signal

    def counting(stored):
        parses.append(stored.pk)
        return original(stored)

    monkeypatch.setattr(services, "recording_signal", counting)
    client.force_login(clinician)
    for start in (0, 10, 20, 30):
        url = f"/api/v1/recordings/{recording.pk}/signal/"
        assert client.get(url, {"start_s": start, "end_s": start + 10}).status_code == 200
    assert parses == [recording.pk]
    other = RecordingFactory.create(owner=clinician, samples=np.load(recording_path)[:2560])
    assert client.get(f"/api/v1/recordings/{other.pk}/signal/").status_code == 200
    assert parses == [recording.pk, other.pk]
