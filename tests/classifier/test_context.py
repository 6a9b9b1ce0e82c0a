"""Beat-by-beat context features on real annotated records, and the neighbour table."""

import numpy as np

from classifier.core.context import (
    CONTEXT_FEATURES,
    RHYTHM_CONTEXT_FEATURES,
    WINDOW_FEATURES,
    across_leads,
    context_features,
    with_neighbours,
)
from classifier.core.cwt import ScalogramSpec
from classifier.core.features import RHYTHM_CONTEXT, lead_model_inputs
from classifier.core.rhythm import beat_features, beat_windows, r_peaks, rr_features
from classifier.core.signal import load_wfdb_record
from classifier.training.annotations import Annotations
from tests.classifier.test_annotations import MITDB

RATE, WINDOW = 128.0, 1024


def record_context(record: str) -> np.ndarray:
    """Context features of the record's first lead."""
    samples = load_wfdb_record(MITDB / f"{record}.hea").samples[0]
    return context_features(beat_windows(samples, RATE, WINDOW))


def windows_holding(record: str, symbols: str, n_windows: int) -> np.ndarray:
    """bool per window: it holds a beat annotated with one of ``symbols``."""
    annotations = Annotations.read(MITDB / record)
    window_of_beat = (annotations.beat_samples / (WINDOW * 360 / RATE)).astype(int)
    chosen = np.isin(annotations.beat_symbols, list(symbols))
    holding = np.zeros(n_windows, dtype=bool)
    holding[np.unique(window_of_beat[chosen].clip(max=n_windows - 1))] = True
    return holding


def column(features: np.ndarray, name: str) -> np.ndarray:
    return features[:, CONTEXT_FEATURES.index(name)]


def test_atrial_premature_beats_are_premature_against_the_beats_before_them():
    """Record 209: frequent atrial premature beats (A) between normal beats. A window holding
    one has a beat well under 85 % of the local R-R; a window of normal beats has none."""
    features = record_context("209")
    premature = windows_holding("209", "A", len(features))
    labels = Annotations.read(MITDB / "209").window_labels(8.0, 650_000)[: len(features)]
    assert np.median(column(features, "premature_min")[premature]) < 0.8
    assert np.median(column(features, "premature_min")[labels == "NSR"]) > 0.9
    assert column(features, "premature_fraction")[labels == "NSR"].mean() < 0.02


def test_a_ventricular_beat_is_unlike_the_beats_of_its_own_window_and_wider():
    """Record 200: frequent ventricular beats, runs of bigeminy, among normal beats."""
    features = record_context("200")
    ventricular = windows_holding("200", "V", len(features))
    normal = ~ventricular
    assert column(features, "window_corr_min")[ventricular].mean() < 0.6
    assert column(features, "window_corr_min")[normal].mean() > 0.8
    assert (
        column(features, "width_excess_max")[ventricular].mean()
        > column(features, "width_excess_max")[normal].mean()
    )


def test_flat_signal_and_too_few_beats_give_finite_neutral_features():
    flat = np.zeros(3 * WINDOW, dtype=np.float32)
    features = context_features(beat_windows(flat, RATE, WINDOW))
    assert features.shape == (3, len(CONTEXT_FEATURES))
    assert (column(features, "premature_min") == 1).all()
    assert (column(features, "premature_fraction") == 0).all()
    table = lead_model_inputs(flat, ScalogramSpec(), (RHYTHM_CONTEXT,))[RHYTHM_CONTEXT]
    assert table.shape == (3, len(RHYTHM_CONTEXT_FEATURES))
    assert np.isfinite(table).all()


def test_the_rhythm_context_input_is_each_window_s_features_then_its_neighbours():
    samples = load_wfdb_record(MITDB / "209.hea").samples[0][: 40 * WINDOW]
    table = lead_model_inputs(samples, ScalogramSpec(), (RHYTHM_CONTEXT,))[RHYTHM_CONTEXT]
    peaks = r_peaks(samples, RATE)
    windows = beat_windows(samples, RATE, WINDOW, peaks)
    own = np.hstack(
        [
            rr_features(samples, RATE, WINDOW, peaks),
            beat_features(windows),
            context_features(windows),
        ]
    )
    np.testing.assert_array_equal(table, with_neighbours(own))


def test_every_window_reads_its_neighbours_and_the_ends_repeat_their_own():
    features = np.arange(12, dtype=np.float32).reshape(4, 3)
    table = with_neighbours(features)
    assert table.shape == (4, 9)
    np.testing.assert_array_equal(table[1], [3, 4, 5, 0, 1, 2, 6, 7, 8])
    np.testing.assert_array_equal(table[0, 3:6], features[0])
    np.testing.assert_array_equal(table[-1, 6:], features[-1])
    assert with_neighbours(np.zeros((0, 3), np.float32)).shape == (0, 9)
    assert len(RHYTHM_CONTEXT_FEATURES) == 3 * len(WINDOW_FEATURES)


def test_a_window_reads_the_mean_and_spread_of_its_recording_s_leads_at_that_time():
    logits = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [5.0, 5.0, 5.0], [0.0, -1.0, 4.0]])
    slots = np.array([7, 7, 2, 9])  # two leads at one time; two windows alone
    across = across_leads(logits, slots)
    np.testing.assert_array_equal(across[0], [2, 2, 2, 2, 0, 2])
    np.testing.assert_array_equal(across[1], across[0])
    np.testing.assert_array_equal(across[2], [5, 5, 5, 0, 0, 0])  # alone: itself, no spread
    np.testing.assert_array_equal(across[3], [0, -1, 4, 0, 0, 0])
    assert across_leads(np.zeros((0, 3)), np.zeros(0, np.int64)).shape == (0, 6)
