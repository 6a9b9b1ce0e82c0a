"""What the Django admin may do: read audited data, never change it behind the services.

Every change to roles, recordings, predictions and model versions must leave an audit event
and keep files and rows together; only the services do that, so the admin shows these
models read-only and the application's own pages make the changes.
"""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only: no add, change or delete from the admin site."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
