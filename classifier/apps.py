from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _register_model_versions(sender, **kwargs) -> None:
    """After every migrate: register the model cards shipped in MODELS_DIR."""
    from classifier.services import model_versions_sync

    model_versions_sync()


class ClassifierConfig(AppConfig):
    name = "classifier"
    verbose_name = "ECG classification"

    def ready(self) -> None:
        post_migrate.connect(_register_model_versions, sender=self)
        from classifier import (
            receivers,  # noqa: F401  (a deleted recording's file leaves storage)
            tasks,  # noqa: F401  (queues requested predictions)
        )
