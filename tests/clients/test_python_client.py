"""The generated Python client (clients/python/, `make client`): committed as generated from
docs/openapi.yaml, and used end to end against the live server: upload a real recording,
long-poll its status while the prediction runs, read the prediction and its FHIR report."""

import filecmp
import os
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from classifier import selectors, services, tasks
from tests.conftest import REPO
from tests.factories import ApiTokenFactory

CLIENT = REPO / "clients" / "python"
sys.path.insert(0, str(CLIENT))

from wavecardio_client import AuthenticatedClient  # noqa: E402
from wavecardio_client.api.recordings import (  # noqa: E402
    recordings_create,
    recordings_fhir_retrieve,
    recordings_retrieve,
    recordings_status_retrieve,
)
from wavecardio_client.models import (  # noqa: E402
    Problem,
    RecordingDetail,
    RecordingStatus,
    RecordingUploaded,
    RecordingUploadRequest,
)
from wavecardio_client.types import File  # noqa: E402


def _differences(comparison: filecmp.dircmp, prefix: Path = Path()) -> list[str]:
    found = [str(prefix / name) for name in comparison.left_only + comparison.right_only]
    found += [str(prefix / name) for name in comparison.diff_files]
    for name, sub in comparison.subdirs.items():
        found += _differences(sub, prefix / name)
    return found


def test_the_committed_client_is_generated_from_the_committed_schema(tmp_path):
    """clients/python/ is `make client`'s output for docs/openapi.yaml: regenerate it with
    the schema."""
    out = tmp_path / "python"
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            str(bin_dir / "openapi-python-client"), "generate",
            "--path", str(REPO / "docs" / "openapi.yaml"),
            "--meta", "pdm",
            "--config", str(REPO / "clients" / "openapi-python-client.yaml"),
            "--overwrite", "--fail-on-warning",
            "--output-path", str(out),
        ],
        check=True,
        capture_output=True,
        cwd=REPO,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    comparison = filecmp.dircmp(CLIENT, out, ignore=["__pycache__", ".ruff_cache"])
    assert _differences(comparison) == [], "clients/python is stale: run make client"


@pytest.mark.django_db(transaction=True)
def test_the_client_uploads_polls_and_reads_a_prediction(
    live_server, clinician, recording_path, monkeypatch
):
    ApiTokenFactory.create(user=clinician, key="wc_python-client")
    queued: list[int] = []
    monkeypatch.setattr(  # a worker's queue
        tasks.predict_recording, "apply_async", lambda args, **options: queued.append(args[0])
    )
    api = AuthenticatedClient(base_url=live_server.url, token="wc_python-client", timeout=60)

    with recording_path.open("rb") as handle:
        upload = recordings_create.sync_detailed(
            client=api,
            body=RecordingUploadRequest(
                file=File(payload=handle, file_name=recording_path.name), sampling_rate_hz=128
            ),
        )
    assert upload.status_code == 202, upload.content
    assert isinstance(upload.parsed, RecordingUploaded)
    assert upload.parsed.duplicate is False
    assert int(upload.headers["Retry-After"]) > 0
    recording_id = upload.parsed.id
    assert upload.headers["Location"].endswith(f"/api/v1/recordings/{recording_id}/")

    naps: list[float] = []

    def worker_finishes_during_the_wait(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:
            [prediction_id] = queued
            services.prediction_run(prediction_id)

    monkeypatch.setattr(selectors, "_sleep", worker_finishes_during_the_wait)
    status = recordings_status_retrieve.sync(recording_id, client=api, wait=20)
    assert isinstance(status, RecordingStatus)
    assert status.status == "done"
    assert naps == [selectors.STATUS_POLL_INTERVAL_S]  # answered at the next read, not at 20 s

    detail = recordings_retrieve.sync(recording_id, client=api)
    assert isinstance(detail, RecordingDetail)
    assert detail.original_filename == recording_path.name
    prediction = detail.prediction
    assert prediction is not None
    assert prediction.status == "done"
    assert set(prediction.probabilities.to_dict()) == {"ARR", "CHF", "NSR"}
    assert prediction.label in {"ARR", "CHF", "NSR", "uncertain"}
    assert prediction.windows

    report = recordings_fhir_retrieve.sync_detailed(recording_id, client=api)
    assert report.status_code == 200
    assert report.headers["Content-Type"] == "application/fhir+json"
    assert report.parsed is not None
    assert report.parsed.to_dict()["resourceType"] == "DiagnosticReport"

    missing = recordings_retrieve.sync(UUID(int=0), client=api)
    assert isinstance(missing, Problem)
    assert missing.status == 404
