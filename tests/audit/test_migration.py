"""Moving the audit trail into its own app keeps a database built by the previous schema:
its events, its hash chain and the permissions its role groups hold."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit import services as audit
from audit.models import AuditEvent
from tests.factories import UserFactory

BEFORE = [("accounts", "0003_api_token"), ("classifier", "0004_prediction_burden")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_schema_keeps_its_trail_and_role_permissions():
    migrate(BEFORE)
    old_type = ContentType.objects.get_or_create(app_label="accounts", model="auditevent")[0]
    ContentType.objects.filter(app_label="audit").delete()
    Permission.objects.filter(codename__in=["view_audit_trail", "manage_roles"]).delete()
    trail = Permission.objects.create(
        codename="view_audit_trail", name="Can read the audit trail", content_type=old_type
    )
    roles = Permission.objects.create(
        codename="manage_roles", name="Can grant and revoke roles", content_type=old_type
    )
    group = Group.objects.create(name="migration-test")
    group.permissions.set([trail, roles])
    user = UserFactory.create()
    user.groups.add(group)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM accounts_auditevent")
        before = cursor.fetchone()[0]
    for n in range(3):
        audit.record(audit.Action.LOGIN, actor=user, details={"n": n})

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert AuditEvent.objects.count() == before + 3
    assert audit.verify_chain().intact
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert user.has_perm("audit.view_audit_trail")
    assert user.has_perm("accounts.manage_roles")
    assert not ContentType.objects.filter(app_label="accounts", model="auditevent").exists()
