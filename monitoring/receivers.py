"""Metrics from events: the classifier's domain signals, Django's and allauth's sign-in
signals, and Celery's task failures. The apps that send them know nothing of monitoring."""

from __future__ import annotations

from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import task_failure
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from classifier.core.card import ModelLoadError
from classifier.core.errors import Gone, PredictionAbandoned
from classifier.core.signal import InvalidRecording
from classifier.signals import (
    prediction_failed,
    prediction_finished,
    prediction_requeued,
    recording_stored,
    signal_classified,
)
from monitoring import metrics


def failure_reason(exc: BaseException | None) -> str:
    """A short, bounded label value for why a prediction failed."""
    if isinstance(exc, PredictionAbandoned):
        return "gave_up"
    if isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded):
        return "time_limit"
    if isinstance(exc, InvalidRecording):
        return "invalid_recording"
    if isinstance(exc, ModelLoadError):
        return "model_unavailable"
    if isinstance(exc, ValueError):
        return "unclassifiable_signal"
    if isinstance(exc, OSError | Gone):
        return "storage_error"
    return "worker_error"


@receiver(recording_stored, dispatch_uid="metrics_recording_stored")
def on_recording_stored(sender, recording, **kwargs) -> None:
    metrics.uploads_total.inc()


@receiver(prediction_finished, dispatch_uid="metrics_prediction_finished")
def on_prediction_finished(sender, prediction, **kwargs) -> None:
    metrics.observe_prediction(prediction)


@receiver(signal_classified, dispatch_uid="metrics_signal_classified")
def on_signal_classified(sender, result, **kwargs) -> None:
    metrics.observe_result(result.label, result.confidence, result.timings_ms)


@receiver(prediction_failed, dispatch_uid="metrics_prediction_failed")
def on_prediction_failed(sender, prediction, exception=None, **kwargs) -> None:
    metrics.prediction_failures_total.labels(reason=failure_reason(exception)).inc()


@receiver(prediction_requeued, dispatch_uid="metrics_prediction_requeued")
def on_prediction_requeued(sender, prediction, cause="", **kwargs) -> None:
    metrics.predictions_requeued_total.labels(cause=cause).inc()


@task_failure.connect(dispatch_uid="metrics_task_failure")  # a Celery signal, not Django's
def on_task_failed(sender=None, exception=None, **kwargs) -> None:
    """A prediction task that raised (after its retries): the service could not record it."""
    if getattr(sender, "name", "") == "classifier.tasks.predict_recording":
        metrics.prediction_failures_total.labels(reason=failure_reason(exception)).inc()


@receiver(user_logged_in, dispatch_uid="metrics_user_logged_in")
def on_logged_in(sender, **kwargs) -> None:
    metrics.logins_total.labels(outcome="success").inc()


@receiver(user_login_failed, dispatch_uid="metrics_user_login_failed")
def on_login_failed(sender, request=None, **kwargs) -> None:
    locked_out = bool(getattr(request, "axes_locked_out", False))  # django-axes sets this
    metrics.logins_total.labels(outcome="locked_out" if locked_out else "failure").inc()


@receiver(mfa_authentication_failed, dispatch_uid="metrics_mfa_authentication_failed")
def on_second_factor_failed(sender, **kwargs) -> None:
    metrics.logins_total.labels(outcome="failure").inc()
