"""Check the audit trail's hash chain: exit 0 when intact, 1 naming the first bad event."""

from django.core.management.base import BaseCommand, CommandError

from audit import services as audit
from audit.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (edited, deleted or reordered events)."

    def handle(self, *args, **options) -> None:
        verdict = audit.verify_chain()
        if verdict.bad_event_id is not None:  # not verdict.intact
            event = AuditEvent.objects.filter(pk=verdict.bad_event_id).first()
            what = f"{event.created_at:%Y-%m-%d %H:%M:%S} {event.action}" if event else ""
            raise CommandError(
                f"audit chain broken at event id={verdict.bad_event_id} {what}: "
                f"{verdict.reason}; {verdict.checked} events before it are intact",
                returncode=1,
            )
        self.stdout.write(
            f"audit chain intact: {verdict.checked} events ({verdict.keyed} signed with "
            f"AUDIT_CHAIN_KEY), head hash {verdict.head_hash or '-'}"
        )
