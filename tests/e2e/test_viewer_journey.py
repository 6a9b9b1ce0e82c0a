"""The result page's viewer on real MIT-BIH recordings: calipers on ECG paper measure an
annotated R-R interval, the lead legend follows the lead, the per-window timeline zooms the
trace, and nothing overflows a 390-px phone screen."""

import json

import numpy as np
import pytest
import wfdb
from playwright.sync_api import expect

from accounts.roles import Role
from tests.conftest import REPO
from tests.factories import UserFactory, mitdb_holter_zip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MITDB = REPO.parent / "shared" / "data" / "wfdb" / "mitdb"
BEAT_SYMBOLS = list("NLRBAaJSVrFejnE/fQ?")
RATE_HZ = 360


def _upload(owner, name: str, record):
    """Store and classify a record's samples at 360 Hz as a CSV whose header names the leads
    (MLII, V5), through the service the upload page calls."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from classifier import services

    samples, lead_names = record
    rows = [",".join(lead_names)]
    rows += [",".join(f"{v:.3f}" for v in row) for row in samples.T]
    upload = SimpleUploadedFile(name, ("\n".join(rows) + "\n").encode())
    return services.recording_create(owner=owner, upload=upload, sampling_rate_hz=RATE_HZ)


def _record(name: str, seconds: float):
    record = wfdb.rdrecord(str(MITDB / name), sampto=int(seconds * RATE_HZ))
    return record.p_signal.T, record.sig_name


@pytest.fixture
def clinician_page(page, live_server, login):
    """A signed-in clinician; the test fails on any script error or refused content (CSP)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Refused" in message.text
            else None
        ),
    )
    user = UserFactory(username="dr.viewer", roles=[Role.CLINICIAN])
    login("dr.viewer")
    expect(page.get_by_role("heading", name="Recordings")).to_be_visible()
    yield user
    assert errors == []


def open_result(page, live_server, recording):
    page.goto(f"{live_server.url}/recordings/{recording.pk}/")
    expect(page.locator("#signal-plot canvas").first).to_be_visible()
    page.wait_for_function("() => document.getElementById('ecg-paper').dataset.rows")


def test_calipers_measure_an_annotated_rr_interval(page, live_server, clinician_page):
    recording = _upload(clinician_page, "mitdb-100.csv", _record("100", 60))
    annotation = wfdb.rdann(str(MITDB / "100"), "atr", sampto=60 * RATE_HZ)
    beats_s = annotation.sample[np.isin(annotation.symbol, BEAT_SYMBOLS)] / RATE_HZ
    page.set_viewport_size({"width": 1280, "height": 1000})
    open_result(page, live_server, recording)
    expect(page.locator("#heart-rate")).to_contain_text("bpm")

    page.get_by_label("Speed", exact=True).select_option("50")  # 50 mm/s: 1 px is 5.3 ms
    page.wait_for_function(
        "() => Math.abs(parseFloat(document.getElementById('ecg-paper').dataset.pxPerS)"
        " - 50 * 96 / 25.4) < 1e-3"
    )
    canvas = page.locator("#ecg-paper")
    canvas.focus()
    canvas.press("Home")
    expect(canvas).to_have_attribute("data-start-s", "0.0000")
    first, second = [t for t in beats_s if t > 1.0][:2]
    px_per_s = float(canvas.get_attribute("data-px-per-s"))
    row = json.loads(canvas.get_attribute("data-rows"))[0]  # the first lead, MLII
    assert row["lead"] == "MLII"
    box = canvas.bounding_box()
    y = box["y"] + (row["top"] + row["bottom"]) / 2
    for t in (first, second):
        page.mouse.click(box["x"] + row["x0"] + t * px_per_s, y)
    readout = page.locator("#caliper-readout")
    expect(readout).to_contain_text("bpm")
    measured_ms = float(readout.get_attribute("data-dt-ms"))
    annotated_ms = (second - first) * 1000
    assert measured_ms == pytest.approx(annotated_ms, abs=10.0)
    expect(readout).to_contain_text(f"{60000 / measured_ms:.0f} bpm")
    # R-peaks are marked on the paper, keyboard users measure between them, and the keys
    # move the paper.
    expect(page.locator("#paper-status")).to_contain_text("R-peaks marked")
    peaks = page.evaluate(
        "async () => (await (await fetch(document.getElementById('recording').dataset.signalUrl"
        " + '?start_s=0&end_s=5&max_points=20000')).json()).r_peaks_s"
    )
    canvas.focus()
    for key in ("n", "Enter", "n", "Enter"):
        canvas.press(key)
    expect(readout).to_contain_text(f"Δt {round((peaks[1] - peaks[0]) * 1000)} ms")
    canvas.press("ArrowRight")
    expect(canvas).to_have_attribute("data-start-s", "1.0000")
    canvas.press("-")
    expect(page.locator("#paper-status")).to_contain_text("25 mm/s")


