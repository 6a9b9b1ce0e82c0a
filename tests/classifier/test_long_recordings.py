"""Holter-length recordings (issue 15): read, resampled and timed an hour at a time with
the same result as the whole signal at once, in memory that does not grow with their
length, up to 48 hours."""

import tracemalloc
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import wfdb
from scipy.signal import resample_poly

from bench.holter_record import MITDB, MITDB_RATE_HZ
from classifier.core import heart
from classifier.core import signal as core_signal
from classifier.core.signal import (
    InvalidRecording,
    SignalLimits,
    load_signal_file,
    load_wfdb_record,
    reference_rate_stretches,
    to_reference_rate,
)
from tests.factories import mitdb_holter_zip

MIB = 1024 * 1024
HOLTER_RECORDS = ("100", "101", "103", "113", "200", "201", "209", "210")


def _mitdb(name: str, seconds: float) -> np.ndarray:
    record = wfdb.rdrecord(str(MITDB / name), sampto=round(seconds * MITDB_RATE_HZ))
    return record.p_signal.T


def _decimated(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """A 360-Hz recording as if recorded at ``rate_hz`` (scipy's resample, the reference)."""
    ratio = Fraction(rate_hz, MITDB_RATE_HZ)
    return resample_poly(samples, ratio.numerator, ratio.denominator, axis=1)


@pytest.mark.parametrize("rate_hz", [360, 250])
def test_resampling_a_stretch_at_a_time_equals_resampling_the_whole_signal(rate_hz):
    samples = _decimated(_mitdb("209", 20 * 60), rate_hz)
    ratio = Fraction(128, rate_hz)
    reference = resample_poly(samples, ratio.numerator, ratio.denominator, axis=1, padtype="line")

    whole = to_reference_rate(samples, rate_hz)
    stretches = [
        part
        for _, _, part in reference_rate_stretches(
            lambda start, stop: samples[:, start:stop], samples.shape[1], rate_hz, 3 * 60 * rate_hz
        )
    ]

    assert len(stretches) == 7
    np.testing.assert_allclose(np.concatenate(stretches, axis=1), whole, rtol=0, atol=1e-6)
    np.testing.assert_allclose(whole, reference, rtol=0, atol=1e-5)


def test_a_wfdb_record_read_in_stretches_equals_the_record_read_whole(monkeypatch):
    monkeypatch.setattr(core_signal, "STRETCH_S", 5 * 60.0)  # 30 min: six stretches
    record = wfdb.rdrecord(str(MITDB / "100"))

    signal = load_wfdb_record(MITDB / "100.hea")

    np.testing.assert_allclose(
        signal.samples, to_reference_rate(record.p_signal.T, 360), rtol=0, atol=1e-6
    )
    assert signal.lead_names == ("MLII", "V5")


def test_heart_rhythm_an_hour_at_a_time_finds_the_beats_of_the_whole_recording(tmp_path):
    holter = load_signal_file(
        mitdb_holter_zip(tmp_path, hours=2.5, records=HOLTER_RECORDS[:5]),
    ).samples

    by_hour = heart.heart_rhythm(holter, 128)
    whole = heart.heart_rhythm(holter, 128, stretch_s=10 * 3600.0)  # one stretch

    assert by_hour.lead == whole.lead
    np.testing.assert_array_equal(by_hour.r_peaks, whole.r_peaks)
    assert by_hour.summary() == whole.summary()


def test_a_four_hour_three_lead_holter_is_read_in_memory_that_does_not_grow_with_it(
    tmp_path, monkeypatch
):
    """Read 10 min at a time, its result memory-mapped (as a 48-h one's is): peak
    Python/NumPy allocations stay under 32 MB, where the whole 360-Hz signal alone is
    124 MB as float64."""
    monkeypatch.setattr(core_signal, "MEMORY_MAPPED_ABOVE_BYTES", 8 * MIB)
    holter = mitdb_holter_zip(tmp_path, hours=4, records=HOLTER_RECORDS, leads=3)

    tracemalloc.start()
    try:
        signal = load_signal_file(holter)
        rhythm = heart.heart_rhythm(signal.samples, signal.sampling_rate_hz)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert signal.duration_s == 4 * 3600
    assert signal.lead_names == ("MLII", "V5", "III")
    assert isinstance(signal.samples, np.memmap)
    assert rhythm.summary()["n_beats"] > 4 * 3600
    assert peak_bytes < 32 * MIB


def _one_hz(seconds: int, folder: Path) -> Path:
    """A 1-Hz signal (a test-only rate) ``seconds`` long, saved: 48 h in 700 kB."""
    path = folder / "holter.npy"
    np.save(path, np.random.default_rng(0).normal(0.0, 0.5, size=seconds).astype(np.float32))
    return path


ONE_HZ = SignalLimits(min_sampling_rate_hz=1.0)


def test_a_48_hour_recording_is_accepted(tmp_path):
    path = _one_hz(48 * 3600, tmp_path)

    signal = load_signal_file(path, sampling_rate_hz=1.0, limits=ONE_HZ)

    assert signal.duration_s == 48 * 3600


def test_a_recording_longer_than_48_hours_is_refused_with_the_limit_in_the_message(tmp_path):
    path = _one_hz(50 * 3600, tmp_path)

    with pytest.raises(InvalidRecording) as refused:
        load_signal_file(path, sampling_rate_hz=1.0, limits=ONE_HZ)

    assert str(refused.value) == (
        "the recording is 50 h long (180,000 samples at 1 Hz); at most 48 h is accepted, "
        "split it into shorter recordings"
    )
