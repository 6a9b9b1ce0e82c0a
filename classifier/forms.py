from typing import cast

from django import forms

from classifier.core.formats import extensions, formats_help
from classifier.core.signal import SignalLimits

_LIMITS = SignalLimits()


class UploadForm(forms.Form):
    file = forms.FileField(
        label="ECG recording",
        help_text=f"{formats_help()}; 8 s to 24 h.",
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


class OverReadForm(forms.Form):
    """A reviewer's reading; the choices are the classes of the model that answered."""

    label = forms.ChoiceField(label="Your reading")
    comment = forms.CharField(
        label="Comment", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, classes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["label"]).choices = [(name, name) for name in classes]
