"""Reads, always restricted to what the user may see."""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from classifier.access import RecordingAction
from classifier.core.card import UNCERTAIN, ModelCard, ModelLoadError
from classifier.core.cwt import ScalogramSpec
from classifier.core.errors import Conflict, NotFound
from classifier.core.model import newest_card, read_card
from classifier.core.window_table import WindowTable
from classifier.models import (
    ModelVersion,
    OverRead,
    Prediction,
    Recording,
    RecordingQuerySet,
    RecordingRhythm,
    Webhook,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)


OVERREAD_STATUSES = ("not_ready", "awaiting", "signed", "amended")
WORKLIST_FIRST = (UNCERTAIN, "ARR")  # answers a reviewer should read first


def recordings_visible_to(
    user, *, action: RecordingAction = RecordingAction.VIEW
) -> RecordingQuerySet:
    """The recordings ``user`` may see (or act on), with their shown predictions and models
    prefetched and the summary annotations of ``with_summary``. The per-window results are
    deferred: a detail reads its one prediction's on demand, a list never does."""
    shown = (
        Prediction.objects.filter(is_shadow=False)
        .select_related("model_version")
        .defer("window_table")
    )
    recordings = (
        Recording.objects.restrict(user, action)
        .select_related("owner")
        .prefetch_related(Prefetch("predictions", queryset=shown, to_attr="shown_predictions"))
    )
    return with_summary(recordings)


def with_summary(recordings: RecordingQuerySet) -> RecordingQuerySet:
    """Annotate each recording with its shown prediction's ``shown_label`` and
    ``shown_status`` and its over-read state: ``overread_status`` (one of OVERREAD_STATUSES),
    ``overread_count`` and ``signed_by`` (the first reviewer who signed). Subqueries only:
    what lists filter and sort on, without loading predictions."""
    newest = Prediction.objects.filter(recording=OuterRef("pk"), is_shadow=False).order_by(
        "-created_at"
    )
    recordings = recordings.annotate(
        shown_prediction_id=Subquery(newest.values("pk")[:1]),
        shown_label=Subquery(newest.values("label")[:1]),
        shown_status=Subquery(newest.values("status")[:1]),
    )
    overreads = OverRead.objects.filter(prediction_id=OuterRef("shown_prediction_id"))
    count = overreads.order_by().values("prediction_id").annotate(n=Count("pk")).values("n")[:1]
    return recordings.annotate(
        overread_count=Coalesce(Subquery(count), 0),
        signed_by=Subquery(overreads.order_by("created_at").values("reviewer__username")[:1]),
        overread_status=Case(
            When(Exists(overreads.filter(amended_at__isnull=False)), then=Value("amended")),
            When(Exists(overreads), then=Value("signed")),
            When(shown_status=Prediction.Status.DONE, then=Value("awaiting")),
            default=Value("not_ready"),
            output_field=CharField(),
        ),
    )


SUMMARY_FIELDS = ("shown_label", "shown_status", "overread_status", "overread_count", "signed_by")


def summary_of(recording: Recording) -> dict:
    """The ``with_summary`` annotations of one recording: read from it when it came through
    ``recordings_visible_to``, else queried (one small query)."""
    if all(hasattr(recording, name) for name in SUMMARY_FIELDS):
        return {name: getattr(recording, name) for name in SUMMARY_FIELDS}
    row = with_summary(Recording.objects.filter(pk=recording.pk)).values(*SUMMARY_FIELDS)
    return row.first() or dict.fromkeys(SUMMARY_FIELDS)


