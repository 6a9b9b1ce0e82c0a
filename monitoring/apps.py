import os

from django.apps import AppConfig


def _worker_process_exited(**kwargs) -> None:
    """Prefork Celery children: forget this process's live gauges (like gunicorn's child_exit)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


def _create_label_series() -> None:
    """Pre-create a series per answer of the newest shipped model (its card lists them);
    without a readable card, series appear with the first prediction."""
    from classifier.selectors import shipped_classes
    from monitoring import metrics

    metrics.create_label_series(shipped_classes())


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Metrics and health checks"

    def ready(self) -> None:
        from celery.signals import worker_process_shutdown

        from monitoring import (
            checks,  # noqa: F401  (registers the system checks)
            receivers,  # noqa: F401  (domain and auth events -> metrics)
        )

        worker_process_shutdown.connect(
            _worker_process_exited, dispatch_uid="monitoring_worker_process_shutdown"
        )
        _create_label_series()
