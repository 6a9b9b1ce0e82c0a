"""Uploads are streamed: parsed where Django spooled them, hashed and stored in chunks,
never read whole into memory; the size limit is a per-deployment setting in MB."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from typing import BinaryIO, cast

import numpy as np
import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile

from classifier import services
from classifier.core import formats
from classifier.core.signal import load_signal, load_signal_file
from tests.conftest import REPO

CHUNK_LIMIT_BYTES = 1024 * 1024


class SpiedUpload(TemporaryUploadedFile):
    """Django's spooled upload (a temporary file on disk), recording every read's size."""

    def __init__(self, name: str, content: bytes):
        super().__init__(name, "application/octet-stream", len(content), None)
        self.spooled = cast(BinaryIO, self.file)
        self.spooled.write(content)
        self.spooled.seek(0)
        self.read_sizes: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.read_sizes.append(size)
        return self.spooled.read(size)


@pytest.fixture(scope="module")
def holter_npy(ecg_dir) -> bytes:
    """2 h 10 min of both leads of the real nsrdb 16265 record (128 Hz): ~8 MB of .npy."""
    leads = [np.load(ecg_dir / "recordings" / f"nsrdb-16265-ECG{k}.npy") for k in (1, 2)]
    buffer = io.BytesIO()
    np.save(buffer, np.stack(leads))
    return buffer.getvalue()


@pytest.mark.django_db  # no commit: the prediction is not run, storing is under test
def test_a_spooled_upload_is_never_read_whole(clinician, holter_npy):
    upload = SpiedUpload("holter.npy", holter_npy)

    recording = services.recording_create(owner=clinician, upload=upload, sampling_rate_hz=128)

    assert upload.read_sizes, "the upload was never read"
    assert all(0 < size <= CHUNK_LIMIT_BYTES for size in upload.read_sizes)
    assert recording.sha256 == hashlib.sha256(holter_npy).hexdigest()
    assert recording.size_bytes == len(holter_npy)
    with recording.file.open("rb") as stored:
        assert stored.read() == holter_npy
    assert recording.duration_s > 2 * 3600 and recording.leads == ["lead 1", "lead 2"]


@pytest.mark.django_db(transaction=True)
def test_an_api_upload_over_the_memory_threshold_is_spooled_and_stored_whole(
    clinician_client, recording_path, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # every real recording goes to a temp file
    with open(recording_path, "rb") as handle:
        response = clinician_client.post(
            "/api/v1/recordings/", {"file": handle, "sampling_rate_hz": 128}
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(recording_path.read_bytes()).hexdigest()
    assert body["prediction"]["status"] == "done"


def test_a_npy_on_disk_is_memory_mapped_and_reads_like_its_bytes(holter_npy, tmp_path):
    path = tmp_path / "holter.npy"
    path.write_bytes(holter_npy)

    parsed = formats.parse(path, ".npy", len(holter_npy))
    from_disk = load_signal_file(path, sampling_rate_hz=128)
    from_bytes = load_signal(holter_npy, filename="holter.npy", sampling_rate_hz=128)

    assert isinstance(parsed.values, np.memmap)
    np.testing.assert_array_equal(from_disk.samples, from_bytes.samples)


def test_a_truncated_npy_on_disk_is_a_clear_error(holter_npy, tmp_path):
    path = tmp_path / "cut.npy"
    path.write_bytes(holter_npy[: len(holter_npy) // 2])

    with pytest.raises(services.InvalidRecording, match=r"the \.npy file is truncated"):
        load_signal_file(path, sampling_rate_hz=128)


def _max_upload_bytes(**env: str) -> int:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WAVECARDIO_MAX_UPLOAD")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.WAVECARDIO['MAX_UPLOAD_BYTES'])",
        ],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "ecgsite.settings.dev", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_the_upload_limit_is_a_deployment_setting_in_mb_defaulting_to_1_gb():
    assert _max_upload_bytes() == 1024 * 1024 * 1024
    assert _max_upload_bytes(WAVECARDIO_MAX_UPLOAD_MB="200") == 200 * 1024 * 1024
