"""Account state changes: roles as groups with the permissions of accounts.roles."""

from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS, Role


def roles_sync() -> None:
    """Create one group per role holding exactly the role's permissions (idempotent)."""
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
