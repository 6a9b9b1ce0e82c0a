"""Small display filters for model cards (numbers -> readable text)."""

from django import template

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
