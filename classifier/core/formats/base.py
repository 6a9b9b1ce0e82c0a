"""What every format reader declares and returns.

A reader turns one uploaded file (its bytes) into a :class:`ParsedRecording`: the samples as
stored, the lead names, sampling rate and physical units the file's own header states, and
the header's patient/acquisition metadata where the format carries any. Format-independent
checks (shape, duration, values, resampling) happen afterwards in ``classifier.core.signal``.
Pure Python + NumPy: no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifier.core.errors import InvalidRecording

# Physical units a lead may be stated in, as a factor to millivolts (lower-cased, "µ" -> "u").
_TO_MILLIVOLTS = {"v": 1e3, "mv": 1.0, "uv": 1e-3, "nv": 1e-6}


@dataclass(frozen=True)
class RecordingMetadata:
    """What a file's header says about the patient and the acquisition (None: not stated).

    Anonymised fields (EDF+ ``X``) are None. Nothing here is validated against the app's
    records: a service decides what to keep.
    """

    patient_id: str | None = None
    start: dt.datetime | None = None  # acquisition start, as written (naive: no time zone)
    sex: str | None = None  # "F" or "M"
    birth_year: int | None = None
    annotations: int | None = None  # how many reference annotations came with it (WFDB .atr)

    def as_dict(self) -> dict[str, str | int | None]:
        """JSON-friendly: the start as ISO 8601."""
        return {
            "patient_id": self.patient_id,
            "start": None if self.start is None else self.start.isoformat(),
            "sex": self.sex,
            "birth_year": self.birth_year,
            "annotations": self.annotations,
        }


NO_METADATA = RecordingMetadata()

Source = bytes | Path
"""An upload's content, or the file on disk holding it (read in chunks or memory-mapped)."""


def as_bytes(source: Source) -> bytes:
    """The whole content, for readers that need it in memory (text formats)."""
    return source.read_bytes() if isinstance(source, Path) else source


@dataclass(frozen=True)
class StoredSamples:
    """Samples left in the file and read a stretch at a time (a 48-h WFDB record at 360 Hz
    is 1.5 GB as float64): what a reader returns instead of an array when it can read
    sample ranges. ``read(start, stop)`` gives float64[stop - start, n_leads] in mV."""

    n_samples: int
    n_leads: int
    read: Callable[[int, int], np.ndarray]


@dataclass(frozen=True)
class ParsedRecording:
    """What a reader found, before the format-independent validation.

    ``values`` is the array as stored (any shape and dtype; the validation explains what is
    wrong with it), or :class:`StoredSamples` still in the file. Readers of formats with a
    header give float[n_samples, n_leads] in millivolts with ``leads_on_columns=True``.
    Use it as a context manager: ``close`` frees what the reader keeps open for
    :class:`StoredSamples` (an unpacked zip).
    """

    values: np.ndarray | StoredSamples
    format: str
    lead_names: tuple[str, ...] | None = None  # None: the file does not name its leads
    sampling_rate_hz: float | None = None  # None: the file does not state its rate
    leads_on_columns: bool = False  # True: axis 1 is the lead axis; False: the smaller axis
    units: tuple[str, ...] | None = None  # per lead, as the file states them (None: not stated)
    metadata: RecordingMetadata = field(default=NO_METADATA)
    close: Callable[[], None] = field(default=lambda: None, repr=False)

    def __enter__(self) -> ParsedRecording:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass(frozen=True)
class FormatReader:
    """One upload format: how to recognise it and how to read it.

    ``sniff(head)`` says from the first ``SNIFF_BYTES`` of the file whether it is this
    format (binary formats only; text formats return False and are chosen by extension or
    by ``sniff_text``). ``read(source, suffix, max_size_bytes)`` reads the content (bytes,
    or a file on disk that binary readers memory-map or read in chunks) and returns a
    :class:`ParsedRecording` or raises :class:`InvalidRecording`; ``max_size_bytes`` bounds
    anything the reader unpacks (a zip's members).
    """

    name: str
    extensions: tuple[str, ...]  # lower-case, with the dot; the first is the usual one
    description: str  # what the file holds, for help texts
    read: Callable[[Source, str, int], ParsedRecording]
    sniff: Callable[[bytes], bool] = lambda head: False
    sniff_text: Callable[[str], bool] | None = None  # set for text formats
    # Why a file with this extension but other content is refused (given its first bytes).
    not_recognised: Callable[[bytes], str] | None = None

    @property
    def is_text(self) -> bool:
        return self.sniff_text is not None


SNIFF_BYTES = 1024


def to_millivolts(values: np.ndarray, units: tuple[str, ...], what: str) -> np.ndarray:
    """float[n, n_leads] in the stated units (V, mV, uV/µV, nV) -> float64 millivolts.

    Raises InvalidRecording naming the leads whose unit is not a voltage.
    """
    factors = []
    for unit in units:
        key = unit.strip().lower().replace("µ", "u").replace("μ", "u")
        if key not in _TO_MILLIVOLTS:
            raise InvalidRecording(
                f"{what}: a lead is in {unit.strip() or 'no stated unit'!r}, not a voltage; "
                "an ECG lead is stated in mV (or V, uV)"
            )
        factors.append(_TO_MILLIVOLTS[key])
    scaled = np.asarray(values, dtype=np.float64)
    if any(factor != 1.0 for factor in factors):
        scaled = scaled * np.asarray(factors)[np.newaxis, :]
    return scaled


def is_voltage(unit: str) -> bool:
    return unit.strip().lower().replace("µ", "u").replace("μ", "u") in _TO_MILLIVOLTS


OBJECT_ARRAY_MESSAGE = (
    "object arrays/pickles are not accepted (loading them can run arbitrary code); "
    "save a plain numeric array, e.g. numpy.save(path, samples.astype('float32'))"
)
