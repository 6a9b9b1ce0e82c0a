"""``numpy.save`` files: one numeric array, millivolts; no rate, no lead names."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import BinaryIO

import numpy as np

from classifier.core.errors import InvalidRecording
from classifier.core.formats.base import (
    OBJECT_ARRAY_MESSAGE,
    FormatReader,
    ParsedRecording,
    Source,
)

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"


def read(source: Source, suffix: str, max_size_bytes: int) -> ParsedRecording:
    """Read a .npy file without ever unpickling: the header is checked before the data.

    A file on disk is memory-mapped (read-only): its samples are paged in as the validation
    and resampling read them, never copied whole into memory first.
    """
    if isinstance(source, Path):
        with open(source, "rb") as file:
            header = _checked_header(file, source.stat().st_size)
    else:
        header = _checked_header(io.BytesIO(source), len(source))
    try:
        if isinstance(source, Path) and math.prod(header) > 0:  # an empty array cannot map
            values = np.load(source, mmap_mode="r", allow_pickle=False)
        elif isinstance(source, Path):
            values = np.load(source, allow_pickle=False)
        else:
            values = np.load(io.BytesIO(source), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InvalidRecording(f"not a valid .npy file: {exc}") from exc
    if values.shape != header:
        raise InvalidRecording("not a valid .npy file: its header and its data disagree")
    return ParsedRecording(values, "npy")


def _checked_header(stream: BinaryIO, size_bytes: int) -> tuple[int, ...]:
    """The array's shape, after checking the header: no pickles, no truncated data."""
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
        raise InvalidRecording(OBJECT_ARRAY_MESSAGE)
    expected_bytes = math.prod(shape) * dtype.itemsize
    available_bytes = size_bytes - stream.tell()
    if available_bytes < expected_bytes:
        raise InvalidRecording(
            f"the .npy file is truncated: its header announces a {dtype} array of shape "
            f"{shape} ({expected_bytes:,} bytes of samples) but only {available_bytes:,} bytes "
            "follow; upload the complete file"
        )
    return tuple(shape)


def _not_recognised(head: bytes) -> str:
    hint = " (it looks like a .npz archive)" if head.startswith(_ZIP_MAGIC) else ""
    return (
        f"not a valid .npy file: it does not start with the NumPy header{hint}; save the "
        "array with numpy.save(), or give the file the extension of what it holds"
    )


READER = FormatReader(
    name="npy",
    extensions=(".npy",),
    description="numpy.save of a numeric array, mV",
    read=read,
    sniff=lambda head: head.startswith(_NPY_MAGIC),
    not_recognised=_not_recognised,
)
