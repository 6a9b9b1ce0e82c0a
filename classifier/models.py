"""Recordings, their predictions and the model versions that made them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import Q

from classifier.access import RecordingAction, recording_filter, recording_for
from classifier.core import formats
from classifier.core.patient import SEXES
from classifier.core.signal import REFERENCE_RATE_HZ
from classifier.core.window_table import WindowTable
from classifier.core.window_table import encode as encode_windows

PATIENT_SEX_CHOICES = [(sex, sex) for sex in SEXES]


def recording_upload_path(instance: Recording, filename: str) -> str:
    """A generated name: the user's filename is kept as data, never used as a path."""
    suffix = Path(filename).suffix.lower()
    safe_suffix = suffix if suffix in formats.extensions() else ".bin"
    return f"recordings/{instance.uploaded_at:%Y/%m}/{instance.id}{safe_suffix}"


class ModelVersion(models.Model):
    """A trained model registered for serving. Its card file (``card_file`` under
    WAVECARDIO['MODELS_DIR']) is the one copy of the card: ``core.model.read_card`` reads it."""

    name = models.CharField(max_length=100, unique=True)
    card_file = models.CharField(max_length=255, help_text="model card path relative to MODELS_DIR")
    sha256 = models.CharField(max_length=64)
    is_active = models.BooleanField(default=False)
    is_shadow = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_model"
            ),
            models.CheckConstraint(
                condition=~Q(is_active=True, is_shadow=True), name="active_model_not_shadow"
            ),
        ]
        permissions = [("manage_model_versions", "Can activate and shadow model versions")]

    def __str__(self) -> str:
        return self.name

    @property
    def card_path(self) -> Path:
        return Path(settings.WAVECARDIO["MODELS_DIR"]) / self.card_file


class RecordingQuerySet(models.QuerySet["Recording"]):
    def restrict(self, user, action: RecordingAction = RecordingAction.VIEW) -> RecordingQuerySet:
        """The recordings ``user`` may act on (``classifier.access``); deny by default."""
        rows = recording_filter(user, action)
        return self.none() if rows is None else self.filter(rows)

    def get_for(
        self, user, recording_id, action: RecordingAction = RecordingAction.VIEW
    ) -> Recording:
        """One recording ``user`` may act on, else NotFound or PermissionDenied."""
        return recording_for(self, user, recording_id, action)


