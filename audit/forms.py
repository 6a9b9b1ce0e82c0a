"""The auditor's filter form."""

from typing import Any, cast

from django import forms

from audit.models import AuditEvent
from audit.services import Action


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=254, label="User")
    action = forms.ChoiceField(required=False, label="Action")
    outcome = forms.ChoiceField(
        required=False, choices=[("", "any"), *AuditEvent.Outcome.choices], label="Outcome"
    )
    target_type = forms.CharField(required=False, max_length=64, label="Target type")
    target_id = forms.CharField(required=False, max_length=64, label="Target id")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            ("", "any"),
            *((a, a) for a in Action.all()),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("“From” must not be after “To”.")
        return data

    def filters(self) -> dict:
        """The non-empty filters, as keyword arguments of ``audit.selectors.events_matching``
        (none for an unbound form)."""
        if not self.is_bound:
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
