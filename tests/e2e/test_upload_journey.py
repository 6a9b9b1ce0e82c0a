"""A clinician logs in, uploads real recordings and reads the result in a real browser."""

import threading

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from classifier import services
from classifier.core import pipeline
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clinician_uploads_and_sees_the_result(page, live_server, login, ecg_dir, screenshot):
    UserFactory(username="dr.lee", roles=[Role.CLINICIAN])
    login("dr.lee")
    expect(page.get_by_role("heading", name="Recordings")).to_be_visible()

    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("ECG recording").set_input_files(
        str(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")
    )
    page.get_by_label("Sampling rate (Hz)").fill("128")  # a .npy states no rate
    page.get_by_role("button", name="Upload and classify").click()

    expect(page.get_by_role("heading", name="nsrdb-16483-ECG1.npy")).to_be_visible()
    result = page.locator("#result")
    expect(result).to_contain_text("decision support")
    expect(result.locator("#prediction-status")).to_contain_text("%")
    for name in ("ARR", "CHF", "NSR"):
        expect(result.locator("th", has_text=name)).to_be_visible()
    expect(result).to_contain_text("Model version")
    # The whole 512-s recording is plotted (uPlot draws a canvas), and the scalogram loads.
    expect(page.locator("#signal-plot canvas").first).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.getElementById('scalogram'); "
        "return i.complete && i.naturalWidth > 0; }"
    )
    page.set_viewport_size({"width": 1280, "height": 1400})
    screenshot("screenshots/result-page")

    # Zoom: drag across the plot; the trace is re-fetched for the range.
    box = page.locator("#signal-plot .u-over").bounding_box()
    with page.expect_response(lambda r: "/signal/?" in r.url and "end_s=" in r.url):
        page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.12, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
    expect(page.locator("#scalogram-range")).not_to_contain_text("First 60 s")

    # The model card: how the model was evaluated and what it must not be used for.
    page.locator("#result").get_by_role("link", name="wavecardio").click()
    expect(page.get_by_role("heading", name="Limits")).to_be_visible()
    expect(page.get_by_role("heading", name="Shortcut audit")).to_be_visible()
    screenshot("model-card")

    page.get_by_role("link", name="Recordings").click()
    expect(page.get_by_role("link", name="nsrdb-16483-ECG1.npy")).to_be_visible()


def test_a_long_recording_shows_its_progress_then_its_result(
    page, live_server, login, ecg_dir, settings, monkeypatch, request
):
    """Dev mode: a recording longer than EAGER_MAX_SECONDS is classified in a background
    thread; the page shows a progress bar the status poll moves, then the result."""
    settings.WAVECARDIO = {**settings.WAVECARDIO, "EAGER_MAX_SECONDS": 30.0}
    monkeypatch.setattr(services, "PROGRESS_EVERY_S", 0.0)
    advance, finish = threading.Event(), threading.Event()
    request.addfinalizer(advance.set)  # never leave the thread held
    request.addfinalizer(finish.set)
    real = pipeline.classify

    def classify(signal, model, *, progress):  # the real one, held at two points on the way
        progress(0.25)
        advance.wait(120)
        progress(0.75)
        finish.wait(120)
        return real(signal, model, progress=progress)

    monkeypatch.setattr(pipeline, "classify", classify)
    UserFactory(username="dr.ray", roles=[Role.CLINICIAN])
    login("dr.ray")
    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("ECG recording").set_input_files(
        str(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")
    )
    page.get_by_label("Sampling rate (Hz)").fill("128")
    page.get_by_role("button", name="Upload and classify").click()

    progress = page.locator("#prediction-progress-text")
    expect(progress).to_contain_text("25 % of the windows classified", timeout=60_000)
    advance.set()  # still running: only the poll can move the bar
    expect(progress).to_contain_text("75 % of the windows classified", timeout=60_000)
    assert page.locator("#prediction-progress").evaluate("bar => bar.value") == 0.75
    finish.set()
    expect(page.locator("#result #prediction-status")).to_contain_text("%", timeout=60_000)
    expect(page.locator("#prediction-progress")).to_have_count(0)


def test_bad_file_shows_a_clear_error(page, live_server, login, tmp_path):
    UserFactory(username="dr.kim", roles=[Role.CLINICIAN])
    login("dr.kim")
    bad = tmp_path / "scan.npy"
    bad.write_text("this is a text file")
    page.goto(f"{live_server.url}/recordings/upload/")
    page.get_by_label("ECG recording").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and classify").click()
    expect(page.get_by_role("alert")).to_contain_text("npy")
