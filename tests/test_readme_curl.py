"""README's curl examples, run as written (bash + curl + jq) against the live server."""

import json
import re
import shutil
import subprocess

import pytest

from tests.conftest import REPO
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction


def readme_curl_block() -> str:
    """The ```sh block of README's 'The API by example'."""
    section = (REPO / "README.md").read_text().split("### The API by example", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block is not None, "README lost its curl examples"
    return block.group(1)


def test_the_readme_curl_examples_work(live_server, clinician, ecg_dir):
    for tool in ("bash", "curl", "jq"):
        assert shutil.which(tool), f"{tool} is needed to run README's examples"
    script = readme_curl_block()
    assert script.count("curl ") >= 6
    ApiTokenFactory.create(user=clinician, key="wc_readme-examples")
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=ecg_dir / "recordings",
        env={"PATH": "/usr/bin:/bin", "WAVECARDIO": live_server.url, "TOKEN": "wc_readme-examples"},
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    answers, text, decoder = [], run.stdout.strip(), json.JSONDecoder()
    while text:  # curl prints each JSON answer without a newline after it
        answer, end = decoder.raw_decode(text)
        answers.append(answer)
        text = text[end:].lstrip()
    status, detail, fhir, classified, missing = answers
    assert status["status"] == "done"
    assert detail["prediction"]["status"] == "done"
    assert detail["original_filename"] == "nsrdb-16273-ECG1.npy"
    assert fhir["resourceType"] == "DiagnosticReport"
    assert classified["label"] in {"ARR", "CHF", "NSR", "uncertain"}
    assert classified["file"] == "nsrdb-16273-ECG1.npy"
    assert missing["status"] == 404 and missing["code"] == "not_found"
