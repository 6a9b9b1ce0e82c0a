"""REST API v1: thin views over the same services and selectors as the web pages."""

import hashlib
import json

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.permissions import api_permission
from accounts.roles import Perm
from accounts.throttles import UploadRateThrottle
from classifier import selectors, services
from classifier.api import fhir
from classifier.api.errors import PROBLEM_JSON
from classifier.api.idempotency import HEADER_PARAMETER as IDEMPOTENCY_KEY
from classifier.api.idempotency import idempotent
from classifier.api.pagination import StrictPageNumberPagination
from classifier.api.serializers import (
    ClassifyFileSerializer,
    ClassifyRequestSerializer,
    ClassifyResultSerializer,
    ClassifySignalSerializer,
    ModelVersionDetailSerializer,
    ModelVersionSerializer,
    OverReadAmendSerializer,
    OverReadSerializer,
    PatientSerializer,
    ProblemSerializer,
    RecordingDetailSerializer,
    RecordingSerializer,
    RecordingStatusSerializer,
    RecordingUploadedSerializer,
    RecordingUploadSerializer,
    SignalQuerySerializer,
    SignalSerializer,
    StatusQuerySerializer,
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WindowPageSerializer,
    WindowQuerySerializer,
    WindowSerializer,
)
from classifier.core import envelope, plotting
from classifier.core.errors import Conflict
from classifier.filters import MAX_PAGE_SIZE, RecordingFilter


class FhirJSONRenderer(JSONRenderer):
    media_type = fhir.CONTENT_TYPE
    format = "fhir"