def test_switching_lead_updates_the_legend(page, live_server, clinician_page):
    recording = _upload(clinician_page, "mitdb-100-30s.csv", _record("100", 30))
    open_result(page, live_server, recording)
    legend = page.locator("#signal-plot .u-legend .u-series").nth(1)
    expect(legend).to_contain_text("MLII")
    with page.expect_response(lambda r: "/signal/?" in r.url and "lead=1" in r.url):
        page.get_by_label("Lead", exact=True).select_option("V5")
    expect(legend).to_contain_text("V5")
    expect(legend).not_to_contain_text("MLII")
    rows = json.loads(page.locator("#ecg-paper").get_attribute("data-rows"))
    assert [r["lead"] for r in rows] == ["MLII", "V5"]  # the paper stacks both leads


def test_clicking_an_arr_stretch_of_the_timeline_zooms_the_trace_there(
    page, live_server, clinician_page, screenshot
):
    """Normal rhythm (MIT-BIH 100), then 48 s of frequent ventricular ectopy (200), then
    normal rhythm again: the timeline shows where the model saw ARR."""
    normal, names = _record("100", 192)
    ectopy, _ = _record("200", 48)  # its leads are MLII and V1: the second lead is named V5
    cut = 96 * RATE_HZ
    samples = np.concatenate([normal[:, :cut], ectopy, normal[:, cut:]], axis=1)
    recording = _upload(clinician_page, "normal-ectopy-normal.csv", (samples, names))
    page.set_viewport_size({"width": 1280, "height": 1400})
    open_result(page, live_server, recording)
    expect(page.locator("#burden")).to_contain_text("Longest ARR run")
    expect(page.locator("#hr-trend canvas").first).to_be_visible()
    expect(page.locator("#tachogram canvas").first).to_be_visible()
    arr = page.locator(".timeline-bar rect.run-ARR").first
    expect(arr).to_be_attached()
    start_s, end_s = (
        float(arr.get_attribute("data-start-s")),
        float(arr.get_attribute("data-end-s")),
    )
    assert start_s >= 88 and end_s <= 152  # where the ectopy was spliced in
    screenshot("result-viewer")
    click_and_see_the_trace_zoom_there(page, arr)
    # Keyboard users reach the same stretch with Enter.
    page.get_by_role("button", name="Show whole recording").click()
    arr.focus()
    arr.press("Enter")
    expect(page.locator("#ecg-paper")).to_have_attribute("data-start-s", f"{start_s:.4f}")


