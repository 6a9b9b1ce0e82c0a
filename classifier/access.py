"""Who may do what to which recording: the one access layer.

NetBox-style: ``Recording.objects.restrict(user, action)`` is the queryset of recordings
``user`` may act on; web views, API views, commands and services all ask it, and
``Recording.objects.get_for(user, id, action)`` turns "not there" and "not allowed" into
the domain errors the edges translate (404 when the actor may not even see it, so ids
reveal nothing; 403 otherwise).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.permissions import allowed
from accounts.roles import Perm
from classifier.core.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from classifier.models import Recording, RecordingQuerySet


class RecordingAction(StrEnum):
    VIEW = "view"  # the result page, signal, scalogram, status
    DOWNLOAD = "download"  # the original file
    DELETE = "delete"
    EDIT = "edit"  # the patient details
    OVERREAD = "overread"


# action -> (permission opening every user's recordings, permission opening one's own)
RECORDING_ACCESS: dict[RecordingAction, tuple[Perm | None, Perm | None]] = {
    RecordingAction.VIEW: (Perm.VIEW_ALL_RECORDINGS, Perm.UPLOAD_RECORDING),
    RecordingAction.DOWNLOAD: (Perm.VIEW_ALL_RECORDINGS, Perm.UPLOAD_RECORDING),
    RecordingAction.DELETE: (None, Perm.UPLOAD_RECORDING),
    RecordingAction.EDIT: (None, Perm.UPLOAD_RECORDING),
    RecordingAction.OVERREAD: (Perm.OVERREAD_PREDICTION, None),
}


def recording_filter(user, action: RecordingAction) -> Q | None:
    """The rows ``user`` may act on as a filter: ``Q()`` for all, None for none."""
    every, own = RECORDING_ACCESS[RecordingAction(action)]
    if every is not None and allowed(user, every):
        return Q()
    if own is not None and allowed(user, own):
        return Q(owner=user)
    return None


def recording_for(
    recordings: RecordingQuerySet, user, recording_id, action: RecordingAction
) -> Recording:
    """One recording ``user`` may act on: NotFound if they may not see it (or it does not
    exist), PermissionDenied if they see it but may not do ``action``."""
    visible = recordings.restrict(user, RecordingAction.VIEW)
    try:
        recording = visible.get(pk=recording_id)
    except (visible.model.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise NotFound("no such recording") from exc
    if action != RecordingAction.VIEW and not (
        recordings.restrict(user, action).filter(pk=recording.pk).exists()
    ):
        raise PermissionDenied(f"you may not {action} this recording")
    return recording
