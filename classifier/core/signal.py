"""Read and validate uploaded ECG files into one normalised in-memory signal.

Every way a recording enters WaveCardio (web form, REST API, CLI, training) goes through
:func:`load_signal`, so whatever reaches the model is float32 millivolts at
``REFERENCE_RATE_HZ`` with a known lead layout. Anything we cannot trust raises
:class:`InvalidRecording` with a message written for the person who uploaded the file.

Pure Python + NumPy/SciPy: no Django import, no global mutable state.
"""

from __future__ import annotations

import io
import math
import mmap
import numbers
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path, PurePath
from typing import BinaryIO

import numpy as np

from classifier.core import formats
from classifier.core.errors import InvalidRecording, RecordingTooLarge, SamplingRateRequired
from classifier.core.formats import NO_METADATA, ParsedRecording, RecordingMetadata
from classifier.core.formats.base import OBJECT_ARRAY_MESSAGE, StoredSamples
from classifier.core.formats.wfdbzip import read_record

__all__ = [
    "DEFAULT_LIMITS",
    "REFERENCE_RATE_HZ",
    "STRETCH_S",
    "EcgSignal",
    "InvalidRecording",
    "RecordingMetadata",
    "RecordingTooLarge",
    "SamplingRateRequired",
    "SignalLimits",
    "load_signal",
    "load_signal_file",
    "load_wfdb_record",
    "reference_length",
    "reference_rate_stretches",
    "release_pages",
    "to_reference_rate",
    "too_large",
]

REFERENCE_RATE_HZ: float = 128.0
"""The rate every signal is resampled to; the CWT scales and the CNN were built for it."""

_MAX_RATIO_DENOMINATOR = 1000
_FLAT_PEAK_TO_PEAK_MV = 1e-6
_MAX_ROBUST_PEAK_TO_PEAK_MV = 20.0
_ROBUST_PERCENTILES = (0.5, 99.5)
_EXAMPLE_ADC_GAIN = "200 adu/mV, the MIT-BIH gain"


@dataclass(frozen=True)
class SignalLimits:
    """Bounds an upload must respect; the defaults are what the web app and API enforce."""

    max_size_bytes: int = 50 * 1024 * 1024
    min_duration_s: float = 8.0
    max_duration_s: float = 48 * 3600.0  # a Holter records 24-48 h
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
    units: tuple[str, ...] | None = None  # per lead, as the file stated them (None: not stated)
    metadata: RecordingMetadata = field(default=NO_METADATA)  # what the file's header says

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


def load_signal(
    source: bytes | BinaryIO,
    *,
    filename: str,
    sampling_rate_hz: float | None = None,
    limits: SignalLimits = DEFAULT_LIMITS,
) -> EcgSignal:
    """Read an uploaded ECG file (any format of ``classifier.core.formats``) into a
    validated :class:`EcgSignal`.

    ``source`` is the raw bytes or a binary file object, read from its current position
    (restored afterwards, so the caller can store the same file). ``filename`` only gives
    the extension; the content decides the format wherever it can.
    ``sampling_rate_hz`` is the rate the samples were recorded at. When None, the rate the
    file states (a header, a JSON ``sampling_rate_hz``, a CSV time column) is used; when
    the file states none, :class:`SamplingRateRequired` asks for it (never a guess). When
    both are given they must agree. Values must be millivolts (or a unit the header states).

    Raises InvalidRecording, with a message for the uploader, for anything unusable.
    """
    given_rate_hz = (
        None
        if sampling_rate_hz is None
        else _checked_sampling_rate(sampling_rate_hz, "the sampling rate", limits)
    )
    data = _read_bounded(source, limits.max_size_bytes)
    with formats.parse(data, PurePath(filename).suffix, limits.max_size_bytes) as parsed:
        return _validated(parsed, given_rate_hz, limits)


def load_signal_file(
    path: str | PurePath,
    *,
    filename: str | None = None,
    sampling_rate_hz: float | None = None,
    limits: SignalLimits = DEFAULT_LIMITS,
) -> EcgSignal:
    """:func:`load_signal` for a file on disk (a spooled upload, a stored recording, a CLI
    argument), never read whole into memory first: a .npy or EDF is memory-mapped, a zip
    read member by member. ``filename`` (default: the path's name) gives the extension.
    """
    path = Path(path)
    given_rate_hz = (
        None
        if sampling_rate_hz is None
        else _checked_sampling_rate(sampling_rate_hz, "the sampling rate", limits)
    )
    size_bytes = path.stat().st_size
    if size_bytes > limits.max_size_bytes:
        raise too_large(size_bytes, limits.max_size_bytes)
    suffix = PurePath(filename or path.name).suffix
    with formats.parse(path, suffix, limits.max_size_bytes) as parsed:
        return _validated(parsed, given_rate_hz, limits)


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
    path = Path(header_path)
    given_rate_hz = (
        None
        if sampling_rate_hz is None
        else _checked_sampling_rate(sampling_rate_hz, "the sampling rate", limits)
    )
    with read_record(path.with_suffix(".hea"), limits.max_size_bytes) as parsed:
        return _validated(parsed, given_rate_hz, limits)


