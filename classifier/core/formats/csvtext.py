"""CSV: one column per lead, an optional header naming them, an optional time column.

A header column named like time (``time``, ``t``, ``seconds``, ``time (ms)``, ``ms``...)
gives the sampling rate, provided its values are evenly spaced; a sample counter
(``sample``, ``index``) is dropped and gives none.
"""

from __future__ import annotations

import csv
import io
import re
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from classifier.core.errors import InvalidRecording
from classifier.core.formats.base import FormatReader, ParsedRecording, Source
from classifier.core.formats.text import decoded, encoding_of

_CSV_DELIMITERS = ",;\t"
# CSV header names (lower-cased, letters only, units in brackets removed) of columns that
# hold time or a sample counter rather than a lead.
_TIME_COLUMN_NAMES = frozenset(
    {
        "t",
        "time",
        "times",
        "timems",
        "timesec",
        "elapsedtime",
        "timestamp",
        "s",
        "sec",
        "secs",
        "second",
        "seconds",
        "ms",
        "sample",
        "samples",
        "sampleno",
        "samplenumber",
        "sampleindex",
        "index",
        "idx",
    }
)
_COUNTER_NAMES = frozenset(
    {"sample", "samples", "sampleno", "samplenumber", "sampleindex", "index", "idx"}
)
_MILLISECOND_NAMES = frozenset({"ms", "timems"})
# Each time stamp must lie within this fraction of a sample period of the even grid.
_MAX_TIME_JITTER_PERIODS = 0.5


def read(source: Source, suffix: str, max_size_bytes: int) -> ParsedRecording:
    """A file on disk is read line by line (never whole): memory holds the parsed columns."""
    if not isinstance(source, Path):
        return read_text(decoded(source, suffix))
    with open(source, "rb") as binary:
        encoding = encoding_of(binary.read(4))
    try:
        with open(source, encoding=encoding, newline="") as lines:
            first_line = next((line for line in lines if line.strip()), "")
            lines.seek(0)
            return _read_rows(lines, first_line)
    except UnicodeDecodeError as exc:
        raise InvalidRecording(
            f"the {suffix or 'uploaded'} file is not text; save it as UTF-8 text"
        ) from exc


def read_text(text: str) -> ParsedRecording:
    """Read numeric columns (one per lead) with an optional header row naming them.

    The delimiter (comma, semicolon or tab) is taken from the first non-blank line. A first
    row without any number is the header; header columns named like time or a sample index
    are dropped.
    """
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return _read_rows(io.StringIO(text, newline=""), first_line)


def _read_rows(lines: Iterable[str], first_line: str) -> ParsedRecording:
    delimiter = next((d for d in _CSV_DELIMITERS if d in first_line), ",")
    reader = csv.reader(lines, delimiter=delimiter)
    header: list[str] | None = None
    columns: list[array[float]] = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if not columns and header is None and not any(map(_is_number, cells)):
                header = [cell.strip("'\"").strip() for cell in cells]
                continue
            if not columns:
                columns = [array("d") for _ in cells]
            if len(cells) != len(columns):
                raise InvalidRecording(
                    f"CSV row {reader.line_num} has {len(cells)} columns but the first row has "
                    f"{len(columns)}; every row needs one value per lead"
                )
            if header is not None and len(header) != len(columns):
                raise InvalidRecording(
                    f"the CSV header names {len(header)} columns but row {reader.line_num} has "
                    f"{len(columns)}"
                )
            for index, cell in enumerate(cells):
                try:
                    columns[index].append(float(cell))
                except ValueError:
                    name = f" ({header[index]!r})" if header else ""
                    problem = "is empty" if not cell else f"{cell[:40]!r} is not a number"
                    raise InvalidRecording(
                        f"CSV row {reader.line_num}, column {index + 1}{name}: {problem}"
                    ) from None
    except csv.Error as exc:
        raise InvalidRecording(f"the CSV cannot be read at row {reader.line_num}: {exc}") from exc
    if not columns:
        raise InvalidRecording("the CSV has no data rows")
    keep = [
        index
        for index in range(len(columns))
        if header is None or not _is_time_column(header[index])
    ]
    if not keep:
        raise InvalidRecording("the CSV has only time/sample columns; add at least one lead column")
    values = np.column_stack([np.frombuffer(columns[index], dtype=np.float64) for index in keep])
    _reject_counter_columns(values, header, keep)
    lead_names = None if header is None else tuple(header[index] for index in keep)
    rate_hz = None
    if header is not None:
        rate_hz = _rate_from_time_columns(
            [(header[i], np.frombuffer(columns[i], dtype=np.float64)) for i in range(len(columns))]
        )
    return ParsedRecording(
        values,
        "csv",
        lead_names=lead_names,
        sampling_rate_hz=rate_hz,
        leads_on_columns=header is not None,
    )


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _column_key(name: str) -> str:
    without_units = re.sub(r"\(.*?\)|\[.*?\]", "", name.lower())
    return re.sub(r"[^a-z]", "", without_units)


