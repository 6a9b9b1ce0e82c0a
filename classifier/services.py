"""State changes: uploads, predictions, deletions, model versions. Views and tasks call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast
from urllib.parse import urlsplit

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.permissions import allowed, check
from accounts.roles import Perm
from audit import services as audit
from audit.services import Action
from classifier import signals
from classifier.access import RecordingAction
from classifier.core import heart, pipeline, report
from classifier.core.card import UNCERTAIN
from classifier.core.errors import (
    Conflict,
    Gone,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PredictionAbandoned,
)
from classifier.core.formats.wfdbzip import zip_record_files
from classifier.core.model import (
    ModelLoadError,
    get_model,
    newest_card,
    read_card,
    sha256_of,
)
from classifier.core.patient import PatientDetails, patient_ref_clean
from classifier.core.pipeline import ClassificationResult
from classifier.core.signal import (
    REFERENCE_RATE_HZ,
    EcgSignal,
    InvalidRecording,
    SignalLimits,
    load_signal,
    load_signal_file,
    release_pages,
    too_large,
)
from classifier.models import (
    ModelVersion,
    OverRead,
    OverReadAmendment,
    Prediction,
    PredictionOutbox,
    Recording,
    RecordingRhythm,
    Webhook,
    WebhookDelivery,
)
from classifier.selectors import (
    active_model_version,
    displayed_prediction,
    model_version_get,
    overread_labels,
    overreads_of,
    patient_recordings,
    recording_get,
    shadow_model_versions,
    webhook_get,
)

logger = logging.getLogger(__name__)


def signal_limits() -> SignalLimits:
    return SignalLimits(max_size_bytes=settings.WAVECARDIO["MAX_UPLOAD_BYTES"])


_MULTIPART_OVERHEAD_BYTES = 64 * 1024  # form fields and boundaries around the file


def upload_request_max_bytes() -> int:
    """The largest request body an upload may have: the file's limit plus the form around it."""
    return signal_limits().max_size_bytes + _MULTIPART_OVERHEAD_BYTES


def check_request_size(content_length: str | int | None) -> None:
    """Refuse an upload from its Content-Length, before any of the body is read or spooled."""
    try:
        size = int(content_length or 0)
    except ValueError:
        return
    if size > upload_request_max_bytes():
        raise too_large(size, signal_limits().max_size_bytes)


def read_upload(upload, *, limits: SignalLimits) -> bytes:
    """The upload's bytes, refusing oversize files before reading them into memory."""
    size = getattr(upload, "size", None)
    if size is not None and size > limits.max_size_bytes:
        raise too_large(size, limits.max_size_bytes)
    upload.seek(0)
    return upload.read(limits.max_size_bytes + 1)


_HASH_CHUNK_BYTES = 1024 * 1024


def _upload_signal(upload, *, filename: str, sampling_rate_hz, limits: SignalLimits):
    """Parse the upload where it lies: a spooled temporary file is memory-mapped or read in
    chunks (never whole); a small in-memory upload is read within the size limit."""
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        return load_signal_file(
            path(), filename=filename, sampling_rate_hz=sampling_rate_hz, limits=limits
        )
    size = getattr(upload, "size", None)
    if size is not None and size > limits.max_size_bytes:
        raise too_large(size, limits.max_size_bytes)
    upload.seek(0)
    return load_signal(upload, filename=filename, sampling_rate_hz=sampling_rate_hz, limits=limits)


