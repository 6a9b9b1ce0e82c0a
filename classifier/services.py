"""State changes: uploads, predictions, deletions, model versions. Views and tasks call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.permissions import allowed, check
from accounts.roles import Perm
from audit import services as audit
from audit.services import Action
from classifier import signals
from classifier.access import RecordingAction
from classifier.core import heart, pipeline
from classifier.core.errors import Conflict, InvalidInput, PermissionDenied, PredictionAbandoned
from classifier.core.model import (
    ModelLoadError,
    get_model,
    newest_card,
    read_card,
    sha256_of,
)
from classifier.core.pipeline import ClassificationResult
from classifier.core.signal import (
    REFERENCE_RATE_HZ,
    EcgSignal,
    InvalidRecording,
    SignalLimits,
    load_signal,
    too_large,
)
from classifier.models import (
    ModelVersion,
    OverRead,
    Prediction,
    PredictionOutbox,
    Recording,
    RecordingRhythm,
)
from classifier.selectors import (
    active_model_version,
    displayed_prediction,
    model_version_get,
    recording_get,
    shadow_model_versions,
)

logger = logging.getLogger(__name__)


def signal_limits() -> SignalLimits:
    return SignalLimits(max_size_bytes=settings.WAVECARDIO["MAX_UPLOAD_BYTES"])


_MULTIPART_OVERHEAD_BYTES = 64 * 1024  # form fields and boundaries around the file


def check_request_size(content_length: str | int | None) -> None:
    """Refuse an upload from its Content-Length, before any of the body is read or spooled."""
    limit = signal_limits().max_size_bytes
    try:
        size = int(content_length or 0)
    except ValueError:
        return
    if size > limit + _MULTIPART_OVERHEAD_BYTES:
        raise too_large(size, limit)


def read_upload(upload, *, limits: SignalLimits) -> bytes:
    """The upload's bytes, refusing oversize files before reading them into memory."""
    size = getattr(upload, "size", None)
    if size is not None and size > limits.max_size_bytes:
        raise too_large(size, limits.max_size_bytes)
    upload.seek(0)
    return upload.read(limits.max_size_bytes + 1)


@dataclass(frozen=True)
class UploadOutcome:
    """What an upload led to: a new recording, or (``duplicate``) the owner's existing
    recording of the very same file, offered instead of storing and classifying it again."""

    recording: Recording
    duplicate: bool


def recording_create(*, owner, upload, sampling_rate_hz: float | None = None, request=None):
    """The recording for ``upload``: a new one, or the owner's existing one of the same file
    (``recording_upload``; use that to know which)."""
    return recording_upload(
        owner=owner, upload=upload, sampling_rate_hz=sampling_rate_hz, request=request
    ).recording


