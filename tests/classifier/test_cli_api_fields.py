"""Issue 16, point 11: `manage.py classify --json` and POST /api/v1/classify/ give the same
fields (the CLI adds only its own elapsed_s) and, for the same file, the same answer."""

import json

import pytest
import yaml

from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_the_cli_and_the_api_answer_with_the_same_fields(
    clinician_client, recording_path, classify
):
    cli = classify("--json", "--windows", "--rate", "128", str(recording_path))
    assert cli.returncode == 0, cli.stderr
    from_cli = json.loads(cli.stdout)
    with recording_path.open("rb") as handle:
        response = clinician_client.post(
            "/api/v1/classify/", {"file": handle, "sampling_rate_hz": 128, "windows": True}
        )
    assert response.status_code == 200, response.content
    from_api = response.json()

    assert set(from_cli) - {"elapsed_s"} == set(from_api)
    schema = yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text())
    assert set(from_api) == set(schema["components"]["schemas"]["ClassifyResult"]["properties"])
    assert from_cli["label"] == from_api["label"]
    assert from_cli["model_version"] == from_api["model_version"]
    assert from_cli["probabilities"] == pytest.approx(from_api["probabilities"], abs=1e-6)
    assert len(from_cli["windows"]) == len(from_api["windows"]) == from_api["n_windows"]
