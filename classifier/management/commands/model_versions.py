"""List, register, activate and shadow model versions from the command line."""

from django.core.management.base import BaseCommand, CommandError

from classifier import services
from classifier.core.errors import DomainError
from classifier.models import ModelVersion


class Command(BaseCommand):
    help = "List model versions (--sync registers cards in MODELS_DIR; --activate/--shadow NAME)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync", action="store_true", help="register cards found in MODELS_DIR"
        )
        parser.add_argument("--activate", metavar="NAME")
        parser.add_argument("--shadow", metavar="NAME", help="run NAME in shadow mode")
        parser.add_argument("--unshadow", metavar="NAME")

    def handle(self, *args, sync, activate, shadow, unshadow, **options):
        if sync:
            services.model_versions_sync()
        if activate:
            services.model_version_activate(version=self._get(activate), user=None)
        for name, flag in ((shadow, True), (unshadow, False)):
            if name:
                try:
                    services.model_version_set_shadow(
                        version=self._get(name), shadow=flag, user=None
                    )
                except DomainError as exc:
                    raise CommandError(str(exc)) from exc
        self.stdout.write(f"{'version':32} {'state':8} {'predictions':>11}  sha256")
        for version in ModelVersion.objects.all():
            state = "active" if version.is_active else "shadow" if version.is_shadow else "-"
            count = version.predictions.count()
            self.stdout.write(f"{version.name:32} {state:8} {count:>11}  {version.sha256[:16]}")

    def _get(self, name: str) -> ModelVersion:
        try:
            return ModelVersion.objects.get(name=name)
        except ModelVersion.DoesNotExist:
            known = ", ".join(ModelVersion.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"unknown model version {name!r} (known: {known})") from None
