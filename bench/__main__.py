"""``python -m bench`` (``make bench``): the reference pipeline and ours, side by side.

Every figure comes from this one run on the same real recordings (65536-sample excerpts at
128 Hz of the long recordings under WAVECARDIO_ECG_DIR or ``<repo>/../shared/data/ecg``).
Each stage runs in its own process (``bench.stages``) so peak RSS is per pipeline. Prints a
Markdown table and appends it, dated and with the machine, to ``bench/RESULTS.md``.

``--quick``: tiny sizes and no web test (smoke runs); ``--sections`` picks sections.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classifier.training.card import cpu_model
from classifier.training.sources import default_data_dir

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "RESULTS.md"
SECTIONS = (
    "cwt",
    "e2e",
    "throughput",
    "cli",
    "web",
    "size",
    "holter",
    "upload",
    "windows",
    "viewer",
)
RUNTIMES = ("litert", "keras")  # the served runtime first; Keras for comparison
N_SAMPLES = 65536
TARGETS = {  # from issue 5
    "cwt_speedup": 100.0,
    "cwt_rel_error": 1e-5,
    "e2e_speedup": 50.0,
    "e2e_ms": 25.0,
    "cli_s": 1.5,
    "throughput": 50.0,
    "web_p95_ms": 1000.0,
    "model_bytes": 2 * 1024 * 1024,
    "holter_s": 15.0,  # issue 15: 24 h, 2 leads at 128 Hz
    "holter_rss_mb": 400.0,
    "wfdb_holter_s": 60.0,  # issue 15: 48 h, 3 leads at 360 Hz, WFDB
    "wfdb_holter_rss_mb": 500.0,
    "upload_growth_mb": 100.0,  # issue 15: a web worker taking a ~500-MB upload
    "window_bytes_ratio": 5.0,  # issue 15: per-window results stored compactly ...
    "window_page_ms": 50.0,  # ... and read back fast
    "first_paint_ms": 1000.0,  # issue 15: a 24-h recording opens in under a second
    "signal_p95_ms": 200.0,  # ... and the signal endpoint answers any zoom in < 200 ms
}


def ecg_dir() -> Path:
    return default_data_dir()


def long_recordings(data: Path, n_samples: int) -> list[Path]:
    """Recordings with at least ``n_samples`` samples at 128 Hz, from the manifest."""
    with open(data / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        data / row["file"]
        for row in rows
        if int(row["n_samples"]) >= n_samples and float(row["fs_hz"]) == 128.0
    ]


def newest_card(models_dir: Path = REPO / "models") -> Path:
    """The newest model card (``classifier.core.model.newest_card``), not the dev database's."""
    from classifier.core import model

    try:
        return model.newest_card(models_dir)
    except model.ModelLoadError as exc:
        raise SystemExit(str(exc)) from exc


def run_stage_or_error(name: str, **kwargs) -> dict:
    """:func:`run_stage`, or ``{"error": its last line}`` (e.g. no verified LiteRT export):
    reported, not fatal."""
    try:
        return run_stage(name, **kwargs)
    except RuntimeError as exc:
        return {"error": str(exc).splitlines()[-1]}


def run_stage(stage: str, /, **kwargs) -> dict:
    """Run one bench.stages stage in a fresh process; its JSON result."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.stages", stage, json.dumps(kwargs)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"stage {stage} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def cold_cli(recording: Path, card: Path, runs: int) -> dict:
    """Wall time and peak RSS of ``manage.py classify FILE --json --model CARD`` in a new
    process (the card named so it is the model of the other sections, not the dev DB's)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ecgsite.settings.dev"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    seconds, rss_mb, output = [], [], None
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "classify",
                str(recording),
                "--rate",
                "128",  # the shared .npy recordings are at 128 Hz
                "--json",
                "--model",
                str(card),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdout is not None  # stdout=PIPE
        stdout = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds.append(time.perf_counter() - started)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"manage.py classify exited {process.returncode}")
        rss_mb.append(usage.ru_maxrss / 1024)
        output = json.loads(stdout.decode().splitlines()[-1])
    if output is None:
        raise ValueError("cold_cli needs runs >= 1")
    from bench.stages import summary

    return summary(seconds) | {"peak_rss_mb": max(rss_mb), "label": output["label"]}


def machine() -> dict:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
    }


