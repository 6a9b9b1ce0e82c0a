"""PhysioNet WFDB records: a ``.zip`` holding ``<record>.hea`` + its signal files (``.dat``)
and, optionally, reference annotations (``.atr``); or a ``.hea`` read from a folder.

Read with the ``wfdb`` package (physical units, lead names and rate from the header), a
stretch of samples at a time. The zip is unpacked into a private temporary folder, removed
when the parsed recording is closed, after checking every
member: no absolute paths, no ``..``, no links, a bounded number of members and a bounded
total and per-member expansion (zip bombs).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path, PurePath, PurePosixPath
from typing import BinaryIO

import numpy as np

from classifier.core.errors import InvalidRecording, RecordingTooLarge
from classifier.core.formats.base import (
    FormatReader,
    ParsedRecording,
    RecordingMetadata,
    Source,
    StoredSamples,
    to_millivolts,
)

ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 32
MAX_COMPRESSION_RATIO = 100  # a WFDB .dat compresses ~2-5x; a zip bomb by 1000x or more
_CHUNK_BYTES = 1024 * 1024
_UNREADABLE = (OSError, ValueError, IndexError, TypeError, KeyError, AttributeError)


def read(source: Source, suffix: str, max_size_bytes: int) -> ParsedRecording:
    """A zip of one WFDB record -> its signal in mV with the header's names and rate, left
    unpacked in a private folder and read a stretch at a time until the result is closed."""
    try:
        archive = zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidRecording(f"not a readable zip file: {exc}") from exc
    folder = Path(tempfile.mkdtemp(prefix="wavecardio-wfdb-"))
    try:
        with archive:
            names = _extract_checked(archive, folder, max_size_bytes)
        headers = sorted(name for name in names if name.lower().endswith(".hea"))
        if len(headers) != 1:
            found = ", ".join(headers) if headers else "none"
            raise InvalidRecording(
                f"a WFDB zip must hold exactly one record header (.hea); found {found}"
            )
        parsed = read_record(folder / headers[0], max_size_bytes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return replace(parsed, close=partial(shutil.rmtree, folder, ignore_errors=True))


def read_record(header_path: Path, max_size_bytes: int) -> ParsedRecording:
    """``<record>.hea`` with its signal files beside it -> :class:`StoredSamples` in mV,
    read with ``wfdb.rdrecord(sampfrom=, sampto=)`` a stretch at a time, never whole."""
    import wfdb  # deferred: only this reader needs it

    name = header_path.name
    record_path = str(header_path.with_suffix(""))
    try:
        header = wfdb.rdheader(record_path)
    except _UNREADABLE as exc:
        raise InvalidRecording(f"{name} is not a readable WFDB header: {exc}") from exc
    folder = header_path.parent
    signal_files = sorted({file for file in (header.file_name or []) if file})
    if not signal_files:
        raise InvalidRecording(f"{name} names no signal file; a WFDB record needs its .dat")
    missing = [file for file in signal_files if not (folder / file).is_file()]
    if missing:
        raise InvalidRecording(
            f"{name} names {', '.join(missing)}, which is missing: upload the .hea together "
            "with its .dat file(s), e.g. both in one .zip"
        )
    size = sum((folder / file).stat().st_size for file in signal_files)
    if size > max_size_bytes:
        raise RecordingTooLarge(
            f"the record's signal files hold {size:,} bytes; the limit is {max_size_bytes:,}"
        )
    if not header.fs or not header.n_sig:
        raise InvalidRecording(f"{name}: the WFDB record has no signal or no sampling rate")
    units = tuple(str(unit) for unit in (header.units or ["mV"] * header.n_sig))
    # A header may leave out the length (the .dat's size then gives it): read it whole once.
    n_samples = header.sig_len or len(_read_stretch(record_path, units, 0, None))
    _read_stretch(record_path, units, 0, 1)  # a record that cannot be read fails here
    return ParsedRecording(
        StoredSamples(
            n_samples=int(n_samples),
            n_leads=int(header.n_sig),
            read=partial(_read_stretch, record_path, units),
        ),
        "wfdb",
        lead_names=tuple(str(lead) for lead in header.sig_name),
        sampling_rate_hz=float(header.fs),
        leads_on_columns=True,
        units=units,
        metadata=RecordingMetadata(
            start=_start(header.base_date, header.base_time),
            annotations=_annotation_count(record_path),
        ),
    )


def _read_stretch(
    record_path: str, units: tuple[str, ...], start: int, stop: int | None
) -> np.ndarray:
    """Samples [start, stop) (None: to the end): float64[stop - start, n_leads] in mV."""
    import wfdb

    name = PurePath(record_path).name + ".hea"
    try:
        record = wfdb.rdrecord(record_path, sampfrom=start, sampto=stop, physical=True)
    except _UNREADABLE as exc:
        raise InvalidRecording(f"{name}: the WFDB record cannot be read: {exc}") from exc
    if record.p_signal is None:
        raise InvalidRecording(f"{name}: the WFDB record has no signal")
    return to_millivolts(np.asarray(record.p_signal, dtype=np.float64), units, name)


def _start(base_date: dt.date | None, base_time: dt.time | None) -> dt.datetime | None:
    if base_date is None:
        return None
    return dt.datetime.combine(base_date, base_time or dt.time())


def _annotation_count(record_path: str) -> int | None:
    """How many reference annotations the record's ``.atr`` holds (None: no readable .atr)."""
    if not Path(record_path + ".atr").is_file():
        return None
    import wfdb

    try:
        return len(wfdb.rdann(record_path, "atr").sample)
    except _UNREADABLE as exc:
        raise InvalidRecording(
            f"{PurePath(record_path).name}.atr is not a readable WFDB annotation file: {exc}"
        ) from exc


