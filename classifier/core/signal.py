"""Read and validate uploaded ECG files into one normalised in-memory signal.

Every way a recording enters WaveCardio (web form, REST API, CLI, training) goes through
:func:`load_signal`, so whatever reaches the model is float32 millivolts at
``REFERENCE_RATE_HZ`` with a known lead layout. Anything we cannot trust raises
:class:`InvalidRecording` with a message written for the person who uploaded the file.

Pure Python + NumPy/SciPy: no Django import, no global mutable state.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import numbers
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from classifier.core.errors import InvalidInput

REFERENCE_RATE_HZ: float = 128.0
"""The rate every signal is resampled to; the CWT scales and the CNN were built for it."""

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
_MAX_RATIO_DENOMINATOR = 1000
_FLAT_PEAK_TO_PEAK_MV = 1e-6
_MAX_ROBUST_PEAK_TO_PEAK_MV = 20.0
_ROBUST_PERCENTILES = (0.5, 99.5)
_EXAMPLE_ADC_GAIN = "200 adu/mV, the MIT-BIH gain"
_CSV_DELIMITERS = ",;\t"
_JSON_KEYS = frozenset({"signal", "sampling_rate_hz", "leads"})
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
# The upload formats load_signal reads: suffix -> what the file holds. The one list: the
# upload form, the API schema, the CLI help and stored file names are built from it.
UPLOAD_FORMATS: dict[str, str] = {
    ".npy": "numpy.save of a numeric array, mV",
    ".json": '{"signal": [...], "sampling_rate_hz": 128}',
    ".csv": "one column per lead, optional header",
}


def formats_help() -> str:
    """``.npy (what), .json (what) or .csv (what)`` for help texts and error messages."""
    items = [f"{suffix} ({what})" for suffix, what in UPLOAD_FORMATS.items()]
    return ", ".join(items[:-1]) + " or " + items[-1]


_SUPPORTED_FORMATS_HELP = "upload " + formats_help()
_OBJECT_ARRAY_MESSAGE = (
    "object arrays/pickles are not accepted (loading them can run arbitrary code); "
    "save a plain numeric array, e.g. numpy.save(path, samples.astype('float32'))"
)


class InvalidRecording(InvalidInput):
    """User-facing message: says exactly what is wrong and, where useful, how to fix it."""


class RecordingTooLarge(InvalidRecording):
    """The file is over the size limit (HTTP 413 at the web edges)."""


@dataclass(frozen=True)
class SignalLimits:
    """Bounds an upload must respect; the defaults are what the web app and API enforce."""

    max_size_bytes: int = 50 * 1024 * 1024
    min_duration_s: float = 8.0
    max_duration_s: float = 24 * 3600.0
    max_leads: int = 12
    min_sampling_rate_hz: float = 80.0  # model needs content up to 40 Hz
    max_sampling_rate_hz: float = 10_000.0


DEFAULT_LIMITS = SignalLimits()


@dataclass(frozen=True, eq=False)
class EcgSignal:
    """A validated recording, ready for the pipeline.

    ``samples`` is float32[n_leads, n_samples] in millivolts at ``REFERENCE_RATE_HZ``,
    C-contiguous and read-only (copy it before changing it in place).
    """

    samples: np.ndarray
    original_sampling_rate_hz: float
    lead_names: tuple[str, ...]
    format: str

    @property
    def n_leads(self) -> int:
        return int(self.samples.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.samples.shape[1])

    @property
    def sampling_rate_hz(self) -> float:
        return REFERENCE_RATE_HZ

    @property
    def duration_s(self) -> float:
        return self.n_samples / REFERENCE_RATE_HZ

    def with_leads(self, names: Sequence[str]) -> EcgSignal:
        """The same recording restricted to the named leads, in the order given."""
        missing = [name for name in names if name not in self.lead_names]
        if missing:
            raise InvalidRecording(
                f"no lead named {', '.join(map(repr, missing))}; the recording has "
                f"{', '.join(map(repr, self.lead_names))}"
            )
        indices = [self.lead_names.index(name) for name in names]
        samples = np.ascontiguousarray(self.samples[indices])
        samples.flags.writeable = False
        return replace(self, samples=samples, lead_names=tuple(names))


class _ParsedFile(NamedTuple):
    """What a format reader found, before any format-independent validation."""

    values: np.ndarray  # as stored: any shape, any dtype
    format: str
    lead_names: tuple[str, ...] | None  # None: the file does not name its leads
    sampling_rate_hz: float | None  # None: the file does not state its rate
    leads_on_columns: bool  # True: axis 1 is the lead axis; False: the smaller axis is


def load_signal(
    source: bytes | BinaryIO,
    *,
    filename: str,
    sampling_rate_hz: float | None = None,
    limits: SignalLimits = DEFAULT_LIMITS,
) -> EcgSignal:
    """Read an uploaded ECG file (UPLOAD_FORMATS) into a validated :class:`EcgSignal`.

    ``source`` is the raw bytes or a binary file object, read from its current position
    (restored afterwards, so the caller can store the same file). ``filename`` only gives
    the extension; the content decides the format wherever it can.
    ``sampling_rate_hz`` is the rate the samples were recorded at. When None, the rate
    stated inside the file (JSON ``sampling_rate_hz``) is used, else ``REFERENCE_RATE_HZ``;
    when both are given they must agree. Values must be millivolts.

    Raises InvalidRecording, with a message for the uploader, for anything unusable.
    """
    given_rate_hz = (
        None
        if sampling_rate_hz is None
        else _checked_sampling_rate(sampling_rate_hz, "the sampling rate", limits)
    )
    data = _read_bounded(source, limits.max_size_bytes)
    parsed = _parse_file(data, PurePath(filename).suffix.lower())
    rate_hz = _resolve_sampling_rate(given_rate_hz, parsed.sampling_rate_hz, limits)
    return _validated(parsed._replace(sampling_rate_hz=rate_hz), limits)


WFDB_SUFFIXES = (".hea", ".dat")  # a WFDB record: its header, with the .dat beside it


def load_wfdb_record(
    header_path: str | PurePath,
    *,
    sampling_rate_hz: float | None = None,
    limits: SignalLimits = DEFAULT_LIMITS,
) -> EcgSignal:
    """Read a PhysioNet WFDB record (``<record>.hea`` with its ``.dat`` beside it) into a
    validated :class:`EcgSignal`: physical units (mV) and lead names from the header, the
    header's rate (``sampling_rate_hz``, when given, must agree with it)."""
    import wfdb  # deferred: only this reader needs it

    path = PurePath(header_path)
    record_path = str(path.with_suffix("")) if path.suffix.lower() in WFDB_SUFFIXES else str(path)
    unreadable = (OSError, ValueError, IndexError, TypeError)
    try:
        header = wfdb.rdheader(record_path)
        # The signal files the header names, measured before any is read (size limit).
        folder = Path(record_path).parent
        size = sum((folder / name).stat().st_size for name in set(header.file_name or []))
    except unreadable as exc:
        raise InvalidRecording(f"{path.name} is not a readable WFDB record: {exc}") from exc
    if size > limits.max_size_bytes:
        raise too_large(size, limits.max_size_bytes)
    try:
        record = wfdb.rdrecord(record_path, physical=True)
    except unreadable as exc:
        raise InvalidRecording(f"{path.name} is not a readable WFDB record: {exc}") from exc
    if record.p_signal is None or record.fs is None:
        raise InvalidRecording(f"{path.name}: the WFDB record has no signal or no rate")
    units = {unit.lower() for unit in (record.units or [])}
    if units - {"mv"}:
        raise InvalidRecording(
            f"{path.name}: the leads are in {', '.join(sorted(units))}; millivolts are needed"
        )
    header_rate = _checked_sampling_rate(record.fs, "the header's sampling rate", limits)
    rate_hz = _resolve_sampling_rate(
        None
        if sampling_rate_hz is None
        else _checked_sampling_rate(sampling_rate_hz, "the sampling rate", limits),
        header_rate,
        limits,
    )
    values = np.asarray(record.p_signal, dtype=np.float64)
    parsed = _ParsedFile(values, "wfdb", tuple(record.sig_name), rate_hz, True)
    return _validated(parsed, limits)


