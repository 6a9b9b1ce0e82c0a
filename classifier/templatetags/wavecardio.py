"""Small display filters for model cards (numbers -> readable text)."""

from django import template
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def percent(value) -> str:
    return "–" if value is None or value == "" else f"{100 * float(value):.1f} %"


@register.filter
def interval(value) -> str:
    if not value or len(value) != 2 or None in value:
        return "–"
    return f"{100 * value[0]:.1f}–{100 * value[1]:.1f} %"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def level(key: str) -> str:
    return "per recording" if key.startswith("per_recording") else "per window"


@register.filter
def task(key: str) -> str:
    return "ARR vs NSR" if key.endswith("arr_vs_nsr") else "ARR / CHF / NSR"


@register.filter
def hms(seconds) -> str:
    """Seconds -> ``hh:mm:ss`` (the viewer's time axis)."""
    if seconds is None or seconds == "":
        return "–"
    total = int(float(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


@register.filter
def timeline_runs(runs: list[dict]) -> SafeString:
    """One timeline row's runs (``selectors.timeline``) as SVG rectangles, each a button
    that shows its stretch on the trace. Built here in one pass, not by a template loop: a
    24-h recording has thousands of runs and the loop cost most of the page's time."""
    return mark_safe(  # noqa: S308 (every value below is escaped or a number we format)
        "".join(
            f'<rect class="run run-{label}" x="{formats.localize(run["left"])}" y="0" '
            f'width="{formats.localize(run["width"])}" height="1" tabindex="0" role="button" '
            f'data-label="{label}" data-start-s="{run["start_s"]:g}" '
            f'data-end-s="{run["end_s"]:g}" aria-label="{label} from {start} to {end}: show '
            f'on the trace"><title>{label} {start}–{end}</title></rect>'
            for run in runs
            for label, start, end in [
                (escape(run["label"]), hms(run["start_s"]), hms(run["end_s"]))
            ]
        )
    )
