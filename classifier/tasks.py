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


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def compute_rhythm(recording_id: str) -> bool:
    return services.recording_rhythm_compute(recording_id) is not None


@receiver(signals.rhythm_requested, dispatch_uid="tasks_queue_rhythm")
def queue_rhythm(sender, recording, **kwargs) -> None:
    """A recording stored before heart rates were computed gets its own once, off the web
    process (in-process in the embedded mode)."""
    compute_rhythm.delay(str(recording.pk))


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