STRETCH_S = 600.0
"""A long recording is read, checked and resampled ten minutes at a time, so memory does not
grow with its length: 48 h of 3 leads at 360 Hz is 1.5 GB as float64, one stretch of it
5 MB (the margins either side cost under 0.1 % more filtering)."""
MEMORY_MAPPED_ABOVE_BYTES = 64 * 1024 * 1024
"""A resampled signal larger than this is written to a memory-mapped temporary file (deleted
when the last reference goes) instead of the process's memory."""

Stretch = Callable[[int, int], np.ndarray]
"""``read(start, stop)`` -> float[n_leads, stop - start]: samples [start, stop) in mV."""


def _validated(
    parsed: ParsedRecording, given_rate_hz: float | None, limits: SignalLimits
) -> EcgSignal:
    """Rate, shape, duration and value checks, then resampling to the reference rate, a
    stretch of :data:`STRETCH_S` at a time."""
    n_leads, n_samples, read = _stretch_reader(parsed, limits)
    lead_names = _lead_names(parsed.lead_names, n_leads)
    rate_hz = _resolve_sampling_rate(given_rate_hz, parsed, limits)
    _check_duration(n_samples, rate_hz, limits)
    stretch_samples = max(1, round(STRETCH_S * rate_hz))
    resampled = _empty_samples(n_leads, reference_length(n_samples, rate_hz))
    values = _ValueCheck(lead_names, rate_hz)
    position = 0
    for start, raw, part in reference_rate_stretches(read, n_samples, rate_hz, stretch_samples):
        values.add(raw, start, read, n_samples, stretch_samples)
        resampled[:, position : position + part.shape[1]] = part
        position += part.shape[1]
        release_pages(resampled)
    values.check()
    resampled.flags.writeable = False
    return EcgSignal(
        samples=resampled,
        original_sampling_rate_hz=rate_hz,
        lead_names=lead_names,
        format=parsed.format,
        units=parsed.units,
        metadata=parsed.metadata,
    )


def _stretch_reader(parsed: ParsedRecording, limits: SignalLimits) -> tuple[int, int, Stretch]:
    """(n_leads, n_samples, read) of what the reader found, in memory or still in the file."""
    values = parsed.values
    if isinstance(values, StoredSamples):
        if values.n_leads > limits.max_leads:
            raise InvalidRecording(
                f"the signal has {values.n_leads} leads; at most {limits.max_leads} are supported"
            )
        if values.n_samples == 0:
            raise InvalidRecording("the signal is empty (no samples)")
        return values.n_leads, values.n_samples, lambda start, stop: values.read(start, stop).T
    samples = _as_leads_by_samples(values, parsed.leads_on_columns, limits)
    dtype = samples.dtype if samples.dtype.kind == "f" else np.float64

    if not isinstance(samples, np.memmap):
        return samples.shape[0], samples.shape[1], lambda a, b: np.asarray(samples[:, a:b], dtype)

    def read(start: int, stop: int) -> np.ndarray:
        """A copy of the stretch, its pages of the file then released."""
        stretch = np.array(samples[:, start:stop], dtype=dtype)
        release_pages(samples)
        return stretch

    return samples.shape[0], samples.shape[1], read


def release_pages(samples: np.ndarray) -> None:
    """Drop a memory-mapped array's pages from this process's resident memory (they stay in
    the page cache; written pages are written back): a file read or written once from start
    to end then costs the memory of one stretch, not of the file. No-op for other arrays."""
    mapping = getattr(samples, "_mmap", None)  # np.memmap and its views
    if mapping is not None and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED)


def _empty_samples(n_leads: int, n_samples: int) -> np.ndarray:
    """float32[n_leads, n_samples] in memory, or in a memory-mapped temporary file when
    larger than :data:`MEMORY_MAPPED_ABOVE_BYTES` (the file is unlinked at once: the
    mapping keeps it until the array is freed)."""
    if n_leads * n_samples * 4 <= MEMORY_MAPPED_ABOVE_BYTES:
        return np.empty((n_leads, n_samples), dtype=np.float32)
    with tempfile.TemporaryFile(prefix="wavecardio-signal-") as scratch:
        return np.memmap(scratch, dtype=np.float32, mode="w+", shape=(n_leads, n_samples))


