"""The permission helper: deny by default, inactive users hold nothing, owners change."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from accounts.permissions import allowed, check, check_owner
from accounts.roles import Perm

pytestmark = pytest.mark.django_db


def test_check_and_allowed_deny_by_default(clinician, no_role_user):
    check(clinician, Perm.UPLOAD_RECORDING)
    assert allowed(clinician, Perm.UPLOAD_RECORDING)
    for user in (no_role_user, AnonymousUser()):
        assert not allowed(user, Perm.UPLOAD_RECORDING)
        with pytest.raises(PermissionDenied):
            check(user, Perm.UPLOAD_RECORDING)


def test_an_inactive_user_holds_no_permission(clinician):
    clinician.is_active = False
    assert not allowed(clinician, Perm.UPLOAD_RECORDING)


def test_only_the_owner_may_change(clinician, reviewer):
    owned = SimpleNamespace(owner_id=clinician.pk)
    check_owner(clinician, owned)
    with pytest.raises(PermissionDenied):
        check_owner(reviewer, owned)  # reads everyone's recordings, changes only their own
    with pytest.raises(PermissionDenied):
        check_owner(AnonymousUser(), owned)