def _validated(parsed: _ParsedFile, limits: SignalLimits) -> EcgSignal:
    """Shape, duration and value checks, then resampling to the reference rate."""
    rate_hz = parsed.sampling_rate_hz or REFERENCE_RATE_HZ
    samples = _as_leads_by_samples(parsed.values, parsed.leads_on_columns, limits)
    lead_names = _lead_names(parsed.lead_names, samples.shape[0])
    _check_duration(samples.shape[1], rate_hz, limits)
    _check_values(samples, lead_names, rate_hz)
    resampled = to_reference_rate(samples, rate_hz)
    resampled.flags.writeable = False
    return EcgSignal(
        samples=resampled,
        original_sampling_rate_hz=rate_hz,
        lead_names=lead_names,
        format=parsed.format,
    )


def to_reference_rate(samples: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
    """Resample float[n_leads, n] (mV at ``sampling_rate_hz``) to float32[n_leads, m] at 128 Hz.

    Uses polyphase filtering (``scipy.signal.resample_poly``), which low-passes before
    decimating so nothing above 64 Hz aliases into the band the model reads. The rate ratio
    is approximated by a fraction with denominator <= 1000 to keep odd rates cheap (rate
    error below 0.1 %); ``m = ceil(n * up / down)``. A 1-D input is treated as one lead.
    When the input is already at 128 Hz it is returned as is if it is C-contiguous
    float32, otherwise converted once: no filtering work is done.
    """
    samples_2d = np.atleast_2d(samples)
    if samples_2d.ndim != 2:
        raise InvalidRecording(f"expected samples of shape (n_leads, n), got {samples.shape}")
    rate_hz = float(sampling_rate_hz)
    if not math.isfinite(rate_hz) or rate_hz <= 0:
        raise InvalidRecording(f"the sampling rate must be a positive number, got {rate_hz}")
    ratio = (Fraction(REFERENCE_RATE_HZ) / Fraction(rate_hz)).limit_denominator(
        _MAX_RATIO_DENOMINATOR
    )
    if ratio == 1:
        return np.ascontiguousarray(samples_2d, dtype=np.float32)
    if ratio == 0:
        raise InvalidRecording(f"the sampling rate {rate_hz:g} Hz is too high to resample")
    from scipy.signal import resample_poly  # deferred: scipy.signal costs ~1 s to import

    resampled = resample_poly(
        np.asarray(samples_2d, dtype=np.float64),
        ratio.numerator,
        ratio.denominator,
        axis=1,
        padtype="line",  # follow the baseline at the edges instead of ringing towards 0 mV
    )
    return np.ascontiguousarray(resampled, dtype=np.float32)


# Reading the upload ------------------------------------------------------------------------


def _read_bounded(source: bytes | BinaryIO, max_size_bytes: int) -> bytes:
    """Return the upload's bytes, refusing it before reading more than the size limit."""
    if isinstance(source, bytes | bytearray | memoryview):
        nbytes = memoryview(source).nbytes
        if nbytes > max_size_bytes:
            raise too_large(nbytes, max_size_bytes)
        return bytes(source)
    start, size_bytes = _position_and_remaining_size(source)
    if size_bytes is not None and size_bytes > max_size_bytes:
        raise too_large(size_bytes, max_size_bytes)
    data = source.read(max_size_bytes + 1)
    if start is not None:
        source.seek(start)
    if not isinstance(data, bytes | bytearray):
        raise TypeError("load_signal needs bytes or a file opened in binary mode")
    if len(data) > max_size_bytes:
        raise too_large(None, max_size_bytes)
    return bytes(data)


def _position_and_remaining_size(source: BinaryIO) -> tuple[int | None, int | None]:
    """(position, bytes left) of a seekable file object; (None, None) for a stream."""
    try:
        start = source.tell()
        source.seek(0, io.SEEK_END)
        end = source.tell()
        source.seek(start)
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return None, None
    return start, end - start


def too_large(size_bytes: int | None, max_size_bytes: int) -> RecordingTooLarge:
    """The error for a file of ``size_bytes`` (None: unknown, but over) above the limit."""
    limit = _describe_size(max_size_bytes)
    if size_bytes is None:
        return RecordingTooLarge(f"the file is larger than {limit}, the limit")
    size = _describe_size(size_bytes)
    if size == limit:
        size, limit = f"{size_bytes:,} bytes", f"{max_size_bytes:,} bytes"
    return RecordingTooLarge(f"the file is {size}; the limit is {limit}")


def _describe_size(size_bytes: int) -> str:
    for unit, factor in (("MB", 1024**2), ("KB", 1024)):
        if size_bytes >= factor:
            return f"{size_bytes / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size_bytes} bytes"


def _parse_file(data: bytes, suffix: str) -> _ParsedFile:
    """Recognise the format from the content (the extension only breaks ties) and read it."""
    if not data:
        raise InvalidRecording("the file is empty")
    if data.startswith(_NPY_MAGIC):
        return _parse_npy(data)
    if suffix == ".npy":
        hint = " (it looks like a .npz archive)" if data.startswith(_ZIP_MAGIC) else ""
        raise InvalidRecording(
            f"not a valid .npy file: it does not start with the NumPy header{hint}; save the "
            "array with numpy.save(), or give the file the extension of what it holds "
            "(.json, .csv)"
        )
    text = _decode_text(data)
    if text is None:
        if suffix in (".json", ".csv"):
            raise InvalidRecording(f"the {suffix} file is not text; save it as UTF-8 text")
        raise InvalidRecording(
            f"unsupported file format{_quoted_suffix(suffix)}: " + _SUPPORTED_FORMATS_HELP
        )
    if suffix == ".json" or text.lstrip().startswith(("{", "[")):
        return _parse_json(text)
    if suffix == ".csv":
        return _parse_csv(text)
    try:
        return _parse_csv(text)
    except InvalidRecording as exc:
        raise InvalidRecording(
            f"unsupported file format{_quoted_suffix(suffix)}: {_SUPPORTED_FORMATS_HELP} "
            f"(reading it as CSV failed: {exc})"
        ) from exc


def _quoted_suffix(suffix: str) -> str:
    return f" {suffix!r}" if suffix else ""


def _decode_text(data: bytes) -> str | None:
    """Text of a UTF-8 (BOM optional) or UTF-16 (with BOM) file; None for binary content."""
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else None
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _parse_npy(data: bytes) -> _ParsedFile:
    """Read a .npy file without ever unpickling: the header is checked before the data."""
    stream = io.BytesIO(data)
    try:
        major, _minor = np.lib.format.read_magic(stream)
        read_header = (
            np.lib.format.read_array_header_1_0
            if major == 1
            else np.lib.format.read_array_header_2_0  # also reads ASCII 3.0 headers
        )
        shape, _fortran_order, dtype = read_header(stream)
    except (ValueError, TypeError, SyntaxError, EOFError, RecursionError) as exc:
        raise InvalidRecording(
            "not a valid .npy file: its header is damaged or cut off; save the array again "
            "with numpy.save()"
        ) from exc
    if dtype.hasobject:
        raise InvalidRecording(_OBJECT_ARRAY_MESSAGE)
    expected_bytes = math.prod(shape) * dtype.itemsize
    available_bytes = len(data) - stream.tell()
    if available_bytes < expected_bytes:
        raise InvalidRecording(
            f"the .npy file is truncated: its header announces a {dtype} array of shape "
            f"{shape} ({expected_bytes:,} bytes of samples) but only {available_bytes:,} bytes "
            "follow; upload the complete file"
        )
    try:
        values = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InvalidRecording(f"not a valid .npy file: {exc}") from exc
    return _ParsedFile(values, "npy", None, None, leads_on_columns=False)


def _parse_json(text: str) -> _ParsedFile:
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
        return _ParsedFile(_json_samples(document), "json", None, None, leads_on_columns=False)
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
    return _ParsedFile(
        _json_samples(signal),
        "json",
        None if leads is None else tuple(name.strip() for name in leads),
        None if rate_hz is None else float(rate_hz),
        leads_on_columns=False,
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


def _parse_csv(text: str) -> _ParsedFile:
    """Read numeric columns (one per lead) with an optional header row naming them.

    The delimiter (comma, semicolon or tab) is taken from the first non-blank line. A first
    row without any number is the header; header columns named like time or a sample index
    are dropped.
    """
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in _CSV_DELIMITERS if d in first_line), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
    return _ParsedFile(values, "csv", lead_names, None, leads_on_columns=header is not None)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_time_column(name: str) -> bool:
    without_units = re.sub(r"\(.*?\)|\[.*?\]", "", name.lower())
    return re.sub(r"[^a-z]", "", without_units) in _TIME_COLUMN_NAMES


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


# Format-independent validation -------------------------------------------------------------


def _checked_sampling_rate(value: object, what: str, limits: SignalLimits) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidRecording(f"{what} must be a number of Hz, got {value!r}")
    rate_hz = float(value)
    if not math.isfinite(rate_hz):
        raise InvalidRecording(f"{what} must be a finite number of Hz, got {rate_hz}")
    if rate_hz <= 0:
        raise InvalidRecording(f"{what} must be positive, got {rate_hz:g} Hz")
    if rate_hz < limits.min_sampling_rate_hz:
        raise InvalidRecording(
            f"{what} of {rate_hz:g} Hz is below the minimum of {limits.min_sampling_rate_hz:g} Hz"
            f": the model reads ECG content up to {limits.min_sampling_rate_hz / 2:g} Hz"
        )
    if rate_hz > limits.max_sampling_rate_hz:
        raise InvalidRecording(
            f"{what} of {rate_hz:g} Hz is above the maximum of {limits.max_sampling_rate_hz:g} Hz"
        )
    return rate_hz


def _resolve_sampling_rate(
    given_rate_hz: float | None, file_rate_hz: float | None, limits: SignalLimits
) -> float:
    """The caller's rate, else the file's, else the reference rate; they must agree."""
    if file_rate_hz is None:
        return REFERENCE_RATE_HZ if given_rate_hz is None else given_rate_hz
    file_rate_hz = _checked_sampling_rate(file_rate_hz, "the file's sampling_rate_hz", limits)
    if given_rate_hz is not None and not math.isclose(given_rate_hz, file_rate_hz):
        raise InvalidRecording(
            f"conflicting sampling rates: the file says {file_rate_hz:g} Hz but "
            f"{given_rate_hz:g} Hz was given; leave the sampling rate empty to use the file's "
            "value, or correct the file"
        )
    return file_rate_hz


def _check_dtype(dtype: np.dtype) -> None:
    if dtype.hasobject:
        raise InvalidRecording(_OBJECT_ARRAY_MESSAGE)
    if dtype.names is not None or dtype.kind == "V":
        raise InvalidRecording(
            f"structured (record) arrays are not accepted (dtype {dtype}); save a plain "
            "numeric array with one row per lead"
        )
    if dtype.kind == "c":
        raise InvalidRecording(
            f"complex values are not accepted (dtype {dtype}): an ECG is real-valued; save "
            "the real part in millivolts"
        )
    if dtype.kind in "US":
        raise InvalidRecording(
            f"the array holds text (dtype {dtype}), not numbers; save numeric samples in millivolts"
        )
    if dtype.kind == "b":
        raise InvalidRecording(
            "the array holds booleans, not ECG samples; save numeric samples in millivolts"
        )
    if dtype.kind not in "iuf":
        raise InvalidRecording(
            f"unsupported dtype {dtype}; expected integer or floating-point samples in millivolts"
        )


def _as_leads_by_samples(
    values: np.ndarray, leads_on_columns: bool, limits: SignalLimits
) -> np.ndarray:
    """Numeric float[n_leads, n_samples]; in a 2-D array the smaller axis holds the leads."""
    _check_dtype(values.dtype)
    if values.ndim == 0:
        raise InvalidRecording("the file holds a single number (shape ()), not a signal")
    if values.size == 0:
        raise InvalidRecording(f"the signal is empty (shape {values.shape})")
    if values.ndim > 2:
        raise InvalidRecording(
            f"expected a 1-D array (one lead) or a 2-D array (leads x samples), got a "
            f"{values.ndim}-D array of shape {values.shape}"
        )
    if values.ndim == 1:
        samples = values[np.newaxis, :]
    elif leads_on_columns or values.shape[0] > values.shape[1]:
        samples = values.T
    else:
        samples = values
    if samples.shape[0] > limits.max_leads:
        raise InvalidRecording(
            f"the signal has {samples.shape[0]} leads (array shape {values.shape}); at most "
            f"{limits.max_leads} are supported"
        )
    if samples.dtype.kind != "f":
        samples = samples.astype(np.float64)
    return samples


def _lead_names(names: tuple[str, ...] | None, n_leads: int) -> tuple[str, ...]:
    if names is None:
        return tuple(f"lead {index + 1}" for index in range(n_leads))
    if len(names) != n_leads:
        raise InvalidRecording(
            f"the file names {len(names)} lead(s) ({', '.join(map(repr, names))}) but the "
            f"signal has {n_leads}"
        )
    return tuple(name or f"lead {index + 1}" for index, name in enumerate(names))


def _check_duration(n_samples: int, rate_hz: float, limits: SignalLimits) -> None:
    """Duration at the rate the samples were recorded at, before any resampling."""
    duration_s = n_samples / rate_hz
    recording = (
        f"the recording is {_describe_duration(duration_s)} long "
        f"({n_samples:,} samples at {rate_hz:g} Hz)"
    )
    if duration_s < limits.min_duration_s:
        raise InvalidRecording(
            f"{recording}; at least {_describe_duration(limits.min_duration_s)} is needed"
        )
    if duration_s > limits.max_duration_s:
        raise InvalidRecording(
            f"{recording}; at most {_describe_duration(limits.max_duration_s)} is accepted, "
            "split it into shorter recordings"
        )


def _describe_duration(duration_s: float) -> str:
    if duration_s < 600:
        return f"{duration_s:.3g} s"
    if duration_s < 2 * 3600:
        return f"{duration_s / 60:.3g} min"
    return f"{duration_s / 3600:.3g} h"


def _check_values(samples: np.ndarray, lead_names: tuple[str, ...], rate_hz: float) -> None:
    """Reject gaps, dead signals and values that cannot be millivolts."""
    finite = np.isfinite(samples)
    if not finite.all():
        n_nan = int(np.count_nonzero(np.isnan(samples)))
        n_bad = int(finite.size - np.count_nonzero(finite))
        lead, index = np.unravel_index(int(np.argmin(finite)), finite.shape)
        raise InvalidRecording(
            f"the signal contains {n_bad:,} missing or infinite value(s) ({n_nan:,} NaN, "
            f"{n_bad - n_nan:,} infinite); the first is in lead {lead_names[lead]!r} at sample "
            f"{index:,} ({index / rate_hz:.2f} s); fill or cut out the gaps before uploading"
        )
    if np.all(np.ptp(samples, axis=1) < _FLAT_PEAK_TO_PEAK_MV):
        raise InvalidRecording(
            "the signal is flat (every lead is constant); check that the electrodes were "
            "connected and that the export wrote the samples"
        )
    low, high = np.percentile(samples, _ROBUST_PERCENTILES, axis=1)
    spans = high - low
    widest = int(np.argmax(spans))
    if spans[widest] > _MAX_ROBUST_PEAK_TO_PEAK_MV:
        raise InvalidRecording(
            f"lead {lead_names[widest]!r} spans {spans[widest]:.4g} units between its 0.5th and "
            "99.5th percentiles, but an ECG spans a few millivolts: the values look like ADC "
            "units rather than millivolts; divide them by the recorder's ADC gain (e.g. "
            f"{_EXAMPLE_ADC_GAIN}) before uploading"
        )
