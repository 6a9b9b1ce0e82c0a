"""EDF and EDF+ (European Data Format), read with ``edfio``.

Lead names, physical units and each signal's rate come from the header; EDF+ patient and
recording fields give the patient code, sex, birth year and start date-time. Signals that
are not voltages (a thermistor, a position sensor) and EDF+ annotation signals are left
out; the ECG leads must share one rate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import warnings
from pathlib import Path

import numpy as np

from classifier.core.errors import InvalidRecording
from classifier.core.formats.base import (
    FormatReader,
    ParsedRecording,
    RecordingMetadata,
    Source,
    is_voltage,
    to_millivolts,
)

EDF_MAGIC = b"0       "  # the version field: "0" padded to 8 bytes
_ECG_LABELS = ("ecg", "ekg")
_HEADER_ERRORS = (ValueError, IndexError, KeyError, TypeError, OverflowError, ZeroDivisionError)


def read(source: Source, suffix: str, max_size_bytes: int) -> ParsedRecording:
    """A file on disk is memory-mapped by edfio; each signal is read as it is converted."""
    import edfio  # deferred: only this reader needs it

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if isinstance(source, Path):
                edf = edfio.read_edf(source, lazy_load_data=True)
            else:
                edf = edfio.read_edf(io.BytesIO(source), lazy_load_data=False)
        except _HEADER_ERRORS as exc:
            raise InvalidRecording(
                f"not a readable EDF file: its header is damaged ({exc}); export it again"
            ) from exc
    for warning in caught:
        message = str(warning.message)
        if "Incomplete data record" in message or (
            "but file contains" in message and "indicates -1" not in message
        ):
            raise InvalidRecording(
                f"the EDF file is truncated or its header does not match its data ({message}); "
                "upload the complete file"
            )
    signals = [signal for signal in edf.signals if is_voltage(signal.physical_dimension)]
    if not signals:
        stated = ", ".join(f"{s.label!r} in {s.physical_dimension!r}" for s in edf.signals)
        raise InvalidRecording(
            "the EDF file holds no signal in a voltage unit (mV, uV, V)"
            + (f"; it holds {stated}" if stated else "")
        )
    rates = {float(signal.sampling_frequency) for signal in signals}
    if len(rates) > 1:
        ecg = [s for s in signals if any(word in s.label.lower() for word in _ECG_LABELS)]
        if ecg and len({float(s.sampling_frequency) for s in ecg}) == 1:
            signals = ecg
        else:
            listed = ", ".join(f"{s.label!r} at {s.sampling_frequency:g} Hz" for s in signals)
            raise InvalidRecording(
                f"the EDF signals have different rates ({listed}); export the ECG leads, "
                "all at one rate"
            )
    units = tuple(signal.physical_dimension for signal in signals)
    try:
        values = np.column_stack([np.asarray(signal.data, dtype=np.float64) for signal in signals])
    except ValueError as exc:  # signals of different lengths, or data cut short
        raise InvalidRecording(f"the EDF signals cannot be read together: {exc}") from exc
    return ParsedRecording(
        to_millivolts(values, units, "the EDF file"),
        "edf",
        lead_names=tuple(signal.label.strip() for signal in signals),
        sampling_rate_hz=float(signals[0].sampling_frequency),
        leads_on_columns=True,
        units=units,
        metadata=_metadata(edf),
    )


def _metadata(edf) -> RecordingMetadata:
    """EDF+ patient and recording fields; anonymised ("X") or unparsable ones are None."""
    code = sex = None
    birth_year = None
    try:
        patient = edf.patient
        code = _stated(patient.code)
        sex = _stated(patient.sex)
        birth_year = patient.birthdate.year
    except (*_HEADER_ERRORS, AttributeError):  # anonymised ("X") or free-text fields
        pass
    start = None
    with contextlib.suppress(*_HEADER_ERRORS):  # an anonymised date: AnonymizedDateError
        start = dt.datetime.combine(edf.startdate, edf.starttime)
    return RecordingMetadata(
        patient_id=code,
        start=start,
        sex=sex if sex in ("F", "M") else None,
        birth_year=birth_year,
    )


def _stated(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value in ("", "X") else value


READER = FormatReader(
    name="edf",
    extensions=(".edf",),
    description="EDF/EDF+, leads in mV or uV",
    read=read,
    sniff=lambda head: head.startswith(EDF_MAGIC),
)
