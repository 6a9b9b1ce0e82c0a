"""Holter-length WFDB records built from real MIT-BIH recordings, for the bench and tests.

MIT-BIH records are 30 min of two leads at 360 Hz; a Holter records 24-48 h of two to
four. The records are played one after the other, over again, until the length is filled;
further leads are combinations of the two (lead III is lead II minus lead I; the fourth is
the first inverted). Written with ``wfdb.wrsamp`` at the MIT-BIH gain (200 adu/mV).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MITDB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wfdb" / "mitdb"
MITDB_RATE_HZ = 360
_BASELINE = 1024  # MIT-BIH's ADC zero ...
_GAIN = 200.0  # ... and gain (adu/mV)
_LEAD_NAMES = ("MLII", "V5", "III", "-MLII")


def tiled_mitdb(*, hours: float, records: Sequence[str], leads: int = 2) -> np.ndarray:
    """int16[n, leads] MIT-BIH ADC units: ``hours`` of ``records`` (MIT-BIH record names)
    one after the other, over again; ``leads`` 2-4."""
    import wfdb

    n_samples = round(hours * 3600 * MITDB_RATE_HZ)
    digital = np.empty((n_samples, leads), dtype=np.int16)
    filled = 0
    while filled < n_samples:
        for record in records:
            pair = wfdb.rdrecord(str(MITDB / record), physical=False).d_signal[:, :2]
            part = pair[: n_samples - filled]
            digital[filled : filled + len(part), :2] = part
            filled += len(part)
            if filled == n_samples:
                break
    if leads >= 3:
        digital[:, 2] = np.clip(digital[:, 1] - digital[:, 0] + _BASELINE, -2048, 2047)
    if leads >= 4:
        digital[:, 3] = 2 * _BASELINE - digital[:, 0]
    return digital


def write_mitdb_holter(
    folder: Path,
    *,
    hours: float,
    records: Sequence[str],
    leads: int = 2,
    fmt: str = "212",
    name: str = "holter",
) -> Path:
    """Write ``<folder>/<name>.hea`` + ``.dat`` of :func:`tiled_mitdb` in WFDB format
    ``fmt`` ("212" or "16"); returns the header's path."""
    import wfdb

    wfdb.wrsamp(
        name,
        fs=MITDB_RATE_HZ,
        units=["mV"] * leads,
        sig_name=list(_LEAD_NAMES[:leads]),
        d_signal=tiled_mitdb(hours=hours, records=records, leads=leads),
        fmt=[fmt] * leads,
        adc_gain=[_GAIN] * leads,
        baseline=[_BASELINE] * leads,
        write_dir=str(folder),
    )
    return folder / f"{name}.hea"


def write_mitdb_holter_npy(path: Path, *, hours: float, records: Sequence[str], leads: int = 2):
    """:func:`tiled_mitdb` in millivolts as a float32 .npy (samples x leads, as recorders
    write), converted a million samples at a time."""
    digital = tiled_mitdb(hours=hours, records=records, leads=leads)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=digital.shape)
    step = 1 << 20
    for start in range(0, len(digital), step):
        out[start : start + step] = (digital[start : start + step] - _BASELINE) / _GAIN
    out.flush()
    return path


def zip_record(header: Path) -> Path:
    """The record's .hea and .dat in one (stored) zip beside them, as users upload it."""
    target = header.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for part in (header, header.with_suffix(".dat")):
            archive.write(part, part.name)
    return target
