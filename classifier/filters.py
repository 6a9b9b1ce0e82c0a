"""The one filter of recording lists: the web history, its CSV export and the API's
``GET /api/v1/recordings/`` all parse their query through ``RecordingFilter``.

It filters the annotated queryset of ``selectors.recordings_visible_to`` (already restricted
to what the user may see), so a filter can only narrow what the access rules open.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.permissions import allowed
from accounts.roles import Perm
from classifier import selectors
from classifier.core.card import UNCERTAIN
from classifier.models import Prediction, Recording

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
# Sortable columns: query value -> field (prefix "-" for descending, e.g. ordering=-uploaded).
SORTABLE = (
    ("uploaded_at", "uploaded"),
    ("acquired_at", "acquired"),
    ("original_filename", "file"),
    ("patient_ref", "patient"),
    ("duration_s", "duration"),
    ("shown_label", "result"),
    ("overread_status", "overread"),
)


@extend_schema_field(OpenApiTypes.INT)
class PageSizeFilter(django_filters.Filter):
    """``page_size``: validated here (1 to MAX_PAGE_SIZE) with the other parameters; the
    paginator reads it, the queryset is not changed."""

    field_class = forms.IntegerField

    def filter(self, qs, value):
        return qs


class RecordingFilterForm(forms.Form):
    def clean(self):
        data = super().clean() or {}
        start, end = data.get("uploaded_from"), data.get("uploaded_to")
        if start and end and end < start:
            self.add_error("uploaded_to", "must not be before uploaded_from")
        return data


def _label_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in (*selectors.shipped_classes(), UNCERTAIN)]


class RecordingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", max_length=100, help_text="file name or patient reference"
    )
    patient = django_filters.CharFilter(
        field_name="patient_ref", label="Patient reference", max_length=64, help_text="exact"
    )
    label = django_filters.ChoiceFilter(
        field_name="shown_label", label="Result", choices=_label_choices, empty_label="any"
    )
    status = django_filters.ChoiceFilter(
        field_name="shown_status",
        label="Status",
        choices=Prediction.Status.choices,
        empty_label="any",
    )
    overread = django_filters.ChoiceFilter(
        field_name="overread_status",
        label="Over-read",
        choices=[(name, name.replace("_", " ")) for name in selectors.OVERREAD_STATUSES],
        empty_label="any",
    )
    uploaded_from = django_filters.DateFilter(
        field_name="uploaded_at", lookup_expr="date__gte", label="Uploaded from"
    )
    uploaded_to = django_filters.DateFilter(
        field_name="uploaded_at", lookup_expr="date__lte", label="Uploaded to"
    )
    owner = django_filters.CharFilter(
        field_name="owner__username", label="Owner", max_length=150, help_text="reviewers only"
    )
    ordering = django_filters.OrderingFilter(fields=SORTABLE, label="Sort by")
    page_size = PageSizeFilter(
        label="Per page", min_value=1, max_value=MAX_PAGE_SIZE, help_text=f"1 to {MAX_PAGE_SIZE}"
    )

    class Meta:
        model = Recording
        form = RecordingFilterForm
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        if user is None or not allowed(user, Perm.VIEW_ALL_RECORDINGS):
            del self.filters["owner"]  # only those who see everyone's recordings

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(original_filename__icontains=value) | Q(patient_ref__icontains=value)
        )

    @property
    def page_size_value(self) -> int:
        """The validated page size (DEFAULT_PAGE_SIZE when not given)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return cleaned.get("page_size") or DEFAULT_PAGE_SIZE

    def applied(self) -> dict[str, str]:
        """The parameters in effect, as text: what exports and audit events record."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return {name: str(value) for name, value in cleaned.items() if value not in (None, "", [])}
