"""The clinician's workspace in a real browser: a reviewer works the queue, signs and amends
an over-read, and the auditor finds all three steps; the history filters by patient; the
pages fit a 390-px phone; the result page prints without its controls."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from accounts.roles import Role
from classifier import services
from classifier.core.patient import patient_details
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TAKEN = ("2025-03-14T09:30:00+00:00", "2026-02-02T16:05:00+00:00")


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def upload(owner, ecg_dir, name: str, record: str, patient: str, acquired: str = ""):
    return services.recording_create(
        owner=owner,
        upload=SimpleUploadedFile(name, (ecg_dir / "recordings" / record).read_bytes()),
        sampling_rate_hz=128,
        patient=patient_details(
            ref=patient,
            sex="female",
            birth_year=1948,
            acquired_at=dt.datetime.fromisoformat(acquired) if acquired else None,
        ),
    )


def test_reviewer_works_the_queue_signs_then_amends(page, live_server, login, ecg_dir, screenshot):
    clinician = UserFactory(username="dr.osei", roles=[Role.CLINICIAN])
    UserFactory(username="dr.hale", first_name="Ada", last_name="Hale", roles=[Role.REVIEWER])
    UserFactory(username="m.auditor", roles=[Role.AUDITOR])
    recording = upload(clinician, ecg_dir, "rest.npy", "nsrdb-16273-ECG1.npy", "MRN-0042")

    login("dr.hale")
    page.get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_role("heading", name="Review worklist")).to_be_visible()
    row = page.locator("#worklist tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("rest.npy")
    expect(row.first).to_contain_text("MRN-0042")
    screenshot("screenshots/worklist")
    row.first.get_by_role("link", name="Read").click()

    reading = page.get_by_label("Your reading")
    expect(reading).to_have_value("")  # no answer suggested
    reading.select_option("non-diagnostic")
    page.get_by_label("Comment").first.fill("baseline wander")
    page.get_by_label("I have read this ECG myself and sign this over-read").check()
    page.get_by_role("button", name="Sign over-read").click()
    expect(page.get_by_role("status")).to_contain_text("Over-read signed.")
    expect(page.get_by_text("Nothing is waiting for an over-read.")).to_be_visible()

    page.goto(f"{live_server.url}/recordings/{recording.pk}/")
    expect(page.locator("#overreads")).to_contain_text("Signed by dr.hale")
    page.get_by_text("Amend your signed over-read").click()
    page.get_by_label("Amended reading").select_option("NSR")
    page.get_by_label("Reason for the amendment").fill("filtered view shows P waves")
    page.get_by_label("I sign this amendment").check()
    page.get_by_role("button", name="Amend over-read").click()
    expect(page.get_by_role("status")).to_contain_text("Over-read amended.")
    expect(page.locator(".amendments")).to_contain_text("non-diagnostic → NSR")
    expect(page.locator(".amendments")).to_contain_text("filtered view shows P waves")
    log_out(page)

    login("m.auditor")
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("User", exact=True).fill("dr.hale")
    page.get_by_role("button", name="Filter").click()
    trail = page.locator("table.audit tbody")
    for action in ("worklist_viewed", "overread_recorded", "overread_amended"):
        expect(trail).to_contain_text(action)
    expect(trail).to_contain_text("filtered view shows P waves")


def test_history_filters_by_patient_reference_and_opens_the_patient(
    page, live_server, login, ecg_dir, screenshot
):
    clinician = UserFactory(username="dr.osei", roles=[Role.CLINICIAN])
    upload(clinician, ecg_dir, "second.npy", "nsrdb-16483-ECG1.npy", "MRN-0042", TAKEN[1])
    upload(clinician, ecg_dir, "first.npy", "nsrdb-16273-ECG1.npy", "MRN-0042", TAKEN[0])
    upload(
        clinician, ecg_dir, "other.npy", "nsrdb-16265-ECG1.npy", "MRN-0077"
    )  # another file: the same one is a duplicate

    login("dr.osei")
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Patient reference").fill("MRN-0042")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#history")).not_to_contain_text("other.npy")
    screenshot("screenshots/history")
    page.get_by_label("Patient reference").fill("MRN-9999")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No recordings match.")).to_be_visible()

    page.get_by_label("Patient reference").fill("")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="MRN-0042").first.click()
    expect(page.get_by_role("heading", name="Patient MRN-0042")).to_be_visible()
    serial = page.locator("#patient-recordings tbody tr")
    expect(serial).to_have_count(2)
    expect(serial.first).to_contain_text("first.npy")  # in order of acquisition
    expect(serial.first).to_contain_text("2025-03-14 09:30")
    screenshot("screenshots/patient")


def test_pages_fit_a_phone_and_the_result_prints_without_controls(
    page, live_server, login, ecg_dir
):
    clinician = UserFactory(username="dr.osei", roles=[Role.CLINICIAN])
    UserFactory(username="dr.hale", roles=[Role.REVIEWER, Role.ADMIN])
    recording = upload(clinician, ecg_dir, "rest.npy", "nsrdb-16273-ECG1.npy", "MRN-0042")
    page.set_viewport_size({"width": 390, "height": 844})
    login("dr.hale")
    for path in ("/recordings/", "/review/", "/patients/MRN-0042/", "/models/", "/accounts/users/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.'"
            " + e.className + '#' + e.id)"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at 390 px: {wide}"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/models/")
    display = page.locator("#versions tbody td.actions").first.evaluate(
        "cell => getComputedStyle(cell).display"
    )
    assert display == "table-cell"  # a flex cell broke the row borders

    page.goto(f"{live_server.url}/recordings/{recording.pk}/")
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)  # not theirs
    page.emulate_media(media="print")
    expect(page.locator(".overread-form").first).to_be_hidden()
    expect(page.locator("#result")).to_be_visible()
