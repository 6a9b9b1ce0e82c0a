"""Smoke tests of the benchmark code with tiny sizes (no timing assertions)."""

import hashlib
import io
import sys

import numpy as np
import pytest

from bench import reference_pipeline, stages, web
from bench.__main__ import long_recordings, newest_card, parse_args, report


def test_reference_image_is_the_demos_224_square(ecg_dir):
    signal = np.load(ecg_dir / "recordings" / "mitdb-100-MLII.npy")[:512]
    image = reference_pipeline.reference_image(signal)
    assert image.shape == (224, 224) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    coefficients = reference_pipeline.reference_cwt(signal)
    assert coefficients.shape == (128, 512)


def test_cwt_stage_measures_every_method_and_the_error(ecg_dir):
    recordings = [str(p) for p in long_recordings(ecg_dir, 2048)[:1]]
    result = stages.cwt(recordings=recordings, n_samples=2048, runs=2, card=str(newest_card()))
    for name in ("ours_model_inputs", "pywt_cwt_conv", "pywt_cwt_fft", "reference_cwt_resize"):
        assert result[name]["runs"] == 2
        assert result[name]["min_ms"] <= result[name]["median_ms"] <= result[name]["max_ms"]
    assert result["morlet_cwt_max_rel_error"] < 1e-5


def test_throughput_stage_classifies_every_recording(ecg_dir):
    recordings = [str(p) for p in long_recordings(ecg_dir, 65536)[:1]]
    result = stages.throughput(
        recordings=recordings,
        n_samples=1024,
        n_recordings=5,
        card=str(newest_card()),
        per_call=2,
        repeats=1,
    )
    assert result["recordings"] == 5 and result["recordings_per_s"] > 0


def test_long_recordings_come_from_the_manifest(ecg_dir):
    found = long_recordings(ecg_dir, 65536)
    assert found and all(np.load(p, mmap_mode="r").shape[0] >= 65536 for p in found)


def test_quick_mode_never_runs_the_web_test():
    assert "web" not in parse_args(["--quick"]).sections
    with pytest.raises(SystemExit):
        parse_args(["--sections", "cwt,nonsense"])


def test_report_is_a_dated_markdown_table_with_targets():
    stats = {"median_ms": 2.0, "min_ms": 1.0, "max_ms": 3.0, "runs": 5}
    figures = {
        "card": "m.json",
        "n_samples": 65536,
        "recordings": 10,
        "cwt": {
            "ours_model_inputs": stats,
            "pywt_cwt_conv": {**stats, "median_ms": 900.0},
            "pywt_cwt_fft": {**stats, "median_ms": 300.0},
            "reference_cwt_resize": {**stats, "median_ms": 1000.0},
            "morlet_cwt_max_rel_error": 1e-7,
        },
        "web": {
            "clients": 16,
            "duration_s": 60,
            "web_workers": 2,
            "celery_concurrency": 2,
            "p50_ms": 300.0,
            "p95_ms": 1500.0,
            "throughput_per_s": 10.0,
            "completed": 600,
            "errors": 2,
            "error_examples": ['upload: HTTP 413 {"detail": "a|b"}'],
        },
    }
    info = {
        "date": "2026-11-25 17:00 UTC",
        "cpu": "CPU",
        "cores": 2,
        "python": "3.11",
        "load_average": (1.0, 1.0, 1.0),
    }
    text = report(figures, info, (2.0, 2.0, 2.0))
    assert text.startswith("### 2026-11-25 17:00 UTC: CPU, 2 cores")
    assert "| 500x | ≥ 100x | met |" in text
    assert "p95 1500 ms" in text and "**missed**" in text
    assert '2 errors (first: upload: HTTP 413 {"detail": "a/b"})' in text  # a cell, not two


def test_holter_stages_classify_a_long_file_and_measure_the_reference_reach(ecg_dir, tmp_path):
    recordings = [str(p) for p in long_recordings(ecg_dir, 65536)[:2]]
    path = str(tmp_path / "holter.npy")
    stages.write_holter(recordings=recordings, hours=0.1, leads=2, path=path)
    assert np.load(path).shape == (int(0.1 * 3600 * 128), 2)
    ours = stages.ours_holter(path=path, card=str(newest_card()))
    assert ours["leads"] == 2 and ours["windows"] == 2 * 45
    reach = stages.reference_holter_reach(
        recordings=recordings, max_hours=0.1, memory_gb=64.0, budget_s=60.0
    )
    assert [step["minutes"] for step in reach["done"]] == [5.0] and reach["failed"] is None


def test_window_storage_stage_compares_json_and_the_compact_table():
    from bench.stages import window_storage

    figures = window_storage(n_windows=300, leads=3, runs=1)
    assert figures["windows"] == 300
    assert figures["compact_bytes"] * 5 < figures["json_bytes"]
    assert {"json_page", "compact_page", "compact_runs"} <= set(figures)


