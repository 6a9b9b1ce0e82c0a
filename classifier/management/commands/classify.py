"""Classify ECG files from the command line with the same pipeline as the web app."""

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classifier.core import pipeline
from classifier.core.formats import formats_help
from classifier.core.model import ModelLoadError, get_model
from classifier.core.signal import (
    WFDB_SUFFIXES,
    EcgSignal,
    InvalidRecording,
    load_signal_file,
    load_wfdb_record,
)
from classifier.services import default_model_card, signal_limits


class Command(BaseCommand):
    help = (
        f"Classify ECG files: {formats_help()}; or a WFDB record's .hea with its .dat "
        "beside it. Prints one JSON object per file with --json. "
        "Exits 2 if any file could not be classified. Decision support, not a diagnosis."
    )
    # The system checks import every URL conf, view and API schema module (~1 s of a cold
    # start) and check nothing this command uses; `manage.py check` and the server run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--rate",
            "--sampling-rate",
            dest="sampling_rate",
            type=float,
            default=None,
            metavar="HZ",
            help="sampling rate of the files; required for files that state none (.npy, "
            ".csv without a time column, .mat without fs); default: the file's own",
        )
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument(
            "--lead",
            action="append",
            default=None,
            metavar="NAME",
            help="classify only this lead (repeat for several; default: every lead)",
        )
        parser.add_argument(
            "--windows",
            action="store_true",
            help="add every analysis window (lead, start_s, end_s, label, probabilities, "
            "quality) to the JSON output",
        )
        parser.add_argument(
            "--model",
            type=Path,
            default=None,
            help="model card (.json); default: the active model version",
        )

    def handle(self, *args, files, sampling_rate, json: bool, model, lead, windows, **options):
        try:
            loaded = get_model(model or default_model_card())
        except (ModelLoadError, OSError) as exc:
            raise CommandError(f"cannot load the model: {exc}") from exc
        results = [self._classify_one(path, sampling_rate, loaded, lead, windows) for path in files]
        for result in results if json else []:
            self.stdout.write(_to_json(result))
        if not json:
            self._print_table(results, loaded.card.classes)
        if any("error" in r for r in results):
            sys.exit(2)

    def _classify_one(
        self, path: Path, sampling_rate, loaded, leads: list[str] | None, with_windows: bool
    ) -> dict:
        started = time.perf_counter()
        try:
            signal = _read(path, sampling_rate)
            if leads:
                signal = signal.with_leads(leads)
            result = pipeline.classify(signal, loaded)
        except (InvalidRecording, ValueError, OSError) as exc:
            return {"file": str(path), "error": str(exc)}
        return {
            "file": str(path),
            **result.report_fields(signal, with_windows=with_windows),
            "elapsed_s": round(time.perf_counter() - started, 4),
        }

    def _print_table(self, results: list[dict], classes: tuple[str, ...]) -> None:
        header = f"{'file':40} {'label':10} " + " ".join(f"{c:>6}" for c in classes) + "  windows"
        self.stdout.write(header)
        for r in results:
            name = Path(r["file"]).name[:40]
            if "error" in r:
                self.stdout.write(f"{name:40} ERROR      {r['error']}")
                continue
            probs = " ".join(f"{r['probabilities'][c]:6.3f}" for c in classes)
            self.stdout.write(f"{name:40} {r['label']:10} {probs}  {r['n_windows']:7d}")
        self.stdout.write("Decision support only: every result must be read by a clinician.")


def _read(path: Path, sampling_rate: float | None) -> EcgSignal:
    if path.suffix.lower() in WFDB_SUFFIXES:
        return load_wfdb_record(path, sampling_rate_hz=sampling_rate, limits=signal_limits())
    return load_signal_file(path, sampling_rate_hz=sampling_rate, limits=signal_limits())


def _to_json(result: dict) -> str:
    return json.dumps(result, separators=(", ", ": "))