class Recording(models.Model):
    """An uploaded ECG: the original file (checksummed) and what validation learned of it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recordings"
    )
    original_filename = models.CharField(max_length=255)
    file = models.FileField(upload_to=recording_upload_path, max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField()
    file_format = models.CharField(max_length=8)
    sampling_rate_hz = models.FloatField(help_text="rate of the uploaded file")
    n_samples = models.PositiveBigIntegerField(help_text="samples per lead at the uploaded rate")
    duration_s = models.FloatField()
    leads = models.JSONField(default=list)
    uploaded_at = models.DateTimeField(db_index=True)
    signal_purged_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when the retention policy removed the stored file (summaries are kept)",
    )
    # The patient, when known (typed on upload or read from the file's header); the rules
    # live in classifier.core.patient.
    patient_ref = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="MRN or pseudonym"
    )
    acquired_at = models.DateTimeField(null=True, blank=True, help_text="when the ECG was taken")
    patient_sex = models.CharField(max_length=8, blank=True, choices=PATIENT_SEX_CHOICES)
    patient_birth_year = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = RecordingQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        permissions = [
            ("upload_recording", "Can upload recordings and run the model"),
            ("view_all_recordings", "Can read every user's recordings and predictions"),
            ("overread_prediction", "Can record an over-read of any prediction"),
        ]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.id})"

    @property
    def n_leads(self) -> int:
        return len(self.leads)


class RecordingRhythm(models.Model):
    """Heart rate and R-R intervals of a recording, computed once (``core.heart``) and kept:
    the summary the API reports, the tachogram and trend the result page draws, and the
    R-peaks the viewer marks (int32 sample indices at 128 Hz, little-endian)."""

    recording = models.OneToOneField(
        Recording, on_delete=models.CASCADE, primary_key=True, related_name="rhythm"
    )
    lead = models.PositiveSmallIntegerField(help_text="the lead the R-peaks were detected on")
    heart_rate_bpm = models.FloatField(null=True, blank=True)
    rr_ms = models.JSONField(default=dict, help_text="mean, min, max plausible R-R (ms)")
    n_beats = models.PositiveIntegerField(default=0)
    tachogram = models.JSONField(default=dict, help_text="t_s, rr_ms (bounded length)")
    heart_rate_trend = models.JSONField(default=dict, help_text="t_s, bpm per minute")
    r_peaks = models.BinaryField(help_text="int32 sample indices at 128 Hz")
    computed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.recording_id} {self.heart_rate_bpm} bpm"

    def peak_times_s(self, start_s: float = 0.0, end_s: float | None = None) -> list[float]:
        """Times (s) of the stored R-peaks in [start_s, end_s] (end: the recording's)."""
        peaks = np.frombuffer(bytes(self.r_peaks), dtype="<i4") / REFERENCE_RATE_HZ
        stop = np.inf if end_s is None else end_s
        return np.round(peaks[(peaks >= start_s) & (peaks <= stop)], 4).tolist()


class Prediction(models.Model):
    """The model's answer for one recording with one model version (decision support)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="predictions")
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="predictions"
    )
    is_shadow = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    label = models.CharField(max_length=16, blank=True)  # a class or "uncertain"
    top_class = models.CharField(max_length=16, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    probabilities = models.JSONField(default=dict, blank=True)
    window_table = models.BinaryField(
        default=bytes,
        blank=True,
        help_text="per-window results, compact (classifier.core.window_table); read as .windows",
    )
    timings_ms = models.JSONField(default=dict, blank=True)
    quality = models.JSONField(default=dict, blank=True, help_text="usable / poor windows")
    burden = models.JSONField(
        default=dict, blank=True, help_text="fraction of usable analysed time per window answer"
    )
    longest_arr_run_s = models.FloatField(
        null=True, blank=True, help_text="longest stretch of consecutive ARR windows (s)"
    )
    decided_by = models.CharField(
        max_length=24, blank=True, help_text="which part of the card's decision rule answered"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="times a worker started it (a crash or time limit counts)"
    )
    progress = models.FloatField(
        null=True, blank=True, help_text="fraction of the windows classified, while running"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="pending or running past this: the reconciler re-queues it or gives up",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recording", "model_version"], name="one_prediction_per_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recording_id} {self.model_version} {self.status} {self.label}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def windows(self) -> WindowTable:
        """The per-window results (lead, start_s, end_s, label, probabilities, quality) as a
        lazy sequence of dicts: ``len()`` reads only the header, a slice only its rows."""
        return WindowTable(self.window_table)

    @windows.setter
    def windows(self, windows: Iterable[Mapping] | WindowTable) -> None:
        self.window_table = (
            windows.to_bytes() if isinstance(windows, WindowTable) else encode_windows(windows)
        )


class OverRead(models.Model):
    """A reviewer's signed reading of a prediction: one per reviewer and prediction.

    Signing locks it: later changes are ``OverReadAmendment`` rows (with a reason), and the
    fields here always hold the current reading.
    """

    NON_DIAGNOSTIC = "non-diagnostic"  # the reviewer cannot read it: no rhythm class

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="overreads")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="overreads"
    )
    agrees = models.BooleanField()
    label = models.CharField(max_length=16, help_text="the reviewer's label or non-diagnostic")
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, help_text="when it was signed")
    amended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["prediction", "reviewer"], name="one_overread_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {'agrees' if self.agrees else 'reads ' + self.label}"

    @property
    def signed_at(self):
        return self.created_at


class OverReadAmendment(models.Model):
    """One change to a signed over-read: what it said before, what it says now, and why."""

    overread = models.ForeignKey(OverRead, on_delete=models.CASCADE, related_name="amendments")
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    previous_label = models.CharField(max_length=16)
    previous_comment = models.TextField(blank=True, max_length=2000)
    label = models.CharField(max_length=16)
    comment = models.TextField(blank=True, max_length=2000)
    reason = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason")]

    def __str__(self) -> str:
        return f"{self.overread_id}: {self.previous_label} -> {self.label}"


class PredictionOutbox(models.Model):
    """A prediction to hand to the broker: written in the transaction that requests it,
    deleted once the broker took the task. What is left here was not delivered (broker
    down): the reconciler sends it again (``classifier.services.predictions_reconcile``)."""

    prediction = models.OneToOneField(Prediction, on_delete=models.CASCADE, related_name="outbox")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0, help_text="failed deliveries")
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"outbox {self.prediction_id} ({self.attempts} failed deliveries)"


class IdempotentRequest(models.Model):
    """A POST sent with an ``Idempotency-Key``: retried with the same key and body, the API
    answers the stored response instead of doing the work again (classifier.api.idempotency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=128)
    path = models.CharField(max_length=255)
    body_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    location = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "path"], name="one_response_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key} {self.path}"


class Webhook(models.Model):
    """An integrator's HTTPS endpoint, told (HMAC-signed, no clinical content) when a
    prediction of its owner's recordings finishes or fails (classifier.services.webhook_*)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64, help_text="HMAC-SHA256 key, shown once")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.url}"


class WebhookDelivery(models.Model):
    """One notification to one webhook, with its attempts: the delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event} {self.status}"
