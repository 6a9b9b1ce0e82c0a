"""Celery tasks: thin wrappers over services."""

from celery import shared_task
from django.db import OperationalError

from classifier import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def predict_recording(prediction_id: int) -> str:
    return services.prediction_run(prediction_id).status
