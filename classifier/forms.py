from typing import cast

from django import forms

from classifier.core.errors import InvalidInput
from classifier.core.formats import extensions, formats_help
from classifier.core.patient import (
    PATIENT_REF_HELP,
    PATIENT_REF_MAX_LENGTH,
    SEXES,
    PatientDetails,
    patient_details,
)
from classifier.core.signal import SignalLimits

_LIMITS = SignalLimits()


class PatientForm(forms.Form):
    """Patient details (all optional), validated by ``classifier.core.patient``; the valid
    form's ``patient`` is a PatientDetails."""

    patient_ref = forms.CharField(
        label="Patient reference",
        required=False,
        max_length=PATIENT_REF_MAX_LENGTH,
        help_text=PATIENT_REF_HELP,
    )
    acquired_at = forms.DateTimeField(
        label="Acquired at",
        required=False,
        help_text="When the ECG was taken (UTC).",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    patient_sex = forms.ChoiceField(
        label="Sex", required=False, choices=[("", "not given"), *((s, s) for s in SEXES)]
    )
    patient_birth_year = forms.IntegerField(label="Year of birth", required=False)

    patient: PatientDetails

    def clean(self):
        data = super().clean() or {}
        try:
            self.patient = patient_details(
                ref=data.get("patient_ref"),
                acquired_at=data.get("acquired_at"),
                sex=data.get("patient_sex"),
                birth_year=data.get("patient_birth_year"),
            )
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


class UploadForm(PatientForm):
    file = forms.FileField(
        label="ECG recording",
        help_text=f"{formats_help()}; 8 s to 48 h.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(extensions())}),
    )
    sampling_rate_hz = forms.FloatField(
        label="Sampling rate (Hz)",
        required=False,
        min_value=_LIMITS.min_sampling_rate_hz,
        max_value=_LIMITS.max_sampling_rate_hz,
        help_text="Required when the file does not state its rate (.npy, .mat without fs, "
        ".csv without a time column); leave empty to use the rate in the file's header. "
        "Other rates are resampled to 128 Hz.",
    )

    field_order = ["file", "sampling_rate_hz"]


class OverReadForm(forms.Form):
    """A reviewer's reading, signed explicitly (``signed``): starts empty (no answer
    suggested); the choices are the answering model's classes and non-diagnostic."""

    label = forms.ChoiceField(label="Your reading")
    comment = forms.CharField(
        label="Comment", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    signed = forms.BooleanField(
        label="I have read this ECG myself and sign this over-read",
        error_messages={"required": "tick the box to sign"},
    )

    def __init__(self, *args, labels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["label"])
        field.choices = [("", "— choose —"), *((name, name) for name in labels)]

    def reading(self) -> dict:
        """The cleaned reading for the service (the signature box is the form's own)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "signed"}


class OverReadAmendForm(OverReadForm):
    """A change to one's signed over-read: the reason is mandatory and kept."""

    reason = forms.CharField(
        label="Reason for the amendment",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, labels: list[str], **kwargs):
        super().__init__(*args, labels=labels, **kwargs)
        self.fields["label"].label = "Amended reading"
        self.fields["signed"].label = "I sign this amendment"

    field_order = ["label", "comment", "reason", "signed"]