class FirstRenderer(BaseContentNegotiation):
    """FHIR answers are application/fhir+json whatever the Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


RETRY_AFTER_S = 2  # a 202's hint: most predictions finish within a few seconds
MAX_SCALOGRAM_SPAN_S = 600.0  # one image: bounded work per request
# Immutable content, yet patient data: never stored by a browser or proxy cache (a shared
# clinical workstation); the ETag still lets a client that kept its own copy get a 304.
CACHE_CONTROL = "private, no-store"


_PROBLEM_TEXT = {
    400: "invalid input, each field in errors",
    401: "no or invalid credentials (Bearer token or session)",
    403: "the role does not allow it",
    404: "no such recording, or not one the caller may see",
    409: "the recording's state forbids it now",
    410: "the recording's stored file is gone (retention policy, or missing from storage)",
    413: "the upload or body is over the size limit",
    415: "unsupported content type",
    429: "too many requests: wait Retry-After seconds",
}


def problems(*statuses: int) -> dict:
    """The documented error answers of an operation: problem details (RFC 9457)."""
    return {
        (code, PROBLEM_JSON): OpenApiResponse(ProblemSerializer, _PROBLEM_TEXT[code])
        for code in (401, 403, *statuses, 429)
    }


def _reject_unknown_parameters(request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise ValidationError({name: f"unknown parameter (known: {known})" for name in unknown})


def _span_query(request, duration_s: float, n_leads: int, min_span_s: float = 0.0) -> dict:
    """The validated SignalQuerySerializer parameters, checked against the recording."""
    _reject_unknown_parameters(request, set(SignalQuerySerializer().fields))
    query = SignalQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    if params["lead"] is not None and params["lead"] >= n_leads:
        raise ValidationError({"lead": f"this recording has {n_leads} lead(s): 0 to {n_leads - 1}"})
    if params["start_s"] + min_span_s > duration_s:
        raise ValidationError(
            {"start_s": f"must be at most {max(duration_s - min_span_s, 0):g} s for this "
             f"{duration_s:g}-s recording"}
        )  # fmt: skip
    return params


class WindowPagination(StrictPageNumberPagination):
    """Per-window results in pages: a 48-h 3-lead recording has ~65,000 windows."""

    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 2000


def _etag(*parts) -> str:
    return '"' + hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32] + '"'


def _not_modified(request, etag: str) -> bool:
    given = request.headers.get("If-None-Match", "")
    return etag in {tag.strip() for tag in given.split(",")} or given.strip() == "*"


def _with_cache_headers(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


class RecordingPagination(StrictPageNumberPagination):
    """``page_size`` is validated (1 to MAX_PAGE_SIZE) by RecordingFilter before this runs."""

    page_size = 50  # the API's default since v1; the web history shows DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class RecordingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Recordings the caller may see, with the prediction shown for each."""

    permission_classes = [IsAuthenticated, api_permission(Perm.UPLOAD_RECORDING)]
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = RecordingFilter
    pagination_class = RecordingPagination
    lookup_field = "pk"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_parsers(self):
        if getattr(self, "request", None) is not None and self.request.method == "PATCH":
            return [JSONParser(), MultiPartParser(), FormParser()]  # patient details, amends
        return super().get_parsers()

    def get_throttles(self):
        if self.action == "create":
            return [*super().get_throttles(), UploadRateThrottle()]
        return super().get_throttles()

    @extend_schema(
        responses={
            200: RecordingSerializer(many=True),
            **problems(400),
            (404, PROBLEM_JSON): OpenApiResponse(ProblemSerializer, "no such page"),
        }
    )
    def list(self, request, *args, **kwargs):
        """The recordings the caller may see, filtered, sorted and paged (summaries: no
        per-window results). Invalid or unknown parameters answer 400."""
        allowed = set(RecordingFilter(request=request).filters)
        _reject_unknown_parameters(request, {"page", *allowed})
        empty = sorted(name for name, value in request.query_params.items() if value == "")
        if empty:  # an empty date or choice is no filter the schema allows: say so, not ignore
            raise ValidationError({name: "empty: give a value or leave it out" for name in empty})
        response = super().list(request, *args, **kwargs)
        if patient := request.query_params.get("patient"):
            services.patient_search_recorded(
                actor=request.user, patient_ref=patient, shown=len(response.data["results"]),
                via="api", request=request,
            )  # fmt: skip
        return response

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset  # one recording: query parameters are the action's own
        return super().filter_queryset(queryset)

    def get_queryset(self):
        return selectors.recordings_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return RecordingUploadSerializer
        return RecordingDetailSerializer if self.action == "retrieve" else RecordingSerializer

    @extend_schema(responses={200: RecordingDetailSerializer, **problems(404)})
    def retrieve(self, request, *args, **kwargs):
        recording = services.recording_view(
            actor=request.user, recording_id=kwargs["pk"], request=request
        )
        services.recording_rhythm_for_view(recording)  # queued when missing
        return Response(RecordingDetailSerializer(recording).data)

    @extend_schema(
        request={"multipart/form-data": RecordingUploadSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: OpenApiResponse(
                RecordingUploadedSerializer,
                "the same file was uploaded before by the caller: that recording (duplicate: "
                "true, Location), nothing stored or classified again",
            ),
            201: RecordingUploadedSerializer,
            202: OpenApiResponse(
                RecordingUploadedSerializer,
                "stored; the prediction is still running (see Retry-After and Location)",
            ),
            **problems(400, 413, 415),
        },
    )
    @idempotent
    def create(self, request):
        services.check_request_size(request.META.get("CONTENT_LENGTH"))
        upload = RecordingUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        params = upload.validated_data
        bundle = None
        if "record_files" in params:
            bundle = services.wfdb_record_upload(params["record_files"])
        try:
            outcome = services.recording_upload(
                owner=request.user,
                upload=bundle or params["file"],
                sampling_rate_hz=params.get("sampling_rate_hz"),
                patient=params["patient"],
                request=request,
            )
        finally:
            if bundle is not None:
                bundle.close()  # removes its temporary file
        recording = selectors.recording_get(request.user, outcome.recording.pk)
        prediction = selectors.displayed_prediction(recording)
        finished = prediction is not None and prediction.is_finished
        headers = {"Location": reverse("recording-detail", args=[recording.pk], request=request)}
        if not finished:
            headers["Retry-After"] = str(RETRY_AFTER_S)
        answer: int = status.HTTP_201_CREATED if finished else status.HTTP_202_ACCEPTED
        if outcome.duplicate:
            answer = status.HTTP_200_OK
        body = RecordingUploadedSerializer(recording, context={"duplicate": outcome.duplicate})
        return Response(body.data, status=answer, headers=headers)

    @extend_schema(
        request=PatientSerializer,
        responses={200: RecordingDetailSerializer, **problems(400, 404)},
        description="The owner changes the patient details (audited); fields left out keep "
        "their value, null or an empty string clears one.",
    )
    def partial_update(self, request, *args, **kwargs):
        if not hasattr(request.data, "items"):  # JSON null, a list, a number...
            raise ValidationError("send an object of patient fields")
        fields = set(PatientSerializer().fields)
        unknown = sorted(set(request.data) - fields)
        if unknown:
            raise ValidationError({name: "not a patient field" for name in unknown})
        current = selectors.recording_get(request.user, kwargs["pk"])
        body = PatientSerializer(
            data={name: getattr(current, name) for name in fields} | dict(request.data.items())
        )
        body.is_valid(raise_exception=True)
        services.recording_patient_update(
            actor=request.user,
            recording_id=kwargs["pk"],
            patient=body.validated_data["patient"],
            request=request,
        )
        recording = selectors.recording_get(request.user, kwargs["pk"])
        return Response(RecordingDetailSerializer(recording).data)

    @extend_schema(responses={204: None, **problems(404)})
    def destroy(self, request, *args, **kwargs):
        services.recording_delete(actor=request.user, recording_id=kwargs["pk"], request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[StatusQuerySerializer],
        responses={200: RecordingStatusSerializer, **problems(400, 404)},
    )
    @action(detail=True, methods=["get"], url_path="status")
    def prediction_status(self, request, pk=None):
        """The shown prediction's status only: cheap to poll, no clinical content. With
        ``wait``, a long-poll: answers as soon as the status is no longer pending or running,
        or after ``wait`` seconds with the status as it is then."""
        _reject_unknown_parameters(request, set(StatusQuerySerializer().fields))
        query = StatusQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        recording, shown = selectors.recording_status(
            request.user, pk, wait_s=query.validated_data["wait"]
        )
        return Response(
            RecordingStatusSerializer(
                {"id": recording.pk, "status": shown.status, "progress": shown.progress}
            ).data
        )

    @extend_schema(
        parameters=[SignalQuerySerializer],
        responses={200: SignalSerializer, **problems(400, 404, 410)},
    )
    @action(detail=True, methods=["get"])
    def signal(self, request, pk=None):
        """The signal in mV for a time range (every lead, or only ``lead``), as at most
        ``max_points`` points per lead: every sample, or above that the min/max envelope of
        the zoom level's buckets (``core.envelope``). A span at full resolution carries the
        recording's R-peaks in it."""
        recording = self.get_object()
        params = _span_query(request, recording.duration_s, recording.n_leads)
        signal = services.recording_signal_for_viewer(recording)  # parsed only for a valid request
        lead = params["lead"]
        leads = [lead] if lead is not None else list(range(signal.n_leads))
        # Basic slices, never a copy of the whole recording: the envelope reads only the span.
        samples = signal.samples if lead is None else signal.samples[lead : lead + 1]
        series = envelope.signal_envelope(
            samples,
            signal.sampling_rate_hz,
            start_s=params["start_s"],
            end_s=params["end_s"],
            max_points=params["max_points"],
        )
        rhythm = selectors.rhythm_of(recording)
        peaks = None
        if rhythm is not None and not series["decimated"] and series["t"]:
            peaks = rhythm.peak_times_s(series["t"][0], series["t"][-1])
        return Response(
            SignalSerializer(
                {
                    "sampling_rate_hz": signal.sampling_rate_hz,
                    "duration_s": signal.duration_s,
                    "lead_names": [signal.lead_names[i] for i in leads],
                    "r_peaks_s": peaks,
                    **series,
                }
            ).data
        )

    @extend_schema(
        parameters=[SignalQuerySerializer],
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="unchanged since the ETag given in If-None-Match"),
            **problems(400, 404, 410),
        },
    )
    @action(detail=True, methods=["get"])
    def scalogram(self, request, pk=None):
        """PNG of the Morlet scalogram the model consumes, for one lead and a time range of at
        most MAX_SCALOGRAM_SPAN_S seconds (default: from start_s on). Immutable for a given
        recording, model preprocessing and span: ETag and conditional requests."""
        recording = self.get_object()
        spec = selectors.scalogram_spec_for(recording)
        params = _span_query(
            request, recording.duration_s, recording.n_leads, min_span_s=spec.window_s
        )
        end_s = params["end_s"]
        if end_s is None:
            end_s = min(recording.duration_s, params["start_s"] + MAX_SCALOGRAM_SPAN_S)
        if end_s - params["start_s"] > MAX_SCALOGRAM_SPAN_S:
            raise ValidationError({"end_s": f"at most {MAX_SCALOGRAM_SPAN_S:g} s per image"})
        lead = params["lead"] or 0
        etag = _etag(recording.sha256, spec.to_dict(), lead, params["start_s"], end_s)
        if _not_modified(request, etag):
            return _with_cache_headers(HttpResponse(status=status.HTTP_304_NOT_MODIFIED), etag)
        signal = services.recording_signal_for_viewer(recording)
        png = plotting.scalogram_png(
            signal.samples[lead], spec, start_s=params["start_s"], end_s=end_s
        )
        return _with_cache_headers(HttpResponse(png, content_type="image/png"), etag)

    @extend_schema(
        parameters=[WindowQuerySerializer],
        responses={200: WindowPageSerializer, **problems(400, 404, 409)},
    )
    @action(detail=True, methods=["get"])
    def windows(self, request, pk=None):
        """The shown prediction's per-window answers (the CLI's ``--windows`` fields), one
        page at a time, optionally one ``lead``'s only; an audited read like the detail."""
        _reject_unknown_parameters(request, set(WindowQuerySerializer().fields))
        query = WindowQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        recording = services.recording_view(actor=request.user, recording_id=pk, request=request)
        lead = query.validated_data["lead"]
        if lead is not None and lead >= recording.n_leads:
            raise ValidationError(
                {"lead": f"this recording has {recording.n_leads} lead(s): 0 to "
                 f"{recording.n_leads - 1}"}
            )  # fmt: skip
        windows = selectors.prediction_windows(recording, lead=lead)
        paginator = WindowPagination()
        page = paginator.paginate_queryset(windows, request, view=self)
        return paginator.get_paginated_response(WindowSerializer(page, many=True).data)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="unchanged since the ETag given in If-None-Match"),
            **problems(404, 410),
        }
    )
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        """The original uploaded file, byte for byte (audited)."""
        recording, handle = services.recording_file_open(
            actor=request.user, recording_id=pk, request=request
        )
        etag = f'"{recording.sha256}"'
        if _not_modified(request, etag):
            handle.close()
            return _with_cache_headers(HttpResponse(status=status.HTTP_304_NOT_MODIFIED), etag)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=recording.original_filename,
            content_type="application/octet-stream",
        )
        return _with_cache_headers(response, etag)

    @extend_schema(
        responses={
            (200, fhir.CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT,
                "FHIR R4 DiagnosticReport: the rhythm as a contained Observation coded in "
                "SNOMED CT (none for uncertain), class probabilities as its components, the "
                "model version as a contained Device (audited like the recording's detail)",
            ),
            **problems(404, 409),
        }
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[FhirJSONRenderer],
        content_negotiation_class=FirstRenderer,
    )
    def fhir(self, request, pk=None):
        """The shown prediction as a FHIR R4 DiagnosticReport (application/fhir+json)."""
        _reject_unknown_parameters(request, set())
        recording = services.recording_view(actor=request.user, recording_id=pk, request=request)
        prediction = selectors.displayed_prediction(recording)
        if prediction is None or prediction.status != "done":
            raise Conflict("no finished prediction to report yet (see .../status/?wait=)")
        rhythm = selectors.rhythm_of(recording)
        heart_rate = rhythm.heart_rate_bpm if rhythm is not None else None
        return Response(fhir.diagnostic_report(recording, prediction, heart_rate_bpm=heart_rate))

    @extend_schema(
        methods=["POST"],
        request=OverReadSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OverReadSerializer,
            (409, PROBLEM_JSON): OpenApiResponse(
                ProblemSerializer,
                "the caller already signed an over-read of this result (amend it with PATCH), "
                "or the result is not finished",
            ),
            **problems(400, 404, 413, 415),
        },
        description="Sign an over-read of the shown prediction: one per reviewer and "
        "prediction; signing locks it (change it with PATCH and a reason).",
    )
    @extend_schema(
        methods=["PATCH"],
        request=OverReadAmendSerializer,
        responses={200: OverReadSerializer, **problems(400, 404, 409, 413, 415)},
        description="Amend the caller's signed over-read: the previous reading and the "
        "reason are kept as an amendment (audited). 404 when there is nothing to amend.",
    )
    @action(
        detail=True,
        methods=["post", "patch"],
        permission_classes=[IsAuthenticated, api_permission(Perm.OVERREAD_PREDICTION)],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def overread(self, request, pk=None):
        """Sign (POST) or amend (PATCH) the caller's over-read of the shown prediction."""
        if request.method == "PATCH":
            return self._overread_amend(request, pk)
        return self._overread_sign(request, pk)

    @idempotent
    def _overread_sign(self, request, pk):
        body = OverReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            overread = services.overread_record(
                reviewer=request.user, recording_id=pk, request=request, **body.validated_data
            )
        except services.OverReadExists as exc:
            amend = reverse("recording-overread", args=[pk], request=request)
            raise Conflict(f"{exc}: PATCH {amend} with label, comment and reason") from exc
        return Response(OverReadSerializer(overread).data, status=status.HTTP_201_CREATED)

    def _overread_amend(self, request, pk):
        body = OverReadAmendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        overread = services.overread_amend(
            reviewer=request.user, recording_id=pk, request=request, **body.validated_data
        )
        return Response(OverReadSerializer(overread).data)


class ClassifyView(APIView):
    """Classify a short signal without storing it (audited; nothing else kept)."""

    permission_classes = [IsAuthenticated, api_permission(Perm.UPLOAD_RECORDING)]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    throttle_classes = [*APIView.throttle_classes, UploadRateThrottle]

    @extend_schema(
        request={
            "multipart/form-data": ClassifyFileSerializer,
            "application/json": ClassifySignalSerializer,
        },
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: ClassifyResultSerializer,
            **problems(400, 409, 413, 415),
            (404, PROBLEM_JSON): OpenApiResponse(ProblemSerializer, "no such model_version"),
        },
    )
    @idempotent
    def post(self, request):
        services.check_request_size(request.META.get("CONTENT_LENGTH"))
        as_json = request.content_type.startswith("application/json")
        body = (ClassifySignalSerializer if as_json else ClassifyRequestSerializer)(
            data=request.data
        )
        body.is_valid(raise_exception=True)
        params = body.validated_data
        if "file" in params:
            filename = params["file"].name
            content = services.read_upload(params["file"], limits=services.signal_limits())
        else:
            filename = "signal.json"
            content = json.dumps(
                {"signal": params["signal"], "sampling_rate_hz": params.get("sampling_rate_hz")}
            ).encode()
        signal, result = services.signal_classify(
            actor=request.user,
            content=content,
            filename=filename,
            sampling_rate_hz=params.get("sampling_rate_hz"),
            model_version=params["model_version"],
            request=request,
        )
        fields = {"file": filename, **result.report_fields(signal, with_windows=params["windows"])}
        return Response(ClassifyResultSerializer(fields).data)


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """The registered model versions and their cards (read-only; admins change them on the
    web or with manage.py model_versions)."""

    permission_classes = [IsAuthenticated, api_permission(Perm.UPLOAD_RECORDING)]
    lookup_field = "name"
    lookup_value_regex = "[^/]+"
    pagination_class = None

    def get_queryset(self):
        return selectors.model_versions()

    def get_serializer_class(self):
        if self.action == "list":
            return ModelVersionSerializer
        return ModelVersionDetailSerializer

    def get_object(self):
        return selectors.model_version_get(self.kwargs["name"])

    @extend_schema(responses={200: ModelVersionSerializer(many=True), **problems()})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        responses={
            200: ModelVersionDetailSerializer,
            **problems(),
            (404, PROBLEM_JSON): OpenApiResponse(ProblemSerializer, "no such model version"),
        }
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses={200: ModelVersionDetailSerializer, **problems(404, 409)})
    @action(detail=False, methods=["get"])
    def active(self, request):
        version = selectors.active_model_version()
        if version is None:
            raise Conflict("no model version is active")
        return Response(ModelVersionDetailSerializer(version).data)


