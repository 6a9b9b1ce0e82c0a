"""Users and role groups in the admin, read-only where the audit trail must see the change:
roles are granted and accounts (de)activated at /accounts/users/ (accounts.services)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from ecgsite.admin import ReadOnlyAdmin

User = get_user_model()

admin.site.unregister(Group)
admin.site.register(Group, ReadOnlyAdmin)
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    """Names and e-mail stay editable; roles, permissions and activation do not."""

    readonly_fields = [
        "groups",
        "user_permissions",
        "is_superuser",
        "is_staff",
        "is_active",
        "last_login",
        "date_joined",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
