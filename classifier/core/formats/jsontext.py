"""JSON: ``{"signal": [...], "sampling_rate_hz": 128, "leads": [...]}`` or a bare array."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from classifier.core.errors import InvalidRecording
from classifier.core.formats.base import FormatReader, ParsedRecording, Source, as_bytes
from classifier.core.formats.text import decoded

_JSON_KEYS = frozenset({"signal", "sampling_rate_hz", "leads"})


def read(source: Source, suffix: str, max_size_bytes: int) -> ParsedRecording:
    return read_text(decoded(as_bytes(source), suffix))


def read_text(text: str) -> ParsedRecording:
    """Read ``{"signal": [...], "sampling_rate_hz": ..., "leads": [...]}`` or a bare array."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRecording(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise InvalidRecording("not valid JSON for a signal: it is nested too deeply") from exc
    if isinstance(document, list):
        return ParsedRecording(_json_samples(document), "json")
    if not isinstance(document, dict):
        raise InvalidRecording(
            'the JSON must be an object {"signal": [...], "sampling_rate_hz": ...} or an '
            f"array of samples, not a {_json_type(document)}"
        )
    unexpected = sorted(set(document) - _JSON_KEYS)
    if unexpected:
        raise InvalidRecording(
            f"unexpected key(s) {', '.join(map(repr, unexpected))} in the JSON object; the keys "
            "are 'signal' and, optionally, 'sampling_rate_hz' and 'leads'"
        )
    if "signal" not in document:
        raise InvalidRecording(
            "the JSON object has no 'signal' key; expected {\"signal\": [...], "
            '"sampling_rate_hz": 128}'
        )
    signal = document["signal"]
    if not isinstance(signal, list):
        raise InvalidRecording(
            "'signal' must be a list of numbers (one lead) or a list of lists (one per lead), "
            f"not a {_json_type(signal)}"
        )
    rate_hz = document.get("sampling_rate_hz")
    if rate_hz is not None and (isinstance(rate_hz, bool) or not isinstance(rate_hz, int | float)):
        raise InvalidRecording(
            f"'sampling_rate_hz' must be a number of Hz, not a {_json_type(rate_hz)}"
        )
    leads = document.get("leads")
    if leads is not None and not (
        isinstance(leads, list) and all(isinstance(name, str) for name in leads)
    ):
        raise InvalidRecording("'leads' must be a list of lead names (strings)")
    return ParsedRecording(
        _json_samples(signal),
        "json",
        lead_names=None if leads is None else tuple(name.strip() for name in leads),
        sampling_rate_hz=None if rate_hz is None else float(rate_hz),
    )


def _json_samples(signal: list[Any]) -> np.ndarray:
    try:
        values = np.array(signal)
    except (ValueError, OverflowError) as exc:
        raise InvalidRecording(
            "the signal is not rectangular: every lead must be a list of numbers of the same length"
        ) from exc
    if values.dtype.kind not in "iuf":
        offender = _first_non_number(signal, "signal")
        raise InvalidRecording(
            "the signal must contain only numbers; "
            + (f"found {offender}" if offender else "some integers are too large")
        )
    return values


def _first_non_number(value: Any, path: str) -> str | None:
    """Where the first non-numeric JSON value is, e.g. "null at signal[1][17]"."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_non_number(item, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{json.dumps(value)[:40]} at {path}"
    return None


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


READER = FormatReader(
    name="json",
    extensions=(".json",),
    description='{"signal": [...], "sampling_rate_hz": 128}',
    read=read,
    sniff_text=lambda text: text.lstrip().startswith(("{", "[")),
)
