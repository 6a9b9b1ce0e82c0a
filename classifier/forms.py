from typing import cast

from django import forms

from classifier.core.signal import UPLOAD_FORMATS, SignalLimits, formats_help

_LIMITS = SignalLimits()


class UploadForm(forms.Form):
    file = forms.FileField(
        label="ECG recording",
        help_text=f"{formats_help()}; 8 s to 24 h.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_FORMATS)}),
    )
    sampling_rate_hz = forms.FloatField(
        label="Sampling rate (Hz)",
        required=False,
        min_value=_LIMITS.min_sampling_rate_hz,
        max_value=_LIMITS.max_sampling_rate_hz,
        help_text="Leave empty for 128 Hz (or the rate written in a JSON file). "
        "Other rates are resampled to 128 Hz.",
    )


class OverReadForm(forms.Form):
    """A reviewer's reading; the choices are the classes of the model that answered."""

    label = forms.ChoiceField(label="Your reading")
    comment = forms.CharField(
        label="Comment", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, classes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["label"]).choices = [(name, name) for name in classes]
