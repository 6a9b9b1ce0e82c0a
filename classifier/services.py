"""State changes: uploads, predictions, deletions, model versions. Views and tasks call these."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.permissions import allowed, check
from accounts.roles import Perm
from audit import services as audit
from audit.services import Action
from classifier import signals
from classifier.access import RecordingAction
from classifier.core import pipeline
from classifier.core.errors import Conflict, InvalidInput, PermissionDenied
from classifier.core.model import (
    ModelLoadError,
    get_model,
    newest_card,
    read_card,
    sha256_of,
)
from classifier.core.pipeline import ClassificationResult
from classifier.core.signal import EcgSignal, InvalidRecording, SignalLimits, load_signal, too_large
from classifier.models import (
    ModelVersion,
    OverRead,
    Prediction,
    Recording,
    Webhook,
    WebhookDelivery,
)
from classifier.selectors import (
    active_model_version,
    displayed_prediction,
    model_version_get,
    recording_get,
    shadow_model_versions,
    webhook_get,
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
            transaction.on_commit(
                partial(signals.prediction_requested.send, sender=Prediction, prediction=prediction)
            )
    return predictions


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
