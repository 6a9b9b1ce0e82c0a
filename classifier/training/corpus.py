"""The training corpus of model v5: annotated MIT-BIH windows plus every labelled recording.

Three folders of ``../shared/data`` become one set of leads, each with a label per served
window:

* ``wfdb/mitdb``: full records with cardiologists' annotations; every window labelled by
  :mod:`classifier.training.annotations` (NSR and ARR from one recorder and one patient);
* ``multi-recorder``: CinC 2017 (AliveCor; both classes), CPSC 2021, PTB-XL, Georgia, Ningbo,
  svdb, ltafdb: every window carries its recording's label;
* ``ecg``: nsrdb and chfdb with their recording labels. Its MIT-BIH excerpts are cut from
  the annotated records above, so training reads the annotated records instead; the
  excerpts stay in the corpus for the old recording-level comparison only (``train=False``).

Patients are shared across folders (``mitdb-201-202`` is one man in ``ecg/`` and ``wfdb/``).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifier.core.cwt import ScalogramSpec
from classifier.core.features import EACH_LEAD, concatenate_inputs, served_model_inputs
from classifier.core.signal import REFERENCE_RATE_HZ, to_reference_rate
from classifier.training.annotations import Annotations
from classifier.training.sources import DataSourceError, Lead, read_manifest_dir

logger = logging.getLogger(__name__)

ANNOTATED_FOLDER = Path("wfdb") / "mitdb"
MANIFEST_FOLDERS = ("ecg", "multi-recorder")
# MIT-BIH records 201 and 202 come from the same patient (MIT-BIH Arrhythmia directory).
_SAME_PATIENT = {"mitdb-201": "mitdb-201-202", "mitdb-202": "mitdb-201-202"}


@dataclass(frozen=True)
class CorpusLead:
    """One lead with a label for each of its served windows.

    ``window_labels``: str[n_windows] (from annotations, or the recording label repeated);
    ``original_label``: the source's own label (CinC 2017: N, A or O); ``train``: whether
    training may read it (False for MIT-BIH excerpts that the annotated records replace).
    """

    lead: Lead
    window_labels: np.ndarray = field(repr=False, compare=False)
    annotated: bool
    original_label: str
    train: bool = True

    @property
    def patient(self) -> str:
        return self.lead.patient

    @property
    def database(self) -> str:
        return self.lead.database


def read_annotated_records(folder: Path, window_s: float) -> list[CorpusLead]:
    """Every WFDB record in ``folder`` with its ``.atr``: each channel a lead at 128 Hz,
    each served window labelled from the annotations."""
    import wfdb

    leads = []
    for header in sorted(folder.glob("*.hea")):
        path = header.with_suffix("")
        if not path.with_suffix(".atr").is_file():
            continue
        record = wfdb.rdrecord(str(path), physical=True)
        labels = Annotations.read(path).window_labels(window_s, record.sig_len)
        patient = _SAME_PATIENT.get(f"mitdb-{record.record_name}", f"mitdb-{record.record_name}")
        resampled = to_reference_rate(np.nan_to_num(record.p_signal.T), float(record.fs))
        for channel, lead_name in enumerate(record.sig_name):
            samples = resampled[channel]
            n_windows = len(samples) // int(window_s * REFERENCE_RATE_HZ)
            leads.append(
                CorpusLead(
                    lead=Lead(
                        id=f"mitdb-{record.record_name}-{lead_name}-annotated",
                        label="ARR",  # the database's label, for reference only
                        patient=patient,
                        database="mitdb",
                        lead=lead_name,
                        samples=samples,
                        recording=f"mitdb-{record.record_name}-annotated",
                    ),
                    window_labels=labels[:n_windows],
                    annotated=True,
                    original_label="atr",
                )
            )
    if not leads:
        raise DataSourceError(f"{folder} holds no WFDB record with a .atr annotation file")
    return leads


def read_labelled_folder(folder: Path, window_s: float, annotated: set[str]) -> list[CorpusLead]:
    """A manifest folder: every window carries its recording's label. Leads of patients in
    ``annotated`` (MIT-BIH excerpts of annotated records) are kept out of training."""
    originals = _original_labels(folder / "manifest.csv")
    window = int(window_s * REFERENCE_RATE_HZ)
    out = []
    for lead in read_manifest_dir(folder):
        n_windows = len(lead.samples) // window
        replaced = lead.database == "mitdb" and lead.patient in annotated
        out.append(
            CorpusLead(
                lead=lead,
                window_labels=np.full(n_windows, lead.label),
                annotated=False,
                original_label=originals.get(lead.id, lead.label),
                train=not replaced,
            )
        )
    return out


def _original_labels(manifest: Path) -> dict[str, str]:
    with open(manifest, newline="") as handle:
        return {
            row["id"]: row.get("original_label") or row["label"] for row in csv.DictReader(handle)
        }


def read_corpus(root: Path, window_s: float) -> list[CorpusLead]:
    """Every lead of ``root/wfdb/mitdb``, ``root/ecg`` and ``root/multi-recorder``."""
    annotated = read_annotated_records(root / ANNOTATED_FOLDER, window_s)
    patients = {lead.patient for lead in annotated}
    leads = list(annotated)
    for name in MANIFEST_FOLDERS:
        if not (root / name / "manifest.csv").is_file():
            raise DataSourceError(f"{root / name} has no manifest.csv")
        leads += read_labelled_folder(root / name, window_s, patients)
    logger.info(
        "corpus: %d leads of %d patients from %d databases",
        len(leads),
        len({lead.patient for lead in leads}),
        len({lead.database for lead in leads}),
    )
    return leads


def corpus_sha256(leads: Sequence[CorpusLead]) -> str:
    """Hash of what training saw: ids, patients, window labels and float32 samples."""
    digest = hashlib.sha256()
    for item in sorted(leads, key=lambda x: x.lead.id):
        digest.update(f"{item.lead.id}|{item.patient}|{'.'.join(item.window_labels)}|".encode())
        digest.update(np.ascontiguousarray(item.lead.samples, dtype=np.float32).tobytes())
    return digest.hexdigest()


_LEAD_ONLY = frozenset({"id", "lead", "label", "samples"})


@dataclass(frozen=True)
class WindowTable:
    """Every served window of every lead: model inputs plus what each window is.

    ``inputs``: {kind: float32[n, ...]}; ``labels``: str[n]; ``lead_index`` and ``position``
    (window number within its lead): int64[n]; ``leads``: the corpus leads indexed.
    """

    inputs: dict[str, np.ndarray]
    labels: np.ndarray
    lead_index: np.ndarray
    position: np.ndarray
    leads: tuple[CorpusLead, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def lead_values(self, attribute: str) -> np.ndarray:
        """For every window, an attribute of the lead it was cut from: a CorpusLead's
        (``train``, ``annotated``, ``patient``, ``database``) or its Lead's (``id``)."""
        values = [
            getattr(item.lead if attribute in _LEAD_ONLY else item, attribute)
            for item in self.leads
        ]
        return np.asarray(values)[self.lead_index]

    @functools.cached_property
    def time_slots(self) -> np.ndarray:
        """int64[n]: the windows of one recording (:func:`simultaneous_leads`) at one
        position share a slot, as serving's rows of one recording at one time do."""
        recording = np.empty(len(self.leads), dtype=np.int64)
        for number, members in enumerate(simultaneous_leads(self.leads)):
            recording[members] = number
        return recording[self.lead_index] * (int(self.position.max(initial=0)) + 1) + self.position

    def by_lead(self, rows: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """``rows`` grouped by lead, in row order: (int[k] the leads, their rows each)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return rows, []
        order = rows[np.argsort(self.lead_index[rows], kind="stable")]
        leads, starts = np.unique(self.lead_index[order], return_index=True)
        return leads, np.split(order, starts[1:])

    def subset(self, mask: np.ndarray) -> WindowTable:
        return WindowTable(
            inputs={kind: value[mask] for kind, value in self.inputs.items()},
            labels=self.labels[mask],
            lead_index=self.lead_index[mask],
            position=self.position[mask],
            leads=self.leads,
        )


def window_table(
    leads: Sequence[CorpusLead],
    spec: ScalogramSpec,
    kinds: tuple[str, ...],
    r_peak_source: str = EACH_LEAD,
) -> WindowTable:
    """Model inputs of every served window of every lead, exactly as serving computes them
    (each recording's leads together, chunk by chunk: :func:`served_model_inputs`)."""
    computed: dict[int, list[dict[str, np.ndarray]]] = {}
    for members in simultaneous_leads(leads):
        together = np.stack([leads[index].lead.samples for index in members])
        for _, _, per_lead in served_model_inputs(together, spec, kinds, r_peak_source):
            for index, inputs in zip(members, per_lead, strict=True):
                computed.setdefault(index, []).append(inputs)
    parts, labels, lead_index, position = [], [], [], []
    for index, item in enumerate(leads):
        if index not in computed:  # shorter than one window
            continue
        inputs = concatenate_inputs(computed[index])
        n = len(next(iter(inputs.values())))
        parts.append(inputs)
        labels.append(item.window_labels[:n])
        lead_index.append(np.full(n, index))
        position.append(np.arange(n))
    return WindowTable(
        inputs=concatenate_inputs(parts),
        labels=np.concatenate(labels),
        lead_index=np.concatenate(lead_index).astype(np.int64),
        position=np.concatenate(position).astype(np.int64),
        leads=tuple(leads),
    )


def simultaneous_leads(leads: Sequence[CorpusLead]) -> list[list[int]]:
    """Indices of ``leads`` grouped by recording: leads sharing a ``recording`` key, of one
    length and distinct lead names; any other lead alone."""
    keyed: dict[str, list[int]] = {}
    for index, item in enumerate(leads):
        keyed.setdefault(item.lead.recording or f"#{index}", []).append(index)
    groups = []
    for members in keyed.values():
        names = {leads[index].lead.lead for index in members}
        lengths = {len(leads[index].lead.samples) for index in members}
        if len(names) == len(members) and len(lengths) == 1:
            groups.append(members)
        else:
            groups.extend([index] for index in members)
    return groups
