"""`manage.py classify`: JSON lines per file, a clear error per bad file, exit code 2."""

import json

import numpy as np
import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    np.save(folder / "pickled.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (folder / "text.npy").write_text("hello, I am not an array\n")
    np.save(folder / "nan.npy", np.r_[np.zeros(2000), np.nan].astype(np.float32))
    np.save(folder / "cube.npy", np.zeros((2, 3, 2000), np.float32))
    np.save(folder / "one.npy", np.zeros(1, np.float32))
    return folder


@pytest.mark.slow
def test_json_lines_for_real_files_and_errors_for_bad_ones(ecg_dir, bad_files, classify):
    good = [ecg_dir / "recordings" / n for n in ("nsrdb-16273-ECG1.npy", "mitdb-100-MLII.npy")]
    bad = {
        "pickled.npy": "pickle",
        "text.npy": "npy",
        "nan.npy": "nan",
        "cube.npy": "3-d",
        "one.npy": "at least 8 s",
    }
    result = classify(
        *map(str, good), *(str(bad_files / n) for n in bad), "--rate", "128", "--json"
    )
    assert result.returncode == 2, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(good) + len(bad)
    for line, path in zip(lines[:2], good, strict=True):
        assert line["file"] == str(path)
        assert set(line) >= {"label", "probabilities", "model_version", "n_windows", "elapsed_s"}
        assert set(line["probabilities"]) == {"ARR", "CHF", "NSR"}  # both v4 and v5
        assert line["n_windows"] >= 1
    assert lines[1]["n_windows"] == 231112 // 1024  # a whole 30-min record, one model call
    for line, (name, word) in zip(lines[2:], bad.items(), strict=True):
        assert line["file"].endswith(name)
        assert word in line["error"].lower(), line


@pytest.mark.slow
def test_table_output_and_exit_zero(recording_path, classify):
    result = classify(str(recording_path), "--rate", "128")
    assert result.returncode == 0, result.stderr
    assert "nsrdb-16273-ECG1.npy" in result.stdout
    assert "Decision support" in result.stdout


@pytest.mark.slow
def test_sampling_rate_option(ecg_dir, tmp_path, classify):
    from scipy.signal import resample_poly

    samples = np.load(ecg_dir / "recordings" / "nsrdb-16273-ECG1.npy")
    path = tmp_path / "at250.npy"
    np.save(path, resample_poly(samples, 125, 64).astype(np.float32))
    direct = json.loads(
        classify(
            str(ecg_dir / "recordings" / "nsrdb-16273-ECG1.npy"), "--rate", "128", "--json"
        ).stdout
    )
    resampled = json.loads(classify(str(path), "--sampling-rate", "250", "--json").stdout)
    assert resampled["n_windows"] == direct["n_windows"]
    assert resampled["label"] == direct["label"]
    for name in ("ARR", "CHF", "NSR"):
        assert resampled["probabilities"][name] == pytest.approx(
            direct["probabilities"][name], abs=0.05
        )


@pytest.mark.slow
def test_missing_file_is_an_error_not_a_crash(tmp_path, classify):
    result = classify(str(tmp_path / "nope.npy"), "--json")
    assert result.returncode == 2
    assert "error" in json.loads(result.stdout)


WINDOW_FIELDS = {"lead", "start_s", "end_s", "label", "probabilities", "quality"}


@pytest.mark.slow
def test_a_wfdb_record_per_window_on_one_lead(classify):
    from classifier.core.model import ModelCard
    from tests.classifier.test_annotations import MITDB

    result = classify("--json", "--windows", "--lead", "MLII", str(MITDB / "100.hea"))
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    card = ModelCard.read(REPO / "models" / f"{line['model_version']}.json")
    assert line["leads"] == ["MLII"]
    assert line["n_windows"] == len(line["windows"]) == 225  # 30 min 5 s, 8-s windows
    assert set(line["probabilities"]) == set(card.classes)
    assert set(line["burden"]) == {*card.classes, "uncertain"}
    assert sum(line["burden"].values()) == pytest.approx(1.0, abs=1e-5)
    assert line["longest_arr_run_s"] % card.window_s == 0
    for k, window in enumerate(line["windows"]):
        assert set(window) == WINDOW_FIELDS
        assert (window["lead"], window["start_s"], window["end_s"]) == (0, 8.0 * k, 8.0 * (k + 1))
        assert window["label"] in {*card.classes, "uncertain"}


@pytest.mark.slow
def test_every_lead_by_default_and_an_unknown_lead_is_a_clear_error(classify):
    from tests.classifier.test_annotations import MITDB

    both = json.loads(classify("--json", str(MITDB / "100.hea")).stdout)
    assert both["leads"] == ["MLII", "V5"] and both["n_windows"] == 450
    assert "windows" not in both
    result = classify("--json", "--lead", "II", str(MITDB / "100.hea"))
    assert result.returncode == 2
    assert "no lead named 'II'" in json.loads(result.stdout)["error"]
    assert "'MLII', 'V5'" in json.loads(result.stdout)["error"]


@pytest.mark.slow
def test_a_wfdb_header_without_its_data_is_a_clear_error(tmp_path, classify):
    from tests.classifier.test_annotations import MITDB

    header = tmp_path / "100.hea"
    header.write_text((MITDB / "100.hea").read_text())
    result = classify("--json", str(header))
    assert result.returncode == 2
    assert "100.dat, which is missing" in json.loads(result.stdout)["error"]