def measure(args: argparse.Namespace) -> dict:
    """Run the selected sections; their raw figures."""
    data = ecg_dir()
    card = newest_card()
    n_samples = args.samples
    recordings = long_recordings(data, n_samples)
    if not recordings:
        raise SystemExit(f"no recording of {n_samples} samples under {data}")
    rec = [str(p) for p in recordings]
    figures: dict = {"card": card.name, "n_samples": n_samples, "recordings": len(rec)}
    common = {"recordings": rec, "n_samples": n_samples}
    if "cwt" in args.sections:
        cwt_recs = rec[: max(args.runs, 1)]
        figures["cwt"] = run_stage(
            "cwt", recordings=cwt_recs, n_samples=n_samples, runs=args.runs, card=str(card)
        )
    if "e2e" in args.sections:
        with tempfile.TemporaryDirectory(prefix="wavecardio-bench-") as folder:
            model_path = str(Path(folder) / "reference_stand_in.keras")
            figures["reference_model"] = run_stage("build_reference_model", path=model_path)
            figures["reference_e2e"] = run_stage(
                "reference_e2e", **common, runs=args.runs, model_path=model_path
            )
        for runtime in RUNTIMES:
            figures[f"ours_e2e_{runtime}"] = run_stage_or_error(
                "ours_resident", **common, runs=args.resident_runs, card=str(card), runtime=runtime
            )
    if "throughput" in args.sections:
        for runtime in RUNTIMES:
            figures[f"throughput_{runtime}"] = run_stage_or_error(
                "throughput",
                **common,
                n_recordings=args.batch,
                card=str(card),
                runtime=runtime,
                repeats=3 if runtime == "litert" else 1,  # Keras: comparison only
            )
    if "cli" in args.sections:
        exact = (p for p in recordings if _load_shape(p)[:1] == (N_SAMPLES,))
        recording = next(exact, recordings[0])
        figures["cold_cli"] = cold_cli(recording, card, args.cli_runs) | {"file": recording.name}
    if "size" in args.sections:
        card_data = json.loads(card.read_text())
        serving = card_data.get("serving") or {}
        figures["model"] = {
            "keras_bytes": (card.parent / card_data["weights_file"]).stat().st_size,
            "params": (card_data.get("architecture") or {}).get("params"),
            "serving_runtime": serving.get("runtime", "keras"),
            "serving_bytes": serving.get("size_bytes"),
            "stage_bytes": (card_data.get("rhythm_stage") or {}).get("size_bytes", 0),
            "max_abs_prob_diff_vs_keras": serving.get("max_abs_prob_diff_vs_keras"),
            "n_recordings_checked": serving.get("n_recordings"),
        }
    if "holter" in args.sections:
        figures.update(holter(rec, card, hours=args.holter_hours))
        figures["wfdb_holter"] = wfdb_holter(card, hours=args.wfdb_holter_hours)
    if "upload" in args.sections:
        figures["upload"] = upload_memory(hours=args.wfdb_holter_hours)
    if "viewer" in args.sections:
        with tempfile.TemporaryDirectory(prefix="wavecardio-viewer-") as folder:
            path = str(Path(folder) / "holter.npy")
            run_stage("write_holter", recordings=rec, hours=args.holter_hours, leads=2, path=path)
            figures["viewer"] = run_stage("viewer", path=path)
    if "windows" in args.sections:
        figures["window_storage"] = run_stage(
            "window_storage", n_windows=args.windows, leads=3, runs=args.runs
        )
    if "web" in args.sections:
        from bench import web
        from bench.stages import _excerpts, _npy_bytes

        payloads = [
            (Path(p).name, _npy_bytes(x))
            for p, x in zip(rec, _excerpts(rec, n_samples), strict=True)
        ]
        figures["web"] = web.run(
            payloads=payloads, clients=args.clients, duration_s=args.web_duration
        )
    return figures


def holter(recordings: list[str], card: Path, hours: float) -> dict:
    """Ours on a 2-lead Holter-length file end to end, and how far the demo's CWT gets."""
    with tempfile.TemporaryDirectory(prefix="wavecardio-holter-") as folder:
        path = str(Path(folder) / "holter.npy")
        run_stage("write_holter", recordings=recordings, hours=hours, leads=2, path=path)
        ours = run_stage("ours_holter", path=path, card=str(card))
    reach = run_stage(
        "reference_holter_reach",
        recordings=recordings,
        max_hours=hours,
        memory_gb=8.0,
        budget_s=120.0,
    )
    return {"holter": ours, "reference_holter": reach}


