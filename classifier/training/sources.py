"""Read labelled ECG leads from every training data layout into one shape.

Three layouts reach training: the shipped folder (``manifest.csv`` + one ``.npy`` per lead),
MathWorks' ``ECGData.mat`` (struct ``ECGData`` with ``Data`` rows and ``Labels``) and PhysioNet
WFDB roots laid out as ``mitdb/ chfdb/ nsrdb/``. Each reader returns :class:`Lead` objects
at the reference rate in millivolts, each carrying the *patient* it belongs to, because every
split downstream groups by patient (both leads and every excerpt of a patient stay together).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifier.core.signal import REFERENCE_RATE_HZ, to_reference_rate

CLASSES: tuple[str, ...] = ("ARR", "CHF", "NSR")
DATA_ENV_VAR = "WAVECARDIO_ECG_DIR"

# MathWorks' ECGData.mat and the PhysioNet databases name the classes differently.
_LABEL_ALIASES = {"A": "ARR", "ARR": "ARR", "C": "CHF", "CHF": "CHF", "N": "NSR", "NSR": "NSR"}
_WFDB_DATABASES = {"mitdb": "ARR", "chfdb": "CHF", "nsrdb": "NSR"}
# MIT-BIH records 201 and 202 come from the same patient (MIT-BIH Arrhythmia directory).
_SAME_PATIENT = {"mitdb-201": "mitdb-201-202", "mitdb-202": "mitdb-201-202"}


class DataSourceError(ValueError):
    """A training data path is missing, of an unknown layout, or inconsistent."""


@dataclass(frozen=True)
class Lead:
    """One lead of one recording: ``samples`` is float32[n] in mV at ``REFERENCE_RATE_HZ``."""

    id: str
    label: str
    patient: str
    database: str
    lead: str
    samples: np.ndarray = field(repr=False, compare=False)
    # Leads recorded together share this key (their R-peaks may be detected together);
    # empty: the lead stands alone.
    recording: str = ""

    @property
    def seconds(self) -> float:
        return len(self.samples) / REFERENCE_RATE_HZ


def shared_data_root() -> Path:
    """``../shared/data`` beside the repository: the one default home of the data."""
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def default_data_dir() -> Path:
    """The labelled-recordings folder: ``$WAVECARDIO_ECG_DIR``, else ``shared/data/ecg``."""
    env = os.environ.get(DATA_ENV_VAR)
    return Path(env) if env else shared_data_root() / "ecg"


def _resampled(samples: np.ndarray, rate_hz: float) -> np.ndarray:
    """One lead at ``rate_hz`` -> float32[m] at the reference rate, as uploads are resampled."""
    return to_reference_rate(np.asarray(samples, dtype=np.float64), rate_hz)[0]


def load_leads(path: Path | str, *, mat_rates_hz: Mapping[str, float] | None = None) -> list[Lead]:
    """Read every lead under ``path``: a folder with ``manifest.csv``, a ``.mat`` or a WFDB root."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".mat":
        return read_ecgdata_mat(path, rates_hz=mat_rates_hz)
    if (path / "manifest.csv").is_file():
        return read_manifest_dir(path)
    if path.is_dir() and any((path / name).is_dir() for name in _WFDB_DATABASES):
        return read_wfdb_root(path)
    raise DataSourceError(
        f"{path} is neither a folder with manifest.csv, an ECGData .mat file, "
        f"nor a WFDB root with {'/, '.join(_WFDB_DATABASES)}/"
    )


