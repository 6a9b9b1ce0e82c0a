"""Training: data readers, patient-grouped splits, windows, model card, end-to-end training.

The split tests guard the one property every reported number rests on: no patient is ever on
both sides of a split. Training tests use a handful of short real recordings and one epoch.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.model import ModelCard, ModelLoadError, load_model
from classifier.training.dataset import evaluation_windows, training_windows
from classifier.training.fit import FitConfig
from classifier.training.recipes import WINDOWED
from classifier.training.sources import (
    CLASSES,
    DataSourceError,
    Lead,
    default_data_dir,
    load_leads,
    parse_rates,
)
from classifier.training.split import SplitError, holdout_split, patient_folds
from classifier.training.train import train_and_write

DATA = default_data_dir()
FIXTURE_MAT = DATA / "fixtures" / "ECGData-6rows-native-rates.mat"


@pytest.fixture(scope="module")
def leads() -> list[Lead]:
    return load_leads(DATA)


def _short(lead: Lead, seconds: float) -> Lead:
    return dataclasses.replace(lead, samples=lead.samples[: int(seconds * 128)])


@pytest.fixture(scope="module")
def small_leads(leads: list[Lead]) -> list[Lead]:
    """Two patients per class, at most 20 s each: enough for a holdout split, fast."""
    chosen: list[Lead] = []
    for label in CLASSES:
        patients = sorted({lead.patient for lead in leads if lead.label == label})[:2]
        chosen += [_short(lead, 20) for lead in leads if lead.patient in patients]
    return chosen


# --- data sources ----------------------------------------------------------------------------


def test_manifest_folder_reads_every_recording_with_its_patient(leads: list[Lead]) -> None:
    assert len(leads) == 95
    assert {lead.label for lead in leads} == set(CLASSES)
    patients = {lead.patient for lead in leads}
    assert len(patients) == 53
    assert all(lead.samples.dtype == np.float32 and lead.samples.ndim == 1 for lead in leads)


def test_ecgdata_mat_rows_at_native_rates_match_the_shipped_recordings(
    leads: list[Lead],
) -> None:
    rows = load_leads(FIXTURE_MAT, mat_rates_hz=parse_rates("A=360,N=128,C=250"))
    shipped = {lead.id: lead.samples for lead in leads}
    expected = [f"mitdb-100-{x}" for x in ("MLII", "V5")]
    expected += [f"nsrdb-16483-{x}" for x in ("ECG1", "ECG2")]
    expected += [f"chfdb-chf02-{x}" for x in ("ECG1", "ECG2")]
    assert [row.label for row in rows] == ["ARR", "ARR", "NSR", "NSR", "CHF", "CHF"]
    assert len({row.patient for row in rows}) == 3  # consecutive rows = two leads of a record
    for row, name in zip(rows, expected, strict=True):
        reference = shipped[name][: len(row.samples)]
        inner = slice(200, len(reference) - 200)  # resampling edges may differ
        np.testing.assert_allclose(row.samples[inner], reference[inner], atol=0.02)


def test_wfdb_root_reads_each_channel_as_a_lead_of_one_patient(tmp_path: Path) -> None:
    wfdb = pytest.importorskip("wfdb")
    folder = tmp_path / "mitdb"
    folder.mkdir()
    t = np.arange(360 * 12) / 360
    signal = np.stack([np.sin(2 * np.pi * 1.2 * t), 0.5 * np.cos(2 * np.pi * 1.2 * t)], axis=1)
    wfdb.wrsamp(
        "201",
        fs=360,
        units=["mV", "mV"],
        sig_name=["MLII", "V1"],
        p_signal=signal,
        fmt=["212", "212"],
        write_dir=str(folder),
    )

    leads = load_leads(tmp_path)

    assert [lead.id for lead in leads] == ["mitdb-201-MLII", "mitdb-201-V1"]
    assert {lead.patient for lead in leads} == {"mitdb-201-202"}
    assert {lead.label for lead in leads} == {"ARR"}
    assert len(leads[0].samples) == pytest.approx(128 * 12, abs=2)
    np.testing.assert_allclose(leads[0].samples[200:-200].max(), 1.0, atol=0.02)


def test_unknown_layout_is_a_data_source_error(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError):
        load_leads(tmp_path)


# --- patient-grouped splits ------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_folds=st.integers(2, 8))
def test_folds_never_put_a_patient_in_two_folds(leads: list[Lead], seed: int, n_folds: int):
    folds = patient_folds(leads, n_folds, seed)
    assert sum(len(fold) for fold in folds) == len({lead.patient for lead in leads})
    assert set().union(*folds) == {lead.patient for lead in leads}
    for lead_fold in ({i for i, f in enumerate(folds) if lead.patient in f} for lead in leads):
        assert len(lead_fold) == 1


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_holdout_keeps_both_leads_and_all_excerpts_together(leads: list[Lead], seed: int):
    train, test = holdout_split(leads, 0.25, seed)
    assert {lead.patient for lead in train}.isdisjoint({lead.patient for lead in test})
    assert len(train) + len(test) == len(leads)
    assert {lead.label for lead in test} == set(CLASSES)  # rarest class dealt first


def test_mitdb_201_and_202_share_a_fold(leads: list[Lead]) -> None:
    records = {lead.id.rsplit("-", 1)[0]: lead.patient for lead in leads}
    assert records["mitdb-201"] == records["mitdb-202"]
    pair = [lead for lead in leads if lead.id.startswith(("mitdb-201-", "mitdb-202-"))]
    assert len(pair) == 4
    for seed in range(10):
        folds = patient_folds(leads, 5, seed)
        assert (
            len({k for k, fold in enumerate(folds) for lead in pair if lead.patient in fold}) == 1
        )
        _, test = holdout_split(leads, 0.25, seed)
        assert len({lead in test for lead in pair}) == 1


def test_a_patient_with_two_labels_is_refused(leads: list[Lead]) -> None:
    relabelled = dataclasses.replace(leads[0], label="NSR" if leads[0].label != "NSR" else "ARR")
    with pytest.raises(SplitError):
        patient_folds([*leads, relabelled], 5, 0)


# --- windows ---------------------------------------------------------------------------------


def test_evaluation_windows_are_non_overlapping_and_capped(leads: list[Lead]) -> None:
    spec = WINDOWED.spec
    chosen = [lead for lead in leads if lead.id in {"mitdb-101-V1", "mitdb-101-MLII"}]
    windows = evaluation_windows(chosen, spec, max_windows_per_lead=3)
    per_lead = np.bincount(windows.lead_index)
    assert per_lead.tolist() == [
        min(3, len(lead.samples) // spec.window_samples) for lead in chosen
    ]
    assert windows.inputs.shape == (len(windows), spec.n_freqs, spec.columns_per_window, 1)
    assert windows.inputs.dtype == np.float32
    assert set(windows.labels.tolist()) == {CLASSES.index("ARR")}
    assert set(windows.patients.tolist()) == {"mitdb-101"}


def test_training_windows_are_reproducible_given_a_seed(small_leads: list[Lead]) -> None:
    spec = WINDOWED.spec
    first, second = (
        training_windows(small_leads, spec, 2, 2, np.random.default_rng(7), WINDOWED.augment)
        for _ in range(2)
    )
    np.testing.assert_array_equal(first.inputs, second.inputs)
    np.testing.assert_array_equal(first.labels, second.labels)
    assert np.isfinite(first.inputs).all()


# --- end-to-end: train, card, load -----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(small_leads: list[Lead], tmp_path_factory: pytest.TempPathFactory):
    recipe = WINDOWED.with_changes(
        fit=FitConfig(epochs=1, batch_size=16), max_windows_per_lead=1, views_per_lead=1
    )
    out = tmp_path_factory.mktemp("models")
    return train_and_write(
        small_leads,
        "test",
        out,
        seed=0,
        version="tiny",
        recipe=recipe,
        test_fraction=0.5,
        verbose=0,
    )


def test_tiny_training_writes_a_loadable_model_with_a_complete_card(tiny_model) -> None:
    card = ModelCard.read(tiny_model.card_path)
    assert card.version == "tiny"
    assert card.classes == CLASSES
    assert card.spec == WINDOWED.spec
    raw = json.loads(tiny_model.card_path.read_text())
    for key in ("data", "evaluation", "limits", "citations", "architecture", "intended_use"):
        assert raw[key]
    assert raw["data"]["sha256"]
    assert "not a diagnosis" in raw["intended_use"]
    assert any("CHF" in limit for limit in raw["limits"])
    evaluation = raw["evaluation"]
    assert set(evaluation["test_patients"]).isdisjoint(raw["training"]["patients"])
    for level in ("per_window", "per_recording"):
        assert len(evaluation[level]["three_class"]["confusion_matrix"]["counts"]) == 3

    model = load_model(tiny_model.card_path)
    spec = card.spec
    probs = model.predict(np.zeros((2, spec.n_freqs, spec.columns_per_window, 1), np.float32))
    assert probs.shape == (2, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert tiny_model.weights_path.stat().st_size < 2_000_000


def test_tampered_weights_are_refused(tiny_model, tmp_path: Path) -> None:
    for path in (tiny_model.card_path, tiny_model.weights_path):
        shutil.copy(path, tmp_path / path.name)
    with open(tmp_path / tiny_model.weights_path.name, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelLoadError, match="do not match"):
        load_model(tmp_path / tiny_model.card_path.name)
