"""Model card: what a model is, what it was trained and tested on, how good it is, and what
it must not be used for. Read back by :class:`classifier.core.model.ModelCard`; the fields that
loader needs (version, classes, preprocessing.scalogram, decision, weights_file,
weights_sha256) are written here, the rest is for people (clinicians, auditors, engineers).
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from classifier.core.model import sha256_of
from classifier.training.sources import CLASSES, Lead, dataset_sha256

INTENDED_USE = (
    "Clinical decision support, not a diagnosis: the output suggests which of three rhythm "
    "classes (ARR arrhythmia, CHF congestive heart failure, NSR normal sinus rhythm) a "
    "single-lead ambulatory ECG resembles most, or 'uncertain'. A clinician must read the ECG."
)

CITATIONS = (
    "Goldberger AL, Amaral LAN, Glass L, Hausdorff JM, Ivanov PCh, Mark RG, Mietus JE, Moody GB, "
    "Peng C-K, Stanley HE. PhysioBank, PhysioToolkit, and PhysioNet: components of a new research "
    "resource for complex physiologic signals. Circulation 101(23):e215-e220, 2000.",
    "Moody GB, Mark RG. The impact of the MIT-BIH Arrhythmia Database. IEEE Eng in Med and Biol "
    "20(3):45-50, 2001. (mitdb)",
    "Baim DS, Colucci WS, Monrad ES, et al. Survival of patients with severe congestive heart "
    "failure treated with oral milrinone. J Am Coll Cardiol 7(3):661-670, 1986. (chfdb)",
    "MIT-BIH Normal Sinus Rhythm Database, doi:10.13026/C2NK5R. (nsrdb)",
)
LICENCE = "Source databases: PhysioNet, Open Data Commons Attribution License v1.0 (ODC-By 1.0)."


def data_summary(leads: Sequence[Lead], source: str) -> dict[str, Any]:
    """Counts per class (patients, recordings, hours), databases, and the data hash."""
    per_class = {}
    for label in CLASSES:
        of_class = [lead for lead in leads if lead.label == label]
        per_class[label] = {
            "patients": len({lead.patient for lead in of_class}),
            "recordings": len(of_class),
            "hours": round(sum(lead.seconds for lead in of_class) / 3600, 3),
            "databases": sorted({lead.database for lead in of_class}),
        }
    return {
        "source": source,
        "sha256": dataset_sha256(leads),
        "sha256_covers": "sorted lead ids, labels, patients and float32 samples at 128 Hz",
        "recordings": len(leads),
        "patients": len({lead.patient for lead in leads}),
        "per_class": per_class,
        "leads": dict(sorted(Counter(lead.lead for lead in leads).items())),
    }


def limits(leads: Sequence[Lead]) -> list[str]:
    """Honest limits; the patient counts come from the data actually used."""
    patients = {
        label: len({lead.patient for lead in leads if lead.label == label}) for label in CLASSES
    }
    counts = ", ".join(f"{label} {n}" for label, n in patients.items())
    return [
        f"Patients per class seen in training: {counts}.",
        f"CHF rests on only {patients['CHF']} patient(s): this model cannot claim to detect "
        "heart failure in general; its CHF output must not be used clinically.",
        "Each class comes from a different database (ARR: MIT-BIH Arrhythmia, 360 Hz; CHF: BIDMC "
        "CHF, 250 Hz; NSR: MIT-BIH Normal Sinus Rhythm, 128 Hz), i.e. different recorders, "
        "leads and eras: recording equipment is confounded with the diagnosis, and part of any "
        "accuracy may come from recognising the recorder (see the shortcut control).",
        "Many MIT-BIH 'ARR' recordings are mostly normal rhythm; window labels are inherited "
        "from the recording, so per-window labels are noisy.",
        "Never seen: children, 12-lead ECGs, wearable single-lead devices, other recorders, "
        "other sampling chains, atrial fibrillation outside MIT-BIH, pacemaker-dominant ECGs "
        "beyond four paced MIT-BIH records.",
        "Adults only, ambulatory Holter recordings from the 1970s-1990s.",
        "Decision support, not a diagnosis.",
    ]


def write_card(card: dict[str, Any], path: Path) -> None:
    """Write the card as strict JSON (undefined metrics such as the precision of a class that
    was never predicted become null)."""
    path.write_text(json.dumps(_strict(card), indent=2, allow_nan=False) + "\n")


def _strict(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(item) for item in value]
    return value


def weights_fields(weights: Path) -> dict[str, Any]:
    return {
        "weights_file": weights.name,
        "weights_sha256": sha256_of(weights),
        "weights_size_bytes": weights.stat().st_size,
    }


def preprocessing_code_sha256(modules: Sequence[ModuleType] | None = None) -> dict[str, str]:
    """sha256 of the source files that turn a signal into model inputs (default: those of
    models v2-v4): if they change after training, the served inputs may no longer be what
    the model was trained and scored on."""
    import classifier.core.cwt
    import classifier.core.pipeline

    root = Path(classifier.core.cwt.__file__).resolve().parents[2]
    return {
        _source_file(module).resolve().relative_to(root).as_posix(): sha256_of(_source_file(module))
        for module in modules or (classifier.core.cwt, classifier.core.pipeline)
    }


def _source_file(module: ModuleType) -> Path:
    if module.__file__ is None:
        raise ValueError(f"module {module.__name__} has no source file")
    return Path(module.__file__)


# Why figures re-computed elsewhere can differ slightly (measured: README, "The model, honestly").
REPRODUCIBILITY = (
    "Seeded and deterministic: the same figures, bit for bit, on the same CPU model with the "
    "same library versions. TensorFlow's CPU kernels (oneDNN) round differently on other "
    "instruction sets (e.g. AVX-512 vs AVX2), so training on another CPU gives slightly "
    "different networks and figures, within the confidence intervals."
)


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def computed_on() -> dict[str, Any]:
    """Where a card's figures were computed: what exact reproduction needs (REPRODUCIBILITY)."""
    import numpy
    import tensorflow

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "tensorflow": tensorflow.__version__,
        "numpy": numpy.__version__,
        "reproducibility": REPRODUCIBILITY,
    }


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
