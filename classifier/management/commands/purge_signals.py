"""Retention: remove stored signal files older than N days, keeping results and the audit
trail. Run daily (cron or a scheduler); ``--days`` defaults to WAVECARDIO_RETENTION_DAYS."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classifier import services
from classifier.core.errors import DomainError


class Command(BaseCommand):
    help = "Remove the stored signal files of recordings uploaded more than N days ago."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="retention in days (default: WAVECARDIO_RETENTION_DAYS; 0 there = keep)",
        )

    def handle(self, *args, days, **options):
        if days is None:
            days = settings.WAVECARDIO["RETENTION_DAYS"]
            if days == 0:
                self.stdout.write("retention is off (WAVECARDIO_RETENTION_DAYS=0): nothing purged")
                return
        try:
            purged = services.signals_purge(older_than_days=days)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"purged the signal files of {len(purged)} recording(s) older than {days} days"
        )