def wfdb_holter(card: Path, hours: float) -> dict:
    """Ours end to end on a zipped 3-lead 360-Hz WFDB Holter (MIT-BIH records tiled)."""
    with tempfile.TemporaryDirectory(prefix="wavecardio-wfdb-holter-") as folder:
        written = run_stage("write_wfdb_holter", hours=hours, leads=3, folder=folder)
        return run_stage("ours_holter", path=written["path"], card=str(card), sampling_rate_hz=None)


def upload_memory(hours: float) -> dict:
    """A web worker's memory growth taking a ~500-MB WFDB zip (4 leads, format 16) and a
    ~500-MB .npy (2 leads, float32), both 360 Hz, ``hours`` long (48: ~500 MB each)."""
    with tempfile.TemporaryDirectory(prefix="wavecardio-upload-") as name:
        folder = Path(name)
        files = []
        for label, file_hours in (("holter", hours), ("warm-up", 0.25)):
            wfdb_zip = run_stage(
                "write_wfdb_holter",
                hours=file_hours,
                leads=4 if label == "holter" else 3,
                fmt="16",
                folder=name,
                name=f"{label}-wfdb",
            )["path"]
            npy = str(folder / f"{label}.npy")
            run_stage("write_npy_holter_mv", hours=file_hours, leads=2, path=npy)
            files.append([{"path": wfdb_zip, "rate_hz": None}, {"path": npy, "rate_hz": 360}])
        measured = run_stage("upload", uploads=files[0], warm_up=files[1])
    measured.pop("peak_rss_mb")  # the bench's own process, not the server's
    return {"hours": hours, "files": measured}


def _load_shape(path: Path) -> tuple[int, ...]:
    import numpy as np

    return np.load(path, mmap_mode="r").shape


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def _first_error(web: dict) -> str:
    """What the first failed upload said, short enough for a table cell."""
    examples = web.get("error_examples") or []
    return f" (first: {examples[0][:60].replace('|', '/')})" if examples else ""


