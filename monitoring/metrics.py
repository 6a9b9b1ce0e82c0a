"""WaveCardio's Prometheus metrics (prometheus-client), defined once for every process.

Web workers (gunicorn) and Celery workers each update their own copy; with
``PROMETHEUS_MULTIPROC_DIR`` set (before the first import of prometheus_client) the values
go to files in that directory and ``/metrics`` sums them over every process
(``monitoring.views``). Values that describe the database rather than a process (the active
model, the prediction backlog) are computed at scrape time by ``DatabaseCollector``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

from classifier.core.card import UNCERTAIN

logger = logging.getLogger(__name__)

STAGES = ("load", "cwt", "model", "total")
LOGIN_OUTCOMES = ("success", "failure", "locked_out")
FAILURE_REASONS = (
    "invalid_recording", "model_unavailable", "unclassifiable_signal", "storage_error",
    "worker_error", "time_limit", "gave_up",
)  # fmt: skip
REQUEUE_CAUSES = ("undelivered", "overdue_pending", "overdue_running")

uploads_total = Counter(
    "wavecardio_uploads_total", "Recordings accepted and stored (rejected uploads excluded)."
)
predictions_total = Counter(
    "wavecardio_predictions_total",
    "Predictions completed by the active model, by the answer shown (shadow models excluded).",
    ["label"],
)
prediction_failures_total = Counter(
    "wavecardio_prediction_failures_total",
    "Predictions that ended failed, by reason.",
    ["reason"],
)
inference_seconds = Histogram(
    "wavecardio_inference_seconds",
    "Time of one prediction by stage: load = getting the model and reading the stored "
    "recording, cwt = scalograms, model = network, total = cwt + model + aggregation.",
    ["stage"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
model_confidence = Histogram(
    "wavecardio_model_confidence",
    "Top class probability of completed predictions by the active model.",
    buckets=(0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)
logins_total = Counter("wavecardio_logins_total", "Login attempts by outcome.", ["outcome"])
predictions_requeued_total = Counter(
    "wavecardio_predictions_requeued_total",
    "Predictions the reconciler sent to the queue again, by cause: undelivered = the broker "
    "was down when requested (outbox), overdue_pending = queued but never started in time, "
    "overdue_running = started but its worker vanished or overran.",
    ["cause"],
)

for _stage in STAGES:
    inference_seconds.labels(stage=_stage)
for _outcome in LOGIN_OUTCOMES:
    logins_total.labels(outcome=_outcome)
for _reason in FAILURE_REASONS:
    prediction_failures_total.labels(reason=_reason)
for _cause in REQUEUE_CAUSES:
    predictions_requeued_total.labels(cause=_cause)


def create_label_series(classes: tuple[str, ...]) -> None:
    """Every answer's series exists from the start (so rate() and absent() work): the
    model's classes, read from its card by the caller, and ``uncertain``."""
    for label in (*classes, UNCERTAIN):
        predictions_total.labels(label=label)


def observe_prediction(prediction) -> None:
    """Record a completed ``classifier.models.Prediction`` (its label, confidence, timings)."""
    timings_ms = prediction.timings_ms or {}
    if prediction.started_at and prediction.finished_at and "total" in timings_ms:
        wall_s = (prediction.finished_at - prediction.started_at).total_seconds()
        inference_seconds.labels(stage="load").observe(max(wall_s - timings_ms["total"] / 1e3, 0))
    if prediction.is_shadow:
        _observe_timings(timings_ms)
        return
    observe_result(prediction.label, prediction.confidence, timings_ms)


def observe_result(label: str, confidence: float | None, timings_ms: dict) -> None:
    """One answer shown to a user: its label, confidence and stage timings."""
    _observe_timings(timings_ms)
    predictions_total.labels(label=label).inc()
    if confidence is not None:
        model_confidence.observe(confidence)


def _observe_timings(timings_ms: dict) -> None:
    for stage in ("cwt", "model", "total"):
        if stage in timings_ms:
            inference_seconds.labels(stage=stage).observe(timings_ms[stage] / 1e3)


class DatabaseCollector:
    """Scrape-time gauges read from the database (one query each, cheap indexes)."""

    def collect(self) -> Iterator[Metric]:
        from django.db import DatabaseError
        from django.db.models import Count, Min
        from django.utils import timezone

        from classifier.models import ModelVersion, Prediction, PredictionOutbox

        backlog = (Prediction.Status.PENDING, Prediction.Status.RUNNING)
        up = GaugeMetricFamily(
            "wavecardio_metrics_database_up",
            "1 if the database could be read for this scrape's database-derived metrics.",
        )
        try:
            active = list(
                ModelVersion.objects.filter(is_active=True).values_list("name", flat=True)
            )
            counts = dict(
                Prediction.objects.filter(status__in=backlog)
                .order_by()
                .values("status")
                .annotate(n=Count("id"))
                .values_list("status", "n")
            )
            now = timezone.now()
            overdue = Prediction.objects.filter(status__in=backlog, deadline__lt=now).count()
            outbox = PredictionOutbox.objects.aggregate(n=Count("id"), oldest=Min("created_at"))
        except DatabaseError:
            logger.warning("metrics_database_unavailable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        info = GaugeMetricFamily(
            "wavecardio_active_model_info",
            "The model version whose predictions are shown (value is always 1).",
            labels=["version"],
        )
        for name in active:
            info.add_metric([name], 1)
        yield info
        pending = GaugeMetricFamily(
            "wavecardio_predictions_pending",
            "Predictions not finished yet (queue backlog), by status.",
            labels=["status"],
        )
        for status in backlog:
            pending.add_metric([status.value], counts.get(status.value, 0))
        yield pending
        yield GaugeMetricFamily(
            "wavecardio_predictions_overdue",
            "Predictions pending or running past their deadline (the reconciler re-queues or "
            "fails them each minute: above 0 for long, the reconciler is not running).",
            value=overdue,
        )
        yield GaugeMetricFamily(
            "wavecardio_outbox_undelivered",
            "Requested predictions not yet handed to the broker (it was unreachable).",
            value=outbox["n"],
        )
        oldest = outbox["oldest"]
        yield GaugeMetricFamily(
            "wavecardio_outbox_oldest_age_seconds",
            "Age of the oldest undelivered outbox row (0 when none).",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )
