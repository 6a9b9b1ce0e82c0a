"""FHIR R4 view of a finished prediction: a ``DiagnosticReport`` with the model version as a
contained ``Device`` and the rhythm as a contained ``Observation`` coded in SNOMED CT.

A pure mapping from the stored recording and prediction to a resource validated by
``fhir.resources`` (its R4B models, the R4 line's current release: DiagnosticReport,
Observation and Device are unchanged from R4 4.0.1). Nothing is looked up or stored here.

- The rhythm answer (``Observation``, LOINC 8884-9 "Heart rate rhythm"): ``valueCodeableConcept``
  in SNOMED CT for a class (NSR -> 426783006, ARR -> 698247007, CHF -> 42343007); for
  ``uncertain`` no code at all, only text saying the model does not answer.
- The probability of each class: one ``component`` per class (a ``Quantity`` in UCUM "1").
- The report is ``preliminary``: an automated interpretation for decision support, never a
  diagnosis; the ``conclusion`` says so.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fhir.resources.R4B.diagnosticreport import DiagnosticReport

from classifier.core.card import UNCERTAIN

if TYPE_CHECKING:
    from classifier.models import Prediction, Recording

CONTENT_TYPE = "application/fhir+json"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# The model's own class names, for the probability components (no standard code exists).
CLASS_SYSTEM = "urn:wavecardio:fhir:rhythm-class"

# The model's classes in SNOMED CT (clinical findings and disorders).
SNOMED_RHYTHM = {
    "NSR": ("426783006", "Electrocardiographic sinus rhythm"),
    "ARR": ("698247007", "Cardiac arrhythmia"),
    "CHF": ("42343007", "Congestive heart failure"),
}
_RHYTHM_CODE = {"system": LOINC, "code": "8884-9", "display": "Heart rate rhythm"}
_HEART_RATE_CODE = {"system": LOINC, "code": "8867-4", "display": "Heart rate"}
_ECG_STUDY = {"system": LOINC, "code": "11524-6", "display": "EKG study"}
_ELECTROCARDIAC = {
    "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
    "code": "EC",
    "display": "Electrocardiac (e.g., EKG, EEC, Holter)",
}
_DECISION_SUPPORT = "Automated ECG classification for decision support, not a diagnosis"


def _answer(label: str) -> dict[str, Any]:
    if label in SNOMED_RHYTHM:
        code, display = SNOMED_RHYTHM[label]
        return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": label}
    if label == UNCERTAIN:
        return {"text": "uncertain: the model does not answer for this recording (no coded result)"}
    return {"text": label}  # a class without a SNOMED CT mapping: named, not coded


def _conclusion(label: str) -> str:
    if label == UNCERTAIN:
        return (
            f"{_DECISION_SUPPORT}: uncertain, the model gives no answer for this recording "
            "(no coded conclusion); a clinician should read the ECG."
        )
    code = SNOMED_RHYTHM.get(label)
    return f"{_DECISION_SUPPORT}: {code[1] if code else label} ({label})."


def diagnostic_report(
    recording: Recording, prediction: Prediction, *, heart_rate_bpm: float | None = None
) -> dict[str, Any]:
    """The FHIR R4 DiagnosticReport (JSON object) of a finished ``prediction`` of
    ``recording``, with the recording's mean heart rate (LOINC 8867-4) when it is known;
    validated by fhir.resources (raises pydantic's ValidationError if not)."""
    issued = (prediction.finished_at or prediction.created_at).isoformat()
    version = prediction.model_version.name
    device = {
        "resourceType": "Device",
        "id": "model",
        "deviceName": [{"name": version, "type": "model-name"}],
        "version": [{"value": version}],
        "type": {"text": "ECG classification software (WaveCardio CNN)"},
    }
    components = [
        {
            "code": {"coding": [{"system": CLASS_SYSTEM, "code": name}], "text": f"P({name})"},
            "valueQuantity": {
                "value": round(float(p), 6),
                "unit": "1",
                "system": UCUM,
                "code": "1",
            },
        }
        for name, p in (prediction.probabilities or {}).items()
    ]
    rhythm = {
        "resourceType": "Observation",
        "id": "rhythm",
        "status": "preliminary",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "procedure",
                    }
                ]
            }
        ],
        "code": {"coding": [_RHYTHM_CODE]},
        "effectiveDateTime": (recording.acquired_at or recording.uploaded_at).isoformat(),
        "issued": issued,
        "valueCodeableConcept": _answer(prediction.label),
        "device": {"reference": "#model", "display": version},
        "note": [{"text": _DECISION_SUPPORT}],
        "component": components,
    }
    contained: list[dict[str, Any]] = [device, rhythm]
    if heart_rate_bpm is not None:
        contained.append(
            {
                "resourceType": "Observation",
                "id": "heart-rate",
                "status": "preliminary",
                "code": {"coding": [_HEART_RATE_CODE]},
                "effectiveDateTime": rhythm["effectiveDateTime"],
                "issued": issued,
                "valueQuantity": {
                    "value": round(float(heart_rate_bpm), 1),
                    "unit": "beats/minute",
                    "system": UCUM,
                    "code": "/min",
                },
                "device": {"reference": "#model", "display": version},
                "note": [{"text": "mean over the recording, from detected R-peaks"}],
            }
        )
    report = {
        "resourceType": "DiagnosticReport",
        "id": str(recording.pk),
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{recording.pk}"}],
        "contained": contained,
        "status": "preliminary",
        "category": [{"coding": [_ELECTROCARDIAC]}],
        "code": {"coding": [_ECG_STUDY]},
        "effectiveDateTime": (recording.acquired_at or recording.uploaded_at).isoformat(),
        "issued": issued,
        "result": [{"reference": f"#{item['id']}"} for item in contained[1:]],
        "conclusion": _conclusion(prediction.label),
    }
    if prediction.label in SNOMED_RHYTHM:
        report["conclusionCode"] = [_answer(prediction.label)]
    validated = DiagnosticReport.model_validate(report)
    return json.loads(validated.model_dump_json(exclude_none=True))
