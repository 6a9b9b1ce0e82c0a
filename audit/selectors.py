"""Reads of the audit trail (the auditor pages and export)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent


def events_matching(
    *,
    user: str = "",
    action: str = "",
    outcome: str = "",
    target_type: str = "",
    target_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events filtered for the auditor UI and export, newest first.

    ``user`` matches the username at the time of the event (``actor_label``, so renamed
    accounts are found too) or the username tried in a failed login. ``since`` and ``until``
    are inclusive calendar days in the site's time zone.
    """
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if user:
        events = events.filter(Q(actor_label=user) | Q(details__username=user))
    if action:
        events = events.filter(action=action)
    if outcome:
        events = events.filter(outcome=outcome)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if since:
        events = events.filter(created_at__gte=_day_start(since))
    if until:
        events = events.filter(created_at__lt=_day_start(until + dt.timedelta(days=1)))
    return events


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