def test_nothing_overflows_a_390_px_screen(page, live_server, clinician_page, screenshot):
    recording = _upload(clinician_page, "mitdb-100-phone.csv", _record("100", 60))
    page.set_viewport_size({"width": 1280, "height": 900})
    open_result(page, live_server, recording)
    for width in (700, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function(
            f"() => document.querySelector('#signal-plot .u-wrap').offsetWidth <= {width}"
        )
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
        paper = page.locator("#ecg-paper").bounding_box()
        assert paper["width"] <= width
    screenshot("result-390px")


TWELVE_LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def test_a_10_s_12_lead_ecg_is_laid_out_3_by_4_with_a_rhythm_strip(
    page, live_server, clinician_page
):
    """The layout only (no 12-lead recording in the shared data): MIT-BIH 100's two real
    leads, alternated and scaled, under the 12 standard names."""
    samples, _ = _record("100", 10)
    twelve = np.stack([samples[k % 2] * (1 + k / 12) for k in range(12)])
    recording = _upload(clinician_page, "twelve-lead.csv", (twelve, TWELVE_LEADS))
    page.set_viewport_size({"width": 1280, "height": 1000})
    open_result(page, live_server, recording)
    canvas = page.locator("#ecg-paper")
    expect(canvas).to_have_attribute("data-layout", "12-lead")
    rows = json.loads(canvas.get_attribute("data-rows"))
    columns = [[r["lead"] for r in rows[3 * c : 3 * c + 3]] for c in range(4)]
    assert columns == [TWELVE_LEADS[3 * c : 3 * c + 3] for c in range(4)]
    assert [r["t0"] for r in rows[:12:3]] == pytest.approx([0, 2.5, 2.5 * 2, 2.5 * 3], abs=0.01)
    assert rows[12]["lead"] == "II" and rows[12]["t0"] == 0  # the rhythm strip: 10 s of II
    expect(page.locator("#paper-status")).to_contain_text("+ rhythm strip")


def click_and_see_the_trace_zoom_there(page, stretch) -> None:
    """Clicking a timeline stretch brings the trace (zoomed in, not the whole recording) and
    the ECG paper to it."""
    start_s = float(stretch.get_attribute("data-start-s"))
    end_s = float(stretch.get_attribute("data-end-s"))
    with page.expect_response(lambda r: "/signal/?" in r.url and "lead=0" in r.url):
        stretch.click()
    plot = page.locator("#signal-plot")
    view_start = float(plot.get_attribute("data-view-start-s"))
    view_end = float(plot.get_attribute("data-view-end-s"))
    assert view_start <= start_s < end_s <= view_end
    assert view_end - view_start < 2 * (end_s - start_s) + 5
    expect(page.locator("#ecg-paper")).to_have_attribute("data-start-s", f"{start_s:.4f}")


def test_a_two_hour_wfdb_upload_shows_its_timeline_and_zooms_to_an_arr_stretch(
    page, live_server, clinician_page, tmp_path
):
    """Two hours of MIT-BIH records one after the other (normal rhythm, frequent
    ventricular ectopy, normal rhythm, atrial fibrillation), zipped as one WFDB record and
    uploaded through the form: the timeline covers the two hours and an ARR stretch of it
    brings the trace and the ECG paper there."""
    holter = mitdb_holter_zip(tmp_path, hours=2, records=("100", "200", "103", "201"))
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(f"{live_server.url}/recordings/upload/")
    page.get_by_label("ECG recording").set_input_files(str(holter))  # the header states 360 Hz
    page.get_by_role("button", name="Upload and classify").click()

    expect(page.get_by_role("heading", name="holter.zip")).to_be_visible(timeout=120_000)
    expect(page.locator("#signal-plot canvas").first).to_be_visible()
    page.wait_for_function("() => document.getElementById('ecg-paper').dataset.rows")
    stretches = page.locator(".timeline-bar rect[data-start-s]")
    ends = [float(end) for end in stretches.evaluate_all("rs => rs.map(r => r.dataset.endS)")]
    assert max(ends) == pytest.approx(2 * 3600, abs=8)  # the last 8-s window
    arr = page.locator(".timeline-bar rect.run-ARR").first
    expect(arr).to_be_attached()
    click_and_see_the_trace_zoom_there(page, arr)
