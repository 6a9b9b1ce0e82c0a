from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifier import selectors
from classifier.core.card import UNCERTAIN
from classifier.core.errors import InvalidInput
from classifier.core.formats import formats_help
from classifier.core.patient import PATIENT_REF_HELP, PATIENT_REF_MAX_LENGTH, SEXES, patient_details
from classifier.core.pipeline import QUALITIES
from classifier.core.signal import SignalLimits
from classifier.core.window_table import WindowTable
from classifier.models import (
    ModelVersion,
    OverRead,
    OverReadAmendment,
    Prediction,
    Recording,
    Webhook,
    WebhookDelivery,
)

_LIMITS = SignalLimits()
_RATE_HELP = (
    "Hz the samples were recorded at. Required when the file states no rate (.npy, .mat "
    "without fs, .csv without a time column, JSON without sampling_rate_hz): the answer is "
    "then a 400 sampling_rate_required problem; when both are given they must agree."
)


def upload_rate_field() -> serializers.FloatField:
    """The optional rate an upload or a classify request states (bounded like the core's)."""
    return serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=_LIMITS.min_sampling_rate_hz,
        max_value=_LIMITS.max_sampling_rate_hz,
        help_text=_RATE_HELP,
    )


class StrictCharField(serializers.CharField):
    """A string that is a string: JSON numbers and booleans are refused, not turned to text
    (form fields are always strings, so forms are unaffected)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonFloatField(serializers.FloatField):
    """A JSON number: strings ("128") and booleans are refused, as the schema says."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    """A JSON true or false: no "yes", 1 or "true" strings."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


ANSWERS = [*selectors.shipped_classes(), UNCERTAIN]  # the label enum: classes + refusal
CLASSES = ANSWERS[:-1]  # the model's classes (top_class, over-read labels)
OVERREAD_LABELS = [*CLASSES, OverRead.NON_DIAGNOSTIC]  # what a reviewer may read


class PredictionSerializer(serializers.ModelSerializer):
    model_version = serializers.CharField(source="model_version.name")
    # A declared field: DRF moves it off the class, so it never shadows Field.label.
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=ANSWERS,
        allow_blank=True,
        help_text="the answer shown: a class, or 'uncertain'; blank until the status is done",
    )
    top_class = serializers.ChoiceField(
        choices=CLASSES, allow_blank=True, help_text="the most probable class"
    )
    probabilities = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        help_text="per class, summing to 1",
    )
    burden = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        help_text="fraction of the usable analysed time per window answer",
    )
    quality = serializers.DictField(help_text="usable and poor windows")
    timings_ms = serializers.DictField(child=serializers.FloatField())

    class Meta:
        model = Prediction
        fields = [
            "status",
            "label",
            "top_class",
            "confidence",
            "probabilities",
            "model_version",
            "timings_ms",
            "quality",
            "burden",
            "longest_arr_run_s",
            "decided_by",
            "error",
            "created_at",
            "finished_at",
        ]


class OverReadAmendmentSerializer(serializers.ModelSerializer):
    amended_by = serializers.CharField(source="amended_by.get_username", read_only=True)

    class Meta:
        model = OverReadAmendment
        fields = [
            "amended_by", "previous_label", "previous_comment", "label", "comment", "reason",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class OverReadSerializer(serializers.ModelSerializer):
    """A signed over-read (one per reviewer and prediction), its current reading and the
    amendments that led to it."""

    reviewer = serializers.CharField(source="reviewer.get_username", read_only=True)
    # One of the model's classes (the schema's enum: the shipped card's) or "non-diagnostic";
    # the service checks it against the answering model's own card.
    # (DRF's metaclass moves declared fields off the class: this never shadows Field.label.)
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=OVERREAD_LABELS,
        help_text="the reviewer's reading: one of the model's classes, or non-diagnostic",
    )
    comment = StrictCharField(required=False, allow_blank=True, max_length=2000)
    signed_at = serializers.DateTimeField(source="created_at", read_only=True)
    amendments = OverReadAmendmentSerializer(many=True, read_only=True)

    class Meta:
        model = OverRead
        fields = [
            "reviewer", "agrees", "label", "comment", "created_at", "signed_at", "amended_at",
            "amendments",
        ]  # fmt: skip
        read_only_fields = ["reviewer", "agrees", "created_at", "amended_at"]


class OverReadAmendSerializer(serializers.Serializer):
    """A change to the caller's signed over-read: the new reading and why."""

    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=OVERREAD_LABELS, help_text="the new reading"
    )
    comment = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    reason = StrictCharField(max_length=2000, help_text="why the signed reading changes")


