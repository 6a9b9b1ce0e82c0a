"""Human-readable views of cross-validation results: the candidates table and the
reliability diagram (PNG) that the model card points to."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

_LEVELS = ("per_window", "per_recording")


def table_row(name: str, scores: Mapping[str, Any], servable: bool | None = None) -> dict:
    """One candidate's headline figures (ARR vs NSR and three classes, with 95 % CIs)."""
    row: dict[str, Any] = {"candidate": name}
    if servable is not None:
        row["servable"] = servable
    for level in _LEVELS:
        for task in ("arr_vs_nsr", "three_class"):
            figures = scores[level][task]
            key = f"{level}_{task}"
            row[f"{key}_accuracy"] = figures["accuracy"]
            row[f"{key}_accuracy_ci95"] = list(figures["ci95"]["accuracy"])
            row[f"{key}_balanced_accuracy"] = figures["balanced_accuracy"]
            row[f"{key}_macro_f1"] = figures["macro_f1"]
    uncertain = scores["per_recording"].get("with_uncertain", {}).get("arr_vs_nsr")
    if uncertain:
        row["arr_vs_nsr_answered_fraction"] = uncertain["answered_fraction"]
        row["arr_vs_nsr_accuracy_on_answered"] = uncertain["accuracy_on_answered"]
    row["per_window_ece"] = scores["per_window"]["calibration"]["ece"]
    return row


def format_table(rows: list[dict]) -> str:
    """Plain-text table for the terminal (accuracy [95 % CI], balanced accuracy)."""

    def cell(row: dict, key: str) -> str:
        low, high = row[f"{key}_accuracy_ci95"]
        balanced = row[f"{key}_balanced_accuracy"]
        return f"{row[f'{key}_accuracy']:.3f} [{low:.2f}-{high:.2f}] bal {balanced:.3f}"

    header = (
        f"{'candidate':34} {'ARR/NSR per window':30} {'ARR/NSR per recording':30} "
        f"{'3-class per recording':30} {'answered/acc':14}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        answered = (
            f"{row['arr_vs_nsr_answered_fraction']:.2f}/{row['arr_vs_nsr_accuracy_on_answered']:.2f}"
            if "arr_vs_nsr_answered_fraction" in row
            else "-"
        )
        lines.append(
            f"{row['candidate']:34} {cell(row, 'per_window_arr_vs_nsr'):30} "
            f"{cell(row, 'per_recording_arr_vs_nsr'):30} "
            f"{cell(row, 'per_recording_three_class'):30} {answered:14}"
        )
    return "\n".join(lines)


def plot_reliability(scores: Mapping[str, Any], title: str, path: Path) -> None:
    """Reliability diagram of the top-class confidence, per window and per recording."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharey=True)
    for axis, level in zip(axes, _LEVELS, strict=True):
        calibration = scores[level]["calibration"]
        bins = [b for b in calibration["reliability_bins"] if b["count"]]
        centres = [(b["low"] + b["high"]) / 2 for b in bins]
        axis.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
        axis.bar(
            centres,
            [b["accuracy"] for b in bins],
            width=0.09,
            alpha=0.7,
            edgecolor="black",
            label="observed accuracy",
        )
        axis.plot(centres, [b["confidence"] for b in bins], "o", color="black", label="confidence")
        for x, b in zip(centres, bins, strict=True):
            axis.annotate(str(b["count"]), (x, 0.02), ha="center", fontsize=7)
        axis.set_title(f"{level.replace('_', ' ')} (ECE {calibration['ece']:.3f})")
        axis.set_xlabel("top-class probability")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
    axes[0].set_ylabel("accuracy")
    axes[0].legend(loc="upper left", fontsize=8)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
