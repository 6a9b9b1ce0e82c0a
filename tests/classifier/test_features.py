"""A recording's model inputs: each lead's own R-peaks, or one detection over its leads."""

import numpy as np
import pytest

from classifier.core.cwt import ScalogramSpec
from classifier.core.features import (
    EACH_LEAD,
    FUSED_LEADS,
    INPUT_KINDS,
    RR_INTERVALS,
    lead_model_inputs,
    recording_model_inputs,
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
