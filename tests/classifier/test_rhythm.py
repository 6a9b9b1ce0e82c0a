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
    nan_median,
    r_peaks,
    r_peaks_of_rows,
    rr_features,
)
from classifier.core.signal import load_wfdb_record
from classifier.training.annotations import Annotations
from tests.classifier.test_annotations import MITDB

RATE = 128.0


def beats_found(record: str) -> tuple[float, float]:
    """(sensitivity, positive predictive value) against the reference beats, 150 ms."""
    signal = load_wfdb_record(MITDB / f"{record}.hea")
    peaks = r_peaks(signal.samples[0], RATE)
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
