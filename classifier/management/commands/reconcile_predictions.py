"""One pass of the reconciler: what celery beat runs each minute (classifier.tasks).

In the embedded mode (no beat), run it from cron, e.g. ``* * * * * manage.py
reconcile_predictions``. Prints what it did as one JSON object.
"""

import json

from django.core.management.base import BaseCommand

from classifier import services


class Command(BaseCommand):
    help = (
        "Send undelivered predictions to the queue again, re-queue predictions pending or "
        "running past their deadline, and fail those out of attempts (with the reason)."
    )

    def handle(self, *args, **options):
        report = services.predictions_reconcile()
        self.stdout.write(json.dumps(report.as_dict(), sort_keys=True))