def _sha256_and_size(upload) -> tuple[str, int]:
    """The upload's checksum and size, read in 1-MB chunks."""
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    while chunk := upload.read(_HASH_CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


def wfdb_record_upload(parts) -> TemporaryUploadedFile:
    """The files of one WFDB record uploaded side by side (.hea, .dat, optional .atr) as one
    spooled zip upload, which :func:`recording_create` stores and reads like an uploaded
    .zip. Close it when done (its temporary file is then removed)."""
    bundle = TemporaryUploadedFile("record.zip", "application/zip", 0, None)
    spooled = cast(BinaryIO, bundle.file)
    try:
        name = zip_record_files([(Path(part.name or "").name, part) for part in parts], spooled)
    except InvalidRecording:
        bundle.close()
        raise
    bundle.name = name
    bundle.size = spooled.tell()
    bundle.seek(0)
    return bundle


@dataclass(frozen=True)
class UploadOutcome:
    """What an upload led to: a new recording, or (``duplicate``) the owner's existing
    recording of the very same file, offered instead of storing and classifying it again."""

    recording: Recording
    duplicate: bool


def recording_create(
    *,
    owner,
    upload,
    sampling_rate_hz: float | None = None,
    patient: PatientDetails | None = None,
    request=None,
):
    """The recording for ``upload``: a new one, or the owner's existing one of the same file
    (``recording_upload``; use that to know which)."""
    return recording_upload(
        owner=owner,
        upload=upload,
        sampling_rate_hz=sampling_rate_hz,
        patient=patient,
        request=request,
    ).recording


def recording_upload(
    *,
    owner,
    upload,
    sampling_rate_hz: float | None = None,
    patient: PatientDetails | None = None,
    request=None,
) -> UploadOutcome:
    """Validate, store (file + row in one transaction), audit and queue the prediction.

    The upload is streamed: parsed where it lies, hashed and copied to storage in chunks.

    ``patient``: what is known of the patient, typed by the uploader or read from the file's
    header (``classifier.core.patient.patient_details`` validates either).
    The same file (same sha256, read at the same sampling rate) uploaded again by the same
    owner is not stored twice: the existing recording is returned with ``duplicate=True``
    (audited as ``upload_duplicate``) and no second inference is run, unless its prediction
    had failed, which is then retried. Raises InvalidRecording (nothing stored) for bad
    input, PermissionDenied without the role.
    """
    check(owner, Perm.UPLOAD_RECORDING)
    patient = patient or PatientDetails()
    filename = Path(getattr(upload, "name", "") or "upload").name[:255]
    limits = signal_limits()
    try:
        signal = _upload_signal(
            upload, filename=filename, sampling_rate_hz=sampling_rate_hz, limits=limits
        )
    except InvalidRecording as exc:
        audit.record(
            Action.UPLOAD_REJECTED,
            actor=owner,
            request=request,
            outcome="failure",
            details={"filename": filename, "reason": str(exc)},
        )
        raise
    sha256, size_bytes = _sha256_and_size(upload)
    existing = _same_upload(owner, sha256, signal.original_sampling_rate_hz)
    if existing is not None:
        return _duplicate_offered(existing, owner=owner, filename=filename, request=request)
    recording = Recording(
        owner=owner,
        original_filename=filename,
        sha256=sha256,
        size_bytes=size_bytes,
        file_format=signal.format,
        sampling_rate_hz=signal.original_sampling_rate_hz,
        n_samples=round(signal.duration_s * signal.original_sampling_rate_hz),
        duration_s=signal.duration_s,
        leads=list(signal.lead_names),
        uploaded_at=timezone.now(),
        **patient.fields(),
    )
    recording.file.save(filename, File(upload), save=False)  # copied chunk by chunk
    # Stored before the commit queues the prediction: it and the viewer read this copy and
    # never parse a long upload again.
    _decoded_store(recording, signal)
    try:
        with transaction.atomic():
            # One upload per owner at a time decides "new or duplicate" (row lock on the owner).
            get_user_model().objects.select_for_update(no_key=True).filter(pk=owner.pk).first()
            existing = _same_upload(owner, sha256, signal.original_sampling_rate_hz)
            if existing is None:
                recording.save()
                audit.record(
                    Action.RECORDING_UPLOADED,
                    actor=owner,
                    request=request,
                    target=recording,
                    details={
                        "filename": filename,
                        "sha256": sha256,
                        "size": size_bytes,
                        "patient_ref": recording.patient_ref,
                    },
                )
                transaction.on_commit(
                    partial(signals.recording_stored.send, sender=Recording, recording=recording)
                )
                prediction_request(recording=recording, actor=owner, request=request)
    except Exception:
        _stored_files_delete(recording)  # no orphan file without its row
        raise
    if existing is not None:  # a concurrent upload of the same file stored it first
        _stored_files_delete(recording)
        return _duplicate_offered(existing, owner=owner, filename=filename, request=request)
    return UploadOutcome(recording, duplicate=False)


def _stored_files_delete(recording: Recording) -> None:
    recording_decoded_delete(recording)  # named after the original: first
    recording.file.delete(save=False)


def _same_upload(owner, sha256: str, sampling_rate_hz: float) -> Recording | None:
    return (
        Recording.objects.filter(owner=owner, sha256=sha256, sampling_rate_hz=sampling_rate_hz)
        .order_by("uploaded_at")
        .first()
    )


def _duplicate_offered(existing: Recording, *, owner, filename: str, request) -> UploadOutcome:
    with transaction.atomic():
        audit.record(
            Action.UPLOAD_DUPLICATE,
            actor=owner,
            request=request,
            target=existing,
            details={"filename": filename, "sha256": existing.sha256},
        )
        shown = displayed_prediction(existing)
        if shown is None or shown.status == Prediction.Status.FAILED:
            prediction_request(recording=existing, actor=owner, request=request)
    return UploadOutcome(existing, duplicate=True)


def prediction_request(*, recording: Recording, actor=None, request=None) -> list[Prediction]:
    """Queue predictions with the active model (shown) and any shadow models (stored only)."""
    versions = [(v, False) for v in [active_model_version()] if v is not None]
    versions += [(v, True) for v in shadow_model_versions()]
    predictions = []
    for version, is_shadow in versions:
        prediction, created = Prediction.objects.get_or_create(
            recording=recording, model_version=version, defaults={"is_shadow": is_shadow}
        )
        predictions.append(prediction)
        if created or prediction.status == Prediction.Status.FAILED:
            audit.record(
                Action.PREDICTION_REQUESTED,
                actor=actor,
                request=request,
                target=prediction,
                details={"recording": str(recording.pk), "model_version": version.name},
            )
            prediction.attempts = 0
            _prediction_enqueue(prediction)
    return predictions


def prediction_time_limits(duration_s: float) -> tuple[int, int]:
    """(soft, hard) seconds a worker may spend on a recording lasting ``duration_s``: at the
    soft limit the prediction is failed with the reason; at the hard one the process dies."""
    config = settings.WAVECARDIO
    soft = config["TASK_TIME_LIMIT_BASE_S"] + round(
        config["TASK_TIME_LIMIT_PER_HOUR_S"] * max(duration_s, 0.0) / 3600
    )
    return soft, soft + 30


def _running_deadline(prediction: Prediction, now: dt.datetime) -> dt.datetime:
    _, hard_s = prediction_time_limits(prediction.recording.duration_s)
    return now + dt.timedelta(seconds=hard_s + 60)


def _pending_deadline(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=settings.WAVECARDIO["PENDING_TIMEOUT_S"])


def _prediction_enqueue(prediction: Prediction) -> None:
    """Pending, with an outbox row, in the caller's transaction; handed to the broker once
    it commits (``classifier.tasks`` listens). Delivered or not, nothing is lost: an
    undelivered row stays and the reconciler sends it again."""
    now = timezone.now()
    prediction.status = Prediction.Status.PENDING
    prediction.error = ""
    prediction.queued_at = now
    prediction.deadline = _pending_deadline(now)
    prediction.save(update_fields=["status", "error", "queued_at", "deadline", "attempts"])
    PredictionOutbox.objects.get_or_create(prediction=prediction)
    transaction.on_commit(
        partial(signals.prediction_requested.send, sender=Prediction, prediction=prediction)
    )


def prediction_dispatched(prediction_id: int) -> None:
    """The broker took the task: the outbox row goes; the pending deadline counts from now."""
    with transaction.atomic():
        PredictionOutbox.objects.filter(prediction_id=prediction_id).delete()
        Prediction.objects.filter(pk=prediction_id, status=Prediction.Status.PENDING).update(
            deadline=_pending_deadline(timezone.now())
        )


def prediction_dispatch_failed(prediction_id: int, error: BaseException) -> None:
    """The broker could not be reached: the row stays for the reconciler (counted)."""
    PredictionOutbox.objects.filter(prediction_id=prediction_id).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:500]
    )
    logger.warning("prediction_dispatch_failed id=%s error=%s", prediction_id, error)


def recording_view(*, actor, recording_id, request=None) -> Recording:
    """The recording for its result page or API detail: an audited read by ``actor``."""
    recording = recording_get(actor, recording_id)
    audit.record(Action.RECORDING_VIEWED, actor=actor, request=request, target=recording)
    return recording


def recording_patient_update(
    *, actor, recording_id, patient: PatientDetails, request=None
) -> Recording:
    """The owner corrects the patient details of a recording (audited, before and after)."""
    recording = Recording.objects.get_for(actor, recording_id, RecordingAction.EDIT)
    before = _patient_audit_fields(recording)
    for name, value in patient.fields().items():
        setattr(recording, name, value)
    after = _patient_audit_fields(recording)
    if before == after:
        return recording
    with transaction.atomic():
        recording.save(update_fields=list(patient.fields()))
        audit.record(
            Action.PATIENT_DETAILS_CHANGED,
            actor=actor,
            request=request,
            target=recording,
            details={"before": before, "after": after},
        )
    return recording


def _patient_audit_fields(recording: Recording) -> dict:
    acquired = recording.acquired_at.isoformat() if recording.acquired_at else None
    return {
        "patient_ref": recording.patient_ref,
        "acquired_at": acquired,
        "patient_sex": recording.patient_sex,
        "patient_birth_year": recording.patient_birth_year,
    }


def patient_view(*, actor, patient_ref: str, request=None) -> list[Recording]:
    """The recordings of one patient that ``actor`` may see, oldest acquisition first: an
    audited read. NotFound when there are none (so references reveal nothing)."""
    check(actor, Perm.UPLOAD_RECORDING)
    ref = patient_ref_clean(patient_ref)
    recordings = list(patient_recordings(actor, ref)) if ref else []
    if not recordings:
        raise NotFound("no recordings of this patient that you may see")
    audit.record(
        Action.PATIENT_VIEWED,
        actor=actor,
        request=request,
        details={"patient_ref": ref, "recordings": [str(r.pk) for r in recordings]},
    )
    return recordings


