"""Reads, always restricted to what the user may see."""

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from accounts.permissions import allowed
from accounts.roles import Perm
from classifier.cwt import ScalogramSpec
from classifier.models import ModelVersion, Prediction, Recording


def _visible(user) -> QuerySet[Recording]:
    """Own recordings for clinicians, everyone's for reviewers, none for other roles."""
    if allowed(user, Perm.VIEW_ALL_RECORDINGS):
        return Recording.objects.all()
    if allowed(user, Perm.UPLOAD_RECORDING):
        return Recording.objects.filter(owner=user)
    return Recording.objects.none()


def recordings_visible_to(user) -> QuerySet[Recording]:
    """The recordings ``user`` may see, with their shown predictions prefetched (the model
    card, tens of kB of JSON, is left in the database until a page asks for it)."""
    shown = (
        Prediction.objects.filter(is_shadow=False)
        .select_related("model_version")
        .defer("model_version__card")
    )
    return (
        _visible(user)
        .select_related("owner")
        .prefetch_related(Prefetch("predictions", queryset=shown, to_attr="shown_predictions"))
    )


def recording_statuses_visible_to(user) -> QuerySet[Recording]:
    """The recordings ``user`` may see, each with only ``shown_status``: the newest shown
    prediction's status (``None`` before one). One small query: what a poll costs."""
    newest = Prediction.objects.filter(recording=OuterRef("pk"), is_shadow=False).order_by(
        "-created_at"
    )
    return _visible(user).only("pk").annotate(shown_status=Subquery(newest.values("status")[:1]))


def recording_get(user, recording_id) -> Recording:
    """The recording if ``user`` may see it; 404 otherwise, so ids reveal nothing."""
    return get_object_or_404(recordings_visible_to(user), pk=recording_id)


def displayed_prediction(recording: Recording) -> Prediction | None:
    """The newest non-shadow prediction (shadow-mode results are stored, never shown)."""
    shown = getattr(recording, "shown_predictions", None)
    if shown is None:
        shown = list(recording.predictions.filter(is_shadow=False).order_by("-created_at"))
    return shown[0] if shown else None


def active_model_version() -> ModelVersion | None:
    """The active version; its card (tens of kB of JSON) loads only if read: every upload
    asks for the version, few pages show the card."""
    return ModelVersion.objects.filter(is_active=True).defer("card").first()


def shadow_model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(is_shadow=True).defer("card")


def scalogram_spec_for(recording: Recording) -> ScalogramSpec:
    """The preprocessing of the model whose prediction is shown (default spec before one)."""
    prediction = displayed_prediction(recording)
    version = prediction.model_version if prediction else active_model_version()
    if version is None or "preprocessing" not in version.card:
        return ScalogramSpec()
    return ScalogramSpec.from_dict(version.card["preprocessing"]["scalogram"])


def model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.all()


def model_version_get(name: str) -> ModelVersion:
    return get_object_or_404(ModelVersion, name=name)


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
        "shortcut_verdict": cv.get("shortcut_verdict", ""),
        "params": _dig(card, "architecture", "params"),
        "size_bytes": card.get("weights_size_bytes"),
        "patients": {name: row.get("patients") for name, row in per_class.items()},
        "created": card.get("created", ""),
    }
