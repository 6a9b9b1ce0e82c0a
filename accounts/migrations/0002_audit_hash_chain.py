"""Audit trail: hash chain (backfilled for existing rows), no forks, and on PostgreSQL a
trigger that rejects UPDATE, DELETE and TRUNCATE of the table (docs/audit.md)."""

import django.utils.timezone
from django.db import migrations, models

# TRUNCATE stays possible only where the session sets wavecardio.allow_audit_truncate=on:
# the test settings do, because Django's test database flush truncates every table.
TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('wavecardio.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on {table} rejected', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only();
"""
DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""


def backfill_chain(apps, schema_editor):
    """Chain the events written before the hash chain existed, oldest first."""
    from audit.services import GENESIS_HASH, event_digest

    AuditEvent = apps.get_model("accounts", "AuditEvent")
    previous = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id").iterator():
        event.previous_hash = previous
        event.hash = event_digest(event)
        AuditEvent.objects.filter(pk=event.pk).update(
            previous_hash=event.previous_hash, hash=event.hash
        )
        previous = event.hash


def _run_on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model("accounts", "AuditEvent")._meta.db_table
        schema_editor.execute(sql.format(table=table), params=None)  # "%" is PL/pgSQL here

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.RunPython(backfill_chain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("previous_hash",), name="audit_chain_no_fork"),
        ),
        migrations.RunPython(
            _run_on_postgresql(TRIGGER_SQL), _run_on_postgresql(DROP_TRIGGER_SQL)
        ),
    ]