def patient_search_recorded(*, actor, patient_ref: str, shown: int, via: str, request=None):
    """A list filtered to one patient (web history, CSV export or API) is a view of that
    patient: audited like the patient page."""
    audit.record(
        Action.PATIENT_VIEWED,
        actor=actor,
        request=request,
        details={"patient_ref": patient_ref, "via": via, "recordings_shown": shown},
    )


def recording_file_open(*, actor, recording_id, request=None) -> tuple[Recording, File]:
    """The recording and its stored original file, opened for a download (audited).

    Raises Gone when the file is not in storage (purged by the retention policy or lost).
    """
    recording = Recording.objects.get_for(actor, recording_id, RecordingAction.DOWNLOAD)
    audit.record(Action.RECORDING_DOWNLOADED, actor=actor, request=request, target=recording)
    return recording, _open_stored(recording)


def _open_stored(recording: Recording) -> File:
    _check_not_purged(recording)
    try:
        return recording.file.open("rb")
    except FileNotFoundError as exc:
        raise _missing_file(recording) from exc


def _check_not_purged(recording: Recording) -> None:
    if recording.signal_purged_at is not None:
        raise Gone(
            f"the signal of this recording was removed on {recording.signal_purged_at:%Y-%m-%d} "
            "under the retention policy; its results and audit trail are kept"
        )


def _missing_file(recording: Recording) -> Gone:
    logger.error("recording_file_missing id=%s name=%s", recording.pk, recording.file.name)
    return Gone("the stored file of this recording is missing from storage")


def recording_report(*, actor, recording_id, request=None) -> tuple[Recording, bytes]:
    """The one-page PDF report of a recording (``classifier.core.report``), audited."""
    recording = Recording.objects.get_for(actor, recording_id, RecordingAction.DOWNLOAD)
    prediction = displayed_prediction(recording)
    signal = recording_signal(recording)
    lead = signal.samples[0]
    fs = signal.sampling_rate_hz
    stored_rhythm = recording_rhythm(recording, signal=signal)  # the one the API reports
    heart_rate = stored_rhythm.heart_rate_bpm if stored_rhythm is not None else None
    content = report.ReportContent(
        title=f"WaveCardio ECG report: {recording.original_filename}",
        patient=_report_patient(recording),
        recording=_report_recording(recording),
        strip_mv=lead,
        sampling_rate_hz=fs,
        strip_caption=f"Lead {signal.lead_names[0]}, 0–{min(10.0, signal.duration_s):.0f} s · "
        "25 mm/s · 10 mm/mV · calibration pulse 1 mV",
        heart_rate_bpm=heart_rate,
        answer=_report_answer(prediction),
        probabilities=dict(prediction.probabilities or {}) if prediction else {},
        burden=dict(prediction.burden or {}) if prediction else {},
        model_version=prediction.model_version.name if prediction else "",
        overreads=[_report_overread(o) for o in overreads_of(prediction)],
        generated=f"Generated {timezone.now():%Y-%m-%d %H:%M} UTC for {actor.get_username()}",
    )
    pdf = report.report_pdf(content)
    audit.record(
        Action.REPORT_DOWNLOADED,
        actor=actor,
        request=request,
        target=recording,
        details={"patient_ref": recording.patient_ref, "size": len(pdf)},
    )
    return recording, pdf


def _report_recording(recording: Recording) -> list[tuple[str, str]]:
    uploaded = f"{recording.uploaded_at:%Y-%m-%d %H:%M} UTC by {recording.owner.get_username()}"
    leads = f"{recording.n_leads} lead(s): {', '.join(recording.leads)}"
    return [
        ("File", recording.original_filename),
        ("Uploaded", uploaded),
        ("Duration", f"{recording.duration_s:.1f} s, {leads}"),
        ("SHA-256", recording.sha256[:32] + "…"),
    ]


def _report_patient(recording: Recording) -> list[tuple[str, str]]:
    acquired = f"{recording.acquired_at:%Y-%m-%d %H:%M} UTC" if recording.acquired_at else ""
    rows = [
        ("Reference", recording.patient_ref),
        ("Sex", recording.patient_sex),
        ("Year of birth", str(recording.patient_birth_year or "")),
        ("Acquired", acquired),
    ]
    return [(label, value or "not given") for label, value in rows]


def _report_answer(prediction: Prediction | None) -> str:
    if prediction is None:
        return "No prediction: no model version is active."
    if prediction.status != Prediction.Status.DONE:
        return f"Classification {prediction.status}."
    if prediction.label == UNCERTAIN:
        return (
            f"Uncertain: the model suggests no class (top class {prediction.top_class} at "
            f"{prediction.confidence or 0:.0%}). Read the ECG without its help."
        )
    return f"Suggested class {prediction.label} with {prediction.confidence or 0:.0%} confidence."


def _report_overread(overread: OverRead) -> report.OverReadLine:
    return report.OverReadLine(
        reviewer=overread.reviewer.get_full_name() or overread.reviewer.get_username(),
        label=overread.label,
        comment=overread.comment,
        signed_at=f"{overread.created_at:%Y-%m-%d %H:%M} UTC",
        amendments=[
            f"{a.created_at:%Y-%m-%d %H:%M} by {a.amended_by.get_username()}: "
            f"{a.previous_label} -> {a.label} ({a.reason})"
            for a in overread.amendments.all()
        ],
    )


def recording_signal(recording: Recording) -> EcgSignal:
    """The recording's validated signal: its decoded copy, memory-mapped, when one is
    stored; else the stored original parsed (in place, memory-mapped, where the storage has
    local paths; the stored bytes are the source of truth), leaving a decoded copy beside it
    so no later read parses it again. Raises Gone when the signal was purged or is missing."""
    _check_not_purged(recording)
    decoded = _decoded_signal(recording)
    if decoded is not None:
        return decoded
    try:
        signal = _parse_stored(recording)
    except FileNotFoundError as exc:
        raise _missing_file(recording) from exc
    _decoded_store(recording, signal)
    return signal


def _parse_stored(recording: Recording) -> EcgSignal:
    # A file stored under an earlier, larger limit still reads; a zip unpacks within it.
    limits = SignalLimits(
        max_size_bytes=max(recording.file.size, signal_limits().max_size_bytes, 1)
    )
    if isinstance(recording.file.storage, FileSystemStorage):  # local files: read in place
        return load_signal_file(
            recording.file.path,
            filename=recording.original_filename,
            sampling_rate_hz=recording.sampling_rate_hz,
            limits=limits,
        )
    with recording.file.open("rb") as handle:
        return load_signal(
            cast(BinaryIO, handle),
            filename=recording.original_filename,
            sampling_rate_hz=recording.sampling_rate_hz,
            limits=limits,
        )


# The decoded copy: the validated samples (float32[n_leads, n] in mV at 128 Hz) as a .npy
# beside the original, named after the original's checksum. Requests memory-map it (the
# page cache shares it between processes) instead of parsing the upload again. Only on a
# file-system storage; elsewhere (S3) every read parses the original.
_DECODED_SUFFIX = ".decoded.npy"


