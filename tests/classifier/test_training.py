"""Training: data readers, patient-grouped splits, windows, model card, end-to-end training.

The split tests guard the one property every reported number rests on: no patient is ever on
both sides of a split. Training tests use a handful of short real recordings and one epoch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import wfdb
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.core.model import ModelCard, ModelLoadError, load_model, softmax
from classifier.training.architectures import average_logits, rhythm_cnn
from classifier.training.crossval import choose_threshold
from classifier.training.dataset import evaluation_windows, training_windows
from classifier.training.evaluation import answered_accuracy
from classifier.training.fit import FitConfig, fit, logits_of, sample_weights
from classifier.training.metrics import (
    expected_calibration_error,
    fit_temperature,
    patient_bootstrap_ci,
)
from classifier.training.recipes import RAW_1D, SHIPPED, WINDOWED
from classifier.training.shortcut import FEATURES, equipment_features
from classifier.training.sources import (
    CLASSES,
    DataSourceError,
    Lead,
    default_data_dir,
    load_leads,
    parse_rates,
)
from classifier.training.split import SplitError, fold_index, patient_folds
from classifier.training.study import run_study, write_into_card
from classifier.training.train import train_and_write
from tests.conftest import REPO

DATA = default_data_dir()
FIXTURE_MAT = DATA / "fixtures" / "ECGData-6rows-native-rates.mat"


@pytest.fixture(scope="module")
def leads() -> list[Lead]:
    return load_leads(DATA)


def _short(lead: Lead, seconds: float) -> Lead:
    return dataclasses.replace(lead, samples=lead.samples[: int(seconds * 128)])


@pytest.fixture(scope="module")
def small_leads(leads: list[Lead]) -> list[Lead]:
    """Two patients per class, at most 20 s each: enough for two-fold CV, fast."""
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


def _manifest_folder(folder: Path, samples: np.ndarray, fs_hz: float, sha256: str) -> Path:
    folder.mkdir()
    np.save(folder / "a.npy", samples)
    columns = "id,file,label,database,record,patient,lead,fs_hz,sha256"
    row = f"nsrdb-1-ECG1,a.npy,NSR,nsrdb,1,nsrdb-1,ECG1,{fs_hz:g},{sha256}"
    (folder / "manifest.csv").write_text(f"{columns}\n{row}\n")
    return folder


def test_manifest_sha256_is_checked_on_the_file_before_resampling(tmp_path: Path) -> None:
    samples = np.sin(np.arange(256 * 20) / 256 * 2 * np.pi * 1.2).astype(np.float32)
    digest = hashlib.sha256(samples.tobytes()).hexdigest()[:16]

    (lead,) = load_leads(_manifest_folder(tmp_path / "good", samples, 256, digest))
    assert len(lead.samples) == 128 * 20  # resampled to the reference rate after the check

    tampered = samples.copy()
    tampered[100] += 0.5
    with pytest.raises(DataSourceError, match="does not match its manifest sha256"):
        load_leads(_manifest_folder(tmp_path / "bad", tampered, 256, digest))


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


def test_ecgdata_mat_in_millivolts_at_128_hz_is_read_as_is(tmp_path: Path) -> None:
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    data = rng.normal(0, 0.3, (4, 1280))  # floating point: already mV, MathWorks' layout
    labels = np.array(["ARR", "ARR", "NSR", "CHF"], dtype=object)
    savemat(tmp_path / "ECGData.mat", {"ECGData": {"Data": data, "Labels": labels}})

    rows = load_leads(tmp_path / "ECGData.mat")

    assert [row.label for row in rows] == ["ARR", "ARR", "NSR", "CHF"]
    assert len({row.patient for row in rows}) == 3
    np.testing.assert_allclose(rows[2].samples, data[2], atol=1e-6)


def test_wfdb_root_reads_each_channel_as_a_lead_of_one_patient(tmp_path: Path) -> None:
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
def test_folds_are_stratified_and_chf_is_leave_one_patient_out(leads: list[Lead], seed: int):
    folds = patient_folds(leads, 5, seed)
    labels = {lead.patient: lead.label for lead in leads}
    chf_folds = [k for k, fold in enumerate(folds) for p in fold if labels[p] == "CHF"]
    assert len(set(chf_folds)) == 2
    for label in ("ARR", "NSR"):
        sizes = [sum(labels[p] == label for p in fold) for fold in folds]
        assert max(sizes) - min(sizes) <= 1


def test_mitdb_201_and_202_share_a_fold(leads: list[Lead]) -> None:
    records = {lead.id.rsplit("-", 1)[0]: lead.patient for lead in leads}
    assert records["mitdb-201"] == records["mitdb-202"]
    pair = [lead for lead in leads if lead.id.startswith(("mitdb-201-", "mitdb-202-"))]
    assert len(pair) == 4
    for seed in range(10):
        folds = patient_folds(leads, 5, seed)
        assert len(set(fold_index([lead.patient for lead in pair], folds).tolist())) == 1


def test_more_folds_than_patients_is_refused(leads: list[Lead]) -> None:
    few = [lead for lead in leads if lead.database == "chfdb"]
    with pytest.raises(SplitError):
        patient_folds(few, 3, 0)


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
    """The shipped recipe (one network instead of an ensemble), one epoch on a few windows."""
    recipe = SHIPPED.with_changes(
        fit=FitConfig(epochs=1, batch_size=16),
        max_windows_per_lead=1,
        views_per_lead=1,
        ensemble_size=1,
    )
    out = tmp_path_factory.mktemp("models")
    return train_and_write(
        small_leads,
        "test",
        out,
        seed=0,
        version="tiny",
        recipe=recipe,
        n_folds=2,
        n_resamples=20,
        verbose=0,
    )


@pytest.mark.slow
def test_tiny_training_writes_a_loadable_model_with_a_complete_card(tiny_model) -> None:
    card = ModelCard.read(tiny_model.card_path)
    assert card.version == "tiny"
    assert card.classes == CLASSES
    assert card.spec == SHIPPED.spec
    raw = json.loads(tiny_model.card_path.read_text())
    for key in ("data", "evaluation", "limits", "citations", "architecture", "intended_use"):
        assert raw[key]
    assert raw["data"]["sha256"]
    assert "not a diagnosis" in raw["intended_use"]
    assert any("CHF" in limit for limit in raw["limits"])
    evaluation = raw["evaluation"]
    for level in ("per_window", "per_recording"):
        assert len(evaluation[level]["three_class"]["confusion_matrix"]["counts"]) == 3
        assert evaluation[level]["arr_vs_nsr"]["ci95"]["accuracy"]
    assert raw["decision"]["temperature"] == card.decision.temperature > 0
    assert 0 < card.decision.uncertain_below <= 1
    computed_on = evaluation["computed_on"]  # exact reproduction needs the same CPU model
    assert computed_on["cpu"] and computed_on["tensorflow"] and computed_on["cores"] >= 1
    assert "same CPU model" in computed_on["reproducibility"]
    assert raw["training"]["recipe"]["fit"]["patient_balance"] == 0.0

    model = load_model(tiny_model.card_path)
    spec = card.spec
    probs = model.predict(np.zeros((2, spec.n_freqs, spec.columns_per_window, 1), np.float32))
    assert probs.shape == (2, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert tiny_model.weights_path.stat().st_size < 2_000_000


@pytest.mark.slow
def test_tampered_weights_are_refused(tiny_model, tmp_path: Path) -> None:
    for path in (tiny_model.card_path, tiny_model.weights_path):
        shutil.copy(path, tmp_path / path.name)
    with open(tmp_path / tiny_model.weights_path.name, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelLoadError, match="do not match"):
        load_model(tmp_path / tiny_model.card_path.name)


@pytest.mark.slow
def test_training_is_deterministic_given_a_seed(small_leads: list[Lead]) -> None:
    recipe = WINDOWED.with_changes(
        fit=FitConfig(epochs=1, batch_size=16), max_windows_per_lead=1, views_per_lead=1
    )
    first, second = (recipe.train(small_leads, seed=3).get_weights() for _ in range(2))
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_an_ensemble_is_one_loadable_model_averaging_its_members(tmp_path: Path) -> None:
    import keras

    keras.utils.set_random_seed(0)
    spec = SHIPPED.spec
    shape = (spec.n_freqs, spec.columns_per_window, 1)
    members = [rhythm_cnn(shape, len(CLASSES)) for _ in range(2)]
    ensemble = average_logits(members)
    ensemble.save(tmp_path / "ensemble.keras")
    loaded = keras.models.load_model(tmp_path / "ensemble.keras", compile=False)
    inputs = np.random.default_rng(0).normal(size=(3, *shape)).astype(np.float32)
    expected = np.mean([np.asarray(member(inputs)) for member in members], axis=0)
    np.testing.assert_allclose(np.asarray(loaded(inputs)), expected, rtol=1e-5, atol=1e-6)


# --- metrics, calibration, decision rule -----------------------------------------------------


@pytest.mark.slow
def test_a_distilled_network_learns_the_teachers_probabilities_not_the_labels() -> None:
    import keras

    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(256, 8)).astype(np.float32)
    labels = np.zeros(256, np.int64)  # the labels say ARR ...
    teacher_logits = np.tile(np.array([[0.0, 0.0, 6.0]], np.float32), (256, 1))  # ... teacher NSR

    def build() -> keras.Model:
        return keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])

    student = fit(
        build,
        inputs,
        labels,
        FitConfig(epochs=30, batch_size=32, learning_rate=0.05),
        0,
        0,
        teacher_logits,
    )
    assert (logits_of(student, inputs).argmax(axis=1) == CLASSES.index("NSR")).all()


def test_sample_weights_balance_classes_then_patients_within_a_class() -> None:
    labels = np.array([0] * 90 + [0] * 10 + [2] * 50)
    patients = np.array(["a"] * 90 + ["b"] * 10 + ["c"] * 50)

    by_class = sample_weights(labels)
    np.testing.assert_allclose(by_class, np.where(labels == 0, 150 / (2 * 100), 150 / (2 * 50)))
    np.testing.assert_array_equal(sample_weights(labels, patients, 0.0), by_class)

    by_patient = sample_weights(labels, patients, 1.0)
    assert by_patient.mean() == pytest.approx(1.0)
    totals = {name: by_patient[patients == name].sum() for name in "abc"}
    assert totals["a"] == pytest.approx(totals["b"])  # one patient each, however many windows
    assert totals["a"] + totals["b"] == pytest.approx(totals["c"])  # classes still equal

    halfway = sample_weights(labels, patients, 0.5)
    share_b = halfway[patients == "b"].sum() / halfway[labels == 0].sum()
    assert 10 / 100 < share_b < 0.5


@pytest.mark.slow
def test_patient_balance_lets_a_short_recording_count_against_a_long_one() -> None:
    """Patient b (10 windows, ARR) and patient c (200 windows, NSR) look alike; a long ARR
    patient a looks different. Weighted by window, b is drowned out; by patient it is not."""
    import keras

    x = np.array([[1.0]] * 190 + [[-1.0]] * 10 + [[-1.0]] * 200, np.float32)
    labels = np.array([0] * 200 + [2] * 200)
    patients = np.array(["a"] * 190 + ["b"] * 10 + ["c"] * 200)

    def arr_probability_where_b_and_c_meet(balance: float) -> float:
        model = fit(
            lambda: keras.Sequential([keras.Input((1,)), keras.layers.Dense(3)]),
            x,
            labels,
            FitConfig(epochs=40, batch_size=32, learning_rate=0.05, patient_balance=balance),
            0,
            patients=patients,
        )
        logits = logits_of(model, np.array([[-1.0]], np.float32))
        return float(softmax(logits)[0, 0])

    assert arr_probability_where_b_and_c_meet(0.0) < 0.15
    assert arr_probability_where_b_and_c_meet(1.0) > 0.25


@pytest.mark.slow
def test_a_distilled_recipe_serves_one_network_of_the_members_size(
    small_leads: list[Lead],
) -> None:
    recipe = SHIPPED.with_changes(
        fit=FitConfig(epochs=1, batch_size=16),
        max_windows_per_lead=1,
        views_per_lead=1,
        ensemble_size=2,
        distil=True,
    )
    student = recipe.train(small_leads, seed=0)
    spec = recipe.spec
    one = rhythm_cnn((spec.n_freqs, spec.columns_per_window, 1), len(CLASSES), width=12)
    assert student.count_params() == one.count_params()
    assert recipe.to_dict()["distilled_into_one_network"] is True
    teacher = recipe.teacher
    assert teacher is not None
    assert teacher.description.endswith("(2 times its compute)")
    assert recipe.to_dict()["network"] == "rhythm_cnn(width=12)"  # the card says how wide
    assert RAW_1D.to_dict()["network"] == "raw_signal_cnn"


def test_bootstrap_resamples_patients_not_windows() -> None:
    correct = np.array([1] * 50 + [0] * 50)  # patient a: all right, patient b: all wrong
    patients = np.array(["a"] * 50 + ["b"] * 50)
    low, high = patient_bootstrap_ci(lambda idx: float(correct[idx].mean()), patients, 400)
    assert (low, high) == (0.0, 1.0)  # a window bootstrap would give about 0.40-0.60
    assert patient_bootstrap_ci(lambda idx: 1.0, patients, 50) == (1.0, 1.0)


def test_temperature_recovers_an_overconfident_scale() -> None:
    rng = np.random.default_rng(0)
    calibrated = rng.normal(0, 1.5, (4000, 3))
    p = np.exp(calibrated) / np.exp(calibrated).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(3, p=row) for row in p])
    assert fit_temperature(4.0 * calibrated, labels) == pytest.approx(4.0, rel=0.15)
    assert expected_calibration_error(p, labels) < 0.05


def test_threshold_is_the_lowest_reaching_the_target_accuracy() -> None:
    top = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.4])
    probs = np.stack([top, (1 - top) / 2, (1 - top) / 2], axis=1)
    labels = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1])  # wrong once top < 0.55
    assert choose_threshold(probs, labels, target_accuracy=0.95, min_answered=0.5) == 0.55
    # unreachable while answering 90 %: the most accurate feasible threshold instead
    assert choose_threshold(probs, labels, target_accuracy=0.99, min_answered=0.9) == 0.45


def test_uncertain_recordings_are_not_counted_as_answers() -> None:
    probs = np.array([[0.9, 0.05, 0.05], [0.5, 0.1, 0.4], [0.2, 0.1, 0.7]])
    labels = np.array([0, 2, 2])
    patients = np.array(["a", "b", "c"])
    result = answered_accuracy(probs, labels, patients, 0.6, n_resamples=20)
    assert result["answered_fraction"] == pytest.approx(2 / 3, abs=1e-3)
    assert result["accuracy_on_answered"] == 1.0  # the wrong one (0.5) said "uncertain"
    assert answered_accuracy(probs, labels, patients, 0.0, n_resamples=20)[
        "accuracy_on_answered"
    ] == pytest.approx(2 / 3, abs=1e-3)


def test_equipment_features_are_finite_per_window(leads: list[Lead]) -> None:
    lead = next(x for x in leads if x.id == "mitdb-101-MLII")
    features = equipment_features(lead.samples, WINDOWED.spec)
    assert features.shape == (len(lead.samples) // WINDOWED.spec.window_samples, len(FEATURES))
    assert np.isfinite(features).all() and (features >= 0).all()


@pytest.mark.slow
def test_evaluate_writes_candidates_shortcut_and_figure_into_the_card(
    small_leads: list[Lead], tiny_model, tmp_path: Path
) -> None:
    quick = {"fit": FitConfig(epochs=1, batch_size=16), "max_windows_per_lead": 1}
    candidates = (  # the first one distilled: its teacher is scored on the same folds
        WINDOWED.with_changes(views_per_lead=1, ensemble_size=2, distil=True, **quick),
        RAW_1D.with_changes(name="raw", views_per_lead=1, **quick),
    )
    for path in (tiny_model.card_path, tiny_model.weights_path):
        shutil.copy(path, tmp_path / path.name)
    card_path = tmp_path / tiny_model.card_path.name
    figure = tmp_path / "reliability.png"

    cv = run_study(
        small_leads,
        "test",
        n_folds=2,
        candidates=candidates,
        shipped=candidates[0],
        n_resamples=20,
        figure_path=figure,
    )
    write_into_card(card_path, cv)

    raw = json.loads(card_path.read_text())
    names = [row["candidate"] for row in raw["cv"]["candidates"]]
    assert names == [WINDOWED.name, f"{WINDOWED.name}: teacher", "raw"]
    assert raw["cv"]["candidates"][0]["servable"] is True
    assert "gradient_boosting" in raw["cv"]["shortcut_control"]
    assert set(raw["cv"]["targets"]) >= {"arr_vs_nsr_per_recording_accuracy"}
    assert any("CHF" in line for line in raw["cv"]["limits"])
    assert raw["cv"]["computed_on"]["cpu"]
    (check,) = raw["cv"]["fold_assignment_check"]  # the shipped recipe on another split
    assert check["seed"] == 1
    assert set(check) == {"seed", WINDOWED.name, f"{WINDOWED.name}: teacher"}
    assert check[WINDOWED.name]["arr_vs_nsr_per_recording_accuracy"]["target"] == 0.88
    assert figure.read_bytes().startswith(b"\x89PNG")
    assert load_model(card_path).version == "tiny"  # weights untouched


def test_every_offline_tool_defaults_to_the_shared_data_folder():
    """One home for the data folder: training, export and bench read it from sources."""
    from bench.__main__ import ecg_dir
    from classifier.training import export
    from classifier.training.sources import default_data_dir, shared_data_root

    assert shared_data_root() == REPO.parent / "shared" / "data"
    assert (default_data_dir() / "recordings").is_dir()
    assert ecg_dir() == default_data_dir()
    assert export.default_data_dir is default_data_dir
