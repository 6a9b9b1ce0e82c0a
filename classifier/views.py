"""Web pages: thin, they parse input, call one service or selector and render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import allowed, permission_required
from accounts.roles import Perm
from audit import services as audit
from audit.services import Action
from classifier import selectors, services
from classifier.access import RecordingAction
from classifier.core.errors import Conflict, InvalidInput, NotFound
from classifier.core.signal import InvalidRecording, SamplingRateRequired
from classifier.export import history_csv_rows
from classifier.filters import SORTABLE, RecordingFilter
from classifier.forms import OverReadAmendForm, OverReadForm, PatientForm, UploadForm


@permission_required(Perm.UPLOAD_RECORDING)
def recording_list(request):
    """The history: search, filters, sortable columns and page size (``RecordingFilter``)."""
    history = _history(request)
    if not history.is_valid():
        context: dict[str, object] = {"filter": history, "page": None, "rows": [], "sort_links": {}}
        return render(request, "classifier/recording_list.html", context, status=400)
    page = Paginator(history.qs, history.page_size_value).get_page(request.GET.get("page"))
    rows = [(r, selectors.displayed_prediction(r)) for r in page]
    if patient := history.form.cleaned_data.get("patient"):
        services.patient_search_recorded(
            actor=request.user, patient_ref=patient, shown=len(rows), via="history",
            request=request,
        )  # fmt: skip
    context = {"filter": history, "page": page, "rows": rows, "sort_links": _sort_links(request)}
    return render(request, "classifier/recording_list.html", context)


def _history(request) -> RecordingFilter:
    return RecordingFilter(
        request.GET,
        queryset=selectors.recordings_visible_to(request.user),
        request=request,
    )


def _sort_links(request) -> dict[str, dict]:
    """Per sortable column: the query string sorting by it (toggling the direction) and the
    current direction ("ascending", "descending" or "none") for aria-sort."""
    current = request.GET.get("ordering", "")
    links = {}
    for _, name in SORTABLE:
        query = request.GET.copy()
        query.pop("page", None)
        query["ordering"] = f"-{name}" if current == name else name
        direction = {name: "ascending", f"-{name}": "descending"}.get(current, "none")
        links[name] = {"query": query.urlencode(), "direction": direction}
    return links


@permission_required(Perm.UPLOAD_RECORDING)
@require_GET
def recording_export(request):
    """CSV of the history as filtered (every page); the export is audited."""
    history = _history(request)
    if not history.is_valid():
        text = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in history.errors.items())
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    recordings = history.qs
    audit.record(
        Action.RECORDINGS_EXPORTED,
        actor=request.user,
        request=request,
        details={"filters": history.applied(), "rows": recordings.count()},
    )
    response = StreamingHttpResponse(
        history_csv_rows(recordings), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="wavecardio-history-{stamp}.csv"'
    return response


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
            outcome = services.recording_upload(
                owner=request.user,
                upload=form.cleaned_data["file"],
                sampling_rate_hz=form.cleaned_data["sampling_rate_hz"],
                patient=form.patient,
                request=request,
            )
        except SamplingRateRequired as exc:
            form.add_error("sampling_rate_hz", str(exc))
        except InvalidRecording as exc:
            form.add_error("file", str(exc))
        else:
            recording = outcome.recording
            if outcome.duplicate:
                messages.info(
                    request,
                    f"You uploaded this file before, as {recording.original_filename} on "
                    f"{recording.uploaded_at:%Y-%m-%d %H:%M} UTC: this is that recording "
                    "(nothing was stored or classified again).",
                )
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
    rhythm = services.recording_rhythm_for_view(recording)
    probabilities = list((prediction.probabilities or {}).items()) if prediction else []
    card = selectors.card_fields(prediction.model_version if prediction else None)
    overreads = list(selectors.overreads_of(prediction))
    return render(
        request,
        "classifier/recording_detail.html",
        {
            "recording": recording,
            "rhythm": rhythm,
            "rhythm_lead": recording.leads[rhythm.lead] if rhythm else "",
            "paper_layout": {
                "leads": recording.leads,
                "duration_s": recording.duration_s,
                "rhythm_lead": rhythm.lead if rhythm else 0,
            },
            "prediction": prediction,
            "probabilities": probabilities,
            "overreads": overreads,
            **_overread_forms(request.user, prediction, overreads),
            "may_delete": selectors.may_act_on(request.user, recording, RecordingAction.DELETE),
            "patient_form": (
                PatientForm(initial=_patient_initial(recording))
                if selectors.may_act_on(request.user, recording, RecordingAction.EDIT)
                else None
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


def _patient_initial(recording) -> dict:
    return {
        "patient_ref": recording.patient_ref,
        "acquired_at": recording.acquired_at,
        "patient_sex": recording.patient_sex,
        "patient_birth_year": recording.patient_birth_year,
    }


def _overread_forms(user, prediction, overreads) -> dict:
    """The sign-off form (empty) for a reviewer who has not signed, else the amend form."""
    if not allowed(user, Perm.OVERREAD_PREDICTION) or prediction is None:
        return {}
    labels = selectors.overread_labels(prediction)
    own = next((o for o in overreads if o.reviewer_id == user.pk), None)
    if own is None:
        return {"overread_form": OverReadForm(labels=labels)}
    initial = {"label": own.label, "comment": own.comment}
    return {"own_overread": own, "amend_form": OverReadAmendForm(initial=initial, labels=labels)}


@permission_required(Perm.OVERREAD_PREDICTION)
@require_POST
def recording_overread(request, recording_id):
    """Sign an over-read (the first one by this reviewer for the shown prediction)."""
    return _overread_change(request, recording_id, amend=False)


@permission_required(Perm.OVERREAD_PREDICTION)
@require_POST
def recording_overread_amend(request, recording_id):
    """Amend one's signed over-read, with a reason."""
    return _overread_change(request, recording_id, amend=True)