def table(figures: dict) -> list[str]:
    """Markdown rows: measure | reference | ours | ratio | target | met."""
    rows = ["| measure | reference | ours | ratio | target | status |", "|---|---|---|---|---|---|"]

    full_size = figures["n_samples"] == N_SAMPLES  # the targets are for 65536 samples

    def add(measure, reference="", ours="", ratio="", target="", ok=None, any_size=False):
        ok = ok if full_size or any_size else None
        rows.append(f"| {measure} | {reference} | {ours} | {ratio} | {target} | {_met(ok)} |")

    def ms(stats):
        return f"{stats['median_ms']:.1f} ms (min {stats['min_ms']:.1f}, max {stats['max_ms']:.1f})"

    n = figures["n_samples"]
    if cwt := figures.get("cwt"):
        ours, ref = cwt["ours_model_inputs"], cwt["reference_cwt_resize"]
        speedup = ref["median_ms"] / ours["median_ms"]
        add(
            f"model input from {n} samples, {ours['runs']} runs (ours: scalograms -> "
            "model_inputs; ref: pywt.cwt conv + cv2 resize)",
            ms(ref),
            ms(ours),
            f"{speedup:.0f}x",
            f"≥ {TARGETS['cwt_speedup']:.0f}x",
            speedup >= TARGETS["cwt_speedup"],
        )
        for key, label in (
            ("pywt_cwt_conv", "pywt.cwt default (conv)"),
            ("pywt_cwt_fft", "pywt.cwt method='fft'"),
        ):
            add(
                f"CWT alone: {label}, 128 scales",
                ms(cwt[key]),
                ms(ours),
                f"{cwt[key]['median_ms'] / ours['median_ms']:.0f}x",
            )
        err = cwt["morlet_cwt_max_rel_error"]
        add(
            "morlet_cwt (full res) vs pywt.cwt magnitudes: max abs error / max abs coefficient",
            "",
            f"{err:.1e}",
            "",
            f"≤ {TARGETS['cwt_rel_error']:.0e}",
            err <= TARGETS["cwt_rel_error"],
        )
    if ref := figures.get("reference_e2e"):
        stand_in = figures["reference_model"]
        for runtime in RUNTIMES:
            ours = figures.get(f"ours_e2e_{runtime}", {})
            if "median_ms" not in ours:
                add(f"end-to-end, ours resident ({runtime})", ms(ref), ours.get("error", "-"))
                continue
            speedup = ref["median_ms"] / ours["median_ms"]
            ok = speedup >= TARGETS["e2e_speedup"] and ours["median_ms"] < TARGETS["e2e_ms"]
            add(
                f"end-to-end one recording, ours resident ({ours['runtime']}) vs reference "
                f"(stand-in CNN {stand_in['params'] / 1e6:.1f} M params, "
                f"{stand_in['size_bytes'] / 1e6:.0f} MB, loaded per call)",
                ms(ref),
                ms(ours),
                f"{speedup:.0f}x",
                f"≥ {TARGETS['e2e_speedup']:.0f}x and < {TARGETS['e2e_ms']:.0f} ms",
                ok if runtime == "litert" else None,
            )  # served runtime; Keras for comparison
        add("peak RSS, reference e2e process", f"{ref['peak_rss_mb']:.0f} MB")
        for runtime in RUNTIMES:
            if "peak_rss_mb" in figures.get(f"ours_e2e_{runtime}", {}):
                add(
                    f"peak RSS, ours resident ({runtime}) process",
                    "",
                    f"{figures[f'ours_e2e_{runtime}']['peak_rss_mb']:.0f} MB",
                )
    if cli := figures.get("cold_cli"):
        add(
            f"cold CLI `manage.py classify {cli['file']} --json` (new process), wall",
            "",
            ms(cli),
            "",
            f"< {TARGETS['cli_s']} s",
            cli["median_ms"] < TARGETS["cli_s"] * 1e3,
        )
        add("peak RSS, cold CLI process", "", f"{cli['peak_rss_mb']:.0f} MB")
    for runtime in RUNTIMES:
        if tp := figures.get(f"throughput_{runtime}"):
            if "recordings_per_s" not in tp:
                add(f"batch throughput ({runtime})", "", tp.get("error", "-"))
                continue
            add(
                f"batch throughput, {tp['recordings']} recordings x {n} samples, one process, "
                f"{tp['threads']} threads, {tp['recordings_per_model_call']} recordings per "
                f"model call ({tp['runtime']})",
                "",
                f"{tp['recordings_per_s']:.1f} rec/s",
                "",
                f"≥ {TARGETS['throughput']:.0f} rec/s",
                tp["recordings_per_s"] >= TARGETS["throughput"],
            )
            add(f"peak RSS, batch process ({runtime})", "", f"{tp['peak_rss_mb']:.0f} MB")
    if web := figures.get("web"):
        ok = web["errors"] == 0 and (web["p95_ms"] or 1e9) < TARGETS["web_p95_ms"]
        add(
            f"web: {web['clients']} clients x {web['duration_s']:.0f} s, upload -> result, "
            f"gunicorn {web['web_workers']} workers + Celery x{web['celery_concurrency']}",
            "",
            f"p50 {web['p50_ms']:.0f} ms, p95 {web['p95_ms']:.0f} ms, "
            f"{web['throughput_per_s']:.1f} rec/s, {web['completed']} done, "
            f"{web['errors']} errors{_first_error(web)}",
            "",
            f"p95 < {TARGETS['web_p95_ms']:.0f} ms, 0 errors",
            ok,
        )
    if holter := figures.get("holter"):
        reach = figures["reference_holter"]
        furthest = reach["done"][-1] if reach["done"] else None
        coefficients_gb = 128 * holter["hours"] * 3600 * 128 * 8 / 1e9  # 128 scales, float64
        reference = (
            (
                f"{furthest['minutes']:.0f} min in {furthest['seconds']:.0f} s"
                if furthest
                else "none"
            )
            + f" (its {holter['hours']:g} h needs {coefficients_gb:.0f} GB of coefficients)"
            + (
                f"; {reach['failed']['minutes']:.0f} min: {reach['failed']['error']} "
                f"(cap {reach['memory_gb']:.0f} GB)"
                if reach["failed"]
                else ""
            )
        )
        ok = (
            holter["seconds"] <= TARGETS["holter_s"]
            and holter["peak_rss_mb"] <= TARGETS["holter_rss_mb"]
            if holter["hours"] >= 24  # the target's length; --quick runs are smoke only
            else None
        )
        add(
            f"Holter: {holter['hours']:g} h x {holter['leads']} leads at 128 Hz (.npy), parse + "
            f"classify {holter['windows']} windows (ref: the demo's one CWT image of one lead)",
            reference,
            f"{holter['seconds']:.1f} s, peak RSS {holter['peak_rss_mb']:.0f} MB",
            "",
            f"≤ {TARGETS['holter_s']:.0f} s, ≤ {TARGETS['holter_rss_mb']:.0f} MB",
            ok,
            any_size=True,
        )
    if wfdb := figures.get("wfdb_holter"):
        add(
            f"Holter: {wfdb['hours']:g} h x {wfdb['leads']} leads at {wfdb['rate_hz']:g} Hz "
            f"(zipped WFDB, {wfdb['file_bytes'] / 1e6:.0f} MB), parse (read and resampled 10 min "
            f"at a time) + classify {wfdb['windows']} windows",
            "",
            f"{wfdb['seconds']:.1f} s (parse {wfdb['parse_s']:.1f} s), "
            f"peak RSS {wfdb['peak_rss_mb']:.0f} MB",
            "",
            f"≤ {TARGETS['wfdb_holter_s']:.0f} s, ≤ {TARGETS['wfdb_holter_rss_mb']:.0f} MB",
            wfdb["seconds"] <= TARGETS["wfdb_holter_s"]
            and wfdb["peak_rss_mb"] <= TARGETS["wfdb_holter_rss_mb"]
            if wfdb["hours"] >= 48
            else None,
            any_size=True,
        )
    if uploads := figures.get("upload"):
        hours = uploads["hours"]
        for name, upload in uploads["files"].items():
            accepted = upload["status"] in (201, 202)
            add(
                f"web worker RSS growth taking {name} ({upload['bytes'] / 1e6:.0f} MB, "
                f"{hours:g} h) through gunicorn (1 worker, SQLite, not classified)",
                "",
                f"+{upload['growth_mb']:.0f} MB (peak {upload['peak_rss_mb']:.0f} MB), HTTP "
                f"{upload['status']} in {upload['seconds']:.1f} s",
                "",
                f"< {TARGETS['upload_growth_mb']:.0f} MB",
                accepted and upload["growth_mb"] < TARGETS["upload_growth_mb"]
                if hours >= 48
                else None,
                any_size=True,
            )
    if view := figures.get("viewer"):
        rows += viewer_rows(view)
    if storage := figures.get("window_storage"):
        rows += window_rows(storage)
    if model := figures.get("model"):
        add(
            f"committed model ({figures['card']}, {model['params']} params)",
            "520 MB (demo)",
            f".keras {model['keras_bytes'] / 1e6:.2f} MB"
            + (f", .tflite {model['serving_bytes'] / 1e6:.2f} MB" if model["serving_bytes"] else "")
            + (
                f", rhythm-stage trees {model['stage_bytes'] / 1e6:.2f} MB"
                if model["stage_bytes"]
                else ""
            ),
            "",
            "< 2 MB",
            model["keras_bytes"] + model["stage_bytes"] < TARGETS["model_bytes"],
            any_size=True,
        )
        if model["max_abs_prob_diff_vs_keras"] is not None:
            add(
                "LiteRT vs Keras on every recording (classifier.training.export)",
                "",
                f"max abs Δp {model['max_abs_prob_diff_vs_keras']:.1e}, same labels, "
                f"{model['n_recordings_checked']} recordings",
                "",
                "≤ 1e-4, same labels",
                True,
                any_size=True,
            )
    return rows


