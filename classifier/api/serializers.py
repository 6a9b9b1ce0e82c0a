from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifier import selectors
from classifier.core.card import UNCERTAIN
from classifier.core.pipeline import QUALITIES
from classifier.core.signal import SignalLimits, formats_help
from classifier.core.window_table import WindowTable
from classifier.models import ModelVersion, OverRead, Prediction, Recording

_LIMITS = SignalLimits()


_ANSWERS = [*selectors.shipped_classes(), UNCERTAIN]  # the label enum: classes + refusal


class PredictionSerializer(serializers.ModelSerializer):
    model_version = serializers.CharField(source="model_version.name")
    # A declared field: DRF moves it off the class, so it never shadows Field.label.
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=_ANSWERS,
        allow_blank=True,
        help_text="the answer shown: a class, or 'uncertain'; blank until the status is done",
    )
    top_class = serializers.ChoiceField(
        choices=_ANSWERS[:-1], allow_blank=True, help_text="the most probable class"
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


class OverReadSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.get_username", read_only=True)
    # One of the answering model's classes (its card's); the service checks it.
    # (DRF's metaclass moves declared fields off the class: this never shadows Field.label.)
    label = serializers.CharField(max_length=16)  # type: ignore[assignment]

    class Meta:
        model = OverRead
        fields = ["reviewer", "agrees", "label", "comment", "created_at"]
        read_only_fields = ["reviewer", "agrees", "created_at"]


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
    label = serializers.ChoiceField(choices=_ANSWERS)  # type: ignore[assignment]
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
            "prediction",
        ]
        read_only_fields = fields

    @extend_schema_field(PredictionSerializer(allow_null=True))
    def get_prediction(self, recording) -> dict | None:
        prediction = selectors.displayed_prediction(recording)
        return self.prediction_serializer(prediction).data if prediction else None


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


class RecordingUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f"ECG recording: {formats_help()}")
    sampling_rate_hz = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=_LIMITS.min_sampling_rate_hz,
        max_value=_LIMITS.max_sampling_rate_hz,
    )


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
    sampling_rate_hz = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=_LIMITS.min_sampling_rate_hz,
        max_value=_LIMITS.max_sampling_rate_hz,
    )
    model_version = serializers.CharField(required=False, allow_blank=True, default="")
    windows = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if ("file" in attrs) == ("signal" in attrs):
            raise serializers.ValidationError("send exactly one of file and signal")
        return attrs


class ClassifyResultSerializer(serializers.Serializer):
    """One classified signal: the fields of ``manage.py classify --json``."""

    file = serializers.CharField()
    leads = serializers.ListField(child=serializers.CharField())
    label = serializers.ChoiceField(choices=_ANSWERS)  # type: ignore[assignment]
    top_class = serializers.ChoiceField(choices=_ANSWERS[:-1])
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
