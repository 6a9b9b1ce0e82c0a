from rest_framework.routers import DefaultRouter

from classifier.api.views import RecordingViewSet

router = DefaultRouter()
router.include_format_suffixes = False  # JSON by content negotiation; no .json routes
router.register("recordings", RecordingViewSet, basename="recording")

urlpatterns = router.urls
