"""Services lane (PostgreSQL): the services' row locks take FOR NO KEY UPDATE, which does not
conflict with the FOR KEY SHARE lock that inserting a row referencing the locked row takes.

With a plain FOR UPDATE, an upload waited for every open transaction that inserted a row
pointing at its owner (an audit event, a token, a recording), and two such transactions each
wanting the lock after their insert deadlocked under load (issue 18)."""

from __future__ import annotations

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from psycopg import sql

from accounts import services as account_services
from classifier import services

pytestmark = pytest.mark.services


@pytest.fixture
def owner_referenced_elsewhere(transactional_db, clinician):
    """Another connection holds what an insert of a row referencing ``clinician`` holds until
    its transaction ends: FOR KEY SHARE on the user row. This one gives up waiting after 3 s."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        table = get_user_model()._meta.db_table
        # psycopg opened a transaction: the lock is held until the block ends.
        lock = sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR KEY SHARE").format(sql.Identifier(table))
        other.execute(lock, [clinician.pk])
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
