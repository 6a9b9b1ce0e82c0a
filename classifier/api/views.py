"""REST API v1: thin views over the same services and selectors as the web pages."""

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import api_permission
from accounts.roles import Perm
from classifier import selectors, services
from classifier.api.serializers import (
    OverReadSerializer,
    RecordingDetailSerializer,
    RecordingSerializer,
    RecordingStatusSerializer,
    RecordingUploadSerializer,
    SignalQuerySerializer,
)
from classifier.core import plotting


class RecordingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Recordings the caller may see, with the prediction shown for each."""

    permission_classes = [IsAuthenticated, api_permission(Perm.UPLOAD_RECORDING)]
    parser_classes = [MultiPartParser, FormParser]
    lookup_field = "pk"

    def get_queryset(self):
        if self.action == "prediction_status":
            return selectors.recording_statuses_visible_to(self.request.user)
        return selectors.recordings_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return RecordingUploadSerializer
        return RecordingDetailSerializer if self.action == "retrieve" else RecordingSerializer

    def retrieve(self, request, *args, **kwargs):
        recording = services.recording_view(
            actor=request.user, recording_id=kwargs["pk"], request=request
        )
        return Response(RecordingDetailSerializer(recording).data)

    @extend_schema(
        request={"multipart/form-data": RecordingUploadSerializer},
        responses={
            201: RecordingDetailSerializer,
            202: OpenApiResponse(RecordingDetailSerializer, "stored; prediction still running"),
            400: OpenApiResponse(description="invalid recording, with the reason"),
            413: OpenApiResponse(description="file over the upload size limit"),
        },
    )
    def create(self, request):
        services.check_request_size(request.META.get("CONTENT_LENGTH"))
        upload = RecordingUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        recording = services.recording_create(
            owner=request.user,
            upload=upload.validated_data["file"],
            sampling_rate_hz=upload.validated_data.get("sampling_rate_hz"),
            request=request,
        )
        recording = selectors.recording_get(request.user, recording.pk)
        prediction = selectors.displayed_prediction(recording)
        finished = prediction is not None and prediction.is_finished
        return Response(
            RecordingDetailSerializer(recording).data,
            status=status.HTTP_201_CREATED if finished else status.HTTP_202_ACCEPTED,
        )

    def destroy(self, request, *args, **kwargs):
        services.recording_delete(actor=request.user, recording_id=kwargs["pk"], request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: RecordingStatusSerializer})
    @action(detail=True, methods=["get"], url_path="status")
    def prediction_status(self, request, pk=None):
        """The shown prediction's status only: cheap to poll, no clinical content."""
        recording = self.get_object()
        return Response(
            RecordingStatusSerializer(
                {"id": recording.pk, "status": recording.shown_status or "none"}
            ).data
        )

    @extend_schema(parameters=[SignalQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def signal(self, request, pk=None):
        """The signal in mV for a time range, min/max-decimated to at most max_points."""
        recording = self.get_object()
        query = SignalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        signal = services.recording_signal(recording)
        params = query.validated_data
        series = plotting.signal_series(
            signal.samples,
            signal.sampling_rate_hz,
            start_s=params["start_s"],
            end_s=params["end_s"],
            max_points=params["max_points"],
        )
        return Response(
            {
                "sampling_rate_hz": signal.sampling_rate_hz,
                "duration_s": signal.duration_s,
                "lead_names": list(signal.lead_names),
                **series,
            }
        )

    @extend_schema(
        parameters=[SignalQuerySerializer], responses={(200, "image/png"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"])
    def scalogram(self, request, pk=None):
        """PNG of the Morlet scalogram the model consumes, for one lead and a time range."""
        recording = self.get_object()
        query = SignalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        signal = services.recording_signal(recording)
        lead = min(params["lead"], signal.n_leads - 1)
        png = plotting.scalogram_png(
            signal.samples[lead],
            selectors.scalogram_spec_for(recording),
            start_s=params["start_s"],
            end_s=params["end_s"],
        )
        return HttpResponse(png, content_type="image/png")

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        """The original uploaded file, byte for byte (audited)."""
        recording, handle = services.recording_file_open(
            actor=request.user, recording_id=pk, request=request
        )
        return FileResponse(
            handle,
            as_attachment=True,
            filename=recording.original_filename,
        )

    @extend_schema(request=OverReadSerializer, responses={201: OverReadSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, api_permission(Perm.OVERREAD_PREDICTION)],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def overread(self, request, pk=None):
        """A reviewer agrees with or corrects the shown prediction (audited)."""
        body = OverReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        overread = services.overread_record(
            reviewer=request.user, recording_id=pk, request=request, **body.validated_data
        )
        return Response(OverReadSerializer(overread).data, status=status.HTTP_201_CREATED)
