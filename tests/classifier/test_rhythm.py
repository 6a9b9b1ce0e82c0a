"""R-peak detection, R-R interval and beat-shape features on real annotated records."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from classifier.core.rhythm import (
    BEAT_FEATURES,
    RR_FEATURES,
    beat_features,
    beat_windows,
    fused_r_peaks,
    nan_median,
    r_peaks,
    r_peaks_of_rows,
    rr_features,
)
from classifier.core.signal import load_wfdb_record
from classifier.training.annotations import Annotations
from tests.classifier.test_annotations import MITDB

RATE = 128.0


def beats_found(record: str, peaks: np.ndarray | None = None) -> tuple[float, float]:
    """(sensitivity, positive predictive value) of ``peaks`` (default: the first lead's
    own) against the reference beats, 150 ms."""
    if peaks is None:
        peaks = r_peaks(load_wfdb_record(MITDB / f"{record}.hea").samples[0], RATE)
    reference = Annotations.read(MITDB / record).beat_samples * RATE / 360.0
    index = np.clip(np.searchsorted(peaks, reference), 1, len(peaks) - 1)
    distance = np.minimum(np.abs(peaks[index] - reference), np.abs(peaks[index - 1] - reference))
    found = distance < 0.15 * RATE
    return float(found.mean()), float(found.sum() / len(peaks))


@pytest.mark.parametrize("record", ["100", "201", "118"])
def test_r_peaks_match_the_reference_beats(record):
    sensitivity, precision = beats_found(record)
    assert sensitivity > 0.95
    assert precision > 0.95


def test_irregular_rhythm_has_irregular_intervals():
    """Record 201: atrial fibrillation windows vs windows of normal rhythm and beats."""
    signal = load_wfdb_record(MITDB / "201.hea")
    features = rr_features(signal.samples[0], RATE, 1024)
    annotations = Annotations.read(MITDB / "201")
    starts = annotations.rhythm_starts // 2880
    rhythm_of_window = np.array(annotations.rhythms)[
        np.searchsorted(starts, np.arange(len(features)), side="right") - 1
    ]
    labels = annotations.window_labels(8.0, 650_000)[: len(features)]
    irregular = features[:, RR_FEATURES.index("irregular_fraction")]
    assert irregular[rhythm_of_window == "(AFIB"].mean() > 0.4
    assert irregular[labels == "NSR"].mean() < 0.05


def test_too_few_beats_give_neutral_features():
    flat = np.zeros(3 * 1024, dtype=np.float32)
    features = rr_features(flat, RATE, 1024)
    assert features.shape == (3, len(RR_FEATURES))
    assert (features[:, RR_FEATURES.index("enough_beats")] == 0).all()
    assert np.isfinite(features).all()


def beat_feature(record: str, name: str) -> np.ndarray:
    signal = load_wfdb_record(MITDB / f"{record}.hea")
    return beat_features(beat_windows(signal.samples[0], RATE, 1024))[:, BEAT_FEATURES.index(name)]


def test_a_bundle_branch_block_has_wider_qrs_complexes_than_normal_conduction():
    """Record 100: normal conduction; 118: right bundle branch block throughout (MLII)."""
    normal, blocked = beat_feature("100", "qrs_width_s"), beat_feature("118", "qrs_width_s")
    assert np.median(normal) < 0.08
    assert np.median(blocked) > 0.11


def test_premature_ventricular_beats_depart_from_the_dominant_beat():
    """Record 200 (frequent ventricular beats, bigeminy) vs 100: windows holding V beats hold
    beats unlike the dominant one; windows of normal beats do not."""
    annotations = Annotations.read(MITDB / "200")
    odd = beat_feature("200", "odd_fraction")
    window_of_beat = (annotations.beat_samples / 2880).astype(int)
    ventricular = np.zeros(len(odd), dtype=bool)
    symbols = np.asarray(annotations.beat_symbols)
    ventricular[np.unique(window_of_beat[symbols == "V"].clip(max=len(odd) - 1))] = True
    assert odd[ventricular].mean() > 0.2
    assert odd[~ventricular].mean() < 0.05
    assert beat_feature("100", "odd_fraction").mean() < 0.01


def test_windows_without_beats_get_the_neutral_beat():
    flat = np.zeros(3 * 1024, dtype=np.float32)
    features = beat_features(beat_windows(flat, RATE, 1024))
    assert features.shape == (3, len(BEAT_FEATURES))
    assert np.isfinite(features).all()
    assert (features[:, BEAT_FEATURES.index("odd_fraction")] == 0).all()


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 12), st.integers(1, 3)),
        elements=st.one_of(st.just(np.nan), st.floats(-1e3, 1e3)),
    )
)
def test_the_fast_median_is_numpy_s_nanmedian_exactly(values):
    """Rows with finite values get np.nanmedian's numbers bit for bit; empty rows NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns on all-NaN rows
        expected = np.nanmedian(values, axis=1)
    np.testing.assert_array_equal(nan_median(values), expected)
    np.testing.assert_array_equal(nan_median(values[..., 0]), expected[..., 0])