def read_manifest_dir(root: Path) -> list[Lead]:
    """The shipped layout: ``manifest.csv`` rows pointing at float32 ``.npy`` leads at 128 Hz."""
    leads = []
    with open(root / "manifest.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            samples = np.load(root / row["file"], allow_pickle=False).astype(np.float32)
            # The manifest's sha256 is of the file's float32 samples, at the file's own rate.
            expected = row.get("sha256")
            if expected and hashlib.sha256(samples.tobytes()).hexdigest()[:16] != expected:
                raise DataSourceError(f"{row['file']} does not match its manifest sha256")
            if float(row["fs_hz"]) != REFERENCE_RATE_HZ:
                samples = _resampled(samples, float(row["fs_hz"]))
            leads.append(
                Lead(
                    id=row["id"],
                    label=_label(row["label"]),
                    patient=row["patient"],
                    database=row["database"],
                    lead=row["lead"],
                    samples=samples,
                    recording=_recording_key(row),
                )
            )
    return leads


def _recording_key(row: dict[str, str]) -> str:
    """The manifests name no recording: leads of one record, from one source, of one length
    are taken as recorded together (the MIT-BIH excerpts of ``ecg/`` are not: their lead
    names repeat, which :func:`classifier.training.corpus.simultaneous_leads` checks)."""
    if not row.get("record"):
        return ""
    return "|".join(
        (row["database"], row["record"], row.get("source_repository", ""), row.get("n_samples", ""))
    )


def read_ecgdata_mat(
    path: Path,
    *,
    rates_hz: Mapping[str, float] | None = None,
    adc_gain_per_mv: float = 200.0,
) -> list[Lead]:
    """MathWorks' ``ECGData.mat``: ``Data`` [rows, samples], ``Labels`` (A/C/N or ARR/CHF/NSR).

    Integer ``Data`` is taken as ADC units (``adc_gain_per_mv`` per mV, MIT-BIH's 200);
    floating-point ``Data`` as millivolts already. The file stores no sampling rate and no
    patient: ``rates_hz`` maps a class to the rate of its rows (MathWorks' file is 128 Hz
    throughout, the default), and consecutive rows of the same class are taken as the two
    leads of one record, so they form one patient group.
    """
    from scipy.io import loadmat

    try:
        struct = loadmat(path, simplify_cells=True)["ECGData"]
        raw = np.asarray(struct["Data"])
        gain = adc_gain_per_mv if np.issubdtype(raw.dtype, np.integer) else 1.0
        data = raw.astype(np.float64) / gain
        labels = [_label(str(label)) for label in np.atleast_1d(struct["Labels"])]
    except (KeyError, ValueError, TypeError, OSError) as exc:
        raise DataSourceError(f"{path} is not an ECGData.mat file: {exc}") from exc
    if data.ndim != 2 or data.shape[0] != len(labels):
        raise DataSourceError(f"{path}: {data.shape[0]} rows but {len(labels)} labels")
    rates = {label: float(REFERENCE_RATE_HZ) for label in CLASSES} | {
        _label(name): float(rate) for name, rate in (rates_hz or {}).items()
    }
    leads = []
    row_in_class = dict.fromkeys(CLASSES, 0)
    for row, label in enumerate(labels):
        pair = row_in_class[label] // 2
        row_in_class[label] += 1
        leads.append(
            Lead(
                id=f"ecgdata-{row}",
                label=label,
                patient=f"ecgdata-{label}-{pair}",
                database="ECGData.mat",
                lead=f"row{row}",
                samples=_resampled(data[row], rates[label]),
            )
        )
    return leads


def read_wfdb_root(root: Path) -> list[Lead]:
    """PhysioNet databases as ``<root>/{mitdb,chfdb,nsrdb}/<record>.hea``; every channel a lead."""
    import wfdb

    leads = []
    for database, label in _WFDB_DATABASES.items():
        folder = root / database
        if not folder.is_dir():
            continue
        for header in sorted(folder.glob("*.hea")):
            record = wfdb.rdrecord(str(header.with_suffix("")), physical=True)
            patient = _SAME_PATIENT.get(f"{database}-{record.record_name}")
            patient = patient or f"{database}-{record.record_name}"
            for channel, lead_name in enumerate(record.sig_name):
                samples = np.nan_to_num(record.p_signal[:, channel])  # gaps are NaN in WFDB
                leads.append(
                    Lead(
                        id=f"{database}-{record.record_name}-{lead_name}",
                        label=label,
                        patient=patient,
                        database=database,
                        lead=lead_name,
                        samples=_resampled(samples, float(record.fs)),
                    )
                )
    if not leads:
        raise DataSourceError(f"{root} holds no WFDB records under {', '.join(_WFDB_DATABASES)}")
    return leads


def parse_rates(text: str | None) -> dict[str, float]:
    """``"A=360,N=128,C=250"`` (CLI syntax) -> {"ARR": 360.0, "NSR": 128.0, "CHF": 250.0}."""
    if not text:
        return {}
    rates = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        rates[_label(name.strip())] = float(value)
    return rates


def dataset_sha256(leads: Sequence[Lead]) -> str:
    """Hash of what training saw (ids, labels, patients and samples), whatever the layout."""
    digest = hashlib.sha256()
    for lead in sorted(leads, key=lambda item: item.id):
        digest.update(f"{lead.id}|{lead.label}|{lead.patient}|".encode())
        digest.update(np.ascontiguousarray(lead.samples, dtype=np.float32).tobytes())
    return digest.hexdigest()


def _label(name: str) -> str:
    try:
        return _LABEL_ALIASES[name.strip().upper()]
    except KeyError:
        raise DataSourceError(f"unknown class label {name!r}") from None