def viewer_rows(view: dict) -> list[str]:
    """The viewer on a Holter-length recording stored through the service layer."""
    size = f"{view['hours']:g}-h {view['leads']}-lead recording"
    full = view["hours"] >= 24  # the targets' length; --quick runs are smoke only
    paint, signal = view["first_paint"], view["signal"]
    paint_ok = paint["total_ms"] < TARGETS["first_paint_ms"] if full else None
    signal_ok = signal["p95_ms"] < TARGETS["signal_p95_ms"] if full else None
    spans = ", ".join(
        f"{name} {stats['p95_ms']:.0f}" for name, stats in view["signal_per_span"].items()
    )
    return [
        f"| viewer first paint, {size}, fresh worker: result page + overview trace + first "
        f"10 s of the paper |  | {paint['total_ms']:.0f} ms (page {paint['page_ms']:.0f}, "
        f"overview {paint['overview_signal_ms']:.0f}, paper {paint['paper_signal_ms']:.0f}) "
        f"|  | < {TARGETS['first_paint_ms']:.0f} ms | {_met(paint_ok)} |",
        f"| signal endpoint, {signal['n']} requests, 10 s to the whole recording, random pans "
        f"| | p50 {signal['p50_ms']:.0f} ms, p95 {signal['p95_ms']:.0f} ms, max "
        f"{signal['max_ms']:.0f} ms (p95 per span: {spans}) |  | p95 < "
        f"{TARGETS['signal_p95_ms']:.0f} ms | {_met(signal_ok)} |",
        f"| signal endpoint, whole recording, fresh worker |  | "
        f"{view['cold_whole_signal_ms']:.0f} ms |  |  | n/a |",
        f"| windows endpoint, pages of 500 of {view['windows']} |  | p50 "
        f"{view['windows_page']['p50_ms']:.0f} ms, p95 {view['windows_page']['p95_ms']:.0f} ms "
        "|  |  | n/a |",
    ]