def _decoded_name(recording: Recording) -> str:
    original = PurePosixPath(recording.file.name or "")
    return str(original.with_name(f"{original.stem}.{recording.sha256[:16]}{_DECODED_SUFFIX}"))


def _decoded_path(recording: Recording) -> Path | None:
    """Where the decoded copy lies on this machine; None for a storage without local files
    (S3, in memory): nothing to memory-map."""
    storage = recording.file.storage
    if not isinstance(storage, FileSystemStorage) or not recording.file.name:
        return None
    return Path(storage.path(_decoded_name(recording)))


def _decoded_signal(recording: Recording) -> EcgSignal | None:
    """The stored decoded copy, memory-mapped read-only, if there is a complete one that
    matches the recording's row and its original is still stored; None otherwise (the
    caller parses the original, or finds it missing)."""
    path = _decoded_path(recording)
    if path is None or not path.is_file():
        return None
    if recording.signal_purged_at or not recording.file.storage.exists(recording.file.name or ""):
        recording_decoded_delete(recording)  # the original is gone: so goes its copy
        return None
    try:
        samples = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):  # being written by another process, or damaged
        return None
    expected_samples = round(recording.duration_s * REFERENCE_RATE_HZ)
    if (
        samples.dtype != np.float32
        or samples.ndim != 2
        or samples.shape[0] != recording.n_leads
        or abs(samples.shape[1] - expected_samples) > 1
        or not samples.flags.c_contiguous
    ):
        logger.warning("decoded_copy_mismatch recording=%s", recording.pk)
        return None
    return EcgSignal(
        samples=samples,
        original_sampling_rate_hz=recording.sampling_rate_hz,
        lead_names=tuple(recording.leads),
        format=recording.file_format,
    )


def _decoded_store(recording: Recording, signal: EcgSignal) -> None:
    """Store ``signal``'s samples as the recording's decoded copy (through the storage API,
    streamed from a temporary file); a failure only costs later reads a parse."""
    if _decoded_path(recording) is None:
        return
    storage, name = recording.file.storage, _decoded_name(recording)
    try:
        if storage.exists(name):
            return
        with tempfile.TemporaryFile() as scratch:
            _write_npy_in_chunks(scratch, signal.samples)
            scratch.seek(0)
            saved = storage.save(name, File(scratch, name=name))
        if saved != name:  # another process stored it meanwhile
            storage.delete(saved)
    except OSError:
        logger.warning("decoded_copy_not_stored recording=%s", recording.pk, exc_info=True)


_DECODED_CHUNK_SAMPLES = 1024 * 1024


def _write_npy_in_chunks(file, samples: np.ndarray) -> None:
    """``np.save`` of float32[n_leads, n], a megasample at a time: a memory-mapped 48-h
    signal is never copied whole."""
    np.lib.format.write_array_header_1_0(
        file,
        {
            "descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
            "fortran_order": False,
            "shape": samples.shape,
        },
    )
    for lead in samples:
        for start in range(0, len(lead), _DECODED_CHUNK_SAMPLES):
            chunk = lead[start : start + _DECODED_CHUNK_SAMPLES]
            file.write(np.ascontiguousarray(chunk, dtype=np.float32).tobytes())
            release_pages(samples)


def recording_decoded_delete(recording: Recording) -> None:
    """Remove the recording's decoded copy (with the original: deletion, retention)."""
    if _decoded_path(recording) is not None:
        recording.file.storage.delete(_decoded_name(recording))


# The viewer pans and zooms one recording with many small requests: each process keeps the
# last recording it read (when its samples fit in this: a memory-mapped copy always does, it
# costs no memory of its own), so a file is read once per view.
VIEWER_SIGNAL_CACHE_BYTES = 128 * 1024 * 1024
_viewed_signal: dict[str, EcgSignal] = {}


def recording_signal_for_viewer(recording: Recording) -> EcgSignal:
    """:func:`recording_signal`, reusing this process's last read of the same stored file."""
    key = f"{recording.pk}:{recording.sha256}"
    signal = _viewed_signal.get(key)
    if signal is None:
        signal = recording_signal(recording)
        _viewed_signal.clear()
        mapped = isinstance(signal.samples, np.memmap)
        if mapped or signal.samples.nbytes <= VIEWER_SIGNAL_CACHE_BYTES:
            _viewed_signal[key] = signal
    return signal


def recording_signal_cache_clear() -> None:
    """Forget what this process read (as a freshly started worker: the bench's cold case)."""
    _viewed_signal.clear()


def recording_rhythm_for_view(recording: Recording) -> RecordingRhythm | None:
    """The recording's stored heart rhythm for a page or the API. Missing, it is computed
    by the shown prediction while that runs, else queued (``rhythm_requested``: a worker
    computes it; the embedded mode at once) so web processes never detect beats."""
    stored = RecordingRhythm.objects.filter(recording=recording).first()
    if stored is not None:
        return stored
    prediction = displayed_prediction(recording)
    if prediction is not None and not prediction.is_finished:
        return None  # prediction_run computes it with the signal at hand
    signals.rhythm_requested.send(sender=Recording, recording=recording)
    return RecordingRhythm.objects.filter(recording=recording).first()


def recording_rhythm_compute(recording_id) -> RecordingRhythm | None:
    """:func:`recording_rhythm` of a recording by id (the queued task); None once deleted."""
    recording = Recording.objects.filter(pk=recording_id).first()
    return recording_rhythm(recording) if recording is not None else None


def recording_rhythm(
    recording: Recording, *, signal: EcgSignal | None = None
) -> RecordingRhythm | None:
    """The recording's heart rate, R-R intervals and R-peaks, computed once (``core.heart``)
    and stored; later calls read the stored row. Computed when a prediction runs (``signal``
    saves re-reading the file) or by the queued task for a recording stored before.
    None when the stored file cannot be read (logged): the rhythm is an addition, never a
    reason for a page or a prediction to fail."""
    stored = RecordingRhythm.objects.filter(recording=recording).first()
    if stored is not None:
        return stored
    try:
        signal = signal or recording_signal(recording)
    except (InvalidRecording, OSError) as exc:
        logger.warning("rhythm_unavailable recording=%s error=%s", recording.pk, exc)
        return None
    rhythm = heart.heart_rhythm(signal.samples, signal.sampling_rate_hz)
    summary = rhythm.summary()
    try:
        stored, _ = RecordingRhythm.objects.get_or_create(
            recording=recording,
            defaults={
                "lead": rhythm.lead,
                "heart_rate_bpm": summary["heart_rate_bpm"],
                "rr_ms": summary["rr_ms"],
                "n_beats": summary["n_beats"],
                "tachogram": rhythm.tachogram(),
                "heart_rate_trend": rhythm.heart_rate_trend(),
                "r_peaks": rhythm.r_peaks.astype("<i4").tobytes(),
            },
        )
    except IntegrityError:  # the recording was deleted meanwhile
        logger.info("rhythm_dropped recording=%s reason=deleted", recording.pk)
        return None
    logger.info("rhythm_computed recording=%s bpm=%s", recording.pk, stored.heart_rate_bpm)
    return stored


