"""Web pages: thin, they parse input, call one service or selector and render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import audit
from accounts.audit import Action
from accounts.permissions import permission_required
from accounts.roles import Perm
from classifier import selectors, services
from classifier.forms import UploadForm
from classifier.model import CLASSES
from classifier.signal import InvalidRecording


@permission_required(Perm.UPLOAD_RECORDING)
def recording_list(request):
    page = Paginator(selectors.recordings_visible_to(request.user), 25).get_page(
        request.GET.get("page")
    )
    rows = [(r, selectors.displayed_prediction(r)) for r in page]
    return render(request, "classifier/recording_list.html", {"page": page, "rows": rows})


@permission_required(Perm.UPLOAD_RECORDING)
@require_http_methods(["GET", "POST"])
def recording_upload(request):
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
    recording = selectors.recording_get(request.user, recording_id)
    audit.record(Action.RECORDING_VIEWED, request=request, target=recording)
    prediction = selectors.displayed_prediction(recording)
    probabilities = [
        (name, (prediction.probabilities or {}).get(name)) for name in CLASSES
    ] if prediction else []
    return render(
        request,
        "classifier/recording_detail.html",
        {"recording": recording, "prediction": prediction, "probabilities": probabilities},
    )


@permission_required(Perm.UPLOAD_RECORDING)
def recording_download(request, recording_id):
    recording = selectors.recording_get(request.user, recording_id)
    audit.record(Action.RECORDING_DOWNLOADED, request=request, target=recording)
    return FileResponse(
        recording.file.open("rb"), as_attachment=True, filename=recording.original_filename
    )


@permission_required(Perm.UPLOAD_RECORDING)
@require_POST
def recording_delete(request, recording_id):
    recording = selectors.recording_get(request.user, recording_id)
    name = recording.original_filename
    services.recording_delete(recording=recording, user=request.user, request=request)
    messages.success(request, f"Deleted {name}.")
    return redirect("classifier:recording_list")
