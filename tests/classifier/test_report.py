"""The one-page PDF report: downloads for those who may read the recording, audited; its
first page, rendered with pdftoppm, carries the ECG strip on the grid."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from classifier import services
from classifier.core import report
from classifier.core.patient import patient_details
from classifier.models import RecordingRhythm
from tests.factories import OverReadFactory, RecordingFactory

pytestmark = pytest.mark.django_db(transaction=True)

DPI = 72  # 1 pt per pixel: page coordinates in points are pixel coordinates


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: `make system-tools` installs poppler-utils")
    return path


@pytest.fixture
def recording(clinician, recording_path):
    recording = services.recording_create(
        owner=clinician,
        upload=SimpleUploadedFile("nsr.npy", recording_path.read_bytes()),
        sampling_rate_hz=128,
        patient=patient_details(ref="MRN-0042", sex="female", birth_year=1950),
    )
    OverReadFactory.create(
        prediction=recording.predictions.get(), label="NSR", comment="sinus rhythm"
    )
    return recording


def _download(client, recording) -> bytes:
    response = client.get(reverse("classifier:recording_report", args=[recording.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return response.content


def test_the_report_downloads_audited_with_the_strip_on_the_first_page(
    clinician_client, clinician, recording, tmp_path
):
    pdf = _download(clinician_client, recording)
    (tmp_path / "report.pdf").write_bytes(pdf)
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(tmp_path / "report.pdf"), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    for expected in (
        "MRN-0042", "female", "1950", "25 mm/s", "10 mm/mV", "Suggested class", "bpm",
        "wavecardio-cnn", "Signed by", "sinus rhythm", "Decision support, not a diagnosis",
    ):  # fmt: skip
        assert expected in text, expected
    assert "Pages:           1" in subprocess.run(
        [_tool("pdfinfo"), str(tmp_path / "report.pdf")], check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip

    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
         str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    image = Image.open(tmp_path / "page.png").convert("RGB")
    if folder := os.environ.get("WAVECARDIO_SCREENSHOTS"):  # `make screenshots`
        Path(folder, "screenshots").mkdir(parents=True, exist_ok=True)
        image.save(Path(folder, "screenshots", "report-pdf.png"))
    page = np.asarray(image).astype(int)
    mm = DPI / 25.4
    top = page.shape[0] - round((report.STRIP_BOTTOM_MM + report.STRIP_HEIGHT_MM) * mm)
    bottom = page.shape[0] - round(report.STRIP_BOTTOM_MM * mm)
    left = round(report.STRIP_LEFT_MM * mm)
    right = round((report.STRIP_LEFT_MM + 250) * mm)
    strip = page[top:bottom, left:right]
    dark = (strip.max(axis=2) < 110).mean()  # the black trace
    pink = ((strip[..., 0] > 200) & (strip[..., 1] < 215)).mean()  # the grid lines
    assert dark > 0.01, f"no trace in the strip area ({dark:.4f} dark)"
    assert pink > 0.05, f"no ECG grid in the strip area ({pink:.4f} pink)"
    # The trace spans the strip from left to right (10 s at 25 mm/s).
    columns = (strip.max(axis=2) < 110).any(axis=0)
    assert columns[: len(columns) // 10].any() and columns[-len(columns) // 10 :].any()

    event = AuditEvent.objects.get(action="report_downloaded")
    assert event.actor == clinician and event.target_id == str(recording.pk)


def test_the_report_states_the_stored_heart_rate(clinician, recording, tmp_path):
    """The report's heart rate is the recording's one stored rhythm (the API's figure)."""
    _, pdf = services.recording_report(actor=clinician, recording_id=recording.pk)
    stored = RecordingRhythm.objects.get(recording=recording)
    assert stored.heart_rate_bpm is not None and 40 < stored.heart_rate_bpm < 120
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(
        [_tool("pdftotext"), str(tmp_path / "r.pdf"), "-"], check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    assert f"{stored.heart_rate_bpm:.0f} bpm" in text


def test_others_cannot_download_the_report(client, other_clinician, reviewer, recording):
    client.force_login(other_clinician)
    url = reverse("classifier:recording_report", args=[recording.pk])
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="report_downloaded").exists()
    client.force_login(reviewer)  # reviewers read every recording
    assert client.get(url).status_code == 200


def test_a_recording_without_a_result_still_gets_its_report(clinician, tmp_path):
    waiting = RecordingFactory.create(owner=clinician)  # a 10-s sine, never classified
    _, pdf = services.recording_report(actor=clinician, recording_id=waiting.pk)
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(
        [_tool("pdftotext"), str(tmp_path / "r.pdf"), "-"], check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    assert "No prediction" in text and "Not over-read yet" in text and "not given" in text
