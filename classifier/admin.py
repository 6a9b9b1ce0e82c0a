from django.contrib import admin

from classifier.models import ModelVersion, Prediction, Recording


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "is_shadow", "created_at", "activated_at"]
    readonly_fields = ["name", "card_file", "sha256", "card", "is_active", "activated_at"]


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["original_filename", "owner", "uploaded_at", "duration_s"]
    readonly_fields = [f.name for f in Recording._meta.fields]


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ["recording", "model_version", "status", "label", "confidence", "is_shadow"]
    readonly_fields = [f.name for f in Prediction._meta.fields]