_WEBHOOK_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class WebhookViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Webhooks instead of polling: each registered URL receives a signed POST when a
    prediction of the caller's recordings finishes or fails. The body (``event``,
    ``recording``, ``status``, ``detail_path``, ``delivery``) holds no clinical content; the
    header ``X-WaveCardio-Signature: t=<unix time>,v1=<hex>`` is HMAC-SHA256 with the
    webhook's secret over ``"<t>." + body``. Failed deliveries are retried with backoff (5
    attempts); every attempt is in the delivery log."""

    permission_classes = [IsAuthenticated, api_permission(Perm.UPLOAD_RECORDING)]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = WebhookSerializer
    pagination_class = None
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.webhooks_of(self.request.user)

    @extend_schema(responses={200: WebhookSerializer(many=True), **problems()})
    def list(self, request, *args, **kwargs):
        _reject_unknown_parameters(request, set())
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=WebhookCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: WebhookCreatedSerializer, **problems(400, 409, 413, 415)},
    )
    @idempotent
    def create(self, request):
        body = WebhookCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        webhook = services.webhook_create(
            owner=request.user, url=body.validated_data["url"], request=request
        )
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[_WEBHOOK_ID], responses={204: None, **problems(404)})
    def destroy(self, request, *args, **kwargs):
        services.webhook_delete(owner=request.user, webhook_id=kwargs["pk"], request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[_WEBHOOK_ID],
        responses={200: WebhookDeliverySerializer(many=True), **problems(404)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The delivery log: every notification and its attempts, newest first (at most 100)."""
        _reject_unknown_parameters(request, set())
        rows = selectors.webhook_deliveries(request.user, pk)[:100]
        return Response(WebhookDeliverySerializer(rows, many=True).data)
