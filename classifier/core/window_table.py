"""Per-window results stored compactly: columns of small integers instead of a JSON object
per window (a 48-h 3-lead recording is ~65,000 windows: ~9 MB of JSON, ~1 MB here).

The one place that converts between the stored bytes and the per-window fields the API and
the CLI serve (``lead``, ``start_s``, ``end_s``, ``label``, ``probabilities``, ``quality``).
Lossless: what :func:`encode` is given, :class:`WindowTable` gives back, value for value and
in the same order (probabilities rounded to 6 decimals, as the pipeline gives them, are kept
as integer millionths; anything else as float64). Pure NumPy, no Django.

Layout (little-endian): ``MAGIC`` (4 bytes), the header's length (uint32), the header (UTF-8
JSON: version, n, window_s, classes, labels, qualities, columns as [name, dtype, width,
offset]), then each column's raw array, one after the other. A page is read by slicing the
columns (``np.frombuffer`` with an offset), never by decoding every window.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

MAGIC = b"WCW1"
VERSION = 1
MICRO = 1_000_000  # probabilities with 6 decimals are stored as integer millionths


class InvalidWindowTable(ValueError):
    """Stored bytes that are not a window table (or a list that cannot become one)."""


def _smallest_unsigned(values: np.ndarray) -> str:
    top = int(values.max()) if values.size else 0
    for dtype in ("<u1", "<u2", "<u4"):
        if top <= np.iinfo(dtype).max:
            return dtype
    return "<u8"


def _codes(values: Sequence[str]) -> tuple[list[str], np.ndarray]:
    vocabulary = sorted(set(values))
    index = {value: code for code, value in enumerate(vocabulary)}
    return vocabulary, np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))


def encode(windows: Iterable[Mapping[str, Any]]) -> bytes:
    """Per-window dicts (the fields above, ``probabilities`` in the same class order in every
    window) -> the stored bytes. Raises InvalidWindowTable for anything else."""
    rows = list(windows)
    if not rows:
        return encode_columns(
            lead=np.zeros(0, np.int64),
            start_s=np.zeros(0),
            end_s=np.zeros(0),
            labels=[],
            probabilities=np.zeros((0, 0)),
            classes=(),
            qualities=[],
        )
    try:
        classes = tuple(rows[0]["probabilities"])
        if any(tuple(row["probabilities"]) != classes for row in rows):
            raise InvalidWindowTable("windows with different probability classes")
        return encode_columns(
            lead=np.array([row["lead"] for row in rows], dtype=np.int64),
            start_s=np.array([row["start_s"] for row in rows], dtype=np.float64),
            end_s=np.array([row["end_s"] for row in rows], dtype=np.float64),
            labels=[str(row["label"]) for row in rows],
            probabilities=np.array(
                [list(row["probabilities"].values()) for row in rows], dtype=np.float64
            ).reshape(len(rows), len(classes)),
            classes=classes,
            qualities=[str(row.get("quality", "ok")) for row in rows],
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidWindowTable(f"not a list of per-window results: {exc!r}") from exc


def encode_columns(
    *,
    lead: np.ndarray,
    start_s: np.ndarray,
    end_s: np.ndarray,
    labels: Sequence[str],
    probabilities: np.ndarray,
    classes: Sequence[str],
    qualities: Sequence[str],
) -> bytes:
    """Columns (int lead[n], float start_s[n], end_s[n], labels[n], float
    probabilities[n, len(classes)], qualities[n]) -> the stored bytes."""
    n = len(lead)
    if np.any(lead < 0):
        raise InvalidWindowTable("negative lead index")
    columns: list[tuple[str, np.ndarray]] = [("lead", lead.astype(_smallest_unsigned(lead)))]
    window_s = float(end_s[0] - start_s[0]) if n else 0.0
    position = np.rint(start_s / window_s).astype(np.int64) if window_s > 0 else None
    if (
        position is not None
        and np.all(position >= 0)
        and np.array_equal(position * window_s, start_s)
        and np.array_equal((position + 1) * window_s, end_s)
    ):
        columns.append(("position", position.astype(_smallest_unsigned(position))))
    else:  # irregular windows (never from the pipeline): kept as they are
        window_s = 0.0
        columns += [("start_s", start_s.astype("<f8")), ("end_s", end_s.astype("<f8"))]
    label_names, label_codes = _codes(labels)
    quality_names, quality_codes = _codes(qualities)
    columns += [("label", label_codes.astype("<u1")), ("quality", quality_codes.astype("<u1"))]
    micro = np.rint(probabilities * MICRO)
    if np.all((micro >= 0) & (micro <= MICRO)) and np.array_equal(micro / MICRO, probabilities):
        columns.append(("probabilities", micro.astype("<u4")))
    else:
        columns.append(("probabilities", probabilities.astype("<f8")))
    if len(label_names) > 255 or len(quality_names) > 255:
        raise InvalidWindowTable("more than 255 distinct labels or qualities")
    layout, offset = [], 0
    for name, values in columns:
        width = 1 if values.ndim == 1 else int(values.shape[1])
        layout.append([name, values.dtype.str, width, offset])
        offset += values.nbytes
    header = json.dumps(
        {
            "version": VERSION,
            "n": n,
            "window_s": window_s,
            "classes": list(classes),
            "labels": label_names,
            "qualities": quality_names,
            "columns": layout,
        },
        separators=(",", ":"),
    ).encode()
    body = b"".join(np.ascontiguousarray(values).tobytes() for _, values in columns)
    return MAGIC + struct.pack("<I", len(header)) + header + body


class WindowTable(Sequence[dict]):
    """The stored per-window results, read lazily: ``len()``, iteration and indexing give
    the per-window dicts; ``table[a:b]`` decodes only those rows. ``rows`` restricts the
    table to some windows (e.g. one lead's) without copying the data."""

    def __init__(self, data: bytes | memoryview | None, rows: np.ndarray | None = None):
        data = bytes(data or b"")
        if not data:
            data = encode([])
        if data[:4] != MAGIC or len(data) < 8:
            raise InvalidWindowTable("not a stored window table")
        (header_length,) = struct.unpack_from("<I", data, 4)
        try:
            self._header = json.loads(data[8 : 8 + header_length])
        except ValueError as exc:
            raise InvalidWindowTable("corrupt window table header") from exc
        if self._header.get("version") != VERSION:
            raise InvalidWindowTable(f"window table version {self._header.get('version')}")
        self._data = data
        self._body = 8 + header_length
        self._n = int(self._header["n"])
        self._rows = rows

    @property
    def classes(self) -> list[str]:
        return list(self._header["classes"])

    def __len__(self) -> int:
        return self._n if self._rows is None else len(self._rows)

    def column(self, name: str, rows: np.ndarray | slice | None = None) -> np.ndarray:
        """One column's values (decoded: seconds for start_s/end_s, label and quality
        names' codes as ints, probabilities as floats) for ``rows`` of the full table."""
        layout = {entry[0]: entry[1:] for entry in self._header["columns"]}
        if name in {"start_s", "end_s"} and "position" in layout:
            position = self.column("position", rows).astype(np.int64)
            return (position + (name == "end_s")) * float(self._header["window_s"])
        dtype, width, offset = layout[name]
        dtype = np.dtype(dtype)
        if isinstance(rows, slice):
            first, stop, _ = rows.indices(self._n)
            count = max(stop - first, 0)
            values = np.frombuffer(
                self._data,
                dtype=dtype,
                count=count * width,
                offset=self._body + offset + first * width * dtype.itemsize,
            )
        else:
            values = np.frombuffer(
                self._data, dtype=dtype, count=self._n * width, offset=self._body + offset
            )
        values = values.reshape(-1, width) if width > 1 or name == "probabilities" else values
        if rows is not None and not isinstance(rows, slice):
            values = values[rows]
        if name == "probabilities" and dtype.kind == "u":
            return values / MICRO
        return values

    def _full_rows(self, index: slice) -> np.ndarray | slice:
        """The full-table rows behind ``index`` of this (possibly restricted) table."""
        if self._rows is None:
            return index if index.step in (None, 1) else np.arange(self._n)[index]
        return self._rows[index]

    def _dicts(self, rows: np.ndarray | slice) -> list[dict]:
        lead = self.column("lead", rows).tolist()
        start = self.column("start_s", rows).tolist()
        end = self.column("end_s", rows).tolist()
        labels, qualities = self._header["labels"], self._header["qualities"]
        label = [labels[c] for c in self.column("label", rows).tolist()]
        quality = [qualities[c] for c in self.column("quality", rows).tolist()]
        classes = self._header["classes"]
        probabilities = self.column("probabilities", rows).tolist()
        return [
            {
                "lead": lead[k],
                "start_s": start[k],
                "end_s": end[k],
                "label": label[k],
                "probabilities": dict(zip(classes, probabilities[k], strict=True)),
                "quality": quality[k],
            }
            for k in range(len(lead))
        ]

    @overload
    def __getitem__(self, index: int) -> dict: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._dicts(self._full_rows(index))
        position = range(len(self))[index]  # IndexError as for a list
        return self._dicts(self._full_rows(slice(position, position + 1)))[0]

    def __iter__(self) -> Iterator[dict]:
        step = 4096
        for first in range(0, len(self), step):
            yield from self[first : first + step]

    def of_lead(self, lead: int) -> WindowTable:
        """The windows of one lead (in stored order), undecoded."""
        mine = np.flatnonzero(self.column("lead", self._rows) == lead)
        rows = mine if self._rows is None else self._rows[mine]
        return WindowTable(self._data, rows=rows)

    def runs(self) -> list[tuple[int, list[tuple[str, float, float]]]]:
        """Per lead (in stored order), its runs of consecutive windows with the same label
        and quality verdict (usable or not): (label, or ``"poor"`` for windows of poor
        quality, first start_s, last end_s)."""
        if len(self) == 0:
            return []
        rows = self._rows
        lead = self.column("lead", rows).astype(np.int64)
        label = self.column("label", rows).astype(np.int64)
        ok = self._header["qualities"].index("ok") if "ok" in self._header["qualities"] else -1
        usable = self.column("quality", rows) == ok
        key = (lead * 256 + label) * 2 + usable
        boundary = np.flatnonzero(np.diff(key)) + 1
        firsts = np.concatenate([[0], boundary])
        lasts = np.concatenate([boundary, [len(key)]]) - 1
        start, end = self.column("start_s", rows), self.column("end_s", rows)
        labels = self._header["labels"]
        out: list[tuple[int, list[tuple[str, float, float]]]] = []
        for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
            if not out or out[-1][0] != int(lead[first]):
                out.append((int(lead[first]), []))
            name = labels[label[first]] if usable[first] else "poor"
            out[-1][1].append((name, float(start[first]), float(end[last])))
        return out

    def to_bytes(self) -> bytes:
        """The stored bytes (the whole table, whatever ``rows`` restricts it to)."""
        return self._data
