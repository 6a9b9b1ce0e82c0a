"""Services lane (PostgreSQL): the services' row locks take FOR NO KEY UPDATE, which does not
conflict with the FOR KEY SHARE lock that inserting a row referencing the locked row takes.

With a plain FOR UPDATE, an upload waited for every open transaction that inserted a row
pointing at its owner (an audit event, a token, a recording), and deadlocked with an audit
append naming the owner: the upload held the owner and waited for the audit chain's lock,
the append held the chain and waited for the owner (issue 18)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from psycopg import sql

from accounts import services as account_services
from audit.services import APPEND_LOCK_KEY
from classifier import services

pytestmark = pytest.mark.services

# What inserting a row that references a user takes on the user row (the foreign key check).
KEY_SHARE = sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR KEY SHARE").format(
    sql.Identifier(get_user_model()._meta.db_table)
)


@pytest.fixture
def owner_referenced_elsewhere(transactional_db, clinician):
    """Another connection holds what an insert of a row referencing ``clinician`` holds until
    its transaction ends: FOR KEY SHARE on the user row. This one gives up waiting after 3 s."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        # psycopg opened a transaction: the lock is held until the block ends.
        other.execute(KEY_SHARE, [clinician.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        try:
            yield clinician
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")


def test_an_upload_does_not_wait_for_a_transaction_adding_rows_for_its_owner(
    owner_referenced_elsewhere, recording_path
):
    outcome = services.recording_upload(
        owner=owner_referenced_elsewhere,
        upload=SimpleUploadedFile("ecg.npy", recording_path.read_bytes()),
        sampling_rate_hz=128.0,
    )
    assert not outcome.duplicate


def test_a_token_is_created_without_waiting_for_a_transaction_adding_rows_for_its_user(
    owner_referenced_elsewhere,
):
    token, key = account_services.api_token_create(user=owner_referenced_elsewhere, name="ci")
    assert token.pk and key


def waiting_for_the_chain(append: psycopg.Connection) -> int:
    """Transactions of this database waiting for an advisory lock (the audit chain's)."""
    row = append.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ).fetchone()
    assert row is not None
    return row[0]


def test_an_upload_and_an_audit_append_naming_its_owner_do_not_deadlock(
    transactional_db, clinician, recording_path
):
    finished: dict[str, object] = {}

    def upload() -> None:
        try:
            finished["upload"] = services.recording_upload(
                owner=clinician,
                upload=SimpleUploadedFile("ecg.npy", recording_path.read_bytes()),
                sampling_rate_hz=128.0,
            )
        except Exception as exc:  # the deadlock victim, when it is the upload
            finished["upload"] = exc
        finally:
            connection.close()  # this thread's own connection

    with psycopg.connect(**connection.get_connection_params()) as append:
        append.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])  # holds the chain
        uploading = threading.Thread(target=upload)
        uploading.start()
        deadline = time.monotonic() + 30
        while not waiting_for_the_chain(append):  # the upload holds its owner, waits for it
            assert time.monotonic() < deadline, finished
            time.sleep(0.05)
        append.execute(KEY_SHARE, [clinician.pk])  # the append's event names the owner
    uploading.join(timeout=30)
    assert not isinstance(finished["upload"], Exception), finished["upload"]
