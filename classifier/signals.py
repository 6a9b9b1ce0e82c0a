"""Domain events of the classifier app, sent by its services once the change is committed.

Listeners react instead of the services calling into them: ``classifier.tasks`` queues a
requested prediction, ``monitoring.receivers`` counts; services import neither.
"""

from django.dispatch import Signal

prediction_requested = Signal()  # prediction: pending, committed (classifier.tasks queues it)
recording_stored = Signal()  # recording: a validated upload, its file and row committed
prediction_finished = Signal()  # prediction: status done, committed
signal_classified = Signal()  # result: a stateless classification (nothing stored)
prediction_failed = Signal()  # prediction, exception: ended failed (reason in prediction.error)
# prediction, cause ("undelivered", "overdue_pending", "overdue_running"): the reconciler sent
# it to the queue again; a give-up is a prediction_failed with exception PredictionAbandoned.
prediction_requeued = Signal()
rhythm_requested = Signal()  # recording: its heart rhythm is missing (classifier.tasks queues it)
webhook_delivery_requested = (
    Signal()
)  # delivery: a webhook notification, committed (tasks sends it)