class WindowListSerializer(serializers.ListSerializer):
    """A stored prediction's windows (``core.window_table.WindowTable``) are already the
    representation below, value for value: given whole, they are not serialized field by
    field (65,000 windows: seconds of work for nothing)."""

    def to_representation(self, data):
        if isinstance(data, WindowTable):
            return list(data)
        return super().to_representation(data)


class WindowSerializer(serializers.Serializer):
    """One analysis window of one lead (the CLI's ``--windows`` gives the same fields)."""

    lead = serializers.IntegerField(help_text="index into the recording's leads")
    start_s = serializers.FloatField()
    end_s = serializers.FloatField()
    label = serializers.ChoiceField(choices=ANSWERS)  # type: ignore[assignment]
    probabilities = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1))
    quality = serializers.ChoiceField(choices=QUALITIES)

    class Meta:
        list_serializer_class = WindowListSerializer


class WindowQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=2000, default=500, help_text="at most 2000"
    )
    lead = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, help_text="default: all"
    )


class WindowPageSerializer(serializers.Serializer):
    """One page of the shown prediction's windows, in the stored order (lead, then time)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = WindowSerializer(many=True)


class PredictionDetailSerializer(PredictionSerializer):
    windows = WindowSerializer(many=True, read_only=True)
    overreads = OverReadSerializer(many=True, read_only=True)

    class Meta(PredictionSerializer.Meta):
        fields = [*PredictionSerializer.Meta.fields, "windows", "overreads"]


class RecordingSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    # "" when not given: declared so the schema says so (a read-only model field's enum omits it)
    patient_sex = serializers.ChoiceField(choices=["", *SEXES], read_only=True)
    overread_status = serializers.SerializerMethodField(
        help_text="of the shown prediction: not_ready (no finished result), awaiting, signed "
        "(by at least one reviewer), amended (a signed over-read was changed since)",
    )
    signed_by = serializers.SerializerMethodField(help_text="the first reviewer who signed, if any")
    prediction = serializers.SerializerMethodField()
    prediction_serializer = PredictionSerializer

    class Meta:
        model = Recording
        fields = [
            "id",
            "owner",
            "original_filename",
            "sha256",
            "size_bytes",
            "file_format",
            "sampling_rate_hz",
            "n_samples",
            "duration_s",
            "leads",
            "uploaded_at",
            "patient_ref",
            "acquired_at",
            "patient_sex",
            "patient_birth_year",
            "overread_status",
            "signed_by",
            "signal_purged_at",
            "prediction",
        ]
        read_only_fields = fields

    @extend_schema_field(PredictionSerializer(allow_null=True))
    def get_prediction(self, recording) -> dict | None:
        prediction = selectors.displayed_prediction(recording)
        return self.prediction_serializer(prediction).data if prediction else None

    @extend_schema_field(serializers.ChoiceField(choices=selectors.OVERREAD_STATUSES))
    def get_overread_status(self, recording) -> str:
        return selectors.summary_of(recording)["overread_status"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_signed_by(self, recording) -> str | None:
        return selectors.summary_of(recording)["signed_by"]


class RRIntervalsSerializer(serializers.Serializer):
    mean = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class RhythmSerializer(serializers.Serializer):
    """Heart rate and R-R intervals, computed once per recording from its R-peaks."""

    heart_rate_bpm = serializers.FloatField(
        allow_null=True, help_text="mean heart rate: 60000 / mean R-R; null under 3 beats"
    )
    rr_ms = RRIntervalsSerializer(help_text="plausible R-R intervals (200-3000 ms)")
    n_beats = serializers.IntegerField(help_text="R-peaks detected")
    lead = serializers.IntegerField(help_text="index of the lead the R-peaks come from")


class RecordingDetailSerializer(RecordingSerializer):
    prediction_serializer = PredictionDetailSerializer
    rhythm = serializers.SerializerMethodField()

    class Meta(RecordingSerializer.Meta):
        fields = [*RecordingSerializer.Meta.fields, "rhythm"]
        read_only_fields = fields

    @extend_schema_field(RhythmSerializer(allow_null=True))
    def get_rhythm(self, recording) -> dict | None:
        rhythm = getattr(recording, "rhythm", None)  # the reverse one-to-one, when stored
        return RhythmSerializer(rhythm).data if rhythm is not None else None

    @extend_schema_field(PredictionDetailSerializer(allow_null=True))
    def get_prediction(self, recording) -> dict | None:
        return super().get_prediction(recording)


class RecordingUploadedSerializer(RecordingDetailSerializer):
    """An upload's answer: the recording, and whether it is the caller's existing recording
    of the same file (then nothing new was stored or classified)."""

    duplicate = serializers.SerializerMethodField()

    class Meta(RecordingDetailSerializer.Meta):
        fields = [*RecordingDetailSerializer.Meta.fields, "duplicate"]
        read_only_fields = fields

    def get_duplicate(self, recording) -> bool:
        """true: the same file (sha256) was uploaded before by the caller; this is that
        recording, and Location points at it"""
        return bool(self.context.get("duplicate"))


class RecordingStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=[*Prediction.Status.values, "none"])
    progress = serializers.FloatField(
        allow_null=True,
        min_value=0.0,
        max_value=1.0,
        help_text="fraction of the windows classified while running (stored about every "
        "second); null otherwise",
    )


MAX_STATUS_WAIT_S = 30


class StatusQuerySerializer(serializers.Serializer):
    wait = serializers.FloatField(
        required=False,
        default=0.0,
        min_value=0.0,
        max_value=MAX_STATUS_WAIT_S,
        help_text=f"long-poll: wait up to this many seconds (at most {MAX_STATUS_WAIT_S}) "
        "for the status to leave pending/running; the answer comes as soon as it does",
    )


class PatientSerializer(serializers.Serializer):
    """Patient details, all optional; ``validated_data["patient"]`` is a PatientDetails."""

    patient_ref = StrictCharField(
        required=False, allow_blank=True, max_length=PATIENT_REF_MAX_LENGTH, default="",
        help_text=PATIENT_REF_HELP,
    )  # fmt: skip
    acquired_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="when the ECG was taken"
    )
    patient_sex = serializers.ChoiceField(
        choices=["", *SEXES], required=False, allow_blank=True, default=""
    )
    patient_birth_year = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        try:
            patient = patient_details(
                ref=attrs.pop("patient_ref", ""),
                acquired_at=attrs.pop("acquired_at", None),
                sex=attrs.pop("patient_sex", ""),
                birth_year=attrs.pop("patient_birth_year", None),
            )
        except InvalidInput as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return {**attrs, "patient": patient}


class RecordingUploadSerializer(PatientSerializer):
    file = serializers.FileField(required=False, help_text=f"ECG recording: {formats_help()}")
    record_files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        min_length=2,
        max_length=8,
        help_text="instead of file: the files of one WFDB record side by side (its .hea, "
        ".dat and optional .atr, each sent as record_files); stored as one .zip",
    )
    sampling_rate_hz = upload_rate_field()

    def validate(self, attrs):
        if "file" not in attrs and "record_files" not in attrs:
            raise serializers.ValidationError({"file": "No file was submitted."})
        if "file" in attrs and "record_files" in attrs:
            raise serializers.ValidationError("send either file or record_files, not both")
        return super().validate(attrs)  # the patient details


class SignalQuerySerializer(serializers.Serializer):
    start_s = serializers.FloatField(required=False, default=0.0, min_value=0.0, max_value=1e6)
    end_s = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=0.0, max_value=1e6
    )
    max_points = serializers.IntegerField(
        required=False, default=4000, min_value=100, max_value=20000
    )
    lead = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, help_text="default: all"
    )

    def validate(self, attrs):
        if attrs["end_s"] is not None and attrs["end_s"] <= attrs["start_s"]:
            raise serializers.ValidationError({"end_s": "must be after start_s"})
        return attrs


class SignalSerializer(serializers.Serializer):
    sampling_rate_hz = serializers.FloatField()
    duration_s = serializers.FloatField()
    lead_names = serializers.ListField(child=serializers.CharField())
    t = serializers.ListField(child=serializers.FloatField(), help_text="seconds")
    leads = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()), help_text="mV, per lead"
    )
    decimated = serializers.BooleanField(help_text="min/max per bucket when true")
    zoom_level = serializers.IntegerField(
        help_text="buckets of 2**zoom_level samples on a grid from the first sample; 0: every "
        "sample"
    )
    samples_per_bucket = serializers.IntegerField()
    r_peaks_s = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="the recording's R-peaks in the span (s); only at full resolution, else null",
    )


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="the field or query parameter, dotted when nested")
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details: every error answer of the API (application/problem+json)."""

    type = serializers.CharField(help_text="urn:wavecardio:problem:<code>")
    title = serializers.CharField(help_text="the HTTP status phrase")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="what went wrong, for the user")
    instance = serializers.CharField(help_text="the request's path")
    code = serializers.CharField(help_text="machine-readable reason")
    request_id = serializers.CharField(help_text="also in the X-Request-ID header and the logs")
    # A declared field: DRF moves it off the class, so it never shadows Serializer.errors.
    errors = FieldErrorSerializer(many=True, required=False)  # type: ignore[assignment]


