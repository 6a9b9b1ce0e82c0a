"""Web pages: thin, they parse input, call one service or selector and render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import permission_required
from accounts.roles import Perm
from classifier import selectors, services
from classifier.core.errors import Conflict, InvalidInput
from classifier.core.signal import InvalidRecording
from classifier.forms import OverReadForm, UploadForm


@permission_required(Perm.UPLOAD_RECORDING)
def recording_list(request):
    page = Paginator(selectors.recordings_visible_to(request.user, summaries=True), 25).get_page(
        request.GET.get("page")
    )
    rows = [(r, selectors.displayed_prediction(r)) for r in page]
    return render(request, "classifier/recording_list.html", {"page": page, "rows": rows})


@permission_required(Perm.UPLOAD_RECORDING)
@require_http_methods(["GET", "POST"])
def recording_upload(request):
    if request.method == "POST":
        try:
            services.check_request_size(request.META.get("CONTENT_LENGTH"))
        except InvalidRecording as exc:
            form = UploadForm(data={})  # the body is never parsed: the error is the only one
            form.errors.clear()
            form.errors["file"] = form.error_class([str(exc)])
            return render(request, "classifier/upload.html", {"form": form}, status=413)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            recording = services.recording_create(
                owner=request.user,
                upload=form.cleaned_data["file"],
                sampling_rate_hz=form.cleaned_data["sampling_rate_hz"],
                request=request,
            )
        except InvalidRecording as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"Uploaded {recording.original_filename}.")
            return redirect("classifier:recording_detail", recording_id=recording.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "classifier/upload.html", {"form": form}, status=status)


@permission_required(Perm.UPLOAD_RECORDING)
def recording_detail(request, recording_id):
    recording = services.recording_view(
        actor=request.user, recording_id=recording_id, request=request
    )
    prediction = selectors.displayed_prediction(recording)
    probabilities = list((prediction.probabilities or {}).items()) if prediction else []
    card = selectors.card_fields(prediction.model_version if prediction else None)
    return render(
        request,
        "classifier/recording_detail.html",
        {
            "recording": recording,
            "prediction": prediction,
            "probabilities": probabilities,
            "overreads": prediction.overreads.select_related("reviewer") if prediction else [],
            "overread_form": OverReadForm(
                initial={"label": getattr(prediction, "top_class", "")},
                classes=[name for name, _ in probabilities],
            ),
            "training_patients": selectors.model_card_summary(card)["patients"],
            "limits": card.get("limits", []),
            "timeline": selectors.timeline(prediction, recording),
            "burden": [
                (name, share)
                for name, share in (getattr(prediction, "burden", None) or {}).items()
                if share
            ],
        },
    )


@permission_required(Perm.OVERREAD_PREDICTION)
@require_POST
def recording_overread(request, recording_id):
    recording = selectors.recording_get(request.user, recording_id)
    prediction = selectors.displayed_prediction(recording)
    classes = list(prediction.probabilities or {}) if prediction else []
    form = OverReadForm(request.POST, classes=classes)
    if prediction is None or not form.is_valid():
        messages.error(request, "The over-read was not recorded: choose a label.")
    else:
        try:
            services.overread_record(
                reviewer=request.user,
                recording_id=recording.pk,
                request=request,
                **form.cleaned_data,
            )
        except (Conflict, InvalidInput) as exc:
            messages.error(request, f"The over-read was not recorded: {exc}.")
        else:
            messages.success(request, "Over-read recorded.")
    return redirect("classifier:recording_detail", recording_id=recording.pk)


@permission_required(Perm.UPLOAD_RECORDING)
def recording_download(request, recording_id):
    recording, handle = services.recording_file_open(
        actor=request.user, recording_id=recording_id, request=request
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=recording.original_filename,
    )


@permission_required(Perm.UPLOAD_RECORDING)
@require_POST
def recording_delete(request, recording_id):
    recording = services.recording_delete(
        actor=request.user, recording_id=recording_id, request=request
    )
    messages.success(request, f"Deleted {recording.original_filename}.")
    return redirect("classifier:recording_list")


@permission_required(Perm.UPLOAD_RECORDING)
def model_card(request, name=None):
    """The card of a model version (default: the active one): what it was trained on,
    how well it does on patients it never saw, and what it must not be used for."""
    version = selectors.model_version_get(name) if name else selectors.active_model_version()
    return render(request, "classifier/model_card.html", _card_context(version))


@permission_required(Perm.MANAGE_MODEL_VERSIONS)
def model_version_list(request):
    versions = [
        (v, selectors.model_card_summary(selectors.card_fields(v)))
        for v in selectors.model_versions()
    ]
    detail = selectors.model_version_get(request.GET["show"]) if "show" in request.GET else None
    return render(
        request,
        "classifier/model_versions.html",
        {"versions": versions, **(_card_context(detail) if detail else {})},
    )


@permission_required(Perm.MANAGE_MODEL_VERSIONS)
@require_POST
def model_version_change(request, name, change):
    version = selectors.model_version_get(name)
    try:
        if change == "activate":
            services.model_version_activate(version=version, user=request.user, request=request)
        else:
            services.model_version_set_shadow(
                version=version, shadow=change == "shadow", user=request.user, request=request
            )
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{version.name}: {change} done.")
    return redirect("classifier:model_version_list")


def _card_context(version) -> dict:
    if version is None:
        return {"version": None}
    card = selectors.card_fields(version)
    return {
        "version": version,
        "card": card,
        "summary": selectors.model_card_summary(card),
        "evaluation_rows": selectors.evaluation_rows(card),
    }
