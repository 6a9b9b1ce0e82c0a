"""A recording's model inputs: each lead's own R-peaks, or one detection over its leads;
read in chunks, the same for training and serving."""

import itertools

import numpy as np
import pytest

from classifier.core.cwt import ScalogramSpec
from classifier.core.features import (
    EACH_LEAD,
    FUSED_LEADS,
    INPUT_KINDS,
    RR_INTERVALS,
    chunk_bounds,
    lead_model_inputs,
    recording_model_inputs,
    served_model_inputs,
)
from classifier.core.signal import load_wfdb_record
from tests.classifier.test_annotations import MITDB

SPEC = ScalogramSpec()


@pytest.fixture(scope="module")
def leads():
    """Two leads of record 200 (ventricular ectopy), 4 min."""
    return load_wfdb_record(MITDB / "200.hea").samples[:, : 30 * 1024]


def test_each_lead_is_every_lead_on_its_own(leads):
    together = recording_model_inputs(leads, SPEC, INPUT_KINDS, EACH_LEAD)
    for lead, inputs in zip(leads, together, strict=True):
        alone = lead_model_inputs(lead, SPEC, INPUT_KINDS)
        for kind in INPUT_KINDS:
            np.testing.assert_array_equal(inputs[kind], alone[kind])


def test_fused_leads_time_every_lead_by_one_set_of_beats(leads):
    """The R-R features no longer depend on the lead: both leads read the same beats.
    Each lead's own detection disagrees (V1 of record 200 misses beats)."""
    fused = recording_model_inputs(leads, SPEC, (RR_INTERVALS,), FUSED_LEADS)
    np.testing.assert_array_equal(fused[0][RR_INTERVALS], fused[1][RR_INTERVALS])
    own = recording_model_inputs(leads, SPEC, (RR_INTERVALS,), EACH_LEAD)
    assert not np.array_equal(own[0][RR_INTERVALS], own[1][RR_INTERVALS])
    assert len(fused[0][RR_INTERVALS]) == 30


def test_an_unknown_r_peak_source_is_refused(leads):
    with pytest.raises(ValueError, match="unknown R-peak source 'best'"):
        recording_model_inputs(leads, SPEC, (RR_INTERVALS,), "best")


def test_chunks_are_near_equal_and_cover_every_window():
    assert chunk_bounds(64) == [(0, 64)]
    assert chunk_bounds(225) == [(0, 225)]
    assert chunk_bounds(232) == [(0, 116), (116, 232)]  # no 7-window stub
    bounds = chunk_bounds(10_800)
    assert len(bounds) == 48 and {end - first for first, end in bounds} == {225}
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))


def test_served_inputs_are_each_chunk_s_whole_windows_read_on_their_own(leads):
    """A partial window at the end is left out before filtering: it would shift every
    window's band-pass and per-lead normalisation (training once read it, serving never)."""
    long = np.concatenate([leads, leads[:, :-300]], axis=1)  # 59 whole windows and a part
    chunks = list(served_model_inputs(long, SPEC, INPUT_KINDS, FUSED_LEADS, chunk_windows=40))
    assert [(first, end) for first, end, _ in chunks] == [(0, 30), (30, 59)]
    for first, end, per_lead in chunks:
        alone = recording_model_inputs(
            long[:, first * 1024 : end * 1024], SPEC, INPUT_KINDS, FUSED_LEADS
        )
        for got, expected in zip(per_lead, alone, strict=True):
            for kind in INPUT_KINDS:
                np.testing.assert_array_equal(got[kind], expected[kind])
    untrimmed = recording_model_inputs(long[:, : 59 * 1024 + 500], SPEC, INPUT_KINDS)
    assert not np.array_equal(untrimmed[0]["waveform"][-1], chunks[-1][2][0]["waveform"][-1])