def _overread_change(request, recording_id, *, amend: bool):
    recording = selectors.recording_get(request.user, recording_id)
    prediction = selectors.displayed_prediction(recording)
    labels = selectors.overread_labels(prediction)
    form = (OverReadAmendForm if amend else OverReadForm)(request.POST, labels=labels)
    if prediction is None or not form.is_valid():
        problems = "; ".join(_form_errors(form))
        messages.error(request, f"The over-read was not saved: {problems or 'no result yet'}.")
    else:
        change = services.overread_amend if amend else services.overread_record
        try:
            change(
                reviewer=request.user, recording_id=recording.pk, request=request, **form.reading()
            )
        except (Conflict, InvalidInput, NotFound) as exc:
            messages.error(request, f"The over-read was not saved: {exc}.")
        else:
            messages.success(request, "Over-read amended." if amend else "Over-read signed.")
            if not amend and "next" in request.POST:
                return redirect("classifier:worklist")
    return redirect("classifier:recording_detail", recording_id=recording.pk)


@permission_required(Perm.OVERREAD_PREDICTION)
def worklist(request):
    """Recordings waiting for an over-read: uncertain and ARR first, then the oldest."""
    page = Paginator(selectors.worklist(request.user), 50).get_page(request.GET.get("page"))
    audit.record(Action.WORKLIST_VIEWED, actor=request.user, request=request,
                 details={"page": page.number, "waiting": page.paginator.count})  # fmt: skip
    rows = [(r, selectors.displayed_prediction(r)) for r in page]
    return render(request, "classifier/worklist.html", {"page": page, "rows": rows})


@permission_required(Perm.UPLOAD_RECORDING)
@require_POST
def recording_patient_edit(request, recording_id):
    """The owner corrects the patient details of a recording."""
    form = PatientForm(request.POST)
    if form.is_valid():
        services.recording_patient_update(
            actor=request.user, recording_id=recording_id, patient=form.patient, request=request
        )
        messages.success(request, "Patient details saved.")
    else:
        messages.error(request, "Patient details not saved: " + " ".join(_form_errors(form)))
    return redirect("classifier:recording_detail", recording_id=recording_id)


def _form_errors(form) -> list[str]:
    return [
        f"{form.fields[name].label + ': ' if name in form.fields else ''}{error}"
        for name, errors in form.errors.items()
        for error in errors
    ]


@permission_required(Perm.UPLOAD_RECORDING)
def patient_detail(request, patient_ref):
    """One patient's recordings over time with their results (audited)."""
    recordings = services.patient_view(actor=request.user, patient_ref=patient_ref, request=request)
    rows = [(r, selectors.displayed_prediction(r)) for r in recordings]
    latest = recordings[-1]
    return render(
        request,
        "classifier/patient_detail.html",
        {"patient_ref": latest.patient_ref, "rows": rows, "latest": latest},
    )


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
def recording_report(request, recording_id):
    """The one-page PDF report (audited)."""
    recording, pdf = services.recording_report(
        actor=request.user, recording_id=recording_id, request=request
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"wavecardio-report-{recording.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


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
        messages.success(request, _CHANGE_DONE[change].format(name=version.name))
    return redirect("classifier:model_version_list")


_CHANGE_DONE = {
    "activate": "{name} is now the active model: new recordings are classified with it.",
    "shadow": "{name} now runs in shadow mode: its answers are stored, never shown.",
    "unshadow": "{name} no longer runs in shadow mode.",
}


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