def _extract_checked(archive: zipfile.ZipFile, folder: Path, max_size_bytes: int) -> list[str]:
    """Unpack the zip's files flat into ``folder``; refuse anything unsafe before writing it."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise InvalidRecording(
            f"the zip holds {len(members)} files; a WFDB record needs a few (.hea, .dat, .atr), "
            f"at most {MAX_MEMBERS}"
        )
    declared = sum(info.file_size for info in members)
    if declared > max_size_bytes:
        raise RecordingTooLarge(
            f"the zip unpacks to {declared:,} bytes; the limit is {max_size_bytes:,}"
        )
    names: list[str] = []
    for info in members:
        name = _safe_name(info)
        if name in names:
            raise InvalidRecording(f"the zip holds two files named {name!r}")
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise InvalidRecording(
                f"{info.filename!r} expands {ratio:,.0f} times (a zip bomb?); at most "
                f"{MAX_COMPRESSION_RATIO} times is accepted"
            )
        _copy_bounded(archive, info, folder / name, max_size_bytes)
        names.append(name)
    return names


def _safe_name(info: zipfile.ZipInfo) -> str:
    """The member's file name, refusing absolute paths, ``..``, drive letters and links."""
    raw = info.filename
    path = PurePosixPath(raw.replace("\\", "/"))
    if raw.startswith(("/", "\\")) or path.is_absolute() or ":" in raw or ".." in path.parts:
        raise InvalidRecording(
            f"the zip member {raw!r} points outside the archive (absolute path or '..'); "
            "zip the record's files themselves"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InvalidRecording(f"the zip member {raw!r} is a link; zip the files themselves")
    if not path.name or path.name.startswith("."):
        raise InvalidRecording(f"the zip member {raw!r} has no usable file name")
    return path.name


def _copy_bounded(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, max_size_bytes: int
) -> None:
    """Copy one member, stopping as soon as it grows past its declared size or the limit."""
    limit = min(info.file_size, max_size_bytes)
    written = 0
    try:
        with archive.open(info) as source, open(target, "xb") as out:
            while chunk := source.read(_CHUNK_BYTES):
                written += len(chunk)
                if written > limit:
                    raise InvalidRecording(
                        f"{info.filename!r} unpacks to more than it declares (a zip bomb?)"
                    )
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise InvalidRecording(f"the zip member {info.filename!r} cannot be read: {exc}") from exc


RECORD_PART_SUFFIXES = (".hea", ".dat", ".atr")


def zip_record_files(parts: Sequence[tuple[str, BinaryIO]], target: BinaryIO) -> str:
    """Write the files of one WFDB record, uploaded side by side, as the zip this reader
    reads (stored, not compressed: copied in 1-MB chunks); returns the zip's name.

    ``parts`` are (file name, binary file) pairs: one ``.hea``, its ``.dat`` file(s) and
    optionally a ``.atr``. Raises InvalidRecording for anything else, before writing.
    """
    names = [PurePosixPath(name.replace("\\", "/")).name for name, _ in parts]
    odd = [name for name in names if PurePath(name).suffix.lower() not in RECORD_PART_SUFFIXES]
    if odd:
        raise InvalidRecording(
            f"{', '.join(odd)}: the files of a WFDB record are its .hea, .dat and .atr"
        )
    if len(set(names)) != len(names):
        raise InvalidRecording("two of the record's files have the same name")
    headers = [name for name in names if name.lower().endswith(".hea")]
    if len(headers) != 1:
        raise InvalidRecording(
            f"the files of one WFDB record hold exactly one header (.hea); got {len(headers)}"
        )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for name, (_, file) in zip(names, parts, strict=True):
            with archive.open(name, "w", force_zip64=True) as member:
                while chunk := file.read(_CHUNK_BYTES):
                    member.write(chunk)
    return PurePath(headers[0]).stem + ".zip"


READER = FormatReader(
    name="wfdb",
    extensions=(".zip",),
    description="a WFDB record (.hea + .dat, optional .atr) zipped together",
    read=read,
    sniff=lambda head: head.startswith(ZIP_MAGIC),
)
