"""Read-only admin views (ecgsite.admin): changes go through classifier.services, audited."""

from django.contrib import admin

from classifier.models import ModelVersion, Prediction, Recording
from ecgsite.admin import ReadOnlyAdmin


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ["name", "is_active", "is_shadow", "created_at", "activated_at"]


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ["original_filename", "owner", "uploaded_at", "duration_s"]


@admin.register(Prediction)
class PredictionAdmin(ReadOnlyAdmin):
    list_display = ["recording", "model_version", "status", "label", "confidence", "is_shadow"]
    exclude = ["window_table"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("window_table")  # lists: summaries only
