"""Role and account services: changes, the last-admin guard, audit events with before/after."""

import pytest
from django.contrib.auth.models import Group

from accounts import services
from accounts.roles import ROLE_PERMISSIONS, Role, roles_of
from audit.models import AuditEvent
from classifier.core.errors import PermissionDenied
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_grant_adds_the_role_and_records_who_whom_before_after(admin_user, no_role_user):
    assert services.role_grant(actor=admin_user, user=no_role_user, role=Role.CLINICIAN)

    assert roles_of(no_role_user) == {Role.CLINICIAN}
    [event] = events("role_granted")
    assert event.actor == admin_user
    assert (event.target_type, event.target_id) == ("User", str(no_role_user.pk))
    assert event.details == {
        "user": no_role_user.username,
        "role": "clinician",
        "before": {"roles": []},
        "after": {"roles": ["clinician"]},
    }


def test_granting_a_held_role_changes_and_records_nothing(admin_user, clinician):
    assert not services.role_grant(actor=admin_user, user=clinician, role=Role.CLINICIAN)
    assert events("role_granted") == []


def test_revoke_removes_only_that_role(admin_user):
    user = UserFactory(roles=[Role.CLINICIAN, Role.AUDITOR])

    assert services.role_revoke(actor=admin_user, user=user, role=Role.CLINICIAN)

    assert roles_of(user) == {Role.AUDITOR}
    [event] = events("role_revoked")
    assert event.details["before"] == {"roles": ["auditor", "clinician"]}
    assert event.details["after"] == {"roles": ["auditor"]}
    assert not services.role_revoke(actor=admin_user, user=user, role=Role.CLINICIAN)


@pytest.mark.parametrize("actor_fixture", ["clinician", "reviewer", "auditor", "operator_user"])
def test_only_admins_may_change_accounts(request, actor_fixture, no_role_user):
    actor = request.getfixturevalue(actor_fixture)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=actor, user=no_role_user, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.account_deactivate(actor=actor, user=no_role_user)
    assert roles_of(no_role_user) == set() and no_role_user.is_active


def test_a_deactivated_admin_cannot_act(admin_user, no_role_user):
    other_admin = UserFactory(roles=[Role.ADMIN])
    services.account_deactivate(actor=other_admin, user=admin_user)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=admin_user, user=no_role_user, role=Role.CLINICIAN)


def test_the_last_admin_cannot_lose_the_admin_role(admin_user):
    with pytest.raises(services.AccountChangeRefused, match="last active admin"):
        services.role_revoke(actor=admin_user, user=admin_user, role=Role.ADMIN)
    assert Role.ADMIN in roles_of(admin_user)
    assert events("role_revoked") == []


def test_the_last_admin_cannot_be_deactivated(admin_user):
    with pytest.raises(services.AccountChangeRefused, match="last active admin"):
        services.account_deactivate(actor=admin_user, user=admin_user)
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert events("account_deactivated") == []


def test_a_deactivated_admin_does_not_count_as_another_admin(admin_user):
    dormant = UserFactory(roles=[Role.ADMIN])
    services.account_deactivate(actor=admin_user, user=dormant)
    with pytest.raises(services.AccountChangeRefused):
        services.role_revoke(actor=admin_user, user=admin_user, role=Role.ADMIN)


def test_with_a_second_admin_an_admin_may_step_down(admin_user):
    successor = UserFactory(roles=[Role.ADMIN])
    assert services.role_revoke(actor=admin_user, user=admin_user, role=Role.ADMIN)
    assert services.account_deactivate(actor=successor, user=admin_user)
    with pytest.raises(services.AccountChangeRefused):
        services.account_deactivate(actor=successor, user=successor)


def test_deactivate_and_reactivate_are_recorded_and_keep_roles(admin_user, clinician):
    assert services.account_deactivate(actor=admin_user, user=clinician)
    clinician.refresh_from_db()
    assert not clinician.is_active
    assert roles_of(clinician) == {Role.CLINICIAN}
    assert not services.account_deactivate(actor=admin_user, user=clinician)

    assert services.account_activate(actor=admin_user, user=clinician)
    clinician.refresh_from_db()
    assert clinician.is_active
    assert not services.account_activate(actor=admin_user, user=clinician)

    [deactivated] = events("account_deactivated")
    assert deactivated.actor == admin_user
    assert deactivated.target_id == str(clinician.pk)
    assert deactivated.details["before"] == {"is_active": True}
    assert deactivated.details["after"] == {"is_active": False}
    [activated] = events("account_activated")
    assert activated.details["before"] == {"is_active": False}
    assert activated.details["after"] == {"is_active": True}


def test_roles_sync_is_idempotent_and_matches_roles_py():
    services.roles_sync()
    services.roles_sync()
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == {str(p) for p in perms}
