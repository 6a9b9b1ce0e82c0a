"""An auditor reads the audit trail in a real browser: filters it and exports it."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from accounts.roles import Role
from audit.models import AuditEvent
from classifier import services
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_auditor_filters_and_exports_the_trail(
    page, live_server, login, recording_path, screenshot
):
    clinician = UserFactory(username="dr.osei", roles=[Role.CLINICIAN])
    UserFactory(username="m.auditor", roles=[Role.AUDITOR])
    recording = services.recording_create(
        sampling_rate_hz=128.0,
        owner=clinician,
        upload=SimpleUploadedFile("ecg.npy", recording_path.read_bytes()),
    )
    login("m.auditor")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()

    page.get_by_label("User", exact=True).fill("dr.osei")
    page.get_by_label("Action").select_option("recording_uploaded")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Recording {recording.pk}")
    screenshot("audit-trail")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [(r["actor"], r["action"], r["target_id"]) for r in exported] == [
        ("dr.osei", "recording_uploaded", str(recording.pk))
    ]
    assert AuditEvent.objects.filter(action="audit_exported", actor_label="m.auditor").count() == 1