def prediction_run(prediction_id: int) -> Prediction:
    """Run one prediction. Idempotent: a finished prediction is returned as it is.

    Every start counts an attempt; a prediction started MAX_ATTEMPTS times without
    finishing (its worker killed for memory, lost, or over the hard time limit) is failed
    instead of started again. Any error of the work itself fails it with a reason the user
    reads; only a database outage is raised, for the task to retry.
    """
    now = timezone.now()
    with transaction.atomic():
        prediction = (
            Prediction.objects.select_for_update(no_key=True)
            .select_related("recording", "model_version")
            .get(pk=prediction_id)
        )
        if prediction.is_finished:
            return prediction
        give_up = prediction.attempts >= settings.WAVECARDIO["MAX_ATTEMPTS"]
        if not give_up:
            prediction.status = Prediction.Status.RUNNING
            prediction.started_at = now
            prediction.error = ""
            prediction.attempts += 1
            prediction.progress = 0.0
            prediction.deadline = _running_deadline(prediction, now)
            prediction.save(
                update_fields=["status", "started_at", "error", "attempts", "progress", "deadline"]
            )
    if give_up:
        return _prediction_abandoned(prediction)
    try:
        model = get_model(prediction.model_version.card_path)
        signal = recording_signal(prediction.recording)
        result = pipeline.classify(signal, model, progress=_progress_recorder(prediction.pk))
    except (OperationalError, InterfaceError):
        raise  # the database, not the recording: the task retries, the reconciler backs it
    except Exception as exc:  # whatever the work raised, the prediction ends with the reason
        failed = _prediction_failed(prediction, _failure_text(prediction, exc))
        signals.prediction_failed.send(sender=Prediction, prediction=failed, exception=exc)
        return failed
    prediction.status = Prediction.Status.DONE
    prediction.progress = 1.0
    for name, value in result.answer_fields().items():
        setattr(prediction, name, value)
    prediction.window_table = result.window_table()
    prediction.finished_at = timezone.now()
    prediction.deadline = None
    with transaction.atomic():
        prediction.save()
        audit.record(
            Action.PREDICTION_COMPLETED,
            target=prediction,
            details={
                "recording": str(prediction.recording_id),
                "model_version": prediction.model_version.name,
                "label": result.label,
                "shadow": prediction.is_shadow,
            },
        )
        transaction.on_commit(
            lambda: signals.prediction_finished.send(sender=Prediction, prediction=prediction)
        )
    recording_rhythm(prediction.recording, signal=signal)  # once: the signal is at hand
    logger.info(
        "prediction_done id=%s label=%s total_ms=%s attempt=%s",
        prediction.pk,
        result.label,
        result.timings_ms.get("total"),
        prediction.attempts,
    )
    return prediction


PROGRESS_EVERY_S = 1.0  # a long recording's progress is stored this often, not per batch


def _progress_recorder(prediction_id: int) -> pipeline.Progress:
    """Store how far a running prediction got (for the status poll and the result page's
    progress bar), at most every PROGRESS_EVERY_S: one small UPDATE, in its own autocommit."""
    last = time.monotonic()

    def record(fraction: float) -> None:
        nonlocal last
        if time.monotonic() - last < PROGRESS_EVERY_S:
            return
        last = time.monotonic()
        Prediction.objects.filter(pk=prediction_id, status=Prediction.Status.RUNNING).update(
            progress=round(fraction, 3)
        )

    return record


def _failure_text(prediction: Prediction, exc: BaseException) -> str:
    """What the result page says about a failed prediction (no signal data, no paths)."""
    if isinstance(exc, SoftTimeLimitExceeded):
        soft_s, _ = prediction_time_limits(prediction.recording.duration_s)
        return (
            f"classification took longer than the {soft_s} s allowed for a recording of "
            f"{prediction.recording.duration_s / 60:.0f} min and was stopped"
        )
    if isinstance(exc, InvalidRecording | ModelLoadError | ValueError | Gone):
        return str(exc)
    if isinstance(exc, OSError):
        return f"the stored file could not be read ({type(exc).__name__})"
    if isinstance(exc, MemoryError):
        return "the recording needs more memory than a worker may use"
    if isinstance(exc, RuntimeError):
        return f"the model runtime failed ({exc})"
    return f"an unexpected error in the worker ({type(exc).__name__}: {exc})"


def prediction_hard_time_limit(prediction_id: int) -> Prediction | None:
    """The worker process running it was killed at the hard time limit: failed with the
    reason (the same words as the soft limit's), unless it finished meanwhile."""
    prediction = (
        Prediction.objects.select_related("recording", "model_version")
        .filter(pk=prediction_id, status=Prediction.Status.RUNNING)
        .first()
    )
    if prediction is None:
        return None
    # Counted once, from Celery's own task_failure (monitoring.receivers), not sent again.
    return _prediction_failed(prediction, _failure_text(prediction, SoftTimeLimitExceeded()))


def _prediction_abandoned(prediction: Prediction) -> Prediction:
    """Failed for good after MAX_ATTEMPTS: audited, counted (reason ``gave_up``)."""
    reason = (
        f"gave up after {prediction.attempts} attempt(s): each ended without a result "
        "(worker lost or killed for memory, time limit, or never picked up)"
    )
    failed = _prediction_failed(prediction, reason)
    signals.prediction_failed.send(
        sender=Prediction, prediction=failed, exception=PredictionAbandoned(reason)
    )
    return failed


def _prediction_failed(prediction: Prediction, reason: str) -> Prediction:
    prediction.status = Prediction.Status.FAILED
    prediction.error = reason[:2000]
    prediction.finished_at = timezone.now()
    prediction.deadline = None
    with transaction.atomic():
        prediction.save(update_fields=["status", "error", "finished_at", "deadline", "attempts"])
        PredictionOutbox.objects.filter(prediction=prediction).delete()
        audit.record(
            Action.PREDICTION_FAILED,
            target=prediction,
            outcome="failure",
            details={
                "recording": str(prediction.recording_id),
                "reason": reason[:500],
                "attempts": prediction.attempts,
            },
        )
    logger.warning("prediction_failed id=%s reason=%s", prediction.pk, reason)
    return prediction


@dataclass
class ReconcileReport:
    """What one pass of the reconciler did, by prediction id."""

    redispatched: list[int] = field(default_factory=list)  # outbox rows not delivered
    requeued: list[int] = field(default_factory=list)  # overdue, attempts left
    abandoned: list[int] = field(default_factory=list)  # overdue, no attempt left: failed

    def as_dict(self) -> dict[str, list[int]]:
        return {
            "redispatched": self.redispatched,
            "requeued": self.requeued,
            "abandoned": self.abandoned,
        }


