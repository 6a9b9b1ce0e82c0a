"""The audit trail is append-only and tamper-evident: verify_audit finds edited, deleted and
reordered events (the ORM guard is bypassed with raw SQL, as an attacker would)."""

# ruff: noqa: S608  (raw SQL on the audit table is the point of these tests)

import datetime as dt
import itertools
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit import services as audit
from audit.models import AuditEvent
from audit.services import Action

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def chain(clinician):
    """Five events on a fresh chain (whatever setup wrote before is part of it too)."""
    return [
        audit.record(Action.RECORDING_VIEWED, actor=clinician, details={"n": n}) for n in range(5)
    ]


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def raw(sql: str, params=()) -> None:
    """Run SQL as a database superuser would: on PostgreSQL with the append-only trigger
    switched off for this transaction (the test's, rolled back afterwards)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_events_link_to_their_predecessor(chain):
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].previous_hash == audit.GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.previous_hash == before.hash
    assert all(len(e.hash) == 64 for e in events)
    assert len({e.previous_hash for e in events}) == len(events)  # no fork


def test_verify_audit_passes_on_an_intact_chain(chain):
    output = verify()
    assert f"audit chain intact: {AuditEvent.objects.count()} events" in output
    assert chain[-1].hash in output


def test_verify_audit_names_an_edited_event(chain):
    raw(f"UPDATE {TABLE} SET details = %s WHERE id = %s", ['{"n": 99}', chain[2].pk])
    with pytest.raises(CommandError, match=rf"event id={chain[2].pk} .*edited") as failure:
        verify()
    assert failure.value.returncode == 1


def test_verify_audit_names_an_event_whose_actor_was_rewritten(chain, other_clinician):
    raw(f"UPDATE {TABLE} SET actor_id = %s WHERE id = %s", [other_clinician.pk, chain[1].pk])
    with pytest.raises(CommandError, match=rf"event id={chain[1].pk} "):
        verify()


def test_verify_audit_names_the_event_after_a_deleted_one(chain):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [chain[2].pk])
    with pytest.raises(CommandError, match=rf"event id={chain[3].pk} .*deleted"):
        verify()


def test_verify_audit_names_reordered_events(chain):
    first, second = chain[1].pk, chain[3].pk
    raw(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [-1, first])
    raw(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [first, second])
    raw(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [second, -1])
    with pytest.raises(CommandError, match=rf"event id={first} .*reordered"):
        verify()


def test_a_recomputed_hash_does_not_hide_an_edit(chain):
    """Rewriting one event's hash to match its edit breaks the link of the next event."""
    event = AuditEvent.objects.get(pk=chain[2].pk)
    event.details = {"n": 99}
    raw(
        f"UPDATE {TABLE} SET details = %s, hash = %s WHERE id = %s",
        ['{"n": 99}', audit.event_digest(event), event.pk],
    )
    with pytest.raises(CommandError, match=rf"event id={chain[3].pk} "):
        verify()


def test_the_application_cannot_update_or_delete_events(chain):
    event = AuditEvent.objects.get(pk=chain[0].pk)
    event.action = "something_else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == Action.RECORDING_VIEWED


def test_details_are_stored_as_json_and_still_verify(clinician, rf):
    request = rf.get("/", REMOTE_ADDR="::ffff:10.1.2.3", HTTP_USER_AGENT="Mozilla/5.0 " * 100)
    request.user = clinician
    when = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    event = audit.record(
        Action.RECORDING_VIEWED,
        request=request,
        details={"id": uuid.UUID(int=7), "when": when, "é": "ü", "nested": {"b": 1, "a": 2.5}},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == clinician and stored.actor_label == clinician.username
    assert stored.ip_address == "::ffff:10.1.2.3"
    assert len(stored.user_agent) == 512
    assert stored.details["id"] == str(uuid.UUID(int=7))
    assert audit.event_digest(stored) == stored.hash
    assert audit.verify_chain().intact


# --- keyed chain (AUDIT_CHAIN_KEY) ----------------------------------------------------------


def rechain_without_key(edit_pk: int) -> None:
    """What an attacker with database access does: edit a row, then recompute every hash
    from there on so that each link is consistent again."""
    raw(f"UPDATE {TABLE} SET details = %s WHERE id = %s", ['{"n": 99}', edit_pk])
    previous = None
    for event in AuditEvent.objects.order_by("id"):
        if previous is not None:
            event.previous_hash = previous
        if event.pk >= edit_pk:
            event.hash = audit.event_digest(event)
            raw(
                f"UPDATE {TABLE} SET previous_hash = %s, hash = %s WHERE id = %s",
                [event.previous_hash, event.hash, event.pk],
            )
        previous = event.hash


def test_a_keyed_chain_detects_a_rewrite_without_the_key(settings, clinician):
    settings.AUDIT_CHAIN_KEY = "audit-chain-test-key"
    events = [audit.record(Action.RECORDING_VIEWED, actor=clinician) for _ in range(4)]
    assert "(4 signed with AUDIT_CHAIN_KEY)" in verify()
    rechain_without_key(events[1].pk)
    with pytest.raises(CommandError, match=rf"event id={events[1].pk} .*edited"):
        verify()


def test_a_plain_chain_rewritten_in_full_is_flagged_once_a_key_is_set(settings, clinician):
    settings.AUDIT_CHAIN_KEY = "audit-chain-test-key"
    events = [audit.record(Action.RECORDING_VIEWED, actor=clinician) for _ in range(3)]
    first = AuditEvent.objects.order_by("id").first()
    assert first is not None
    rechain_without_key(first.pk)
    with pytest.raises(CommandError, match=rf"event id={events[-1].pk} .*no event is signed"):
        verify()


def test_events_before_the_key_and_after_a_rotation_still_verify(settings, clinician):
    audit.record(Action.RECORDING_VIEWED, actor=clinician)  # before any key: plain sha256
    settings.AUDIT_CHAIN_KEY = "first-key"
    audit.record(Action.RECORDING_VIEWED, actor=clinician)
    settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_KEY_FALLBACKS = "second-key", ["first-key"]
    audit.record(Action.RECORDING_VIEWED, actor=clinician)
    assert audit.verify_chain().intact
    settings.AUDIT_CHAIN_KEY_FALLBACKS = []  # the old key forgotten: its events fail
    assert not audit.verify_chain().intact
