"""Auditor pages: read and export the audit trail (Perm.VIEW_AUDIT_TRAIL)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import permission_required
from accounts.roles import Perm
from audit import selectors
from audit import services as audit
from audit.forms import AuditFilterForm
from audit.services import Action

PAGE_SIZE = 50
CSV_COLUMNS = (
    "id", "created_at", "actor", "ip_address", "user_agent", "action", "target_type",
    "target_id", "outcome", "details", "previous_hash", "hash",
)  # fmt: skip


def _filters_for_audit(filters: dict) -> dict:
    return {k: str(v) for k, v in filters.items()}


@permission_required(Perm.VIEW_AUDIT_TRAIL)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/event_list.html", {"form": form, "page": None}, status=400)
    filters = form.filters()
    page = Paginator(selectors.events_matching(**filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit.record(
        Action.AUDIT_VIEWED,
        request=request,
        details={"filters": _filters_for_audit(filters), "page": page.number},
    )
    return render(request, "audit/event_list.html", {"form": form, "page": page})


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading =, +, -, @ is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                _csv_cell(v)
                for v in (
                    event.pk,
                    event.created_at.isoformat(),
                    event.actor_label,
                    event.ip_address,
                    event.user_agent,
                    event.action,
                    event.target_type,
                    event.target_id,
                    event.outcome,
                    audit.canonical_json(event.details),
                    event.previous_hash,
                    event.hash,
                )
            ]
        )


@permission_required(Perm.VIEW_AUDIT_TRAIL)
@require_GET
def event_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """CSV of every event matching the filters (all pages); the export is itself audited."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    filters = form.filters()
    events = selectors.events_matching(**filters)
    audit.record(
        Action.AUDIT_EXPORTED,
        request=request,
        details={"filters": _filters_for_audit(filters), "rows": events.count()},
    )
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="wavecardio-audit-{stamp}.csv"'
    return response
