"""System checks for the monitoring settings (run by `manage.py check --deploy` too)."""

from django.conf import settings
from django.core.checks import Warning, register

MIN_TOKEN_LENGTH = 32


@register()
def metrics_token_strength(app_configs, **kwargs) -> list[Warning]:
    token = getattr(settings, "METRICS_BEARER_TOKEN", "")
    if token and len(token) < MIN_TOKEN_LENGTH:
        return [
            Warning(
                f"METRICS_BEARER_TOKEN is shorter than {MIN_TOKEN_LENGTH} characters.",
                hint="Use a long random value, e.g. `openssl rand -hex 32`.",
                id="monitoring.W001",
            )
        ]
    return []
