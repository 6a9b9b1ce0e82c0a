"""State changes: uploads, predictions, deletions, model versions. Views and tasks call these."""

from __future__ import annotations

import hashlib
import logging
from functools import partial
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from accounts.permissions import allowed, check
from accounts.roles import Perm
from audit import services as audit
from audit.services import Action
from classifier import signals
from classifier.access import RecordingAction
from classifier.core import pipeline, report, rhythm
from classifier.core.card import UNCERTAIN
from classifier.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from classifier.core.model import (
    ModelLoadError,
    get_model,
    newest_card,
    read_card,
    sha256_of,
)
from classifier.core.patient import PatientDetails, patient_ref_clean
from classifier.core.pipeline import ClassificationResult
from classifier.core.signal import EcgSignal, InvalidRecording, SignalLimits, load_signal, too_large
from classifier.models import ModelVersion, OverRead, OverReadAmendment, Prediction, Recording
from classifier.selectors import (
    active_model_version,
    displayed_prediction,
    model_version_get,
    overread_labels,
    overreads_of,
    patient_recordings,
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


def recording_create(
    *,
    owner,
    upload,
    sampling_rate_hz: float | None = None,
    patient: PatientDetails | None = None,
    request=None,
):
    """Validate, store (file + row in one transaction), audit and queue the prediction.

    ``patient``: what is known of the patient, typed by the uploader or read from the file's
    header (``classifier.core.patient.patient_details`` validates either).
    Raises InvalidRecording (nothing stored) for bad input, PermissionDenied without the role.
    """
    check(owner, Perm.UPLOAD_RECORDING)
    patient = patient or PatientDetails()
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
    recording = Recording(
        owner=owner,
        original_filename=filename,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        file_format=signal.format,
        sampling_rate_hz=signal.original_sampling_rate_hz,
        n_samples=round(signal.duration_s * signal.original_sampling_rate_hz),
        duration_s=signal.duration_s,
        leads=list(signal.lead_names),
        uploaded_at=timezone.now(),
        **patient.fields(),
    )
    recording.file.save(filename, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            recording.save()
            audit.record(
                Action.RECORDING_UPLOADED,
                actor=owner,
                request=request,
                target=recording,
                details={
                    "filename": filename,
                    "sha256": recording.sha256,
                    "size": len(content),
                    "patient_ref": recording.patient_ref,
                },
            )
            transaction.on_commit(
                partial(signals.recording_stored.send, sender=Recording, recording=recording)
            )
            prediction_request(recording=recording, actor=owner, request=request)
    except Exception:
        recording.file.delete(save=False)  # no orphan file without its row
        raise
    return recording


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
            transaction.on_commit(
                partial(signals.prediction_requested.send, sender=Prediction, prediction=prediction)
            )
    return predictions


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
    """The recording and its stored original file, opened for a download (audited)."""
    recording = Recording.objects.get_for(actor, recording_id, RecordingAction.DOWNLOAD)
    audit.record(Action.RECORDING_DOWNLOADED, actor=actor, request=request, target=recording)
    return recording, recording.file.open("rb")


HEART_RATE_SPAN_S = 300.0  # the report's heart rate: R-peaks of the first lead's first 5 min


def recording_report(*, actor, recording_id, request=None) -> tuple[Recording, bytes]:
    """The one-page PDF report of a recording (``classifier.core.report``), audited."""
    recording = Recording.objects.get_for(actor, recording_id, RecordingAction.DOWNLOAD)
    prediction = displayed_prediction(recording)
    signal = recording_signal(recording)
    lead = signal.samples[0]
    fs = signal.sampling_rate_hz
    peaks = rhythm.r_peaks(lead[: int(HEART_RATE_SPAN_S * fs)], fs)
    rr_s = np.diff(peaks) / fs
    heart_rate = float(60.0 / np.mean(rr_s)) if rr_s.size >= 2 else None
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
    """Re-read the stored original file (the stored bytes are the source of truth)."""
    with recording.file.open("rb") as handle:
        content = handle.read()
    limits = SignalLimits(max_size_bytes=max(len(content), 1))
    return load_signal(
        content,
        filename=recording.original_filename,
        sampling_rate_hz=recording.sampling_rate_hz,
        limits=limits,
    )


def prediction_run(prediction_id: int) -> Prediction:
    """Run one prediction. Idempotent: a finished prediction is returned as it is."""
    with transaction.atomic():
        prediction = (
            Prediction.objects.select_for_update()
            .select_related("recording", "model_version")
            .get(pk=prediction_id)
        )
        if prediction.status == Prediction.Status.DONE:
            return prediction
        prediction.status = Prediction.Status.RUNNING
        prediction.started_at = timezone.now()
        prediction.error = ""
        prediction.save(update_fields=["status", "started_at", "error"])
    try:
        model = get_model(prediction.model_version.card_path)
        result = pipeline.classify(recording_signal(prediction.recording), model)
    except (InvalidRecording, ModelLoadError, ValueError, OSError) as exc:
        failed = _prediction_failed(prediction, str(exc))
        signals.prediction_failed.send(sender=Prediction, prediction=failed, exception=exc)
        return failed
    prediction.status = Prediction.Status.DONE
    for name, value in result.answer_fields().items():
        setattr(prediction, name, value)
    prediction.windows = result.window_fields()
    prediction.finished_at = timezone.now()
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
    logger.info(
        "prediction_done id=%s label=%s total_ms=%s",
        prediction.pk,
        result.label,
        result.timings_ms.get("total"),
    )
    return prediction


def _prediction_failed(prediction: Prediction, reason: str) -> Prediction:
    prediction.status = Prediction.Status.FAILED
    prediction.error = reason[:2000]
    prediction.finished_at = timezone.now()
    with transaction.atomic():
        prediction.save(update_fields=["status", "error", "finished_at"])
        audit.record(
            Action.PREDICTION_FAILED,
            target=prediction,
            outcome="failure",
            details={"recording": str(prediction.recording_id), "reason": reason[:500]},
        )
    logger.warning("prediction_failed id=%s reason=%s", prediction.pk, reason)
    return prediction


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
            OverRead.objects.select_for_update()
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
