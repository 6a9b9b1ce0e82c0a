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
webhook_delivery_requested = (
    Signal()
)  # delivery: a webhook notification, committed (tasks sends it)