class ClassifyRequestSerializer(serializers.Serializer):
    """A multipart ``file``, or a JSON ``signal`` (one list per lead, or one list), plus the
    rate; ``model_version`` for admins and reviewers comparing versions."""

    file = serializers.FileField(required=False, help_text=f"ECG recording: {formats_help()}")
    signal = serializers.JSONField(required=False, help_text="mV: [..] or [[lead 1], [lead 2]]")
    sampling_rate_hz = upload_rate_field()
    model_version = serializers.CharField(required=False, allow_blank=True, default="")
    windows = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if ("file" in attrs) == ("signal" in attrs):
            raise serializers.ValidationError("send exactly one of file and signal")
        return attrs


class ClassifyFileSerializer(ClassifyRequestSerializer):
    """The multipart form of a classify request: a file, no ``signal``."""

    file = serializers.FileField(help_text=f"ECG recording: {formats_help()}")
    signal = None  # type: ignore[assignment]


class ClassifySignalSerializer(ClassifyRequestSerializer):
    """The JSON form of a classify request: a signal, no ``file``; JSON types as the schema
    gives them (a number is not a string, a boolean not 1)."""

    file = None  # type: ignore[assignment]
    signal = serializers.JSONField(help_text="mV: [..] or [[lead 1], [lead 2]]")
    sampling_rate_hz = JsonFloatField(
        required=False,
        allow_null=True,
        min_value=_LIMITS.min_sampling_rate_hz,
        max_value=_LIMITS.max_sampling_rate_hz,
    )
    model_version = StrictCharField(required=False, allow_blank=True, default="")
    windows = JsonBooleanField(required=False, default=False)

    def validate(self, attrs):
        if "file" in self.initial_data:
            raise serializers.ValidationError(
                {"file": "send a file as multipart/form-data, never inside JSON"}
            )
        return attrs


