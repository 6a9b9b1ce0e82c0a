"""The permission helper: deny by default, inactive users hold nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.permissions import allowed, check
from accounts.roles import Perm
from classifier.core.errors import PermissionDenied

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
