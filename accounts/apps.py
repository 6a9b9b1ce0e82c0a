from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    """After every migrate (and test flush): the role groups match accounts.roles."""
    from accounts.services import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self)
        from accounts import signals  # noqa: F401  (auth events -> audit trail + metrics)
