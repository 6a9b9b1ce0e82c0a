"""Celery tasks: thin wrappers over services."""

import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.db import OperationalError
from django.dispatch import receiver

from classifier import services, signals
from classifier.core.model import ModelLoadError, get_model

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def predict_recording(prediction_id: int) -> str:
    return services.prediction_run(prediction_id).status


@receiver(signals.prediction_requested, dispatch_uid="tasks_queue_prediction")
def queue_prediction(sender, prediction, **kwargs) -> None:
    """A committed, requested prediction goes to the queue (in-process in the embedded mode)."""
    predict_recording.delay(prediction.pk)


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
