"""Auditor UI: filters, pagination, CSV export (itself audited), access by permission only."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from audit import services as audit
from audit.models import AuditEvent
from audit.services import Action

pytestmark = pytest.mark.django_db

URL = "/audit/"
EXPORT = "/audit/export.csv"


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


@pytest.fixture
def trail(clinician, other_clinician):
    """A few events by two users on two targets."""
    audit.record(Action.RECORDING_VIEWED, actor=clinician, details={"n": 1})
    audit.record(Action.RECORDING_DOWNLOADED, actor=clinician, details={"n": 2})
    audit.record(Action.RECORDING_VIEWED, actor=other_clinician, details={"n": 3})
    audit.record(Action.LOGIN_FAILED, outcome="failure", details={"username": "=HYPERLINK(evil)"})
    return AuditEvent.objects.all()


def rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_auditor_sees_the_trail_and_the_view_is_audited(auditor_client, auditor, trail, clinician):
    response = auditor_client.get(URL)
    assert response.status_code == 200
    assert clinician.username in response.text and "recording_downloaded" in response.text
    viewed = AuditEvent.objects.get(action=Action.AUDIT_VIEWED)
    assert viewed.actor == auditor


def test_filter_by_user_and_action(auditor_client, trail, clinician):
    response = auditor_client.get(URL, {"user": clinician.username, "action": "recording_viewed"})
    events = list(response.context["page"])
    assert [e.details["n"] for e in events] == [1]


def test_user_filter_finds_failed_logins_by_the_name_tried(auditor_client, trail):
    response = auditor_client.get(URL, {"user": "=HYPERLINK(evil)"})
    assert [e.action for e in response.context["page"]] == [Action.LOGIN_FAILED]


def test_filter_by_target_and_outcome(auditor_client, clinician):
    audit.record(Action.RECORDING_VIEWED, actor=clinician, target=clinician)
    audit.record(Action.RECORDING_VIEWED, actor=clinician)
    response = auditor_client.get(URL, {"target_type": "User", "target_id": str(clinician.pk)})
    assert [e.target_id for e in response.context["page"]] == [str(clinician.pk)]
    response = auditor_client.get(URL, {"outcome": "denied"})
    assert list(response.context["page"]) == []


def test_filter_by_date_range(auditor_client, clinician):
    old = audit.record(Action.RECORDING_VIEWED, actor=clinician, details={"n": "old"})
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    response = auditor_client.get(URL, {"since": today.isoformat(), "until": today.isoformat()})
    assert old.pk in [e.pk for e in response.context["page"]]
    response = auditor_client.get(URL, {"until": yesterday.isoformat()})
    assert list(response.context["page"]) == []


def test_inverted_date_range_is_a_form_error(auditor_client):
    response = auditor_client.get(URL, {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 400
    assert "must not be after" in response.text


def test_pagination(auditor_client, clinician):
    for n in range(120):
        audit.record(Action.RECORDING_VIEWED, actor=clinician, details={"n": n})
    first = auditor_client.get(URL, {"action": "recording_viewed"})
    assert len(first.context["page"]) == 50 and first.context["page"].paginator.count == 120
    last = auditor_client.get(URL, {"action": "recording_viewed", "page": 3})
    assert [e.details["n"] for e in last.context["page"]] == list(range(19, -1, -1))
    assert "action=recording_viewed&amp;page=2" in last.text  # filters kept across pages


def test_csv_export_has_every_matching_row_and_is_audited(auditor_client, auditor, trail):
    response = auditor_client.get(EXPORT, {"action": "recording_viewed"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    exported = rows(response)
    assert [r["action"] for r in exported] == ["recording_viewed", "recording_viewed"]
    assert all(len(r["hash"]) == 64 for r in exported)
    event = AuditEvent.objects.get(action=Action.AUDIT_EXPORTED)
    assert event.actor == auditor
    assert event.details == {"filters": {"action": "recording_viewed"}, "rows": 2}


def test_csv_export_neutralises_formulas(auditor_client, clinician, rf):
    request = rf.get("/", HTTP_USER_AGENT="=HYPERLINK(evil)")
    request.user = clinician
    audit.record(Action.RECORDING_VIEWED, request=request)
    exported = rows(auditor_client.get(EXPORT, {"action": "recording_viewed"}))
    assert exported[0]["user_agent"] == "'=HYPERLINK(evil)"


@pytest.mark.parametrize("url", [URL, EXPORT])
def test_other_roles_are_refused_and_the_denial_is_audited(client, clinician, url):
    client.force_login(clinician)
    assert client.get(url).status_code == 403
    event = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (event.actor, event.details["permission"]) == (clinician, "audit.view_audit_trail")
    assert not AuditEvent.objects.filter(action=Action.AUDIT_EXPORTED).exists()


@pytest.mark.parametrize("url", [URL, EXPORT])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_nav_links_the_trail_for_auditors_only(client, auditor, clinician):
    client.force_login(auditor)
    assert 'href="/audit/"' in client.get(URL).text
    client.force_login(clinician)
    assert 'href="/audit/"' not in client.get("/recordings/").text


def test_a_filter_without_matches_says_so(auditor_client, trail):
    response = auditor_client.get(URL, {"user": "nobody-by-this-name"})
    assert response.status_code == 200
    assert "No events match these filters." in response.text
