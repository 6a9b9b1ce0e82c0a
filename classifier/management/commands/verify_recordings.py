"""Check every stored recording against the checksum taken at upload: exit 0 when all
match, 1 listing each missing or altered file (run after a restore: docs/operations.md)."""

from django.core.management.base import BaseCommand, CommandError

from classifier import services


class Command(BaseCommand):
    help = "Verify every recording's stored file against its upload checksum (sha256)."

    def handle(self, *args, **options) -> None:
        checked, problems = services.recordings_verify()
        for check in problems:
            self.stderr.write(f"recording {check.recording_id}: {check.problem}")
        if problems:
            raise CommandError(
                f"{len(problems)} of {checked} recording files are missing or altered",
                returncode=1,
            )
        self.stdout.write(f"recording files intact: {checked} checked")
