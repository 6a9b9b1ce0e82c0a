"""Benchmark stages, each run in its own process so its peak RSS is its own.

``python -m bench.stages NAME '<json kwargs>'`` runs one stage and prints one JSON line:
the stage's figures plus ``peak_rss_mb`` (VmHWM of this process). Times are seconds.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(seconds: list[float]) -> dict:
    """median/min/max in milliseconds of repeated timings."""
    return {
        "median_ms": statistics.median(seconds) * 1e3,
        "min_ms": min(seconds) * 1e3,
        "max_ms": max(seconds) * 1e3,
        "runs": len(seconds),
    }


def _timed_runs(run: Callable[[Any], object], inputs: list, runs: int) -> list[float]:
    """Seconds of ``runs`` calls of ``run``, over ``inputs`` in turn."""
    seconds = []
    for i in range(runs):
        x = inputs[i % len(inputs)]
        started = time.perf_counter()
        run(x)
        seconds.append(time.perf_counter() - started)
    return seconds


def _excerpts(paths: list[str], n_samples: int) -> list[np.ndarray]:
    return [np.load(p, mmap_mode="r")[:n_samples].astype(np.float32) for p in paths]


def _npy_bytes(signal: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, signal, allow_pickle=False)
    return buffer.getvalue()


def cwt(*, recordings: list[str], n_samples: int, runs: int, card: str) -> dict:
    """Model input from one recording: ours vs pywt.cwt (conv, fft) (+ the demo's resize),
    run ``runs`` times each over the recordings in turn; and morlet_cwt's error vs pywt."""
    from bench import reference_pipeline as reference
    from classifier.core.cwt import morlet_cwt
    from classifier.core.model import ModelCard
    from classifier.core.pipeline import model_inputs

    spec = ModelCard.read(Path(card)).spec
    signals = _excerpts(recordings, n_samples)
    methods = {
        "ours_model_inputs": lambda x: model_inputs(x, spec),
        "pywt_cwt_conv": lambda x: reference.reference_cwt(x, "conv"),
        "pywt_cwt_fft": lambda x: reference.reference_cwt(x, "fft"),
        "reference_cwt_resize": reference.reference_image,
    }
    for run in methods.values():  # warm caches (filter banks, FFT plans) as a server would
        run(signals[0])
    results: dict[str, dict | float] = {
        name: summary(_timed_runs(run, signals, runs)) for name, run in methods.items()
    }
    max_rel_error = 0.0
    for x in signals:
        expected = np.abs(reference.reference_cwt(x.astype(np.float64)))
        actual = np.abs(morlet_cwt(x.astype(np.float64), reference.SCALES))
        max_rel_error = max(max_rel_error, float(np.abs(actual - expected).max() / expected.max()))
    results["morlet_cwt_max_rel_error"] = max_rel_error
    return results


def build_reference_model(*, path: str) -> dict:
    from bench.reference_pipeline import build_stand_in_model

    return build_stand_in_model(Path(path))


def reference_e2e(*, recordings: list[str], n_samples: int, runs: int, model_path: str) -> dict:
    """The demo's request, from the .npy bytes: CWT image + model load + predict."""
    from bench.reference_pipeline import reference_classify

    def request(payload: bytes) -> np.ndarray:
        return reference_classify(np.load(io.BytesIO(payload)), Path(model_path))

    payloads = [_npy_bytes(x) for x in _excerpts(recordings, n_samples)]
    request(payloads[0])  # untimed: the demo's server had TensorFlow imported already
    return summary(_timed_runs(request, payloads, runs))


def ours_resident(
    *, recordings: list[str], n_samples: int, runs: int, card: str, runtime: str | None = None
) -> dict:
    """Ours with the model resident and warmed: .npy bytes -> parsed signal -> result."""
    from classifier.core import pipeline
    from classifier.core.model import load_model
    from classifier.core.signal import load_signal

    started = time.perf_counter()
    model = load_model(card, runtime=runtime)
    load_s = time.perf_counter() - started

    def request(payload: bytes) -> pipeline.ClassificationResult:
        return pipeline.classify(
            load_signal(payload, filename="x.npy", sampling_rate_hz=128.0), model
        )

    payloads = [_npy_bytes(x) for x in _excerpts(recordings, n_samples)]
    # Warm-up: the first call at this batch size allocates.
    labels = [request(payload).label for payload in payloads]
    seconds = _timed_runs(request, payloads, runs)
    return summary(seconds) | {"runtime": model.runtime, "load_s": load_s, "labels": labels}


def throughput(
    *,
    recordings: list[str],
    n_samples: int,
    n_recordings: int,
    card: str,
    runtime: str | None = None,
    threads: int = 2,
    per_call: int = 10,
    repeats: int = 3,
) -> dict:
    """Recordings/s classifying ``n_recordings`` excerpts in one process: ``per_call``
    recordings' windows per model call, ``threads`` calls in flight (2 cores)."""
    from classifier.core import pipeline
    from classifier.core.model import load_model
    from classifier.core.signal import load_signal

    model = load_model(card, runtime=runtime)
    excerpts = []
    for path in recordings:  # consecutive 65536-sample excerpts of the long recordings
        full = np.load(path, mmap_mode="r")
        for start in range(0, len(full) - n_samples + 1, n_samples):
            excerpts.append(_npy_bytes(np.asarray(full[start : start + n_samples], np.float32)))
    signals = [
        load_signal(excerpts[i % len(excerpts)], filename="x.npy", sampling_rate_hz=128.0)
        for i in range(n_recordings)
    ]
    chunks = [signals[i : i + per_call] for i in range(0, len(signals), per_call)]

    def classify_chunk(chunk: list) -> list:
        return pipeline.classify_many(chunk, model)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(classify_chunk, chunks[:threads]))  # warm-up
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            results = [r for rs in pool.map(classify_chunk, chunks) for r in rs]
            seconds.append(time.perf_counter() - started)
    assert len(results) == n_recordings
    median_s = statistics.median(seconds)
    return {
        "runtime": model.runtime,
        "recordings": n_recordings,
        "distinct_excerpts": len(excerpts),
        "median_s": median_s,
        "recordings_per_s": n_recordings / median_s,
        "repeats": repeats,
        "threads": threads,
        "recordings_per_model_call": per_call,
    }


