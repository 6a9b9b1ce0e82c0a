"""A real OpenID Connect provider for tests (django-oauth-toolkit, its own settings and
SQLite database), run as a separate process on 127.0.0.1: ``python -m tests.oidc_provider``."""
