import os

from django.apps import AppConfig


def _task_failed(sender=None, exception=None, **kwargs) -> None:
    """A prediction task that raised (after its retries): the service could not record it."""
    from monitoring import metrics

    if getattr(sender, "name", "") == "classifier.tasks.predict_recording":
        metrics.prediction_failures_total.labels(reason=metrics.failure_reason(exception)).inc()


def _worker_process_exited(**kwargs) -> None:
    """Prefork Celery children: forget this process's live gauges (like gunicorn's child_exit)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Metrics and health checks"

    def ready(self) -> None:
        from celery.signals import task_failure, worker_process_shutdown

        from monitoring import checks  # noqa: F401  (registers the system checks)

        task_failure.connect(_task_failed, dispatch_uid="monitoring_task_failure")
        worker_process_shutdown.connect(
            _worker_process_exited, dispatch_uid="monitoring_worker_process_shutdown"
        )
