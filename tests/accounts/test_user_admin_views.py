"""The admin's user pages: pending accounts first, search, grant/revoke, (de)activate."""

import pytest
from django.urls import reverse

from accounts.roles import Role, roles_of
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_pending_accounts_come_first(admin_client):
    UserFactory(username="dr.active", roles=[Role.CLINICIAN])
    UserFactory(username="dr.pending", roles=[])
    gone = UserFactory.create(username="dr.gone", roles=[])
    gone.is_active = False
    gone.save()

    page = admin_client.get(reverse("accounts:user_list")).content.decode()

    assert page.index("dr.pending") < page.index("dr.active") < page.index("dr.gone")
    assert "waiting for a role" in page and "deactivated" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"q": "cardio"}, "dr.cardio", "dr.neuro"),
        ({"q": "NEURO.ORG"}, "dr.neuro", "dr.cardio"),
        ({"status": "pending"}, "dr.neuro", "dr.cardio"),
    ],
)
def test_search_and_filter(admin_client, query, shown, hidden):
    UserFactory(username="dr.cardio", email="c@cardio.org", roles=[Role.CLINICIAN])
    UserFactory(username="dr.neuro", email="n@neuro.org", roles=[])
    page = admin_client.get(reverse("accounts:user_list"), query).content.decode()
    assert shown in page and hidden not in page


def test_grant_and_revoke_from_the_user_page(admin_client, no_role_user):
    detail = reverse("accounts:user_detail", args=[no_role_user.pk])
    response = admin_client.post(
        reverse("accounts:user_role_grant", args=[no_role_user.pk]), {"role": "clinician"}
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert roles_of(no_role_user) == {Role.CLINICIAN}
    assert "Granted the clinician role." in admin_client.get(detail).content.decode()

    admin_client.post(
        reverse("accounts:user_role_revoke", args=[no_role_user.pk]), {"role": "clinician"}
    )
    assert roles_of(no_role_user) == set()
    assert AuditEvent.objects.filter(action="role_revoked", target_id=str(no_role_user.pk)).exists()


def test_unknown_role_is_a_bad_request(admin_client, no_role_user):
    response = admin_client.post(
        reverse("accounts:user_role_grant", args=[no_role_user.pk]), {"role": "superuser"}
    )
    assert response.status_code == 400
    assert roles_of(no_role_user) == set()


def test_removing_the_last_admin_is_refused_with_a_message(admin_client, admin_user):
    response = admin_client.post(
        reverse("accounts:user_role_revoke", args=[admin_user.pk]), {"role": "admin"}
    )
    assert response.status_code == 409
    assert "last active admin" in response.content.decode()
    assert Role.ADMIN in roles_of(admin_user)

    response = admin_client.post(reverse("accounts:user_deactivate", args=[admin_user.pk]))
    assert response.status_code == 409
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_deactivate_then_reactivate(admin_client, clinician):
    admin_client.post(reverse("accounts:user_deactivate", args=[clinician.pk]))
    clinician.refresh_from_db()
    assert not clinician.is_active
    page = admin_client.get(reverse("accounts:user_detail", args=[clinician.pk])).content.decode()
    assert "Reactivate account" in page

    admin_client.post(reverse("accounts:user_activate", args=[clinician.pk]))
    clinician.refresh_from_db()
    assert clinician.is_active


def test_admin_home_counts_pending_accounts(admin_client):
    UserFactory(roles=[])
    UserFactory(roles=[])
    page = admin_client.get(reverse("home")).content.decode()
    assert "2 accounts waiting for a role." in page


def test_non_admins_cannot_use_the_pages(client, clinician, no_role_user):
    client.force_login(clinician)
    url = reverse("accounts:user_role_grant", args=[clinician.pk])
    assert client.post(url, {"role": "admin"}).status_code == 403
    assert roles_of(clinician) == {Role.CLINICIAN}
    assert AuditEvent.objects.filter(action="access_denied", actor=clinician).exists()
    client.force_login(no_role_user)
    assert client.get(reverse("accounts:user_list"))["Location"] == reverse("accounts:no_access")


def test_the_list_pages_and_keeps_the_search_across_pages(admin_client):
    for n in range(55):
        UserFactory(username=f"dr.page{n:02d}", roles=[Role.CLINICIAN])
    response = admin_client.get(reverse("accounts:user_list"), {"q": "dr.page", "page": 2})
    page = response.content.decode()
    assert "Page 2 of 2" in page
    assert "?q=dr.page&amp;page=1" in page  # the search kept, the page replaced
