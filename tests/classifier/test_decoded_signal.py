"""Parsed signals are not re-parsed per request (issue 18 point 5): the upload (or the first
read of a recording stored before) stores a decoded, memory-mappable copy beside the
original; later reads map it; it goes with the recording; a damaged copy or a storage
without local paths falls back to parsing."""

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from classifier import services
from classifier.core.errors import Gone
from classifier.core.signal import load_signal
from classifier.models import Recording

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit queues the prediction


@pytest.fixture
def recording(clinician, recording_path):
    upload = SimpleUploadedFile(recording_path.name, recording_path.read_bytes())
    services.recording_signal_cache_clear()
    return services.recording_create(
        owner=clinician, upload=upload, sampling_rate_hz=128
    )  # classified: read once


@pytest.fixture
def parsed(recording_path):
    return load_signal(
        recording_path.read_bytes(), filename=recording_path.name, sampling_rate_hz=128
    )


def decoded_files(recording):
    storage = recording.file.storage
    folder = recording.file.name.rsplit("/", 1)[0]
    mine = str(recording.pk)
    return [n for n in storage.listdir(folder)[1] if n.startswith(mine) and "decoded" in n]


def test_classifying_leaves_a_decoded_copy_that_later_reads_map(recording, parsed, monkeypatch):
    assert len(decoded_files(recording)) == 1
    monkeypatch.setattr(services, "load_signal", _no_parse)
    signal = services.recording_signal(Recording.objects.get(pk=recording.pk))
    assert isinstance(signal.samples, np.memmap) and not signal.samples.flags.writeable
    np.testing.assert_array_equal(signal.samples, parsed.samples)
    assert signal.lead_names == parsed.lead_names
    assert signal.original_sampling_rate_hz == parsed.original_sampling_rate_hz


def test_signal_requests_never_parse_the_upload_again(client, clinician, recording, monkeypatch):
    monkeypatch.setattr(services, "load_signal", _no_parse)
    services.recording_signal_cache_clear()  # as in a freshly started web worker
    client.force_login(clinician)
    url = f"/api/v1/recordings/{recording.pk}/signal/"
    for query in ({"max_points": 100}, {"start_s": 8, "end_s": 16, "lead": 0}):
        response = client.get(url, query)
        assert response.status_code == 200
        assert response.json()["lead_names"] == recording.leads


def test_a_damaged_copy_is_ignored_and_the_upload_parsed(recording, parsed):
    storage = recording.file.storage
    name = recording.file.name.rsplit("/", 1)[0] + "/" + decoded_files(recording)[0]
    with open(storage.path(name), "r+b") as handle:
        handle.truncate(200)  # as if another process were still writing it
    signal = services.recording_signal(recording)
    assert not isinstance(signal.samples, np.memmap)
    np.testing.assert_array_equal(signal.samples, parsed.samples)


def test_without_local_paths_every_read_parses(
    clinician, recording_path, parsed, settings, monkeypatch
):
    memory = {"BACKEND": "django.core.files.storage.InMemoryStorage"}  # no .path(), as S3
    settings.STORAGES = {**settings.STORAGES, "default": memory}
    upload = SimpleUploadedFile(recording_path.name, recording_path.read_bytes())
    recording = services.recording_create(owner=clinician, upload=upload, sampling_rate_hz=128)
    assert decoded_files(recording) == []
    signal = services.recording_signal(recording)
    assert not isinstance(signal.samples, np.memmap)
    np.testing.assert_array_equal(signal.samples, parsed.samples)


def test_deleting_the_recording_deletes_its_decoded_copy(
    clinician, recording, django_capture_on_commit_callbacks
):
    assert decoded_files(recording)
    with django_capture_on_commit_callbacks(execute=True):
        services.recording_delete(actor=clinician, recording_id=recording.pk)
    assert decoded_files(recording) == []
    assert not recording.file.storage.exists(recording.file.name)


def test_a_copy_without_its_original_is_never_read_and_is_removed(recording):
    recording.file.storage.delete(recording.file.name)  # gone from storage (or purged)
    with pytest.raises(Gone, match="missing from storage"):
        services.recording_signal(recording)
    assert decoded_files(recording) == []


def _no_parse(*args, **kwargs):
    raise AssertionError("the upload was parsed again")


def test_the_upload_leaves_the_decoded_copy_so_its_prediction_never_parses_it(
    clinician, recording_path, monkeypatch
):
    monkeypatch.setattr(services, "_parse_stored", _no_parse)  # how a stored file is read
    upload = SimpleUploadedFile(recording_path.name, recording_path.read_bytes())

    recording = services.recording_create(owner=clinician, upload=upload, sampling_rate_hz=128)

    assert len(decoded_files(recording)) == 1
    assert recording.predictions.get().status == "done"
