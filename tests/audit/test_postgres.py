"""Services lane (PostgreSQL): the trigger refuses UPDATE/DELETE/TRUNCATE of the audit table,
and concurrent writers never fork the hash chain."""

# ruff: noqa: S608  (raw SQL on the audit table is the point of these tests)

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from audit import services as audit
from audit.models import AuditEvent
from audit.services import Action

pytestmark = pytest.mark.services

TABLE = AuditEvent._meta.db_table


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db(transaction=True)  # committed rows, as in production
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET action = 'edited'",
        f"DELETE FROM {TABLE}",
        f"TRUNCATE {TABLE} CASCADE",
    ],
)
def test_trigger_rejects_changes_to_stored_events(clinician, sql):
    audit.record(Action.RECORDING_VIEWED, actor=clinician)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("SET LOCAL wavecardio.allow_audit_truncate = off")  # as production sessions
        raw(sql)
    assert AuditEvent.objects.filter(action=Action.RECORDING_VIEWED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_verify_audit_catches_an_edit_made_with_the_trigger_disabled(clinician):
    events = [audit.record(Action.RECORDING_VIEWED, actor=clinician) for _ in range(3)]
    call_command("verify_audit")  # intact on PostgreSQL: jsonb and timestamptz round-trip
    raw(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
    raw(f"UPDATE {TABLE} SET outcome = 'denied' WHERE id = %s", [events[1].pk])
    raw(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match=rf"event id={events[1].pk} "):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_never_fork_the_chain(clinician):
    writers, per_writer = 8, 25
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for k in range(per_writer):
                audit.record(Action.RECORDING_VIEWED, actor=clinician, details={"w": n, "k": k})
        except BaseException as exc:  # reported below: a failing writer fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    written = AuditEvent.objects.filter(action=Action.RECORDING_VIEWED)
    assert written.count() == writers * per_writer
    all_events = AuditEvent.objects.order_by("id")
    previous = list(all_events.values_list("previous_hash", flat=True))
    assert len(set(previous)) == len(previous)  # no two events share a predecessor
    verdict = audit.verify_chain()
    assert verdict.intact, verdict
    assert verdict.checked == all_events.count()
