"""The one-page PDF report of a recording (ReportLab, built-in fonts: nothing downloaded).

Pure: ``report_pdf(content)`` turns a ``ReportContent`` (what the service gathered and may
show) into PDF bytes. A4 landscape, so a 10-s strip fits at the standard 25 mm/s and
10 mm/mV on the ECG grid (1-mm and 5-mm lines), with a 1-mV calibration pulse.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
SPEED_MM_PER_S = 25.0
GAIN_MM_PER_MV = 10.0
STRIP_S = 10.0
STRIP_HEIGHT_MM = 40.0  # +-2 mV around the lead's median
# Where the strip sits on the page (mm from the left and from the bottom): tests look there.
STRIP_LEFT_MM = 28.0
STRIP_BOTTOM_MM = 100.0
STATEMENT = (
    "Decision support, not a diagnosis: this result was produced by a machine-learning model "
    "and must be read by a qualified clinician."
)
_MINOR = colors.Color(0.98, 0.80, 0.80)
_MAJOR = colors.Color(0.93, 0.55, 0.55)


@dataclass(frozen=True)
class OverReadLine:
    reviewer: str
    label: str
    comment: str
    signed_at: str
    amendments: list[str] = field(default_factory=list)  # "when, by whom: a -> b (reason)"


@dataclass(frozen=True)
class ReportContent:
    """Everything the page shows; ``strip_mv`` is float[n] in mV at ``sampling_rate_hz``."""

    title: str
    patient: list[tuple[str, str]]  # (label, value) rows of the patient block
    recording: list[tuple[str, str]]
    strip_mv: np.ndarray
    sampling_rate_hz: float
    strip_caption: str
    heart_rate_bpm: float | None
    answer: str  # the model's answer sentence
    probabilities: dict[str, float]
    burden: dict[str, float]
    model_version: str
    overreads: list[OverReadLine]
    generated: str


def report_pdf(content: ReportContent) -> bytes:
    """One A4 landscape page; raises nothing for an empty strip (the grid stays empty)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    page.setTitle(content.title)
    page.setAuthor("WaveCardio")
    page.setFont("Helvetica-Bold", 14)
    page.drawString(15 * mm, PAGE_HEIGHT - 15 * mm, content.title)
    page.setFont("Helvetica", 8)
    page.drawRightString(PAGE_WIDTH - 15 * mm, PAGE_HEIGHT - 15 * mm, content.generated)
    _rows(page, "Patient", content.patient, 15 * mm, PAGE_HEIGHT - 24 * mm)
    _rows(page, "Recording", content.recording, 150 * mm, PAGE_HEIGHT - 24 * mm)
    _strip(page, content)
    _results(page, content)
    page.setFont("Helvetica-Bold", 9)
    page.drawString(15 * mm, 10 * mm, STATEMENT)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _rows(page, heading: str, rows: list[tuple[str, str]], x: float, y: float) -> float:
    page.setFont("Helvetica-Bold", 10)
    page.drawString(x, y, heading)
    for label, value in rows:
        y -= 4.6 * mm
        page.setFont("Helvetica-Bold", 8.5)
        page.drawString(x, y, label)
        page.setFont("Helvetica", 8.5)
        page.drawString(x + 32 * mm, y, value[:90])
    return y


def _strip(page, content: ReportContent) -> None:
    left, bottom = STRIP_LEFT_MM * mm, STRIP_BOTTOM_MM * mm
    width, height = STRIP_S * SPEED_MM_PER_S * mm, STRIP_HEIGHT_MM * mm
    page.setLineWidth(0.2)
    for step_mm in range(int(STRIP_S * SPEED_MM_PER_S) + 1):
        page.setStrokeColor(_MAJOR if step_mm % 5 == 0 else _MINOR)
        page.line(left + step_mm * mm, bottom, left + step_mm * mm, bottom + height)
    for step_mm in range(int(STRIP_HEIGHT_MM) + 1):
        page.setStrokeColor(_MAJOR if step_mm % 5 == 0 else _MINOR)
        page.line(left, bottom + step_mm * mm, left + width, bottom + step_mm * mm)
    baseline = bottom + height / 2
    page.setStrokeColor(colors.black)
    page.setLineWidth(0.6)
    pulse = page.beginPath()  # 1 mV calibration pulse, 5 mm (0.2 s) wide, left of the strip
    pulse.moveTo(left - 9 * mm, baseline)
    pulse.lineTo(left - 7 * mm, baseline)
    pulse.lineTo(left - 7 * mm, baseline + GAIN_MM_PER_MV * mm)
    pulse.lineTo(left - 2 * mm, baseline + GAIN_MM_PER_MV * mm)
    pulse.lineTo(left - 2 * mm, baseline)
    pulse.lineTo(left, baseline)
    page.drawPath(pulse)
    samples = np.asarray(content.strip_mv, dtype=np.float64)
    samples = samples[: int(STRIP_S * content.sampling_rate_hz)]
    if samples.size > 1:
        centred = samples - np.median(samples)
        limit = STRIP_HEIGHT_MM / 2 / GAIN_MM_PER_MV
        centred = np.clip(centred, -limit, limit)  # clipped at the strip's edges
        xs = left + np.arange(samples.size) / content.sampling_rate_hz * SPEED_MM_PER_S * mm
        ys = baseline + centred * GAIN_MM_PER_MV * mm
        trace = page.beginPath()
        trace.moveTo(float(xs[0]), float(ys[0]))
        for x, y in zip(xs[1:], ys[1:], strict=True):
            trace.lineTo(float(x), float(y))
        page.drawPath(trace)
    page.setFont("Helvetica", 8)
    page.drawString(left, bottom - 4 * mm, content.strip_caption)


def _results(page, content: ReportContent) -> None:
    x, y = 15 * mm, (STRIP_BOTTOM_MM - 12) * mm
    page.setFont("Helvetica-Bold", 10)
    page.drawString(x, y, "Model answer (decision support)")
    page.setFont("Helvetica", 9)
    y -= 5 * mm
    page.drawString(x, y, content.answer[:120])
    lines = [
        "Probabilities: "
        + (", ".join(f"{k} {v:.0%}" for k, v in content.probabilities.items()) or "—"),
        "Burden (share of usable analysed time): "
        + (", ".join(f"{k} {v:.0%}" for k, v in content.burden.items() if v) or "—"),
        "Heart rate: "
        + (f"{content.heart_rate_bpm:.0f} bpm" if content.heart_rate_bpm else "not available"),
        f"Model version: {content.model_version or '—'}",
    ]
    for line in lines:
        y -= 4.6 * mm
        page.drawString(x, y, line[:130])
    x, y = 150 * mm, (STRIP_BOTTOM_MM - 12) * mm
    page.setFont("Helvetica-Bold", 10)
    page.drawString(x, y, "Over-read and signature")
    page.setFont("Helvetica", 8.5)
    if not content.overreads:
        y -= 5 * mm
        page.drawString(x, y, "Not over-read yet: no reviewer has signed this result.")
    for overread in content.overreads[:4]:
        y -= 5 * mm
        text = f"{overread.label}" + (f": {overread.comment}" if overread.comment else "")
        page.drawString(x, y, text[:85])
        y -= 4 * mm
        page.drawString(x, y, f"Signed by {overread.reviewer}, {overread.signed_at}"[:85])
        for amendment in overread.amendments[-2:]:
            y -= 4 * mm
            page.drawString(x + 4 * mm, y, f"Amended {amendment}"[:85])
