from rest_framework import serializers

from classifier import selectors
from classifier.core.signal import SignalLimits, formats_help
from classifier.models import OverRead, Prediction, Recording

_LIMITS = SignalLimits()


class PredictionSerializer(serializers.ModelSerializer):
    model_version = serializers.CharField(source="model_version.name")

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


class PredictionDetailSerializer(PredictionSerializer):
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

    def get_prediction(self, recording) -> dict | None:
        prediction = selectors.displayed_prediction(recording)
        return self.prediction_serializer(prediction).data if prediction else None


class RecordingDetailSerializer(RecordingSerializer):
    prediction_serializer = PredictionDetailSerializer


class RecordingStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=[*Prediction.Status.values, "none"])


class RecordingUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f"ECG recording: {formats_help()}")
    sampling_rate_hz = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=_LIMITS.min_sampling_rate_hz,
        max_value=_LIMITS.max_sampling_rate_hz,
    )


class SignalQuerySerializer(serializers.Serializer):
    start_s = serializers.FloatField(required=False, default=0.0, min_value=0.0)
    end_s = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0.0)
    max_points = serializers.IntegerField(
        required=False, default=4000, min_value=100, max_value=20000
    )
    lead = serializers.IntegerField(required=False, default=0, min_value=0)
