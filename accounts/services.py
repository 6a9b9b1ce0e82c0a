"""Account state changes: roles as groups with the permissions of accounts.roles."""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS, Role


def roles_sync() -> None:
    """Create one group per role holding exactly the role's permissions (idempotent)."""
    for app_label in {p.split(".")[0] for perms in ROLE_PERMISSIONS.values() for p in perms}:
        create_permissions(apps.get_app_config(app_label), verbosity=0)  # may not exist yet
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = [
            Permission.objects.get(content_type__app_label=p.split(".")[0], codename=p.split(".")[1])
            for p in perms
        ]
        group.permissions.set(wanted)


def role_grant_bootstrap(user, role: Role) -> None:
    """Give ``role`` to ``user`` without an acting admin (installation bootstrap only)."""
    user.groups.add(Group.objects.get(name=role.value))
