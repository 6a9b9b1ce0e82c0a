"""Celery app: tasks run in-process without a broker, in worker processes with one."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecgsite.settings.dev")

app = Celery("ecgsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
