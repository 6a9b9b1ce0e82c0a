"""Every edge reads the registered formats and asks for a rate the file does not state:
the web form, the REST API (problem+json) and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from contextlib import ExitStack
from pathlib import Path

import edfio
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from scipy.io import savemat

from audit.models import AuditEvent
from classifier.core import formats
from classifier.models import Recording
from tests.classifier.test_annotations import MITDB
from tests.classifier.test_api_contract import assert_problem

LIST = "/api/v1/recordings/"


def post_record_files(client, paths: list[Path]):
    with ExitStack() as stack:
        files = [stack.enter_context(open(path, "rb")) for path in paths]
        return client.post(LIST, {"record_files": files})


def format_name(suffix: str) -> str:
    reader = formats.reader_for_suffix(suffix)
    assert reader is not None, suffix
    return reader.name


@pytest.fixture(scope="module")
def files_of_every_format(ecg_dir, tmp_path_factory) -> dict[str, object]:
    """One real 60-s recording (nsrdb 16273 ECG1, 128 Hz) written in every registered
    format, each stating its rate where the format can: {extension: path}."""
    folder = tmp_path_factory.mktemp("formats")
    samples = np.load(ecg_dir / "recordings" / "nsrdb-16273-ECG1.npy")
    np.save(folder / "ecg.npy", samples)
    (folder / "ecg.json").write_text(
        json.dumps({"signal": samples.tolist(), "sampling_rate_hz": 128})
    )
    times = np.arange(len(samples)) / 128.0
    (folder / "ecg.csv").write_text(
        "time,ECG1\n"
        + "\n".join(f"{t:.6f},{float(v)!r}" for t, v in zip(times, samples, strict=True))
    )
    edfio.Edf(
        [edfio.EdfSignal(samples.astype(np.float64), 128, label="ECG1", physical_dimension="mV")],
        patient=edfio.Patient(code="P-7", sex="M", birthdate=dt.date(1960, 1, 1)),
    ).write(folder / "ecg.edf")
    savemat(folder / "ecg.mat", {"signal": samples, "fs": 128.0})
    with zipfile.ZipFile(folder / "ecg.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for suffix in (".hea", ".dat", ".atr"):
            archive.write(MITDB / f"100{suffix}", f"100{suffix}")
    paths = {suffix: folder / f"ecg{suffix}" for suffix in formats.extensions()}
    assert all(path.is_file() for path in paths.values())
    return paths


@pytest.mark.django_db
def test_the_cli_reads_every_registered_format(files_of_every_format):
    out = io.StringIO()
    paths = files_of_every_format
    with pytest.raises(SystemExit) as exit_info:
        call_command("classify", *map(str, paths.values()), "--json", "--rate", "128", stdout=out)
    assert exit_info.value.code == 2  # one file could not be classified
    # --rate is checked against the rate each file states: the zip's 360 Hz conflicts.
    lines = {json.loads(line)["file"]: json.loads(line) for line in out.getvalue().splitlines()}
    assert "conflicting sampling rates" in lines[str(paths[".zip"])]["error"]
    for suffix, path in paths.items():
        if suffix != ".zip":
            assert "error" not in lines[str(path)], lines[str(path)]
            assert lines[str(path)]["sampling_rate_hz"] == 128.0


@pytest.mark.django_db
def test_the_cli_reads_every_registered_format_with_the_rate_of_its_header(
    files_of_every_format,
):
    out = io.StringIO()
    stated = {suffix: path for suffix, path in files_of_every_format.items() if suffix != ".npy"}
    call_command("classify", *map(str, stated.values()), "--json", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["format"] for line in lines] == [format_name(suffix) for suffix in stated]
    for line in lines:
        assert "error" not in line, line
        assert line["label"] in {*line["probabilities"], "uncertain"}
    by_format = {line["format"]: line for line in lines}
    assert by_format["wfdb"]["sampling_rate_hz"] == 360.0
    assert by_format["wfdb"]["leads"] == ["MLII", "V5"]
    assert by_format["csv"]["sampling_rate_hz"] == 128.0
    assert by_format["edf"]["header"]["patient_id"] == "P-7"
    assert by_format["edf"]["header"]["birth_year"] == 1960


@pytest.mark.django_db
def test_the_cli_asks_for_the_rate_of_a_npy(files_of_every_format):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("classify", str(files_of_every_format[".npy"]), "--json", stdout=out)
    assert exit_info.value.code == 2
    assert "does not state its sampling rate" in json.loads(out.getvalue())["error"]


@pytest.mark.django_db(transaction=True)
def test_api_upload_without_a_rate_is_a_problem_asking_for_it(clinician_client, recording_path):
    with open(recording_path, "rb") as handle:
        response = clinician_client.post(LIST, {"file": handle})
    assert_problem(response, 400, "sampling_rate_required")
    assert "does not state its sampling rate" in response.json()["detail"]
    assert not Recording.objects.exists()
    assert AuditEvent.objects.filter(action="upload_rejected").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("suffix", [".edf", ".mat", ".zip", ".csv"])
def test_api_uploads_each_format_stating_its_rate(clinician_client, files_of_every_format, suffix):
    with open(files_of_every_format[suffix], "rb") as handle:
        response = clinician_client.post(LIST, {"file": handle})
    assert response.status_code == 201, response.content
    recording = Recording.objects.get(pk=response.json()["id"])
    assert recording.file_format == format_name(suffix)
    assert str(recording.file.name).endswith(suffix)
    assert recording.sampling_rate_hz == (360.0 if suffix == ".zip" else 128.0)
    assert response.json()["prediction"]["status"] == "done"


@pytest.mark.django_db(transaction=True)
def test_web_upload_without_a_rate_asks_for_it_on_the_rate_field(clinician_client, recording_path):
    upload = SimpleUploadedFile(recording_path.name, recording_path.read_bytes())
    response = clinician_client.post(reverse("classifier:recording_upload"), {"file": upload})
    assert response.status_code == 400
    form = response.context["form"]
    assert "does not state its sampling rate" in form.errors["sampling_rate_hz"][0]
    assert "file" not in form.errors
    assert not Recording.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_api_upload_of_a_wfdb_record_s_files_side_by_side_is_stored_as_one_zip(clinician_client):
    paths = [MITDB / f"100{suffix}" for suffix in (".hea", ".dat", ".atr")]

    response = post_record_files(clinician_client, paths)

    assert response.status_code == 201, response.content
    recording = Recording.objects.get(pk=response.json()["id"])
    assert recording.original_filename == "100.zip" and recording.file_format == "wfdb"
    assert recording.sampling_rate_hz == 360.0 and recording.leads == ["MLII", "V5"]
    with recording.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        assert sorted(archive.namelist()) == ["100.atr", "100.dat", "100.hea"]
        assert archive.read("100.dat") == (MITDB / "100.dat").read_bytes()
    assert response.json()["prediction"]["status"] == "done"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("suffixes", "expected"),
    [
        ((".hea", ".atr"), "100.hea names 100.dat, which is missing"),
        ((".dat", ".atr"), "exactly one header (.hea); got 0"),
        ((".hea", ".npy"), "the files of a WFDB record are its .hea, .dat and .atr"),
    ],
)
def test_api_upload_of_an_incomplete_wfdb_record_is_a_clear_problem(
    clinician_client, ecg_dir, suffixes, expected
):
    paths = [
        MITDB / f"100{suffix}" if suffix != ".npy" else ecg_dir / "recordings" / "mitdb-100-V5.npy"
        for suffix in suffixes
    ]
    response = post_record_files(clinician_client, paths)

    body = assert_problem(response, 400)
    assert expected in body["detail"]
    assert not Recording.objects.exists()


@pytest.mark.django_db
def test_api_upload_needs_exactly_one_of_file_and_record_files(clinician_client, recording_path):
    with open(recording_path, "rb") as handle, open(MITDB / "100.hea", "rb") as header:
        both = clinician_client.post(
            LIST, {"file": handle, "record_files": [header, header], "sampling_rate_hz": 128}
        )
    neither = clinician_client.post(LIST, {"sampling_rate_hz": 128})

    for response in (both, neither):
        assert_problem(response, 400)
