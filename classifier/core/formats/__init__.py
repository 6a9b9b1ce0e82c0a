"""The upload formats WaveCardio reads: one module per format, registered here.

Adding a format is one module that defines a :class:`FormatReader` (its name, extensions,
content sniffer and reader) plus one line in ``READERS``. The upload form, the API schema,
the CLI help and stored file names list the formats from this registry.
"""

from __future__ import annotations

from pathlib import Path

from classifier.core.errors import InvalidRecording
from classifier.core.formats import csvtext, edf, jsontext, mat, npy, wfdbzip
from classifier.core.formats.base import (
    NO_METADATA,
    SNIFF_BYTES,
    FormatReader,
    ParsedRecording,
    RecordingMetadata,
    Source,
)
from classifier.core.formats.text import decode_text

__all__ = [
    "NO_METADATA",
    "READERS",
    "FormatReader",
    "ParsedRecording",
    "RecordingMetadata",
    "extensions",
    "formats_help",
    "parse",
    "reader_for_suffix",
]

_WFDB_PARTS = (".hea", ".dat", ".atr")

# Binary formats first (recognised by their magic bytes), then the text formats; CSV, the
# fallback for text that is not JSON, last.
READERS: tuple[FormatReader, ...] = (
    npy.READER,
    edf.READER,
    mat.READER,
    wfdbzip.READER,
    jsontext.READER,
    csvtext.READER,
)


def extensions() -> tuple[str, ...]:
    """Every accepted file extension (".npy", ...), in registry order."""
    return tuple(suffix for reader in READERS for suffix in reader.extensions)


def reader_for_suffix(suffix: str) -> FormatReader | None:
    suffix = suffix.lower()
    return next((reader for reader in READERS if suffix in reader.extensions), None)


def formats_help() -> str:
    """``.npy (what), ..., or .csv (what)`` for help texts and error messages."""
    items = [f"{'/'.join(r.extensions)} ({r.description})" for r in READERS]
    return ", ".join(items[:-1]) + " or " + items[-1]


def parse(data: Source, suffix: str, max_size_bytes: int) -> ParsedRecording:
    """Recognise the format from the content (the extension breaks ties) and read it.

    ``data`` is the content, or the file on disk holding it (binary readers then
    memory-map it or read it in chunks); ``suffix`` is the file name's extension (any case,
    may be empty); ``max_size_bytes`` bounds whatever a reader unpacks. Raises
    InvalidRecording for anything unreadable.
    """
    head = _head(data)
    if not head:
        raise InvalidRecording("the file is empty")
    suffix = suffix.lower()
    if suffix in _WFDB_PARTS:
        raise InvalidRecording(
            f"a {suffix} file alone is half a WFDB record: the header (.hea) and its signal "
            "file (.dat) are needed together; upload both (with the .atr if you have it) in "
            "one .zip"
        )
    owner = reader_for_suffix(suffix)
    matches = [reader for reader in READERS if not reader.is_text and reader.sniff(head)]
    if owner is not None and owner in matches:
        return owner.read(data, suffix, max_size_bytes)
    if owner is not None and not owner.is_text:
        if owner.not_recognised is not None:
            raise InvalidRecording(owner.not_recognised(head))
        if not matches:
            raise InvalidRecording(
                f"not a valid {suffix} file: its content is not {owner.description}"
            )
    if matches:
        return matches[0].read(data, suffix, max_size_bytes)
    # Text formats: recognised from the beginning of a file on disk, which the reader then
    # reads itself (CSV line by line); bytes are decoded whole.
    content = data
    text = decode_text(head, partial=True) if isinstance(data, Path) else decode_text(data)
    if text is None:
        if owner is not None:
            raise InvalidRecording(f"the {suffix} file is not text; save it as UTF-8 text")
        raise InvalidRecording(f"unsupported file format{_quoted(suffix)}: upload {formats_help()}")
    text_readers = [reader for reader in READERS if reader.is_text]
    for reader in text_readers:
        if reader.sniff_text is not None and reader.sniff_text(text):
            return reader.read(content, suffix, max_size_bytes)
    if owner is not None:
        return owner.read(content, suffix, max_size_bytes)
    fallback = text_readers[-1]
    try:
        return fallback.read(content, suffix, max_size_bytes)
    except InvalidRecording as exc:
        raise InvalidRecording(
            f"unsupported file format{_quoted(suffix)}: upload {formats_help()} "
            f"(reading it as {fallback.name.upper()} failed: {exc})"
        ) from exc


def _head(source: Source) -> bytes:
    if isinstance(source, Path):
        with open(source, "rb") as file:
            return file.read(SNIFF_BYTES)
    return source[:SNIFF_BYTES]


def _quoted(suffix: str) -> str:
    return f" {suffix!r}" if suffix else ""
