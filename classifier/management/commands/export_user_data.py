"""A user's data, for a subject access request: ``manage.py export_user_data NAME``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classifier import services
from classifier.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Write one zip with a user's recordings (metadata and original files), their "
        "predictions and over-reads (export.json + files/). Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--out", type=Path, default=None, help="zip to write (default: ./<username>-export.zip)"
        )

    def handle(self, *args, username, out, **options):
        out = out or Path(f"{username}-export.zip")
        try:
            manifest = services.user_data_export(username=username, out=out)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"wrote {out} ({len(manifest['recordings'])} recording(s))")