def test_excerpts_detected_together_find_the_beats_each_finds_alone():
    samples = load_wfdb_record(MITDB / "201.hea").samples[0]
    excerpts = np.stack([samples[start : start + 7680] for start in (0, 50_000, 120_000)])
    together = r_peaks_of_rows(excerpts, RATE)
    for excerpt, peaks in zip(excerpts, together, strict=True):
        np.testing.assert_array_equal(peaks, r_peaks(excerpt, RATE))
    assert all(len(peaks) > 5 for peaks in together)
    assert [len(p) for p in r_peaks_of_rows(excerpts[:, :100], RATE)] == [0, 0, 0]


# Records where one lead misses beats (104, 114, 200, 201) or adds false ones (101).
HARD_RECORDS = ("101", "104", "114", "200", "201")


def errors(record: str, peaks: np.ndarray) -> float:
    """Missed plus false beats, as fractions of the reference and of the detections."""
    sensitivity, precision = beats_found(record, peaks)
    return (1 - sensitivity) + (1 - precision)


def distance_to_nearest(found: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For each of ``points``, the distance (samples) to the nearest of ``found``."""
    after = np.searchsorted(found, points).clip(1, len(found) - 1)
    return np.minimum(np.abs(found[after] - points), np.abs(found[after - 1] - points))


def test_beats_fused_over_both_leads_beat_either_lead_alone():
    fused, alone = 0.0, np.zeros(2)
    for record in HARD_RECORDS:
        samples = load_wfdb_record(MITDB / f"{record}.hea").samples
        fused += errors(record, fused_r_peaks(samples, RATE))
        alone += [errors(record, r_peaks(lead, RATE)) for lead in samples]
    assert fused < alone.min()  # better than the better lead of each record (0.32 vs 0.37)
    assert fused < 0.3 * alone.max()


def test_a_silent_lead_does_not_silence_the_other():
    """A disconnected lead (flat), whole or for a stretch, leaves the beats of the lead
    that still records; only those within 4 s of where it drops out or back may be lost
    (the span of its energy reference)."""
    samples = load_wfdb_record(MITDB / "100.hea").samples[:, :76_800]
    alone = fused_r_peaks(samples[:1], RATE)
    assert len(alone) > 700 and fused_r_peaks(samples[:, :100], RATE).size == 0
    for silent in (np.zeros_like(samples[1]), np.full_like(samples[1], 0.7)):  # off, offset
        np.testing.assert_array_equal(fused_r_peaks(np.stack([samples[0], silent]), RATE), alone)
        assert fused_r_peaks(silent[np.newaxis], RATE).size == 0
    dropped = samples.copy()
    dropped[1, 20_000:50_000] = 0.0
    found = fused_r_peaks(dropped, RATE)
    lost = alone[distance_to_nearest(found, alone) > 5]
    near_edge = np.minimum(np.abs(lost - 20_000), np.abs(lost - 50_000)) <= 4 * RATE
    assert near_edge.all() and len(lost) <= 10


def test_one_lead_fused_is_the_lead_s_own_detection():
    lead = load_wfdb_record(MITDB / "201.hea").samples[0]
    own, fused = r_peaks(lead, RATE), fused_r_peaks(lead[np.newaxis], RATE)
    assert len(own) == len(fused)
    # Dividing by the reference can move a flat-topped peak by a sample, or pick the other of
    # two peaks within 250 ms.
    assert (distance_to_nearest(fused, own) <= 2).mean() > 0.995
