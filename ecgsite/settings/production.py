"""Production: every secret and address from the environment; secure by default.

Required: SECRET_KEY, DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), ALLOWED_HOSTS.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a restarted PostgreSQL costs no request
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False  # never block a web worker on inference

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# gunicorn listens on 127.0.0.1 behind the buffering proxy of deploy/nginx.conf: that proxy
# is the one trusted to say who the client is (TRUSTED_PROXIES, comma-separated).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
# Lockouts, sign-in and API rate limits must be counted once for every process and replica:
# CACHE_URL (Redis, a database other than the broker's) is required.
CACHES = {"default": env.cache("CACHE_URL")}
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# --- Monitoring --- probes and scrapes reach the pod directly over the internal network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Authentication: local sign-ups must prove their email address; mail leaves through the
# site's relay (EMAIL_URL, e.g. smtp+tls://user:password@relay.hospital.org:587).
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
