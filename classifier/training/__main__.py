"""Command line for training and evaluating the WaveCardio classifier.

    python -m classifier.training train --data DIR --out models/ --seed 0 [--version NAME]
    python -m classifier.training evaluate --data DIR --card models/NAME.json

``--data`` is a folder with manifest.csv, a MathWorks ECGData .mat file or a PhysioNet WFDB
root (mitdb/ chfdb/ nsrdb/). Errors in the data exit with code 2 and a message.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from classifier.training import PROGRESS_LOGGER, show_progress
from classifier.training.sources import (
    DATA_ENV_VAR,
    DataSourceError,
    default_data_dir,
    load_leads,
    parse_rates,
)
from classifier.training.split import SplitError
from classifier.training.study import run_study, write_into_card
from classifier.training.train import DEFAULT_VERSION, train_and_write

FIGURES_DIR = Path("docs/model")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m classifier.training",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"folder with manifest.csv, an ECGData .mat file, or a WFDB root "
        f"(default: ${DATA_ENV_VAR} or ../shared/data/ecg)",
    )
    common.add_argument(
        "--mat-rates",
        default=None,
        help="sampling rate per class of an ECGData .mat, e.g. A=360,N=128,C=250 (default 128)",
    )
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--folds", type=int, default=5, help="patient-grouped CV folds")
    common.add_argument("--bootstrap", type=int, default=1000, help="patient resamples for CIs")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser(
        "train", parents=[common], help="cross-validate, train on all patients, write model+card"
    )
    train.add_argument("--out", type=Path, default=Path("models"))
    train.add_argument("--version", default=DEFAULT_VERSION)
    train.add_argument("--quiet", action="store_true", help="no per-epoch progress")

    evaluate = commands.add_parser(
        "evaluate",
        parents=[common],
        help="cross-validate every candidate and the shortcut control; write the card's cv",
    )
    evaluate.add_argument("--card", type=Path, default=Path("models") / f"{DEFAULT_VERSION}.json")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    show_progress()
    data = args.data or default_data_dir()
    try:
        leads = load_leads(data, mat_rates_hz=parse_rates(args.mat_rates))
        logging.getLogger(PROGRESS_LOGGER).info(
            "read %d recordings of %d patients", len(leads), len({x.patient for x in leads})
        )
        if args.command == "train":
            result = train_and_write(
                leads,
                str(data),
                args.out,
                seed=args.seed,
                version=args.version,
                n_folds=args.folds,
                n_resamples=args.bootstrap,
                verbose=0 if args.quiet else 2,
            )
            summary = {"card": str(result.card_path), **_headline(result.card["evaluation"])}
        else:
            if not args.card.is_file():
                raise DataSourceError(f"no model card at {args.card}: run train first")
            figure = FIGURES_DIR / f"reliability-{args.card.stem}.png"
            cv = run_study(
                leads,
                str(data),
                seed=args.seed,
                n_folds=args.folds,
                n_resamples=args.bootstrap,
                figure_path=figure,
            )
            write_into_card(args.card, cv)
            summary = {
                "card": str(args.card),
                "targets": cv["targets"],
                "shortcut_verdict": cv["shortcut_verdict"],
            }
    except (DataSourceError, SplitError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


def _headline(evaluation: dict) -> dict:
    return {
        level: {
            task: {key: evaluation[level][task][key] for key in ("accuracy", "macro_f1", "ci95")}
            for task in ("three_class", "arr_vs_nsr")
        }
        for level in ("per_window", "per_recording")
    }


if __name__ == "__main__":
    sys.exit(main())