def write_holter(*, recordings: list[str], hours: float, leads: int, path: str) -> dict:
    """A Holter-length .npy at ``path``: each lead one real recording tiled to ``hours``."""
    n = int(hours * 3600 * 128)
    samples = np.stack(
        [
            np.resize(np.load(p, allow_pickle=False).astype(np.float32), n)
            for p in recordings[:leads]
        ]
    )
    np.save(path, samples.T, allow_pickle=False)  # samples x leads, as recorders write
    return {"bytes": Path(path).stat().st_size}


def write_wfdb_holter(
    *, hours: float, leads: int, folder: str, fmt: str = "212", name: str = "holter"
) -> dict:
    """A zipped WFDB record in ``folder``: every MIT-BIH record there is, tiled to ``hours``
    of ``leads`` leads at 360 Hz (``bench.holter_record``)."""
    from bench.holter_record import MITDB, write_mitdb_holter, zip_record

    records = [path.stem for path in sorted(MITDB.glob("*.hea"))]
    header = write_mitdb_holter(
        Path(folder), hours=hours, records=records, leads=leads, fmt=fmt, name=name
    )
    archive = zip_record(header)
    header.with_suffix(".dat").unlink()  # only the zip is uploaded
    return {"path": str(archive), "bytes": archive.stat().st_size}


def write_npy_holter_mv(*, hours: float, leads: int, path: str) -> dict:
    """A Holter-length float32 .npy in mV: MIT-BIH records tiled (``bench.holter_record``)."""
    from bench.holter_record import MITDB, write_mitdb_holter_npy

    records = [record.stem for record in sorted(MITDB.glob("*.hea"))]
    write_mitdb_holter_npy(Path(path), hours=hours, records=records, leads=leads)
    return {"path": path, "bytes": Path(path).stat().st_size}


def upload(*, uploads: list[dict], warm_up: list[dict]) -> dict:
    """A web worker's memory growth while taking large uploads (``bench.upload``)."""
    from bench import upload as upload_bench

    return upload_bench.run(uploads=uploads, warm_up=warm_up)


def ours_holter(*, path: str, card: str, sampling_rate_hz: float | None = 128.0) -> dict:
    """Ours end to end on a Holter-length file: parse the upload, classify every window.
    ``sampling_rate_hz`` None: the file states it (a WFDB header)."""
    from classifier.core import pipeline
    from classifier.core.model import load_model
    from classifier.core.signal import SignalLimits, load_signal_file

    model = load_model(card)
    limits = SignalLimits(max_size_bytes=2 * Path(path).stat().st_size + 1)  # a zip unpacks
    started = time.perf_counter()  # the upload path: the spooled file is read in stretches
    signal = load_signal_file(path, sampling_rate_hz=sampling_rate_hz, limits=limits)
    parsed_s = time.perf_counter() - started
    result = pipeline.classify(signal, model)
    return {
        "seconds": time.perf_counter() - started,
        "parse_s": parsed_s,
        "windows": result.n_windows,
        "label": result.label,
        "hours": signal.duration_s / 3600,
        "leads": signal.n_leads,
        "rate_hz": signal.original_sampling_rate_hz,
        "format": signal.format,
        "file_bytes": Path(path).stat().st_size,
    }