def worklist(user) -> RecordingQuerySet:
    """Recordings waiting for an over-read that ``user`` may give: finished, shown, not read
    by anyone yet; uncertain and ARR answers first, then the oldest upload first."""
    return (
        recordings_visible_to(user, action=RecordingAction.OVERREAD)
        .filter(overread_status="awaiting")  # type: ignore[misc]  # an annotation
        .annotate(
            priority=Case(
                When(shown_label__in=WORKLIST_FIRST, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("priority", "uploaded_at", "pk")
    )


def overread_labels(prediction: Prediction | None) -> list[str]:
    """What a reviewer may read: the answering model's classes, in order, or non-diagnostic."""
    if prediction is None:
        return []
    return [*(prediction.probabilities or {}), OverRead.NON_DIAGNOSTIC]


def may_act_on(user, recording: Recording, action: RecordingAction) -> bool:
    """Whether ``user`` may do ``action`` to ``recording`` (what pages offer as buttons)."""
    return Recording.objects.restrict(user, action).filter(pk=recording.pk).exists()


def overreads_of(prediction: Prediction | None) -> QuerySet[OverRead]:
    """The signed over-reads of a prediction with their amendments, first signed first."""
    if prediction is None:
        return OverRead.objects.none()
    return (
        prediction.overreads.select_related("reviewer")
        .prefetch_related("amendments__amended_by")
        .order_by("created_at", "pk")
    )


def patient_recordings(user, patient_ref: str) -> RecordingQuerySet:
    """The recordings of one patient that ``user`` may see, in the order they were taken
    (acquisition time, else upload time): a serial comparison. Summaries only."""
    return (
        recordings_visible_to(user)
        .filter(patient_ref=patient_ref)
        .annotate(taken_at=Coalesce("acquired_at", "uploaded_at"))
        .order_by("taken_at", "pk")
    )


def recording_statuses_visible_to(user) -> RecordingQuerySet:
    """The recordings ``user`` may see, each with only ``shown_status`` and ``shown_progress``:
    the newest shown prediction's status (``None`` before one) and how far it got. One small
    query: what a poll costs."""
    newest = Prediction.objects.filter(recording=OuterRef("pk"), is_shadow=False).order_by(
        "-created_at"
    )
    visible = Recording.objects.restrict(user, RecordingAction.VIEW)
    return visible.only("pk").annotate(
        shown_status=Subquery(newest.values("status")[:1]),
        shown_progress=Subquery(newest.values("progress")[:1]),
    )


STATUS_POLL_INTERVAL_S = 0.5  # how often a long-poll re-reads the status (one small query)
_PENDING = {Prediction.Status.PENDING, Prediction.Status.RUNNING}


@dataclass(frozen=True)
class ShownStatus:
    status: str  # the shown prediction's status, "none" before one
    progress: float | None  # fraction of its windows classified, while running


def recording_status(user, recording_id, *, wait_s: float = 0.0) -> tuple[Recording, ShownStatus]:
    """The recording (``pk`` only) and its shown prediction's status and progress.

    With ``wait_s`` > 0, a long-poll: while the status is pending or running, re-read it
    every STATUS_POLL_INTERVAL_S (each read its own autocommit query, no transaction held
    open between them) and answer as soon as it changes or ``wait_s`` has passed.
    """
    deadline = time.monotonic() + wait_s
    while True:
        recording = recording_statuses_visible_to(user).get_for(user, recording_id)
        status = getattr(recording, "shown_status", None) or "none"
        left_s = deadline - time.monotonic()
        if status not in _PENDING or left_s <= 0:
            running = status == Prediction.Status.RUNNING
            progress = getattr(recording, "shown_progress", None) if running else None
            return recording, ShownStatus(status, progress)
        _sleep(min(STATUS_POLL_INTERVAL_S, left_s))


_sleep = time.sleep  # tests replace it to change the status between two reads


def recording_get(user, recording_id) -> Recording:
    """The recording if ``user`` may see it; NotFound otherwise, so ids reveal nothing."""
    return recordings_visible_to(user).get_for(user, recording_id)


def displayed_prediction(recording: Recording) -> Prediction | None:
    """The newest non-shadow prediction (shadow-mode results are stored, never shown)."""
    shown = getattr(recording, "shown_predictions", None)
    if shown is None:
        newest_first = recording.predictions.filter(is_shadow=False).order_by("-created_at")
        shown = list(newest_first.defer("window_table"))
    return shown[0] if shown else None


def prediction_windows(recording: Recording, *, lead: int | None = None) -> WindowTable:
    """The shown prediction's per-window answers (``lead``'s only when given), a lazy
    sequence: a page decodes only its rows. Conflict while there is no finished
    prediction to read them from."""
    prediction = displayed_prediction(recording)
    if prediction is None or prediction.status != Prediction.Status.DONE:
        raise Conflict("the recording has no finished prediction yet")
    windows = prediction.windows
    return windows if lead is None else windows.of_lead(lead)


def rhythm_of(recording: Recording) -> RecordingRhythm | None:
    """The recording's stored heart rhythm (None until it is computed)."""
    return RecordingRhythm.objects.filter(recording=recording).first()


def active_model_version() -> ModelVersion | None:
    """The version whose predictions are shown (None before one is activated)."""
    return ModelVersion.objects.filter(is_active=True).first()


def shadow_model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(is_shadow=True)


def card_of(version: ModelVersion | None) -> ModelCard | None:
    """A version's card, read from its file under MODELS_DIR (the one authoritative copy);
    None when there is no version or its card cannot be read (logged)."""
    if version is None:
        return None
    try:
        return read_card(version.card_path)
    except ModelLoadError as exc:
        logger.warning("model_card_unreadable version=%s error=%s", version.name, exc)
        return None


def shipped_classes() -> tuple[str, ...]:
    """The classes of the newest model card in MODELS_DIR (what a fresh install serves);
    empty when no card is readable. For schemas and metric series fixed at start-up."""
    try:
        return read_card(newest_card(settings.WAVECARDIO["MODELS_DIR"])).classes
    except (ModelLoadError, OSError):
        return ()


def card_fields(version: ModelVersion | None) -> dict:
    """The card as the pages show it (empty when unreadable)."""
    card = card_of(version)
    return card.raw if card else {}


def scalogram_spec_for(recording: Recording) -> ScalogramSpec:
    """The preprocessing of the model whose prediction is shown (default spec before one)."""
    prediction = displayed_prediction(recording)
    card = card_of(prediction.model_version if prediction else active_model_version())
    return card.spec if card else ScalogramSpec()


def model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.all()


def model_version_get(name: str) -> ModelVersion:
    try:
        return ModelVersion.objects.get(name=name)
    except ModelVersion.DoesNotExist as exc:
        raise NotFound(f"no model version named {name!r}") from exc


def _dig(data, *keys):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _fold_checks(cv: dict) -> list[dict]:
    """The shipped recipe's targets on other patient-to-fold assignments: value per target."""
    checks = []
    for check in cv.get("fold_assignment_check") or []:
        targets = check.get(cv.get("shipped_candidate")) or {}
        checks.append(
            {"seed": check.get("seed")}
            | {name.removeprefix("arr_vs_nsr_"): row.get("value") for name, row in targets.items()}
        )
    return checks


def model_card_summary(card: dict) -> dict:
    """Headline figures of a model card for side-by-side comparison (None when absent).

    Patient-grouped cross-validation (``cv.shipped``) is preferred to the single hold-out
    split of a card written before ``make evaluate``.
    """
    cv = card.get("cv") or {}
    evaluation = cv.get("shipped") or card.get("evaluation") or {}
    rows = {}
    for level in ("per_recording", "per_window"):
        for task in ("arr_vs_nsr", "three_class"):
            block = _dig(evaluation, level, task) or {}
            rows[f"{level}.{task}"] = {
                "accuracy": block.get("accuracy"),
                "ci95": _dig(block, "ci95", "accuracy"),
                "macro_f1": block.get("macro_f1"),
                "n": block.get("n"),
            }
    per_class = _dig(card, "data", "per_class") or {}
    return {
        "method": cv.get("method") or evaluation.get("method", ""),
        "computed_on": cv.get("computed_on") or evaluation.get("computed_on") or {},
        "figures": rows,
        "ece": _dig(evaluation, "per_window", "calibration", "ece"),
        "answered": _dig(evaluation, "per_recording", "with_uncertain", "arr_vs_nsr") or {},
        "candidates": cv.get("candidates") or [],
        "selection_note": cv.get("selection_note", ""),
        "fold_checks": _fold_checks(cv),
        "shortcut_verdict": cv.get("shortcut_verdict")
        or _dig(card, "evaluation", "shortcut_verdict")
        or "",
        "params": _dig(card, "architecture", "params"),
        "size_bytes": card.get("weights_size_bytes"),
        "patients": {name: row.get("patients") for name, row in per_class.items()},
        # Balanced accuracy against rhythm, not database (cards from v5 on).
        "mitdb_per_window": _dig(
            card, "evaluation", "mitdb_per_window", "top_class", "balanced_accuracy"
        )
        or {},
        "cinc2017_per_recording": _dig(
            card, "evaluation", "cinc2017_per_recording", "top_class", "balanced_accuracy"
        )
        or {},
        "created": card.get("created", ""),
    }


def timeline(prediction: Prediction | None, recording: Recording) -> list[dict]:
    """Per lead, the runs of consecutive windows with the same answer, as percentages of the
    recording's duration: what the result page draws as a timeline (one bar per lead)."""
    duration_s = recording.duration_s
    if prediction is None or duration_s <= 0:
        return []
    leads = []
    for lead, lead_runs in prediction.windows.runs():
        runs = [
            {
                "label": label,
                "start_s": start,
                "end_s": end,
                "left": round(100 * start / duration_s, 3),
                "width": round(100 * (end - start) / duration_s, 3),
            }
            for label, start, end in lead_runs
        ]
        name = recording.leads[lead] if lead < len(recording.leads) else f"lead {lead + 1}"
        leads.append({"lead": lead, "name": name, "runs": runs})
    return leads


# What the card page shows of a v5 card's evaluation, in order: (key in evaluation, title).
_EVALUATIONS = (
    ("mitdb_per_window", "MIT-BIH per 8-s window, every lead (annotations)"),
    ("mitdb_per_window_mlii", "MIT-BIH per 8-s window, lead MLII"),
    ("mitdb_per_time_window_two_leads", "MIT-BIH per 8 s of a two-lead record (leads fused)"),
    ("cinc2017_per_recording", "CinC 2017 (AliveCor) per recording"),
)


def evaluation_rows(card: dict) -> list[dict]:
    """Flat rows of a v5 card's evaluation (cross-validation, the network without the rhythm
    stage from v7 on, leave-one-database-out and the equipment-only shortcut control) for
    one table on the card page; [] for older cards."""
    evaluation = card.get("evaluation") or {}
    if "mitdb_per_window" not in evaluation:
        return []
    rows = []
    sections = (
        ("cross-validation", evaluation),
        ("cross-validation, network alone", evaluation.get("network_alone") or {}),
        ("leave-one-database-out", evaluation.get("leave_one_database_out") or {}),
        ("shortcut control", (evaluation.get("shortcut_control") or {})),
        (
            "shortcut control, leave-one-database-out",
            (evaluation.get("shortcut_control") or {}).get("leave_one_database_out") or {},
        ),
    )
    titles = dict(_EVALUATIONS)
    lodo_names = {  # a database held out whole, scored as in cross-validation
        "mitdb": titles["mitdb_per_window"],
        "cinc2017": titles["cinc2017_per_recording"],
    }
    for method, block in sections:
        for key, title in (*_EVALUATIONS, *lodo_names.items(), ("cpsc2021", "CPSC 2021")):
            scores = block.get(key)
            if not isinstance(scores, dict) or "top_class" not in scores:
                continue
            rows.append(_evaluation_row(method, lodo_names.get(key, title), scores))
    return rows


def _evaluation_row(method: str, title: str, scores: dict) -> dict:
    top, answered = scores["top_class"], scores.get("with_uncertain") or {}
    return {
        "method": method,
        "title": title,
        "n": top.get("n"),
        "patients": top.get("patients"),
        "balanced_accuracy": top.get("balanced_accuracy", {}),
        "nsr_sensitivity": top.get("nsr_sensitivity", {}),
        "arr_sensitivity": top.get("arr_sensitivity", {}),
        "answered_fraction": answered.get("answered_fraction"),
        "accuracy_on_answered": answered.get("accuracy_on_answered", {}),
    }


def webhooks_of(user) -> QuerySet[Webhook]:
    return Webhook.objects.filter(owner=user)


def webhook_get(user, webhook_id) -> Webhook:
    """One of ``user``'s webhooks; NotFound for anyone else's (ids reveal nothing)."""
    try:
        return webhooks_of(user).get(pk=int(webhook_id))
    except (Webhook.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("no such webhook") from exc


def webhook_deliveries(user, webhook_id) -> QuerySet[WebhookDelivery]:
    """The delivery log of one of ``user``'s webhooks, newest first."""
    return webhook_get(user, webhook_id).deliveries.all()