def _is_time_column(name: str) -> bool:
    return _column_key(name) in _TIME_COLUMN_NAMES


def _reject_counter_columns(values: np.ndarray, header: list[str] | None, keep: list[int]) -> None:
    """A strictly increasing column is a time or sample index, never an ECG lead."""
    if values.shape[0] < 3:
        return
    increasing = np.all(np.diff(values, axis=0) > 0, axis=0)
    if increasing.any():
        position = int(np.argmax(increasing))
        column = keep[position] + 1
        name = f" ({header[keep[position]]!r})" if header else ""
        raise InvalidRecording(
            f"CSV column {column}{name} increases steadily like a time or sample index, not "
            "an ECG lead; remove it, or add a header row that names it 'time'"
        )


def _rate_from_time_columns(columns: list[tuple[str, np.ndarray]]) -> float | None:
    """The rate (Hz) the first time column states, or None when there is none.

    The unit is seconds unless the name says milliseconds (``ms``, ``time (ms)``,
    ``time [ms]``). Raises InvalidRecording when the times are not evenly spaced.
    """
    for name, times in columns:
        key = _column_key(name)
        if key not in _TIME_COLUMN_NAMES or key in _COUNTER_NAMES:
            continue
        unit_s = 1e-3 if key in _MILLISECOND_NAMES or _unit_in_brackets(name) == "ms" else 1.0
        if len(times) < 2:
            return None
        span_s = (times[-1] - times[0]) * unit_s
        if not span_s > 0:
            raise InvalidRecording(
                f"the CSV time column {name!r} does not increase; it must hold each row's time"
            )
        period_s = span_s / (len(times) - 1)
        grid = times[0] * unit_s + period_s * np.arange(len(times))
        deviation = np.abs(times * unit_s - grid)
        worst = int(np.argmax(deviation))
        if deviation[worst] > _MAX_TIME_JITTER_PERIODS * period_s:
            raise InvalidRecording(
                f"the CSV time column {name!r} is not evenly spaced (row {worst + 1} is "
                f"{deviation[worst]:.4g} s away from an even {period_s:.4g} s step): samples "
                "are missing or the rate changes; fill the gaps or resample the recording"
            )
        rate_hz = 1.0 / period_s
        nearest = round(rate_hz)
        return float(nearest) if abs(rate_hz - nearest) <= 1e-3 * rate_hz else rate_hz
    return None


def _unit_in_brackets(name: str) -> str | None:
    found = re.search(r"[(\[]\s*([a-zA-Z]+)\s*[)\]]", name)
    return found.group(1).lower() if found else None


READER = FormatReader(
    name="csv",
    extensions=(".csv",),
    description="one column per lead, optional header and time column",
    read=read,
    sniff_text=lambda text: False,  # the fallback for text: tried last
)
