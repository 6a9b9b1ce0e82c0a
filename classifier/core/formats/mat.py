"""MATLAB ``.mat`` files: v5/v7 read with ``scipy.io.loadmat``, v7.3 (HDF5) with ``h5py``.

The ECG is the numeric array named ``signal``, ``ecg``, ``val`` (PhysioNet/CinC exports),
``data`` or ``samples`` (case-insensitive, also inside a struct, e.g. ``ECGData.Data``), or
else the file's only numeric array. A scalar named ``fs``, ``fs_hz``, ``sampling_rate`` or
``sampling_rate_hz`` gives the rate and a list of strings ``leads``/``lead_names`` the
lead names. Values must be millivolts.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from classifier.core.errors import InvalidRecording
from classifier.core.formats.base import FormatReader, ParsedRecording, Source

MAT5_MAGIC = b"MATLAB 5.0"
MAT73_MAGIC = b"MATLAB 7.3"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_SIGNAL_NAMES = ("signal", "ecg", "val", "data", "samples")
_RATE_NAMES = frozenset({"fs", "fs_hz", "sampling_rate", "sampling_rate_hz", "samplingrate"})
_LEAD_NAMES = frozenset({"leads", "lead_names", "sig_name"})
_MAX_DEPTH = 3


def read(source: Source, suffix: str, max_size_bytes: int) -> ParsedRecording:
    """scipy and h5py read a file on disk directly (h5py only the datasets it is asked for)."""
    head = _head(source)
    if head.startswith(MAT73_MAGIC) or HDF5_MAGIC in (head[:8], head[512:520]):
        variables = _hdf5_variables(source)
    else:
        variables = _mat5_variables(source)
    arrays = {
        name: value
        for name, value in variables.items()
        if isinstance(value, np.ndarray) and value.dtype.kind in "iuf" and value.size > 1
    }
    if not arrays:
        listed = ", ".join(sorted(variables)) or "nothing"
        raise InvalidRecording(
            f"the .mat file holds no numeric array to read as the ECG (it holds {listed}); "
            "save the samples as a numeric matrix, e.g. save('ecg.mat', 'signal')"
        )
    name = _signal_name(arrays)
    return ParsedRecording(
        arrays[name],
        "mat",
        lead_names=_lead_names(variables),
        sampling_rate_hz=_rate(variables),
    )


def _signal_name(arrays: dict[str, np.ndarray]) -> str:
    by_short_name: dict[str, list[str]] = {}
    for name in arrays:
        by_short_name.setdefault(name.rsplit(".", 1)[-1].lower(), []).append(name)
    for wanted in _SIGNAL_NAMES:
        if len(by_short_name.get(wanted, [])) == 1:
            return by_short_name[wanted][0]
    if len(arrays) == 1:
        return next(iter(arrays))
    raise InvalidRecording(
        f"the .mat file holds several numeric arrays ({', '.join(sorted(arrays))}); name the "
        f"ECG one of {', '.join(_SIGNAL_NAMES)}"
    )


def _rate(variables: dict[str, object]) -> float | None:
    for name, value in variables.items():
        if name.rsplit(".", 1)[-1].lower() not in _RATE_NAMES:
            continue
        array = np.asarray(value)
        if array.size == 1 and array.dtype.kind in "iuf":
            return float(array.reshape(-1)[0])
        raise InvalidRecording(f"the .mat variable {name!r} must be one number of Hz")
    return None


def _lead_names(variables: dict[str, object]) -> tuple[str, ...] | None:
    for name, value in variables.items():
        if name.rsplit(".", 1)[-1].lower() not in _LEAD_NAMES:
            continue
        items = [value] if isinstance(value, str) else list(np.ravel(np.asarray(value)))
        if all(isinstance(item, str) for item in items):
            return tuple(item.strip() for item in items)
        raise InvalidRecording(f"the .mat variable {name!r} must list the lead names as text")
    return None


def _head(source: Source) -> bytes:
    if isinstance(source, Path):
        with open(source, "rb") as file:
            return file.read(520)
    return source[:520]


def _opened(source: Source) -> Path | io.BytesIO:
    return source if isinstance(source, Path) else io.BytesIO(source)


def _mat5_variables(source: Source) -> dict[str, object]:
    from scipy.io import loadmat  # deferred: only this reader needs it
    from scipy.io.matlab import MatReadError

    unreadable = (ValueError, TypeError, OSError, EOFError, IndexError, KeyError)
    try:
        content = loadmat(_opened(source), simplify_cells=True)
    except (*unreadable, NotImplementedError, MatReadError, AttributeError) as exc:
        raise InvalidRecording(
            f"not a readable MATLAB .mat file ({exc}); save it again with save(..., '-v7')"
        ) from exc
    variables: dict[str, object] = {}
    _flatten(
        {k: v for k, v in content.items() if not k.startswith("__")}, "", variables, _MAX_DEPTH
    )
    return variables


def _flatten(content: dict, prefix: str, out: dict[str, object], depth: int) -> None:
    """Struct fields (dicts with simplify_cells) as ``struct.field`` names."""
    for key, value in content.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if depth > 0:
                _flatten(value, f"{name}.", out, depth - 1)
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = np.asarray(value)
        out[name] = value


def _hdf5_variables(source: Source) -> dict[str, object]:
    import h5py  # deferred: only v7.3 files need it

    variables: dict[str, object] = {}
    try:
        with h5py.File(_opened(source), "r") as file:

            def visit(name: str, item: object) -> None:
                if not isinstance(item, h5py.Dataset) or name.startswith("#"):
                    return
                matlab_class = item.attrs.get("MATLAB_class", b"")
                if isinstance(matlab_class, bytes):
                    matlab_class = matlab_class.decode("ascii", "replace")
                if matlab_class in ("char", "cell", "logical") or item.dtype.kind not in "iuf":
                    variables[name.replace("/", ".")] = None
                    return
                variables[name.replace("/", ".")] = np.asarray(item[()])

            file.visititems(visit)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidRecording(
            f"not a readable MATLAB v7.3 (HDF5) .mat file: {exc}; save it again"
        ) from exc
    return variables


def _not_recognised(head: bytes) -> str:
    return (
        "not a MATLAB .mat file this server reads: it has neither a v5/v7 nor a v7.3 header; "
        "save it with save(..., '-v7') or save(..., '-v7.3')"
    )


READER = FormatReader(
    name="mat",
    extensions=(".mat",),
    description="MATLAB v5/v7 or v7.3, a numeric matrix in mV, optional fs",
    read=read,
    sniff=lambda head: head.startswith((MAT5_MAGIC, MAT73_MAGIC)),
    not_recognised=_not_recognised,
)
