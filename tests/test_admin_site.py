"""The Django admin cannot change audited data behind the services: recordings, predictions,
model versions, role groups and users' roles are read-only there."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from audit.models import AuditEvent
from classifier.models import Recording
from tests.factories import PredictionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = UserFactory.create(roles=[Role.ADMIN])
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_recordings_can_be_browsed_but_not_deleted_or_changed(superuser_client):
    recording = PredictionFactory.create().recording
    base = f"/admin/classifier/recording/{recording.pk}"

    assert superuser_client.get("/admin/classifier/recording/").status_code == 200
    assert superuser_client.get(f"{base}/change/").status_code == 200  # a read-only view
    assert superuser_client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert superuser_client.post(
        "/admin/classifier/recording/",
        {"action": "delete_selected", "_selected_action": [recording.pk], "post": "yes"},
    ).status_code in (200, 302)  # no such action offered: nothing happens
    assert Recording.objects.filter(pk=recording.pk).exists()
    assert recording.file.storage.exists(str(recording.file.name))


def test_roles_cannot_be_granted_in_the_admin(superuser_client):
    user = UserFactory.create()
    admins = Group.objects.get(name=Role.ADMIN.value)

    response = superuser_client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {"username": user.username, "email": user.email, "groups": [admins.pk],
         "is_superuser": "on", "is_active": "on"},
    )  # fmt: skip

    assert response.status_code in (200, 302)
    user.refresh_from_db()
    assert not user.groups.exists()
    assert not user.is_superuser
    assert AuditEvent.objects.filter(action="role_granted").count() == 0
    assert superuser_client.post(f"/admin/auth/group/{admins.pk}/delete/").status_code == 403
    assert superuser_client.get("/admin/auth/user/add/").status_code == 403
