"""Roles and what each may do: the one source of truth.

Roles are Django groups; the permissions of each group are set from ``ROLE_PERMISSIONS`` by
a migration (and by ``sync_roles``). Code checks permissions (``user.has_perm(Perm.X)``),
never role names, so a role can change without touching views.
"""

from enum import StrEnum


class Role(StrEnum):
    CLINICIAN = "clinician"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    OPERATOR = "operator"
    ADMIN = "admin"


class Perm(StrEnum):
    """``app_label.codename`` of the custom permissions declared in the models' Meta."""

    UPLOAD_RECORDING = "classifier.upload_recording"
    VIEW_ALL_RECORDINGS = "classifier.view_all_recordings"
    OVERREAD_PREDICTION = "classifier.overread_prediction"
    MANAGE_MODEL_VERSIONS = "classifier.manage_model_versions"
    VIEW_AUDIT_TRAIL = "audit.view_audit_trail"
    VIEW_STATISTICS = "audit.view_statistics"
    VIEW_METRICS = "accounts.view_metrics"
    MANAGE_ROLES = "accounts.manage_roles"


_CLINICIAN = {Perm.UPLOAD_RECORDING}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.CLINICIAN: frozenset(_CLINICIAN),
    Role.REVIEWER: frozenset(_CLINICIAN | {Perm.VIEW_ALL_RECORDINGS, Perm.OVERREAD_PREDICTION}),
    Role.AUDITOR: frozenset({Perm.VIEW_AUDIT_TRAIL, Perm.VIEW_STATISTICS}),
    Role.OPERATOR: frozenset({Perm.VIEW_METRICS}),
    Role.ADMIN: frozenset(
        {Perm.MANAGE_ROLES, Perm.MANAGE_MODEL_VERSIONS, Perm.VIEW_AUDIT_TRAIL, Perm.VIEW_STATISTICS}
    ),
}


def roles_of(user) -> set[Role]:
    """The roles a user holds (their groups that name a role)."""
    if not user.is_authenticated:
        return set()
    names = set(user.groups.values_list("name", flat=True))
    return {role for role in Role if role.value in names}


def has_any_role(user) -> bool:
    return bool(roles_of(user))