def recording_upload(
    *, owner, upload, sampling_rate_hz: float | None = None, request=None
) -> UploadOutcome:
    """Validate, store (file + row in one transaction), audit and queue the prediction.

    The same file (same sha256, read at the same sampling rate) uploaded again by the same
    owner is not stored twice: the existing recording is returned with ``duplicate=True``
    (audited as ``upload_duplicate``) and no second inference is run, unless its prediction
    had failed, which is then retried. Raises InvalidRecording (nothing stored) for bad
    input, PermissionDenied without the role.
    """
    check(owner, Perm.UPLOAD_RECORDING)
    filename = Path(getattr(upload, "name", "") or "upload").name[:255]
    limits = signal_limits()
    try:
        content = read_upload(upload, limits=limits)
        signal = load_signal(
            content, filename=filename, sampling_rate_hz=sampling_rate_hz, limits=limits
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
    sha256 = hashlib.sha256(content).hexdigest()
    existing = _same_upload(owner, sha256, signal.original_sampling_rate_hz)
    if existing is not None:
        return _duplicate_offered(existing, owner=owner, filename=filename, request=request)
    recording = Recording(
        owner=owner,
        original_filename=filename,
        sha256=sha256,
        size_bytes=len(content),
        file_format=signal.format,
        sampling_rate_hz=signal.original_sampling_rate_hz,
        n_samples=round(signal.duration_s * signal.original_sampling_rate_hz),
        duration_s=signal.duration_s,
        leads=list(signal.lead_names),
        uploaded_at=timezone.now(),
    )
    recording.file.save(filename, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            # One upload per owner at a time decides "new or duplicate" (row lock on the owner).
            get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
            existing = _same_upload(owner, sha256, signal.original_sampling_rate_hz)
            if existing is None:
                recording.save()
                audit.record(
                    Action.RECORDING_UPLOADED,
                    actor=owner,
                    request=request,
                    target=recording,
                    details={"filename": filename, "sha256": sha256, "size": len(content)},
                )
                transaction.on_commit(
                    partial(signals.recording_stored.send, sender=Recording, recording=recording)
                )
                prediction_request(recording=recording, actor=owner, request=request)
    except Exception:
        recording.file.delete(save=False)  # no orphan file without its row
        raise
    if existing is not None:  # a concurrent upload of the same file stored it first
        recording.file.delete(save=False)
        return _duplicate_offered(existing, owner=owner, filename=filename, request=request)
    return UploadOutcome(recording, duplicate=False)


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


def recording_file_open(*, actor, recording_id, request=None) -> tuple[Recording, File]:
    """The recording and its stored original file, opened for a download (audited)."""
    recording = Recording.objects.get_for(actor, recording_id, RecordingAction.DOWNLOAD)
    audit.record(Action.RECORDING_DOWNLOADED, actor=actor, request=request, target=recording)
    return recording, recording.file.open("rb")


def recording_signal(recording: Recording) -> EcgSignal:
    """The recording's validated signal: its decoded copy, memory-mapped, when one is
    stored; else the stored original file parsed (the stored bytes are the source of
    truth), leaving a decoded copy beside it so no later read parses it again."""
    decoded = _decoded_signal(recording)
    if decoded is not None:
        return decoded
    with recording.file.open("rb") as handle:
        content = handle.read()
    limits = SignalLimits(max_size_bytes=max(len(content), 1))
    signal = load_signal(
        content,
        filename=recording.original_filename,
        sampling_rate_hz=recording.sampling_rate_hz,
        limits=limits,
    )
    _decoded_store(recording, signal)
    return signal


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
            np.save(scratch, np.ascontiguousarray(signal.samples), allow_pickle=False)
            scratch.seek(0)
            saved = storage.save(name, File(scratch, name=name))
        if saved != name:  # another process stored it meanwhile
            storage.delete(saved)
    except OSError:
        logger.warning("decoded_copy_not_stored recording=%s", recording.pk, exc_info=True)


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
            Prediction.objects.select_for_update()
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
            prediction.deadline = _running_deadline(prediction, now)
            prediction.save(update_fields=["status", "started_at", "error", "attempts", "deadline"])
    if give_up:
        return _prediction_abandoned(prediction)
    try:
        model = get_model(prediction.model_version.card_path)
        signal = recording_signal(prediction.recording)
        result = pipeline.classify(signal, model)
    except (OperationalError, InterfaceError):
        raise  # the database, not the recording: the task retries, the reconciler backs it
    except Exception as exc:  # whatever the work raised, the prediction ends with the reason
        failed = _prediction_failed(prediction, _failure_text(prediction, exc))
        signals.prediction_failed.send(sender=Prediction, prediction=failed, exception=exc)
        return failed
    prediction.status = Prediction.Status.DONE
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


def _failure_text(prediction: Prediction, exc: BaseException) -> str:
    """What the result page says about a failed prediction (no signal data, no paths)."""
    if isinstance(exc, SoftTimeLimitExceeded):
        soft_s, _ = prediction_time_limits(prediction.recording.duration_s)
        return (
            f"classification took longer than the {soft_s} s allowed for a recording of "
            f"{prediction.recording.duration_s / 60:.0f} min and was stopped"
        )
    if isinstance(exc, InvalidRecording | ModelLoadError | ValueError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "the stored file of this recording is missing from storage"
    if isinstance(exc, OSError):
        return f"the stored file could not be read ({type(exc).__name__})"
    if isinstance(exc, MemoryError):
        return "the recording needs more memory than a worker may use"
    if isinstance(exc, RuntimeError):
        return f"the model runtime failed ({exc})"
    return f"an unexpected error in the worker ({type(exc).__name__}: {exc})"


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
            Prediction.objects.select_for_update()
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
    stored = recording.file
    recording_id = str(recording.pk)
    with transaction.atomic():
        audit.record(
            Action.RECORDING_DELETED,
            actor=actor,
            request=request,
            target=recording,
            details={"filename": recording.original_filename, "sha256": recording.sha256},
        )
        recording.delete()
        transaction.on_commit(partial(recording_decoded_delete, recording))  # needs the name
        transaction.on_commit(partial(stored.delete, save=False))
    logger.info("recording_deleted id=%s", recording_id)
    return recording


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


def overread_record(
    *, reviewer, recording_id, label: str, comment: str = "", request=None
) -> OverRead:
    """A reviewer agrees with the shown prediction or corrects its label (audited)."""
    recording = Recording.objects.get_for(reviewer, recording_id, RecordingAction.OVERREAD)
    prediction = displayed_prediction(recording)
    if prediction is None or prediction.status != Prediction.Status.DONE:
        raise Conflict("only a finished prediction can be over-read")
    classes = list(prediction.probabilities or {})  # the answering model's classes, in order
    if label not in classes:
        raise InvalidInput(f"label must be one of {', '.join(classes)}")
    with transaction.atomic():
        overread = OverRead.objects.create(
            prediction=prediction,
            reviewer=reviewer,
            agrees=label == prediction.label,
            label=label,
            comment=comment.strip()[:2000],
        )
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
