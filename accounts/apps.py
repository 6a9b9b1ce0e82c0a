from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    """After every migrate (permissions exist by then): groups match accounts.roles."""
    from accounts.services import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts, roles and audit"

    def ready(self) -> None:
        from django.apps import apps

        # Runs after classifier's permissions exist: connect to the last migrated app too.
        post_migrate.connect(_sync_roles, sender=apps.get_app_config("classifier"))
        post_migrate.connect(_sync_roles, sender=self)
