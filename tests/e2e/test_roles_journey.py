"""An admin grants a role in the product; the new clinician uploads and cannot reach another
clinician's recording by editing the id in the address bar."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from accounts.roles import Role
from audit.models import AuditEvent
from classifier import services
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_admin_grants_clinician_who_then_uploads_but_cannot_open_others(
    page, live_server, login, ecg_dir
):
    UserFactory(username="it.admin", roles=[Role.ADMIN])
    newcomer = UserFactory.create(username="dr.new", roles=[])
    UserFactory(username="dr.active", roles=[Role.CLINICIAN])  # listed after pending accounts
    colleague = UserFactory(username="dr.other", roles=[Role.CLINICIAN])
    theirs = services.recording_create(
        sampling_rate_hz=128.0,
        owner=colleague,
        upload=SimpleUploadedFile(
            "theirs.npy", (ecg_dir / "recordings" / "nsrdb-16273-ECG1.npy").read_bytes()
        ),
    )

    # A new account sees only the waiting page.
    login("dr.new")
    expect(page.get_by_role("heading", name="Waiting for access")).to_be_visible()
    log_out(page)

    # The admin finds the pending account first in the list and grants `clinician`.
    login("it.admin")
    page.get_by_role("link", name="Users", exact=True).click()
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("dr.new")
    expect(rows.first).to_contain_text("waiting for a role")
    page.get_by_role("link", name="dr.new").click()
    page.get_by_label("Grant a role").select_option("clinician")
    page.get_by_role("button", name="Grant role").click()
    expect(page.get_by_role("status")).to_contain_text("Granted the clinician role.")
    expect(page.locator("#roles")).to_contain_text("clinician")
    event = AuditEvent.objects.get(action="role_granted")
    assert event.actor is not None
    assert event.actor.username == "it.admin" and event.target_id == str(newcomer.pk)
    assert event.details["before"] == {"roles": []}
    assert event.details["after"] == {"roles": ["clinician"]}
    log_out(page)

    # The new clinician uploads a real recording and sees the result.
    login("dr.new")
    expect(page.get_by_role("heading", name="Recordings")).to_be_visible()
    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("ECG recording").set_input_files(
        str(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")
    )
    page.get_by_label("Sampling rate (Hz)").fill("128")  # a .npy states no rate
    page.get_by_role("button", name="Upload and classify").click()
    expect(page.get_by_role("heading", name="nsrdb-16483-ECG1.npy")).to_be_visible()
    expect(page.locator("#prediction-status")).to_contain_text("%")

    # Editing the id in the address bar to a colleague's recording: 404, nothing shown.
    own_url = page.url
    other_url = own_url.rsplit("/", 2)[0] + f"/{theirs.pk}/"
    response = page.goto(other_url)
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("theirs.npy")
    api = page.request.get(f"{live_server.url}/api/v1/recordings/{theirs.pk}/")
    assert api.status == 404
    download = page.request.get(f"{other_url}download/")
    assert download.status == 404
