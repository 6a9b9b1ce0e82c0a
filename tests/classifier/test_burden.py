"""The recording's answer from its windows: burden, longest ARR run and the card's rule."""

import numpy as np
import pytest

from classifier.core.card import DecisionRule
from classifier.core.pipeline import (
    BY_ARR_BURDEN,
    BY_ARR_RUN,
    BY_MEAN_PROBABILITY,
    BY_POOR_QUALITY,
    fuse_leads,
    longest_run,
    recording_answer,
)

CLASSES = ("ARR", "CHF", "NSR")
ARR, NSR, UNSURE = [0.9, 0.02, 0.08], [0.05, 0.02, 0.93], [0.45, 0.1, 0.45]
RULE = DecisionRule(
    temperature=1.0,
    uncertain_below=0.7,
    window_uncertain_below=0.6,
    arr_burden_at_least=0.3,
    arr_run_at_least_s=32.0,
)


def answer(windows, rule=RULE, usable=None):
    probs = np.array(windows, dtype=np.float32)
    usable = np.ones(len(probs), bool) if usable is None else np.array(usable)
    return recording_answer(probs, usable, CLASSES, rule, 8.0)


def test_burden_is_the_fraction_of_usable_windows_per_answer():
    result = answer([ARR, NSR, NSR, UNSURE, NSR], usable=[1, 1, 1, 1, 0])
    assert result.burden == {"ARR": 0.25, "CHF": 0.0, "NSR": 0.5, "uncertain": 0.25}


def test_arr_burden_over_the_threshold_answers_arr_even_when_nsr_dominates_the_mean():
    result = answer([ARR] * 4 + [NSR] * 6)  # 40 % ARR, mean probability favours NSR
    assert result.probabilities.argmax() == CLASSES.index("NSR")
    assert (result.label, result.decided_by) == ("ARR", BY_ARR_BURDEN)


def test_a_long_enough_arr_run_answers_arr_under_the_burden_threshold():
    windows = [NSR] * 10 + [ARR] * 4 + [NSR] * 10  # 17 % burden, one 32-s run
    result = answer(windows)
    assert result.longest_arr_run_s == 32.0
    assert (result.label, result.decided_by) == ("ARR", BY_ARR_RUN)


def test_scattered_arr_windows_are_no_run():
    windows = ([NSR] * 4 + [ARR]) * 4  # 20 % burden, runs of one window
    result = answer(windows)
    assert result.longest_arr_run_s == 8.0
    assert (result.label, result.decided_by) == ("NSR", BY_MEAN_PROBABILITY)


def test_leads_are_fused_per_stretch_of_time():
    # Two leads of three windows; lead 1 is off (unusable) in its first window.
    probs = np.array([ARR, NSR, NSR, NSR, NSR, NSR], dtype=np.float32)
    usable = np.array([1, 1, 1, 0, 1, 1], dtype=bool)
    position = np.array([0, 1, 2, 0, 1, 2])
    fused, any_usable = fuse_leads(probs, usable, position)
    assert any_usable.tolist() == [True, True, True]
    np.testing.assert_allclose(fused[0], ARR, rtol=1e-6)  # the lead that is off is left out
    np.testing.assert_allclose(fused[1], NSR, rtol=1e-6)


def test_disagreeing_leads_average_out():
    fused, _ = fuse_leads(
        np.array([ARR, NSR], dtype=np.float32), np.ones(2, bool), np.array([0, 0])
    )
    np.testing.assert_allclose(fused[0], (np.array(ARR) + np.array(NSR)) / 2, rtol=1e-6)


def test_when_every_lead_is_poor_the_time_is_not_usable():
    _, any_usable = fuse_leads(
        np.array([ARR, NSR], dtype=np.float32), np.zeros(2, bool), np.array([0, 0])
    )
    assert any_usable.tolist() == [False]


def test_low_mean_confidence_is_uncertain():
    result = answer([UNSURE] * 3 + [NSR])
    assert (result.label, result.decided_by) == ("uncertain", BY_MEAN_PROBABILITY)


def test_too_few_usable_windows_is_uncertain():
    result = answer([ARR] * 4, usable=[1, 0, 0, 0])
    assert (result.label, result.decided_by) == ("uncertain", BY_POOR_QUALITY)


def test_a_card_without_burden_rule_answers_by_the_mean_as_before():
    legacy = DecisionRule(temperature=1.0, uncertain_below=0.5)
    result = answer([ARR] * 4 + [NSR] * 6, rule=legacy)
    assert (result.label, result.decided_by) == ("NSR", BY_MEAN_PROBABILITY)


@pytest.mark.parametrize(
    ("flags", "run"), [([], 0), ([0, 0], 0), ([1], 1), ([1, 1, 0, 1, 1, 1, 0], 3)]
)
def test_longest_run(flags, run):
    assert longest_run(np.array(flags, dtype=bool)) == run
