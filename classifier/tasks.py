"""Celery tasks: thin wrappers over services."""

import logging
import threading

from celery import shared_task
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_failure, worker_process_init
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections
from django.dispatch import receiver

from classifier import services, signals
from classifier.core.model import ModelLoadError, get_model

logger = logging.getLogger(__name__)


# A database restart takes tens of seconds: 5, 10, 20, 40, 60, 60 s between tries (no
# jitter, so the wait is what it says) rides it out; the reconciler catches anything longer.
@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=6,
)
def predict_recording(prediction_id: int) -> str:
    return services.prediction_run(prediction_id).status


@shared_task
def reconcile_predictions() -> dict[str, list[int]]:
    """Each minute under celery beat (settings.CELERY_BEAT_SCHEDULE)."""
    return services.predictions_reconcile().as_dict()


def dispatch(prediction) -> None:
    """Hand one prediction to the broker with time limits sized from its recording.

    The broker being down is no error for the caller: the outbox row stays and the
    reconciler sends it again (``services.predictions_reconcile``).
    """
    soft_s, hard_s = services.prediction_time_limits(prediction.recording.duration_s)
    try:
        predict_recording.apply_async(
            (prediction.pk,), soft_time_limit=soft_s, time_limit=hard_s, retry=True
        )
    except Exception as exc:  # kombu and redis raise their own errors when the broker is down
        services.prediction_dispatch_failed(prediction.pk, exc)
        return
    services.prediction_dispatched(prediction.pk)


def _classify_in_background(prediction) -> None:
    """Embedded mode only: a long recording is classified in a thread, so the page that
    uploaded it answers at once and shows the progress (pending, running, done)."""

    def run() -> None:
        try:
            dispatch(prediction)
        finally:
            close_old_connections()

    threading.Thread(target=run, name=f"prediction-{prediction.pk}", daemon=True).start()


@receiver(signals.prediction_requested, dispatch_uid="tasks_queue_prediction")
def queue_prediction(sender, prediction, **kwargs) -> None:
    """A committed, requested prediction goes to the queue (in-process in the embedded mode;
    there, recordings over EAGER_MAX_SECONDS go to a background thread)."""
    eager = predict_recording.app.conf.task_always_eager
    if eager and prediction.recording.duration_s > settings.WAVECARDIO["EAGER_MAX_SECONDS"]:
        _classify_in_background(prediction)
        return
    dispatch(prediction)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def compute_rhythm(recording_id: str) -> bool:
    return services.recording_rhythm_compute(recording_id) is not None


@receiver(signals.rhythm_requested, dispatch_uid="tasks_queue_rhythm")
def queue_rhythm(sender, recording, **kwargs) -> None:
    """A recording stored before heart rates were computed gets its own once, off the web
    process (in-process in the embedded mode)."""
    compute_rhythm.delay(str(recording.pk))


@task_failure.connect(dispatch_uid="tasks_prediction_hard_time_limit")
def fail_on_hard_time_limit(sender=None, exception=None, args=None, **kwargs) -> None:
    """A prediction whose process was killed at its hard time limit (the soft limit could not
    interrupt it) is failed now with the reason, rather than tried again by the reconciler."""
    if getattr(sender, "name", "") != predict_recording.name:
        return
    if isinstance(exception, TimeLimitExceeded) and args:
        services.prediction_hard_time_limit(args[0])


@shared_task(
    autoretry_for=(services.WebhookDeliveryFailed,),
    retry_backoff=30,  # 30 s, 60 s, 120 s, 240 s between the attempts
    retry_backoff_max=3600,
    retry_jitter=False,
    max_retries=services.WEBHOOK_ATTEMPTS - 1,
)
def deliver_webhook(delivery_id: int) -> str:
    return services.webhook_deliver(delivery_id).status


@receiver(signals.webhook_delivery_requested, dispatch_uid="tasks_queue_webhook")
def queue_webhook(sender, delivery, **kwargs) -> None:
    deliver_webhook.delay(delivery.pk)


@receiver(signals.prediction_finished, dispatch_uid="tasks_webhooks_finished")
def notify_finished(sender, prediction, **kwargs) -> None:
    services.webhooks_notify(prediction, "prediction.finished")


@receiver(signals.prediction_failed, dispatch_uid="tasks_webhooks_failed")
def notify_failed(sender, prediction, **kwargs) -> None:
    services.webhooks_notify(prediction, "prediction.failed")


@worker_process_init.connect
def load_active_model(**kwargs) -> None:
    """Each worker process loads and warms the active model before its first task, so no
    prediction pays for it. A failure is logged; the tasks then report it per prediction."""
    try:
        model = get_model(services.default_model_card())
    except (ModelLoadError, OSError, OperationalError) as exc:
        logger.warning("model_preload_failed error=%s", exc)
        return
    logger.info("model_preloaded version=%s runtime=%s", model.version, model.runtime)
