from django.urls import path
from rest_framework.routers import DefaultRouter

from classifier.api.views import (
    ClassifyView,
    ModelVersionViewSet,
    RecordingViewSet,
    WebhookViewSet,
)

router = DefaultRouter()  # a slash-less URL answers 308 (ecgsite.middleware.CommonMiddleware)
router.include_format_suffixes = False  # JSON by content negotiation; no .json routes
router.register("recordings", RecordingViewSet, basename="recording")
router.register("models", ModelVersionViewSet, basename="model-version")
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = [path("classify/", ClassifyView.as_view(), name="classify"), *router.urls]
