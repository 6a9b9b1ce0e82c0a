from rest_framework.routers import DefaultRouter

from classifier.api.views import RecordingViewSet

router = DefaultRouter()
router.register("recordings", RecordingViewSet, basename="recording")

urlpatterns = router.urls