def reference_holter_reach(
    *, recordings: list[str], max_hours: float, memory_gb: float, budget_s: float
) -> dict:
    """How far the demo's CWT image gets on one lead of growing length (doubling from
    5 min) under an address-space cap of ``memory_gb``, until it fails or ``budget_s`` passes."""
    import resource

    from bench.reference_pipeline import reference_image

    lead = np.load(recordings[0], allow_pickle=False).astype(np.float32)
    done: list[dict] = []
    failed = None
    minutes, spent = 5.0, 0.0
    cap = int(memory_gb * 1024**3)
    previous = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (cap, previous[1]))
    try:
        while minutes <= max_hours * 60 and spent < budget_s:
            signal = np.resize(lead, int(minutes * 60 * 128))
            started = time.perf_counter()
            try:
                reference_image(signal)
            except MemoryError:
                failed = {"minutes": minutes, "error": "MemoryError"}
                break
            seconds = time.perf_counter() - started
            spent += seconds
            done.append({"minutes": minutes, "seconds": seconds})
            minutes *= 2
    finally:
        resource.setrlimit(resource.RLIMIT_AS, previous)
    return {"memory_gb": memory_gb, "done": done, "failed": failed}


def _window_dicts(n_windows: int, leads: int, seed: int = 0) -> list[dict]:
    """Per-window results as the pipeline gives them: ``leads`` leads of 8-s windows, three
    classes, probabilities rounded to 6 decimals, a few windows of poor quality."""
    rng = np.random.default_rng(seed)
    classes = ("ARR", "CHF", "NSR")
    per_lead = n_windows // leads
    probabilities = rng.dirichlet([0.3, 0.3, 0.3], size=(leads, per_lead)).round(6)
    poor = rng.random((leads, per_lead)) < 0.02
    return [
        {
            "lead": lead,
            "start_s": float(k * 8.0),
            "end_s": float((k + 1) * 8.0),
            "label": classes[int(probabilities[lead, k].argmax())],
            "probabilities": dict(zip(classes, probabilities[lead, k].tolist(), strict=True)),
            "quality": "flat" if poor[lead, k] else "ok",
        }
        for lead in range(leads)
        for k in range(per_lead)
    ]


def window_storage(*, n_windows: int, leads: int, runs: int) -> dict:
    """Stored bytes and read times of a prediction's per-window results: the JSON list of
    dicts that Prediction.windows was (read = json.loads of the stored text) against the
    compact table (``classifier.core.window_table``): the whole list, one API page of 500
    (the last, the worst case) and the timeline's runs."""
    from classifier.core.window_table import WindowTable, encode

    windows = _window_dicts(n_windows, leads)
    as_json = json.dumps(windows)
    compact = encode(windows)
    page = slice(len(windows) - 500, len(windows))
    assert list(WindowTable(compact)) == windows  # lossless, or the figures mean nothing

    def json_page(_):
        return json.loads(as_json)[page]

    def table_page(_):
        return WindowTable(compact)[page]

    return {
        "windows": len(windows),
        "leads": leads,
        "json_bytes": len(as_json.encode()),
        "compact_bytes": len(compact),
        "json_all": summary(_timed_runs(lambda _: json.loads(as_json), [0], runs)),
        "compact_all": summary(_timed_runs(lambda _: list(WindowTable(compact)), [0], runs)),
        "json_page": summary(_timed_runs(json_page, [0], runs)),
        "compact_page": summary(_timed_runs(table_page, [0], runs)),
        "compact_runs": summary(_timed_runs(lambda _: WindowTable(compact).runs(), [0], runs)),
        "encode": summary(_timed_runs(lambda _: encode(windows), [0], runs)),
    }


def viewer(*, path: str) -> dict:
    """The viewer's requests on the .npy at ``path``, stored through the service layer
    (``bench.viewer``: Django set up in this process, a throw-away SQLite database)."""
    from bench import viewer as viewer_bench

    return viewer_bench.run(path=path)


STAGES = {
    f.__name__: f
    for f in (
        viewer,
        window_storage,
        cwt,
        build_reference_model,
        reference_e2e,
        ours_resident,
        throughput,
        write_holter,
        write_wfdb_holter,
        write_npy_holter_mv,
        upload,
        ours_holter,
        reference_holter_reach,
    )
}


def main() -> None:
    name, kwargs = sys.argv[1], json.loads(sys.argv[2])
    result = STAGES[name](**kwargs)
    print(json.dumps(result | {"peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
