"""Command line: ``python -m classifier.training train --data DIR --out models/ --seed 0``.

Errors in the data (unknown layout, inconsistent labels) exit with code 2 and a message.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from classifier.training.sources import (
    DATA_ENV_VAR,
    DataSourceError,
    default_data_dir,
    load_leads,
    parse_rates,
)
from classifier.training.split import SplitError
from classifier.training.train import DEFAULT_VERSION, train_and_write


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m classifier.training", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the shipped model and write its card")
    train.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"folder with manifest.csv, an ECGData .mat file, or a WFDB root "
        f"(default: ${DATA_ENV_VAR} or ../shared/data/ecg)",
    )
    train.add_argument("--out", type=Path, default=Path("models"))
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--version", default=DEFAULT_VERSION)
    train.add_argument(
        "--mat-rates",
        default=None,
        help="sampling rate per class of an ECGData .mat, e.g. A=360,N=128,C=250 (default 128)",
    )
    train.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data = args.data or default_data_dir()
    try:
        leads = load_leads(data, mat_rates_hz=parse_rates(args.mat_rates))
        print(f"read {len(leads)} recordings of {len({x.patient for x in leads})} patients")
        result = train_and_write(
            leads,
            str(data),
            args.out,
            seed=args.seed,
            version=args.version,
            verbose=0 if args.quiet else 2,
        )
    except (DataSourceError, SplitError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    evaluation = result.card["evaluation"]
    print(json.dumps({"card": str(result.card_path), **_headline(evaluation)}, indent=2))
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
