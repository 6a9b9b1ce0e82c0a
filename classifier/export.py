"""The history as CSV: one row per recording with its shown result and over-read state.

Reads summaries only (the queryset defers per-window results); cells that a spreadsheet
would run as a formula are neutralised (CSV injection).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from classifier.selectors import displayed_prediction

COLUMNS = (
    "id", "file", "patient_ref", "acquired_at", "patient_sex", "patient_birth_year",
    "uploaded_at", "owner", "duration_s", "leads", "status", "label", "confidence",
    "probabilities", "burden_arr", "model_version", "overread_status", "signed_by",
)  # fmt: skip


def csv_cell(value) -> str:
    """A leading =, +, -, @ (or tab, CR) is quoted so spreadsheets show text, never run it."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _row(recording) -> list:
    prediction = displayed_prediction(recording)
    probabilities = (prediction.probabilities or {}) if prediction else {}
    return [
        recording.pk,
        recording.original_filename,
        recording.patient_ref,
        recording.acquired_at.isoformat() if recording.acquired_at else "",
        recording.patient_sex,
        recording.patient_birth_year,
        recording.uploaded_at.isoformat(),
        recording.owner.get_username(),
        f"{recording.duration_s:.1f}",
        " ".join(recording.leads),
        prediction.status if prediction else "none",
        prediction.label if prediction else "",
        f"{prediction.confidence:.3f}" if prediction and prediction.confidence is not None else "",
        " ".join(f"{name}={p:.3f}" for name, p in probabilities.items()),
        f"{(prediction.burden or {}).get('ARR', 0):.3f}"
        if prediction and prediction.burden
        else "",
        prediction.model_version.name if prediction else "",
        recording.overread_status,
        recording.signed_by or "",
    ]


def history_csv_rows(recordings: Iterable) -> Iterator[str]:
    """CSV lines (header first) for a streaming response."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for recording in recordings.iterator(chunk_size=500):  # type: ignore[attr-defined]
        yield writer.writerow([csv_cell(value) for value in _row(recording)])