def predictions_reconcile(*, now: dt.datetime | None = None) -> ReconcileReport:
    """Nothing stays pending or running for good. Run each minute (celery beat, or
    ``manage.py reconcile_predictions`` from cron in the embedded mode):

    - outbox rows older than OUTBOX_RETRY_AFTER_S (the broker was down when they were
      written) are sent again;
    - predictions pending or running past their deadline (a lost message, a killed worker)
      are queued again, counting an attempt, or failed with the reason once MAX_ATTEMPTS
      are spent (audited; the metric ``wavecardio_prediction_failures_total{reason="gave_up"}``).
    """
    now = now or timezone.now()
    config = settings.WAVECARDIO
    report = ReconcileReport()
    undelivered = PredictionOutbox.objects.filter(
        created_at__lte=now - dt.timedelta(seconds=config["OUTBOX_RETRY_AFTER_S"]),
        prediction__status=Prediction.Status.PENDING,
    ).select_related("prediction__recording")
    for row in undelivered:
        report.redispatched.append(row.prediction_id)
        signals.prediction_requeued.send(
            sender=Prediction, prediction=row.prediction, cause="undelivered"
        )
        signals.prediction_requested.send(sender=Prediction, prediction=row.prediction)
    overdue = (
        Prediction.objects.filter(
            status__in=[Prediction.Status.PENDING, Prediction.Status.RUNNING], deadline__lt=now
        )
        .exclude(outbox__isnull=False)
        .select_related("recording", "model_version")
        .order_by("deadline")
    )
    for candidate in overdue:
        outcome = _reconcile_overdue(candidate.pk, now)
        if outcome == "abandoned":
            report.abandoned.append(candidate.pk)
        elif outcome:
            report.requeued.append(candidate.pk)
    if report.redispatched or report.requeued or report.abandoned:
        logger.warning("predictions_reconciled %s", report.as_dict())
    return report


def _reconcile_overdue(prediction_id: int, now: dt.datetime) -> str:
    with transaction.atomic():
        prediction = (
            Prediction.objects.select_for_update(no_key=True)
            .select_related("recording", "model_version")
            .filter(
                pk=prediction_id,
                status__in=[Prediction.Status.PENDING, Prediction.Status.RUNNING],
                deadline__lt=now,
            )
            .first()
        )
        if prediction is None:  # finished or re-queued meanwhile
            return ""
        cause = f"overdue_{prediction.status}"
        if prediction.status == Prediction.Status.PENDING:
            prediction.attempts += 1  # queued and never started: counts as an attempt
        if prediction.attempts >= settings.WAVECARDIO["MAX_ATTEMPTS"]:
            give_up = True
        else:
            give_up = False
            audit.record(
                Action.PREDICTION_REQUEUED,
                target=prediction,
                details={
                    "recording": str(prediction.recording_id),
                    "cause": cause,
                    "attempts": prediction.attempts,
                },
            )
            _prediction_enqueue(prediction)
            transaction.on_commit(
                partial(
                    signals.prediction_requeued.send,
                    sender=Prediction,
                    prediction=prediction,
                    cause=cause,
                )
            )
    if give_up:
        _prediction_abandoned(prediction)
        return "abandoned"
    return cause


def recording_delete(*, actor, recording_id, request=None) -> Recording:
    """Delete the row, its predictions and the stored file; the audit event remains.

    Only the owner deletes (``classifier.access``): a reviewer reads everyone's recordings
    but removes only their own.
    """
    recording = Recording.objects.get_for(actor, recording_id, RecordingAction.DELETE)
    recording_id = str(recording.pk)
    with transaction.atomic():
        audit.record(
            Action.RECORDING_DELETED,
            actor=actor,
            request=request,
            target=recording,
            details={"filename": recording.original_filename, "sha256": recording.sha256},
        )
        recording.delete()  # the file goes once this commits (classifier.receivers)
    logger.info("recording_deleted id=%s", recording_id)
    return recording


def stored_file_delete_on_commit(recording: Recording) -> None:
    """A deleted recording's file leaves storage once the deletion commits, whoever deleted
    the row (this service, the admin, a cascade): no orphan patient data in storage."""
    if recording.file.name:
        transaction.on_commit(partial(recording_decoded_delete, recording))  # needs the name
        transaction.on_commit(partial(recording.file.storage.delete, recording.file.name))


def signals_purge(*, older_than_days: int, now: dt.datetime | None = None) -> list[Recording]:
    """Retention: remove the stored signal files of recordings uploaded more than
    ``older_than_days`` ago. Rows, predictions (label, probabilities, burden, windows) and the
    audit trail stay; each recording is marked purged (its pages say so) and audited."""
    if older_than_days < 1:
        raise InvalidInput("the retention period must be at least 1 day")
    now = now or timezone.now()
    due = Recording.objects.filter(
        uploaded_at__lt=now - dt.timedelta(days=older_than_days), signal_purged_at__isnull=True
    ).order_by("uploaded_at")
    purged = []
    for recording in due.iterator():
        with transaction.atomic():
            Recording.objects.filter(pk=recording.pk).update(signal_purged_at=now)
            recording.signal_purged_at = now
            audit.record(
                Action.RECORDING_SIGNAL_PURGED,
                target=recording,
                details={
                    "sha256": recording.sha256,
                    "uploaded_at": recording.uploaded_at.isoformat(),
                    "retention_days": older_than_days,
                },
            )
            stored_file_delete_on_commit(recording)
        purged.append(recording)
    logger.info("signals_purged count=%s older_than_days=%s", len(purged), older_than_days)
    return purged


@dataclass(frozen=True)
class FileCheck:
    recording_id: str
    problem: str  # "" when the stored bytes match the recorded sha256


def recordings_verify() -> tuple[int, list[FileCheck]]:
    """Every recording's stored file against the checksum taken at upload (after a restore,
    or on a schedule): (files checked, problems). Purged recordings have no file to check."""
    problems = []
    checked = 0
    for recording in Recording.objects.filter(signal_purged_at__isnull=True).iterator():
        checked += 1
        digest = hashlib.sha256()
        try:
            with _open_stored(recording) as handle:
                for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(chunk)
        except Gone:
            problems.append(FileCheck(str(recording.pk), "missing from storage"))
            continue
        if digest.hexdigest() != recording.sha256:
            problems.append(FileCheck(str(recording.pk), "checksum differs from the upload's"))
    return checked, problems