def _reference_ratio(sampling_rate_hz: float) -> Fraction:
    """128 Hz / the rate, as a fraction with denominator <= 1000 (rate error below 0.1 %)."""
    rate_hz = float(sampling_rate_hz)
    if not math.isfinite(rate_hz) or rate_hz <= 0:
        raise InvalidRecording(f"the sampling rate must be a positive number, got {rate_hz}")
    ratio = (Fraction(REFERENCE_RATE_HZ) / Fraction(rate_hz)).limit_denominator(
        _MAX_RATIO_DENOMINATOR
    )
    if ratio == 0:
        raise InvalidRecording(f"the sampling rate {rate_hz:g} Hz is too high to resample")
    return ratio


def reference_length(n_samples: int, sampling_rate_hz: float) -> int:
    """How many 128-Hz samples ``n_samples`` at ``sampling_rate_hz`` become: ceil(n up/down)."""
    ratio = _reference_ratio(sampling_rate_hz)
    return -(-n_samples * ratio.numerator // ratio.denominator)


def to_reference_rate(samples: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
    """Resample float[n_leads, n] (mV at ``sampling_rate_hz``) to float32[n_leads, m] at 128 Hz.

    Uses polyphase filtering (``scipy.signal.resample_poly``), which low-passes before
    decimating so nothing above 64 Hz aliases into the band the model reads. The rate ratio
    is approximated by a fraction with denominator <= 1000 to keep odd rates cheap (rate
    error below 0.1 %); ``m = ceil(n * up / down)``. The ends follow the line through the
    first and last samples (``padtype="line"``) instead of ringing towards 0 mV. A 1-D input
    is treated as one lead. When the input is already at 128 Hz it is returned as is if it
    is C-contiguous float32, otherwise converted once: no filtering work is done.
    """
    samples_2d = np.atleast_2d(samples)
    if samples_2d.ndim != 2:
        raise InvalidRecording(f"expected samples of shape (n_leads, n), got {samples.shape}")
    if _reference_ratio(sampling_rate_hz) == 1:
        return np.ascontiguousarray(samples_2d, dtype=np.float32)
    n_samples = samples_2d.shape[1]
    [(_, _, resampled)] = reference_rate_stretches(
        lambda start, stop: samples_2d[:, start:stop], n_samples, sampling_rate_hz, n_samples
    )
    return resampled


def reference_rate_stretches(
    read: Stretch, n_samples: int, sampling_rate_hz: float, stretch_samples: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """:func:`to_reference_rate` of a signal read a stretch at a time: yields, in order,
    (start, float[n_leads, k] the samples [start, start + k), float32[n_leads, m] their part
    of the resampled signal); the parts put together equal the whole signal's resample.

    Each stretch (about ``stretch_samples``, a multiple of the ratio's denominator so the
    output grid lines up) is filtered with a margin of samples either side wider than the
    filter; at the signal's true ends the margin is the line through its first and last
    samples, which is what ``padtype="line"`` extends the whole signal with.
    """
    ratio = _reference_ratio(sampling_rate_hz)
    up, down = ratio.numerator, ratio.denominator
    step = max(down, -(-stretch_samples // down) * down)
    if ratio == 1:
        for start in range(0, n_samples, step):
            raw = read(start, min(start + step, n_samples))
            yield start, raw, np.ascontiguousarray(raw, dtype=np.float32)
        return
    from scipy.signal import resample_poly  # deferred: scipy.signal costs ~1 s to import

    half_filter = 10 * max(up, down) + down  # resample_poly's filter half-length, padded
    margin = down * -(-(half_filter // up + 2) // down)
    first = np.asarray(read(0, 1), dtype=np.float64)
    last = np.asarray(read(n_samples - 1, n_samples), dtype=np.float64)
    slope = (last - first) / max(n_samples - 1, 1)
    for start in range(0, n_samples, step):
        stop = min(start + step, n_samples)
        low, high = max(start - margin, 0), min(stop + margin, n_samples)
        values = np.asarray(read(low, high), dtype=np.float64)
        raw = values[:, start - low : stop - low]
        before = first - slope * np.arange(margin - (start - low), 0, -1)
        after = last + slope * np.arange(1, margin - (high - stop) + 1)
        extended = np.concatenate([before, values, after], axis=1)
        filtered = resample_poly(extended, up, down, axis=1, padtype="constant")
        begin = margin * up // down
        length = reference_length(stop, sampling_rate_hz) - start * up // down
        yield start, raw, np.ascontiguousarray(filtered[:, begin : begin + length], np.float32)


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
    given_rate_hz: float | None, parsed: ParsedRecording, limits: SignalLimits
) -> float:
    """The caller's rate, else the file's; they must agree; neither: SamplingRateRequired."""
    if parsed.sampling_rate_hz is None:
        if given_rate_hz is None:
            raise SamplingRateRequired(
                f"the {parsed.format.upper()} file does not state its sampling rate: give the "
                "rate it was recorded at (e.g. 128, 250, 360 or 500 Hz); a wrong rate "
                "distorts every interval and the classification"
                + (
                    ", or add a time column (header 'time' in seconds or 'ms')"
                    if parsed.format == "csv"
                    else ""
                )
            )
        return given_rate_hz
    file_rate_hz = _checked_sampling_rate(
        parsed.sampling_rate_hz, "the file's sampling rate", limits
    )
    if given_rate_hz is not None and not math.isclose(given_rate_hz, file_rate_hz):
        raise InvalidRecording(
            f"conflicting sampling rates: the file says {file_rate_hz:g} Hz but "
            f"{given_rate_hz:g} Hz was given; leave the sampling rate empty to use the file's "
            "value, or correct the file"
        )
    return file_rate_hz


def _check_dtype(dtype: np.dtype) -> None:
    if dtype.hasobject:
        raise InvalidRecording(OBJECT_ARRAY_MESSAGE)
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
    """Numeric [n_leads, n_samples] (a view: converted to float a stretch at a time); in a
    2-D array the smaller axis holds the leads."""
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


class _ValueCheck:
    """Rejects gaps, dead signals and values that cannot be millivolts, seeing the signal a
    stretch at a time: gaps at once, the rest (flat, ADC units) once every stretch is seen.
    The robust span is the median over stretches of each stretch's 0.5th-99.5th percentile
    range (the exact range for a recording of one stretch)."""

    def __init__(self, lead_names: tuple[str, ...], rate_hz: float) -> None:
        self.lead_names, self.rate_hz = lead_names, rate_hz
        self.lows: list[np.ndarray] = []
        self.highs: list[np.ndarray] = []
        self.minima: list[np.ndarray] = []
        self.maxima: list[np.ndarray] = []

    def add(
        self, samples: np.ndarray, start: int, read: Stretch, n_samples: int, step: int
    ) -> None:
        """One stretch, samples [start, start + k); ``read`` counts the gaps of the rest."""
        finite = np.isfinite(samples)
        if not finite.all():
            n_nan = n_bad = 0
            for first in range(0, n_samples, step):
                part = read(first, min(first + step, n_samples))
                n_nan += int(np.count_nonzero(np.isnan(part)))
                n_bad += int(part.size - np.count_nonzero(np.isfinite(part)))
            lead, index = np.unravel_index(int(np.argmin(finite)), finite.shape)
            index += start
            raise InvalidRecording(
                f"the signal contains {n_bad:,} missing or infinite value(s) ({n_nan:,} NaN, "
                f"{n_bad - n_nan:,} infinite); the first is in lead {self.lead_names[lead]!r} "
                f"at sample {index:,} ({index / self.rate_hz:.2f} s); fill or cut out the "
                "gaps before uploading"
            )
        self.minima.append(samples.min(axis=1))
        self.maxima.append(samples.max(axis=1))
        low, high = np.percentile(samples, _ROBUST_PERCENTILES, axis=1)
        self.lows.append(low)
        self.highs.append(high)

    def check(self) -> None:
        """Raise for a flat signal or one in ADC units, once every stretch was added."""
        spread = np.max(self.maxima, axis=0) - np.min(self.minima, axis=0)
        if np.all(spread < _FLAT_PEAK_TO_PEAK_MV):
            raise InvalidRecording(
                "the signal is flat (every lead is constant); check that the electrodes were "
                "connected and that the export wrote the samples"
            )
        spans = np.median(np.subtract(self.highs, self.lows), axis=0)
        widest = int(np.argmax(spans))
        if spans[widest] > _MAX_ROBUST_PEAK_TO_PEAK_MV:
            raise InvalidRecording(
                f"lead {self.lead_names[widest]!r} spans {spans[widest]:.4g} units between its "
                "0.5th and 99.5th percentiles, but an ECG spans a few millivolts: the values "
                "look like ADC units rather than millivolts; divide them by the recorder's ADC "
                f"gain (e.g. {_EXAMPLE_ADC_GAIN}) before uploading"
            )