def window_rows(storage: dict) -> list[str]:
    """Per-window results, JSON list of dicts (before) against the compact table (ours)."""

    def ms(stats: dict) -> str:
        return f"{stats['median_ms']:.1f} ms"

    ratio = storage["json_bytes"] / storage["compact_bytes"]
    size = f"{storage['windows']:,} windows ({storage['leads']} leads of 8-s windows)"
    return [
        f"| stored per-window results, {size} | {storage['json_bytes'] / 1e6:.2f} MB (JSON) "
        f"| {storage['compact_bytes'] / 1e6:.2f} MB | "
        f"{ratio:.1f}x smaller | ≥ {TARGETS['window_bytes_ratio']:.0f}x smaller | "
        f"{_met(ratio >= TARGETS['window_bytes_ratio'])} |",
        f"| read one API page of 500 of them | {ms(storage['json_page'])} | "
        f"{ms(storage['compact_page'])} | "
        f"{storage['json_page']['median_ms'] / storage['compact_page']['median_ms']:.0f}x | "
        f"< {TARGETS['window_page_ms']:.0f} ms | "
        f"{_met(storage['compact_page']['median_ms'] < TARGETS['window_page_ms'])} |",
        f"| read all of them as dicts (the detail API) | {ms(storage['json_all'])} | "
        f"{ms(storage['compact_all'])} |  |  | n/a |",
        f"| timeline runs (result page) |  | {ms(storage['compact_runs'])} |  |  | n/a |",
    ]


def report(figures: dict, info: dict, load_after: tuple[float, ...]) -> str:
    load = ", ".join(f"{x:.2f}" for x in info["load_average"])
    after = ", ".join(f"{x:.2f}" for x in load_after)
    head = (
        f"### {info['date']}: {info['cpu']}, {info['cores']} cores, Python {info['python']}\n\n"
        f"Load average before {load}; after {after} (machine shared: noisy). "
        f"Model {figures['card']}; {figures['recordings']} real recordings of "
        f"≥ {figures['n_samples']} samples.\n\n"
    )
    return head + "\n".join(table(figures)) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no web test")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)}",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown file to append")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--json", type=Path, default=None, help="also write raw figures here")
    parser.add_argument("--web-duration", type=float, default=60.0, metavar="S")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args(argv)
    args.sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    unknown = args.sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    if args.quick:
        args.sections.discard("web")
        args.samples, args.runs, args.resident_runs, args.batch, args.cli_runs = 8192, 2, 3, 4, 1
        args.holter_hours = 0.25
        args.wfdb_holter_hours = 0.5
        args.windows = 3000
    else:
        args.samples, args.runs, args.resident_runs, args.batch, args.cli_runs = (
            N_SAMPLES,
            5,
            30,
            100,
            5,
        )
        args.holter_hours = 24.0
        args.wfdb_holter_hours = 48.0
        args.windows = 65_000  # issue 15: a 48-h 3-lead recording
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    figures = measure(args)
    text = report(figures, info, os.getloadavg())
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "figures": figures}, indent=2))
    if not args.no_write:
        with open(args.results, "a") as handle:
            handle.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