def user_data_export(*, username: str, out: Path) -> dict:
    """Everything stored about one user's recordings, in one zip at ``out``: ``export.json``
    (the account, each recording's metadata, predictions and over-reads) and ``files/`` (the
    original uploads still in storage). Audited; returns the manifest written."""
    try:
        user = get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as exc:
        raise InvalidInput(f"no user named {username!r}") from exc
    recordings = (
        Recording.objects.filter(owner=user)
        .prefetch_related("predictions__model_version", "predictions__overreads__reviewer")
        .order_by("uploaded_at")
    )
    manifest: dict = {
        "user": {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined,
        },
        "exported_at": timezone.now(),
        "recordings": [],
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for recording in recordings:
            entry = _export_recording(recording)
            try:
                with _open_stored(recording) as handle:
                    name = f"files/{recording.pk}{Path(str(recording.file.name)).suffix}"
                    archive.writestr(name, handle.read())
                entry["file"] = name
            except Gone as exc:
                entry["file"] = None
                entry["file_note"] = str(exc)
            manifest["recordings"].append(entry)
        archive.writestr("export.json", json.dumps(manifest, cls=DjangoJSONEncoder, indent=2))
    audit.record(
        Action.USER_DATA_EXPORTED,
        target=user,
        details={"username": username, "recordings": len(manifest["recordings"])},
    )
    return manifest


def _export_recording(recording: Recording) -> dict:
    fields = (
        "original_filename", "sha256", "size_bytes", "file_format", "sampling_rate_hz",
        "n_samples", "duration_s", "leads", "uploaded_at", "signal_purged_at", "patient_ref",
        "acquired_at", "patient_sex", "patient_birth_year",
    )  # fmt: skip
    prediction_fields = (
        "status", "label", "top_class", "confidence", "probabilities", "burden", "quality",
        "longest_arr_run_s", "decided_by", "error", "is_shadow", "created_at", "finished_at",
    )  # fmt: skip
    return {
        "id": str(recording.pk),
        **{name: getattr(recording, name) for name in fields},
        "predictions": [
            {
                "model_version": prediction.model_version.name,
                **{name: getattr(prediction, name) for name in prediction_fields},
                "windows": list(prediction.windows),
                "overreads": [
                    {
                        "reviewer": overread.reviewer.get_username(),
                        "label": overread.label,
                        "agrees": overread.agrees,
                        "comment": overread.comment,
                        "created_at": overread.created_at,
                    }
                    for overread in prediction.overreads.all()
                ],
            }
            for prediction in recording.predictions.all()
        ],
    }


def model_versions_sync(models_dir: Path | None = None) -> list[ModelVersion]:
    """Register every model card found in MODELS_DIR; activate the newest if none is active."""
    models_dir = Path(models_dir or settings.WAVECARDIO["MODELS_DIR"])
    registered: list[ModelVersion] = []
    for card_path in sorted(models_dir.glob("*.json")):
        try:
            card = read_card(card_path)
        except ModelLoadError:
            logger.warning("model_card_unreadable path=%s", card_path)
            continue
        weights = card_path.parent / card.weights_file
        if not weights.is_file() or sha256_of(weights) != card.weights_sha256:
            logger.warning("model_weights_mismatch path=%s", card_path)
            continue
        version, _ = ModelVersion.objects.update_or_create(
            name=card.version,
            defaults={"card_file": card_path.name, "sha256": card.weights_sha256},
        )
        registered.append(version)
    if registered and active_model_version() is None:
        newest = newest_card(models_dir).name
        candidates = [version for version in registered if version.card_file == newest]
        model_version_activate(version=(candidates or registered)[0], user=None)
    return registered


def model_version_activate(*, version: ModelVersion, user, request=None) -> ModelVersion:
    """Make ``version`` the one whose predictions are shown (audited)."""
    if user is not None:
        check(user, Perm.MANAGE_MODEL_VERSIONS)
    with transaction.atomic():
        previous = active_model_version()
        ModelVersion.objects.filter(is_active=True).update(is_active=False)
        version.is_active = True
        version.is_shadow = False
        version.activated_at = timezone.now()
        version.save(update_fields=["is_active", "is_shadow", "activated_at"])
        audit.record(
            Action.MODEL_VERSION_ACTIVATED,
            actor=user,
            request=request,
            target=version,
            details={"previous": previous.name if previous else None, "version": version.name},
        )
    return version


def model_version_set_shadow(*, version: ModelVersion, shadow: bool, user, request=None):
    """Run ``version`` in shadow mode: predictions stored for comparison, never shown."""
    if user is not None:
        check(user, Perm.MANAGE_MODEL_VERSIONS)
    if version.is_active and shadow:
        raise Conflict("the active model cannot also run in shadow mode")
    with transaction.atomic():
        version.is_shadow = shadow
        version.save(update_fields=["is_shadow"])
        audit.record(
            Action.MODEL_VERSION_SHADOWED,
            actor=user,
            request=request,
            target=version,
            details={"version": version.name, "shadow": shadow},
        )
    return version


def default_model_card() -> Path:
    """The active model's card; before any migration, the newest card in MODELS_DIR."""
    try:
        version = active_model_version()
    except DatabaseError:
        version = None
    return version.card_path if version else newest_card(settings.WAVECARDIO["MODELS_DIR"])


class OverReadExists(Conflict):
    """The reviewer has signed an over-read of this prediction: change it by amending."""


def _overread_target(reviewer, recording_id) -> Prediction:
    recording = Recording.objects.get_for(reviewer, recording_id, RecordingAction.OVERREAD)
    prediction = displayed_prediction(recording)
    if prediction is None or prediction.status != Prediction.Status.DONE:
        raise Conflict("only a finished prediction can be over-read")
    return prediction


def _overread_fields(prediction: Prediction, label: str, comment: str) -> dict:
    labels = overread_labels(prediction)
    if label not in labels:
        raise InvalidInput(f"label must be one of {', '.join(labels)}")
    return {"label": label, "comment": comment.strip()[:2000], "agrees": label == prediction.label}


def overread_record(
    *, reviewer, recording_id, label: str, comment: str = "", request=None
) -> OverRead:
    """The reviewer signs their reading of the shown prediction: agrees, corrects the label or
    calls it non-diagnostic (audited). One per reviewer and prediction: signing locks it, and
    a second one is refused (OverReadExists) in favour of ``overread_amend``."""
    prediction = _overread_target(reviewer, recording_id)
    fields = _overread_fields(prediction, label, comment)
    if OverRead.objects.filter(prediction=prediction, reviewer=reviewer).exists():
        raise OverReadExists(
            "you have already signed an over-read of this result; amend it, giving a reason"
        )
    try:
        with transaction.atomic():
            overread = OverRead.objects.create(prediction=prediction, reviewer=reviewer, **fields)
            audit.record(
                Action.OVERREAD_RECORDED,
                actor=reviewer,
                request=request,
                target=overread,
                details={
                    "recording": str(prediction.recording_id),
                    "model_label": prediction.label,
                    "reviewer_label": label,
                    "agrees": overread.agrees,
                    "signed": True,
                },
            )
    except IntegrityError as exc:  # a concurrent sign-off by the same reviewer won
        raise OverReadExists(
            "you have already signed an over-read of this result; amend it, giving a reason"
        ) from exc
    return overread


def overread_amend(
    *, reviewer, recording_id, label: str, comment: str = "", reason: str, request=None
) -> OverRead:
    """Change the reviewer's own signed over-read: the previous reading and the reason are kept
    as an amendment (audited). Nothing to amend is a NotFound; no reason, InvalidInput."""
    prediction = _overread_target(reviewer, recording_id)
    fields = _overread_fields(prediction, label, comment)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("an amendment needs a reason")
    with transaction.atomic():
        overread = (
            OverRead.objects.select_for_update(no_key=True)
            .filter(prediction=prediction, reviewer=reviewer)
            .first()
        )
        if overread is None:
            raise NotFound("you have not signed an over-read of this result yet: sign one first")
        if overread.label == fields["label"] and overread.comment == fields["comment"]:
            raise InvalidInput("the amendment changes neither the label nor the comment")
        amendment = OverReadAmendment.objects.create(
            overread=overread,
            amended_by=reviewer,
            previous_label=overread.label,
            previous_comment=overread.comment,
            label=fields["label"],
            comment=fields["comment"],
            reason=reason[:2000],
        )
        for name, value in fields.items():
            setattr(overread, name, value)
        overread.amended_at = amendment.created_at
        overread.save(update_fields=[*fields, "amended_at"])
        audit.record(
            Action.OVERREAD_AMENDED,
            actor=reviewer,
            request=request,
            target=overread,
            details={
                "recording": str(prediction.recording_id),
                "model_label": prediction.label,
                "previous_label": amendment.previous_label,
                "reviewer_label": amendment.label,
                "reason": amendment.reason,
            },
        )
    return overread


def signal_classify(
    *, actor, content: bytes, filename: str, sampling_rate_hz=None, model_version="", request=None
) -> tuple[EcgSignal, ClassificationResult]:
    """Classify a short signal without storing it: only the audit event and metrics remain.

    Runs in the caller's process, so it is bounded (MAX_STATELESS_SECONDS). ``model_version``
    (default: the active one) may name another version for admins and reviewers, who compare
    versions; for everyone else only the active version answers.
    """
    check(actor, Perm.UPLOAD_RECORDING)
    version = _version_for(actor, model_version)
    signal = load_signal(
        content, filename=filename, sampling_rate_hz=sampling_rate_hz, limits=signal_limits()
    )
    limit_s = settings.WAVECARDIO["MAX_STATELESS_SECONDS"]
    if signal.duration_s > limit_s:
        raise InvalidRecording(
            f"the recording lasts {signal.duration_s:.0f} s; classification without storing "
            f"takes at most {limit_s:.0f} s: upload it as a recording instead"
        )
    try:
        result = pipeline.classify(signal, get_model(version.card_path))
    except ModelLoadError as exc:
        raise Conflict(f"model {version.name} cannot be loaded: {exc}") from exc
    audit.record(
        Action.SIGNAL_CLASSIFIED,
        actor=actor,
        request=request,
        details={
            "filename": filename[:255],
            "sha256": hashlib.sha256(content).hexdigest(),
            "model_version": version.name,
            "label": result.label,
        },
    )
    signals.signal_classified.send(sender=ModelVersion, result=result)
    return signal, result


def _version_for(actor, name: str) -> ModelVersion:
    active = active_model_version()
    if not name or (active is not None and name == active.name):
        if active is None:
            raise Conflict("no model version is active: an administrator must activate one")
        return active
    if not (allowed(actor, Perm.MANAGE_MODEL_VERSIONS) or allowed(actor, Perm.OVERREAD_PREDICTION)):
        raise PermissionDenied("only admins and reviewers may choose a model version")
    return model_version_get(name)


# --- Webhooks: a URL told when a prediction finishes, instead of polling ------------------

MAX_WEBHOOKS_PER_USER = 5
WEBHOOK_ATTEMPTS = 5  # then the delivery is marked failed (see tasks.deliver_webhook)
WEBHOOK_TIMEOUT_S = 10
SIGNATURE_HEADER = "X-WaveCardio-Signature"


class WebhookDeliveryFailed(Exception):
    """One attempt failed; the task retries it with backoff."""


def webhook_create(*, owner, url: str, request=None) -> Webhook:
    """Register ``url`` for ``owner`` (audited). Only HTTPS URLs on an allowed host
    (WAVECARDIO['WEBHOOK_ALLOWED_HOSTS']); the returned webhook's ``secret`` signs every body
    and is shown to the caller once."""
    check(owner, Perm.UPLOAD_RECORDING)
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if settings.WAVECARDIO["WEBHOOK_ALLOW_HTTP"] else {"https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise InvalidInput(f"url must be an {' or '.join(sorted(allowed_schemes))} URL")
    if parts.hostname.lower() not in settings.WAVECARDIO["WEBHOOK_ALLOWED_HOSTS"]:
        raise InvalidInput(
            "url's host is not one this server may call (an administrator allows hosts with "
            "WAVECARDIO_WEBHOOK_ALLOWED_HOSTS)"
        )
    with transaction.atomic():
        if Webhook.objects.filter(owner=owner).count() >= MAX_WEBHOOKS_PER_USER:
            raise Conflict(f"at most {MAX_WEBHOOKS_PER_USER} webhooks: delete one first")
        webhook = Webhook.objects.create(owner=owner, url=url, secret=secrets.token_hex(32))
        audit.record(
            Action.WEBHOOK_CREATED, actor=owner, request=request, target=webhook,
            details={"url": url},
        )  # fmt: skip
    return webhook


def webhook_delete(*, owner, webhook_id, request=None) -> None:
    webhook = webhook_get(owner, webhook_id)
    with transaction.atomic():
        audit.record(
            Action.WEBHOOK_DELETED, actor=owner, request=request, target=webhook,
            details={"url": webhook.url},
        )  # fmt: skip
        webhook.delete()


def webhooks_notify(prediction: Prediction, event: str) -> list[WebhookDelivery]:
    """One delivery per webhook of the recording's owner for a shown prediction's ``event``
    (queued on commit). The body names the recording and the status only: clinical content
    is read through the API, where it is audited."""
    if prediction.is_shadow:
        return []
    recording = prediction.recording
    payload = {
        "event": event,
        "recording": str(recording.pk),
        "status": prediction.status,
        "detail_path": f"/api/v1/recordings/{recording.pk}/",
    }
    deliveries = [
        WebhookDelivery.objects.create(webhook=webhook, event=event, payload=payload)
        for webhook in Webhook.objects.filter(owner_id=recording.owner_id)
    ]
    for delivery in deliveries:
        transaction.on_commit(
            partial(signals.webhook_delivery_requested.send, sender=WebhookDelivery,
                    delivery=delivery)
        )  # fmt: skip
    return deliveries


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``: the receiver recomputes it
    with its secret and refuses old timestamps (replays)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def webhook_deliver(delivery_id: int) -> WebhookDelivery:
    """One attempt: POST the signed body; 2xx delivers. A failure raises
    WebhookDeliveryFailed (to be retried) until the last attempt, which marks it failed."""
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    body = json.dumps({"delivery": delivery.pk, **delivery.payload}, sort_keys=True).encode()
    timestamp = str(int(timezone.now().timestamp()))
    outgoing = urllib.request.Request(  # noqa: S310 (https, or http where allowed, checked at creation)
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "WaveCardio-Webhook/1",
            SIGNATURE_HEADER: webhook_signature(delivery.webhook.secret, timestamp, body),
        },
    )
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    try:
        with urllib.request.urlopen(outgoing, timeout=WEBHOOK_TIMEOUT_S) as answer:  # noqa: S310
            delivery.response_status = answer.status
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.error = ""
    except urllib.error.HTTPError as exc:
        delivery.response_status, delivery.error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        delivery.response_status, delivery.error = None, str(exc)[:500]
    if (
        delivery.status != WebhookDelivery.Status.DELIVERED
        and delivery.attempts >= WEBHOOK_ATTEMPTS
    ):
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    logger.info(
        "webhook_attempt delivery=%s status=%s attempts=%s response=%s",
        delivery.pk, delivery.status, delivery.attempts, delivery.response_status,
    )  # fmt: skip
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise WebhookDeliveryFailed(delivery.error)
    return delivery