class RecordingHeaderSerializer(serializers.Serializer):
    """Patient and acquisition details a file's header carries (EDF+, WFDB); null if none."""

    patient_id = serializers.CharField(allow_null=True)
    start = serializers.DateTimeField(allow_null=True)
    sex = serializers.CharField(allow_null=True)
    birth_year = serializers.IntegerField(allow_null=True)
    annotations = serializers.IntegerField(
        allow_null=True, help_text="reference annotations that came with it (WFDB .atr)"
    )


class ClassifyResultSerializer(serializers.Serializer):
    """One classified signal: the fields of ``manage.py classify --json``."""

    file = serializers.CharField()
    format = serializers.CharField(help_text="the reader that read the file (npy, edf, wfdb...)")
    sampling_rate_hz = serializers.FloatField(help_text="the rate it was recorded at")
    header = RecordingHeaderSerializer(help_text="what the file's own header says, if anything")
    leads = serializers.ListField(child=serializers.CharField())
    label = serializers.ChoiceField(choices=ANSWERS)  # type: ignore[assignment]
    top_class = serializers.ChoiceField(choices=CLASSES)
    confidence = serializers.FloatField()
    probabilities = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1))
    burden = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1))
    longest_arr_run_s = serializers.FloatField()
    decided_by = serializers.CharField()
    quality = serializers.DictField()
    timings_ms = serializers.DictField(child=serializers.FloatField())
    model_version = serializers.CharField()
    n_windows = serializers.IntegerField()
    windows = WindowSerializer(many=True, required=False)


class ModelVersionSerializer(serializers.ModelSerializer):
    classes = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = ["name", "is_active", "is_shadow", "created_at", "activated_at", "classes"]

    def get_classes(self, version) -> list[str]:
        card = selectors.card_of(version)
        return list(card.classes) if card else []


class ModelVersionDetailSerializer(ModelVersionSerializer):
    card = serializers.SerializerMethodField()

    class Meta(ModelVersionSerializer.Meta):
        fields = [*ModelVersionSerializer.Meta.fields, "card"]

    def get_card(self, version) -> dict:
        """The model card as written by training (data, evaluation, limits)."""
        return selectors.card_fields(version)


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "created_at"]
        read_only_fields = ["id", "created_at"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(
        max_length=500,
        help_text="an HTTPS URL on a host the server allows (WAVECARDIO_WEBHOOK_ALLOWED_HOSTS)",
    )


class WebhookCreatedSerializer(WebhookSerializer):
    """The new webhook with its signing secret, shown this once."""

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event", "payload", "status", "attempts", "response_status", "error",
            "created_at", "last_attempt_at",
        ]  # fmt: skip
        read_only_fields = fields
