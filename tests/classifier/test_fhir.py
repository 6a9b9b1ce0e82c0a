"""FHIR R4 (issue 16, point 10): GET .../fhir/ returns a DiagnosticReport validated by
fhir.resources, the rhythm coded in SNOMED CT, the model version as a Device; the same access
rules and audit as reading the recording."""

import pytest
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation

from audit.models import AuditEvent
from classifier.api import fhir
from classifier.models import Prediction
from tests.classifier.test_api_contract import assert_problem
from tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recordings/"


def fhir_of(client, prediction, **headers):
    return client.get(f"{LIST}{prediction.recording.pk}/fhir/", headers=headers)


def parts(body: dict) -> tuple[dict, dict, dict]:
    """The report, its rhythm Observation and its Device, each validated by fhir.resources
    (which raises on anything that is not a valid R4 resource)."""
    DiagnosticReport.model_validate(body)
    contained = {resource["resourceType"]: resource for resource in body["contained"]}
    rhythm, device = contained["Observation"], contained["Device"]
    Observation.model_validate(rhythm)
    Device.model_validate(device)
    assert [ref["reference"] for ref in body["result"]] == [f"#{rhythm['id']}"]
    assert rhythm["device"]["reference"] == f"#{device['id']}"
    return body, rhythm, device


@pytest.mark.parametrize(
    ("label", "snomed"), [("NSR", "426783006"), ("ARR", "698247007"), ("CHF", "42343007")]
)
def test_each_class_is_coded_in_snomed_ct(clinician_client, clinician, label, snomed):
    prediction = PredictionFactory.create(
        recording__owner=clinician,
        label=label,
        top_class=label,
        probabilities={"ARR": 0.1, "CHF": 0.2, "NSR": 0.7} | {label: 0.7},
    )
    response = fhir_of(clinician_client, prediction)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    report, rhythm, device = parts(response.json())
    assert report["status"] == "preliminary"
    assert report["code"]["coding"][0]["code"] == "11524-6"  # LOINC EKG study
    assert rhythm["code"]["coding"][0]["system"] == "http://loinc.org"
    assert rhythm["code"]["coding"][0]["code"] == "8884-9"
    [coding] = rhythm["valueCodeableConcept"]["coding"]
    assert (coding["system"], coding["code"]) == ("http://snomed.info/sct", snomed)
    assert report["conclusionCode"][0]["coding"][0]["code"] == snomed
    assert "not a diagnosis" in report["conclusion"]
    probabilities = {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in rhythm["component"]
    }
    assert probabilities == pytest.approx(prediction.probabilities)
    assert all(c["valueQuantity"]["code"] == "1" for c in rhythm["component"])
    assert device["deviceName"][0]["name"] == prediction.model_version.name
    assert report["identifier"][0]["value"] == f"urn:uuid:{prediction.recording.pk}"


def test_uncertain_has_no_coded_conclusion_and_says_so(clinician_client, clinician):
    prediction = PredictionFactory.create(
        recording__owner=clinician, label="uncertain", top_class="NSR"
    )
    report, rhythm, _ = parts(fhir_of(clinician_client, prediction).json())
    assert "conclusionCode" not in report
    assert "coding" not in rhythm["valueCodeableConcept"]
    assert "uncertain" in rhythm["valueCodeableConcept"]["text"]
    assert "no coded conclusion" in report["conclusion"]


def test_the_answer_is_fhir_json_whatever_the_accept_header(clinician_client, clinician):
    prediction = PredictionFactory.create(recording__owner=clinician)
    response = fhir_of(clinician_client, prediction, Accept="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"


def test_reading_it_is_audited_like_the_detail(clinician_client, clinician):
    prediction = PredictionFactory.create(recording__owner=clinician)
    fhir_of(clinician_client, prediction)
    [viewed] = AuditEvent.objects.filter(action="recording_viewed")
    assert viewed.target_id == str(prediction.recording.pk)
    assert viewed.actor == clinician


def test_another_clinicians_recording_is_not_found(client, other_clinician, clinician):
    prediction = PredictionFactory.create(recording__owner=clinician)
    client.force_login(other_clinician)
    assert_problem(fhir_of(client, prediction), 404)


def test_a_reviewer_reads_any_and_an_auditor_none(client, reviewer, auditor, clinician):
    prediction = PredictionFactory.create(recording__owner=clinician)
    client.force_login(reviewer)
    assert fhir_of(client, prediction).status_code == 200
    client.force_login(auditor)
    assert_problem(fhir_of(client, prediction), 403)
    client.logout()
    assert_problem(fhir_of(client, prediction), 401)


@pytest.mark.parametrize("status", [Prediction.Status.PENDING, Prediction.Status.FAILED])
def test_no_report_before_a_finished_prediction(clinician_client, clinician, status):
    prediction = PredictionFactory.create(recording__owner=clinician, status=status, label="")
    assert_problem(fhir_of(clinician_client, prediction), 409, "conflict")


def test_the_mapping_is_pure_and_complete(clinician):
    prediction = PredictionFactory.create(recording__owner=clinician)
    body = fhir.diagnostic_report(prediction.recording, prediction)
    assert body["resourceType"] == "DiagnosticReport"
    assert {r["resourceType"] for r in body["contained"]} == {"Device", "Observation"}
    assert set(fhir.SNOMED_RHYTHM) == {"ARR", "CHF", "NSR"}  # every shipped class is coded


def test_the_heart_rate_is_an_observation_in_loinc_when_known(clinician_client, clinician):
    from classifier.models import RecordingRhythm

    prediction = PredictionFactory.create(recording__owner=clinician)
    before = fhir_of(clinician_client, prediction).json()
    assert "heart-rate" not in {r["id"] for r in before["contained"]}
    RecordingRhythm.objects.create(recording=prediction.recording, lead=0, heart_rate_bpm=72.44)
    body = fhir_of(clinician_client, prediction).json()
    DiagnosticReport.model_validate(body)
    [rate] = [r for r in body["contained"] if r["id"] == "heart-rate"]
    Observation.model_validate(rate)
    assert rate["code"]["coding"][0] == {
        "system": "http://loinc.org", "code": "8867-4", "display": "Heart rate",
    }  # fmt: skip
    assert rate["valueQuantity"]["value"] == 72.4 and rate["valueQuantity"]["code"] == "/min"
    assert {"reference": "#heart-rate"} in body["result"]