def test_viewer_stage_stores_a_recording_and_times_the_viewer_requests(ecg_dir, tmp_path):
    from bench.__main__ import long_recordings, run_stage, viewer_rows

    recordings = [str(p) for p in long_recordings(ecg_dir, 8192)]
    path = str(tmp_path / "holter.npy")
    run_stage("write_holter", recordings=recordings, hours=0.1, leads=2, path=path)
    figures = run_stage("viewer", path=path)
    assert figures["leads"] == 2 and figures["windows"] == 2 * 45
    assert figures["signal"]["n"] == 96 and figures["first_paint"]["total_ms"] > 0
    assert len(viewer_rows(figures)) == 4


def test_wfdb_holter_stages_write_a_zipped_record_and_classify_it_end_to_end(tmp_path):
    written = stages.write_wfdb_holter(hours=0.1, leads=3, folder=str(tmp_path))
    ours = stages.ours_holter(path=written["path"], card=str(newest_card()), sampling_rate_hz=None)
    assert (ours["format"], ours["leads"], ours["rate_hz"]) == ("wfdb", 3, 360.0)
    assert ours["windows"] == 3 * 45


@pytest.mark.slow
def test_upload_stage_measures_a_web_worker_taking_each_file(tmp_path):
    def files(name: str, hours: float) -> list[dict]:
        wfdb_zip = stages.write_wfdb_holter(hours=hours, leads=2, folder=str(tmp_path), name=name)
        npy = str(tmp_path / f"{name}.npy")
        stages.write_npy_holter_mv(hours=hours, leads=2, path=npy)
        return [{"path": wfdb_zip["path"], "rate_hz": None}, {"path": npy, "rate_hz": 360}]

    figures = stages.upload(uploads=files("measured", 0.05), warm_up=files("warm", 0.03))

    assert set(figures) == {"measured.zip", "measured.npy"}
    for upload in figures.values():
        assert upload["status"] == 202, upload["response"]  # stored, queued
        assert upload["peak_rss_mb"] >= upload["rss_before_mb"]


def test_report_says_whether_a_48_hour_holter_and_its_upload_met_their_targets():
    figures = {
        "card": "m.json",
        "n_samples": 65536,
        "recordings": 10,
        "wfdb_holter": {
            "hours": 48.0,
            "leads": 3,
            "rate_hz": 360.0,
            "file_bytes": 280e6,
            "windows": 64800,
            "seconds": 40.0,
            "parse_s": 11.0,
            "peak_rss_mb": 306.0,
        },
        "upload": {
            "hours": 48.0,
            "files": {
                "a.zip": {
                    "bytes": 5e8,
                    "status": 202,
                    "seconds": 15.0,
                    "growth_mb": 45.0,
                    "peak_rss_mb": 270.0,
                },
                "b.npy": {
                    "bytes": 5e8,
                    "status": 202,
                    "seconds": 10.0,
                    "growth_mb": 120.0,
                    "peak_rss_mb": 350.0,
                },
            },
        },
    }
    info = {"date": "d", "cpu": "CPU", "cores": 2, "python": "3.11", "load_average": (1.0,) * 3}
    rows = report(figures, info, (1.0,) * 3).splitlines()
    assert any("48 h x 3 leads at 360 Hz" in row and row.endswith("| met |") for row in rows)
    assert any("a.zip" in row and row.endswith("| met |") for row in rows)
    assert any("b.npy" in row and row.endswith("| **missed** |") for row in rows)


def test_web_stage_configures_a_complete_production_site(tmp_path):
    """The web and upload stages start production-mode servers from ``server_env`` alone:
    every setting production requires is there, and a missing one is named, not hidden."""
    env = web.server_env(
        tmp_path,
        8000,
        database_url="postgres://postgres@127.0.0.1:5432/bench",
        broker_url="redis://127.0.0.1:6379/12",
        cache_url="redis://127.0.0.1:6379/13",
        web_workers=1,
    )
    assert env["WAVECARDIO_RATE_UPLOADS"] == "100000/min"  # clients upload back to back
    check = [sys.executable, "manage.py", "check"]
    web._run_or_explain(check, env)  # raises if production refuses the environment
    without_cache = {name: value for name, value in env.items() if name != "CACHE_URL"}
    with pytest.raises(RuntimeError, match="CACHE_URL"):
        web._run_or_explain(check, without_cache)


def test_every_web_upload_is_a_new_file():
    """The web stage nudges each upload's last sample, so none is answered as a duplicate
    (HTTP 200, nothing classified) and every one measures upload -> result."""
    signal = np.linspace(-1.0, 1.0, 2048, dtype=np.float32)
    npy = stages._npy_bytes(signal)
    uploads = [web.distinct(npy, k) for k in range(3)]
    assert uploads[0] == npy
    assert len({hashlib.sha256(upload).digest() for upload in uploads}) == 3
    for upload in uploads:
        loaded = np.load(io.BytesIO(upload), allow_pickle=False)
        np.testing.assert_array_equal(loaded[:-1], signal[:-1])
        assert abs(loaded[-1] - signal[-1]) < 1e-6
