"""Window labels from the cardiologists' annotations of real MIT-BIH records."""

import numpy as np
import pytest

from classifier.training.annotations import Annotations
from tests.conftest import REPO

MITDB = REPO.parent / "shared" / "data" / "wfdb" / "mitdb"
RECORD_SAMPLES = 650_000  # 30 min 5 s at 360 Hz


@pytest.fixture(scope="module")
def records() -> list[str]:
    if not (MITDB / "RECORDS").is_file():
        pytest.fail(f"annotated MIT-BIH records not found at {MITDB}")
    return (MITDB / "RECORDS").read_text().split()


def labels_of(record: str, **kwargs) -> np.ndarray:
    return Annotations.read(MITDB / record).window_labels(8.0, RECORD_SAMPLES, **kwargs)


def test_record_101_is_nsr_in_220_of_its_225_windows():
    labels = labels_of("101")
    assert len(labels) == 225
    assert (labels == "NSR").sum() == 220


def test_counts_over_the_shared_records(records):
    counts = {"NSR": 0, "ARR": 0}
    for record in records:
        for label, n in zip(*np.unique(labels_of(record), return_counts=True), strict=True):
            counts[str(label)] += int(n)
    assert len(records) == 38
    assert counts == {"NSR": 4032, "ARR": 4518}


@pytest.mark.parametrize("record", ["111", "118", "124", "214", "231"])
def test_bundle_branch_block_records_are_arr_throughout(record):
    assert set(labels_of(record)) == {"ARR"}


def test_one_premature_beat_makes_its_window_arr():
    annotations = Annotations.read(MITDB / "100")
    labels = annotations.window_labels(8.0, RECORD_SAMPLES)
    first_a = annotations.beat_samples[annotations.beat_symbols == "A"][0]
    assert labels[first_a // 2880] == "ARR"
    # Record 100 is in normal sinus rhythm throughout: only its abnormal beats make ARR.
    abnormal_windows = set(annotations.beat_samples[annotations.beat_symbols != "N"] // 2880)
    assert set(np.flatnonzero(labels == "ARR")) == abnormal_windows


def test_a_rhythm_change_inside_a_window_makes_it_arr():
    annotations = Annotations.read(MITDB / "201")
    starts = annotations.rhythm_starts
    afib = starts[np.array(annotations.rhythms) == "(AFIB"][0]
    labels = annotations.window_labels(8.0, RECORD_SAMPLES)
    assert labels[afib // 2880] == "ARR"


def test_windows_may_start_anywhere():
    shifted = labels_of("101", start_s=4.0)
    assert len(shifted) == 225  # 30 min 5.6 s: a 225th window still fits after 4 s
    # Each of record 101's five ARR windows now straddles two windows.
    assert 210 <= (shifted == "NSR").sum() <= 220
