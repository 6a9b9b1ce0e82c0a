"""Settings shared by every mode. Everything that differs between machines comes from the
environment (django-environ); the small modules beside this one only change defaults."""

import datetime
from pathlib import Path
from urllib.parse import urlsplit

import environ
from corsheaders.defaults import default_headers as default_cors_headers

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # optional, never committed

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "accounts",
    "audit",
    "classifier",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "ecgsite.middleware.RequestIdMiddleware",
    "ecgsite.middleware.TrustedProxyMiddleware",  # first: every later one sees the client IP
    "corsheaders.middleware.CorsMiddleware",  # /api/ only; answers preflights before auth
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ecgsite.middleware.CommonMiddleware",  # Django's, adding a missing slash with 308
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecgsite.middleware.NoStoreMiddleware",  # patient data: never kept by a browser cache
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "ecgsite.urls"
WSGI_APPLICATION = "ecgsite.wsgi.application"
ASGI_APPLICATION = "ecgsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# SQLite by default (the embedded mode); DATABASE_URL=postgres://... for production.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A pooled connection is checked before each request reuses it: a restarted database costs
# no request a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock up front: concurrent requests wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # sends each user to the first page their role opens
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)

# --- Authentication (allauth, axes) ---
# Sign-in: local accounts (username or email + password; the bootstrap admin) plus Google and
# one organisation OpenID Connect provider, each shown only when its client id is set. New
# accounts have no role until an admin grants one (accounts.services).
INSTALLED_APPS += [
    "django.contrib.humanize",  # allauth's session list
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
]
MIDDLEWARE += [
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "ecgsite.middleware.DomainErrorMiddleware",  # domain refusals -> 404/403/400/409/410
    "ecgsite.middleware.UnconfiguredProviderMiddleware",  # /accounts/google/... unset -> 404
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out username+IP pairs
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# mandatory | optional | none. Production defaults to mandatory (settings/production.py).
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_SESSION_REMEMBER = False  # shared clinical workstations: no "remember me"
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[WaveCardio] "
# Failed logins are counted by django-axes alone (one lockout, one message).
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# Who may create an account: local sign-up and first sign-in through an identity provider.
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=True)
SSO_SIGNUP_OPEN = env.bool("SSO_SIGNUP_OPEN", default=True)
# If set, only identity-provider accounts with a verified email in these domains may sign up.
SSO_SIGNUP_EMAIL_DOMAINS = [d.lower() for d in env.list("SSO_SIGNUP_EMAIL_DOMAINS", default=[])]
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the identity provider vouches for its users
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never attach an IdP login to a local account
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict = {}
if env("GOOGLE_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [
            {"client_id": env("GOOGLE_CLIENT_ID"), "secret": env("GOOGLE_CLIENT_SECRET")},
        ],
        "SCOPE": ["openid", "profile", "email"],
        "AUTH_PARAMS": {"prompt": "select_account"},
        "OAUTH_PKCE_ENABLED": True,
    }
if env("OIDC_SERVER_URL", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env("OIDC_PROVIDER_ID", default="hospital"),
                "name": env("OIDC_PROVIDER_NAME", default="Hospital sign-in"),
                "client_id": env("OIDC_CLIENT_ID"),
                "secret": env("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": env("OIDC_SERVER_URL")},
            },
        ],
        "OAUTH_PKCE_ENABLED": True,
    }
# The sign-in buttons POST here and are redirected to the identity provider: the browser's
# CSP form-action must allow the provider's origin (or the redirect is blocked).
SSO_FORM_ACTION_ORIGINS = (
    ["https://accounts.google.com"] if "google" in SOCIALACCOUNT_PROVIDERS else []
)
if env("OIDC_SERVER_URL", default=""):
    _oidc_server = urlsplit(env("OIDC_SERVER_URL"))
    SSO_FORM_ACTION_ORIGINS.append(f"{_oidc_server.scheme}://{_oidc_server.netloc}")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "WaveCardio"
# Accounts are vetted by an admin before they get a role, and the bootstrap admin has no
# email address: let everyone protect their account with TOTP without a verified email.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Lockout: AXES_FAILURE_LIMIT failed logins for one username from one IP address lock that
# pair for AXES_COOLOFF_MINUTES; a successful login resets the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLE_ADMIN = False
# The client address comes from X-Forwarded-For only when the peer is one of these proxies
# (addresses or networks, e.g. "127.0.0.1,10.0.0.0/8"); ecgsite.middleware rewrites
# REMOTE_ADDR once, so django-axes (no django-ipware here), the API's rate limits and the
# audit trail all key on the same, unspoofable address. Empty: the peer is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_IPWARE_PROXY_COUNT = 0  # if django-ipware is ever installed: REMOTE_ADDR only, as above
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# Sessions end when the browser closes and, at the latest, SESSION_COOKIE_AGE after login.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="WaveCardio <wavecardio@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "media/"  # never served directly: downloads go through a permission-checked view

# Uploaded recordings go through Django's storage API. Setting STORAGE_BACKEND=s3 (plus the
# AWS_* variables of django-storages) moves them to S3-compatible object storage.
_RECORDINGS_STORAGE = {
    "filesystem": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME", default=""),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    },
}[env("STORAGE_BACKEND", default="filesystem")]
STORAGES = {
    "default": _RECORDINGS_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded files above this size are spooled to a temporary file on disk by Django's
# TemporaryFileUploadHandler (never held in memory); the recording service parses them in
# place and streams them to storage. DATA_UPLOAD_MAX_MEMORY_SIZE bounds the non-file fields.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

THROTTLE_RATES: dict[str, str] = {
    "anon": env.str("WAVECARDIO_RATE_ANON", default="60/min"),
    "user": env.str("WAVECARDIO_RATE_USER", default="600/min"),
    "uploads": env.str("WAVECARDIO_RATE_UPLOADS", default="30/min"),
}
REST_FRAMEWORK = {
    # Personal API tokens first: their scheme is the one named in 401 answers
    # (WWW-Authenticate: Bearer); requests without one fall back to the browser session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "classifier.api.errors.exception_handler",
    # Counted in the cache below: per process unless CACHE_URL points at Redis.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    # Throttles key on REMOTE_ADDR (set from trusted proxies only, TRUSTED_PROXIES above),
    # never on a client-supplied X-Forwarded-For.
    "NUM_PROXIES": 0,
}
# Cross-origin API calls from browser apps (an EHR front end...): only from the origins in
# CORS_ALLOWED_ORIGINS (comma-separated, default none) and only under /api/. Preflights are
# answered before authentication; credentials are bearer tokens, never cookies.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (*default_cors_headers, "idempotency-key", "if-none-match", "x-request-id")
CORS_EXPOSE_HEADERS = ["Location", "Retry-After", "ETag", "X-Request-ID", "Idempotent-Replayed"]
CORS_ALLOW_CREDENTIALS = False
# Rate limits and lockouts must be shared by every process: CACHE_URL=redis://host:6379/1
# in production (a database other than the broker's); one process's memory by default.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
SPECTACULAR_SETTINGS = {
    "TITLE": "WaveCardio API",
    "DESCRIPTION": "ECG classification as decision support (ARR / CHF / NSR), never a diagnosis.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the public validator (an outside image the CSP blocks, and a data leak).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,  # request bodies get their own schemas: binary uploads
    "ENUM_NAME_OVERRIDES": {
        "PredictionStatusEnum": "classifier.models.Prediction.Status",
        "LabelEnum": "classifier.api.serializers.ANSWERS",  # a class or "uncertain"
        "RhythmClassEnum": "classifier.api.serializers.CLASSES",
        "OverReadLabelEnum": "classifier.api.serializers.OVERREAD_LABELS",
    },
}

# Celery: without a broker, tasks run in-process (the embedded default). With
# CELERY_BROKER_URL=redis://... they go to separate worker processes.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://")
)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True  # re-delivered after a worker crash; the task is idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300  # other tasks; a prediction's limits follow its length
# A worker process is replaced after a task leaves it above this resident size (KiB): one
# long recording's peak is not kept for the next hours by an idle process.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=2_000_000
)
# Publishing to a broker that is down fails fast (the outbox keeps the task, see below)
# instead of holding the upload's request for kombu's default retries.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1,
}  # fmt: skip
CELERY_BROKER_CONNECTION_TIMEOUT = 3

# Content Security Policy (django-csp): only our own origin; no CDN anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *SSO_FORM_ACTION_ORIGINS],  # sign-in leaves for the IdP
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

WAVECARDIO = {
    "MODELS_DIR": env.path("WAVECARDIO_MODELS_DIR", default=BASE_DIR / "models"),
    # Per deployment: WAVECARDIO_MAX_UPLOAD_MB (default 1024 = 1 GB: a 48-h multi-lead
    # Holter); WAVECARDIO_MAX_UPLOAD_BYTES, when set, wins (exact byte limits in tests).
    "MAX_UPLOAD_BYTES": env.int(
        "WAVECARDIO_MAX_UPLOAD_BYTES",
        default=env.int("WAVECARDIO_MAX_UPLOAD_MB", default=1024) * 1024 * 1024,
    ),
    # POST /api/v1/classify/ runs in the web process: bounded to short recordings.
    "MAX_STATELESS_SECONDS": env.float("WAVECARDIO_MAX_STATELESS_SECONDS", default=300.0),
    # Webhooks (POST /api/v1/webhooks/): only HTTPS URLs on these hosts (default none: off),
    # so the server never calls an address an administrator did not allow.
    "WEBHOOK_ALLOWED_HOSTS": env.list("WAVECARDIO_WEBHOOK_ALLOWED_HOSTS", default=[]),
    "WEBHOOK_ALLOW_HTTP": env.bool("WAVECARDIO_WEBHOOK_ALLOW_HTTP", default=False),
    # Bearer-token failures per client address and minute before 429s.
    "FAILED_AUTH_PER_MINUTE": env.int("WAVECARDIO_FAILED_AUTH_PER_MINUTE", default=20),
    # --- Reliability (docs/operations.md) --- A prediction's soft time limit: base plus so
    # much per hour of recording; the hard limit (worker process killed) comes 30 s later.
    "TASK_TIME_LIMIT_BASE_S": env.int("WAVECARDIO_TASK_TIME_LIMIT_BASE_S", default=120),
    "TASK_TIME_LIMIT_PER_HOUR_S": env.int("WAVECARDIO_TASK_TIME_LIMIT_PER_HOUR_S", default=90),
    "MAX_RECORDING_HOURS": 24,  # the longest recording accepted (classifier.core.signal)
    # Started this many times (crash, time limit, lost worker) and still not finished: failed.
    "MAX_ATTEMPTS": env.int("WAVECARDIO_MAX_ATTEMPTS", default=3),
    # Embedded mode (tasks in-process): recordings longer than this are classified in a
    # background thread, the page showing the progress. Production never classifies in web.
    "EAGER_MAX_SECONDS": env.float("WAVECARDIO_EAGER_MAX_SECONDS", default=600.0),
    # Retention: `manage.py purge_signals` removes stored signal files older than this many
    # days (results and the audit trail stay); 0 keeps them for good.
    "RETENTION_DAYS": env.int("WAVECARDIO_RETENTION_DAYS", default=0),
    # Pending for longer than this without a worker starting it: re-queued.
    "PENDING_TIMEOUT_S": env.int("WAVECARDIO_PENDING_TIMEOUT_S", default=900),
    # An outbox row older than this was not delivered: the reconciler sends it again.
    "OUTBOX_RETRY_AFTER_S": env.int("WAVECARDIO_OUTBOX_RETRY_AFTER_S", default=30),
}

# The reconciler (classifier.tasks.reconcile_predictions; ``manage.py reconcile_predictions``
# by cron in the embedded mode) runs each minute under ``celery beat``.
CELERY_BEAT_SCHEDULE = {
    "reconcile-predictions": {
        "task": "classifier.tasks.reconcile_predictions",
        "schedule": env.float("WAVECARDIO_RECONCILE_EVERY_S", default=60.0),
    },
}
# Redis re-delivers an unacknowledged task after the visibility timeout: it must exceed the
# longest prediction's hard limit, or a long task runs twice at once.
_LONGEST_TASK_S = (
    WAVECARDIO["TASK_TIME_LIMIT_BASE_S"]
    + WAVECARDIO["TASK_TIME_LIMIT_PER_HOUR_S"] * WAVECARDIO["MAX_RECORDING_HOURS"]
    + 30
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _LONGEST_TASK_S + 600,
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Audit trail --- (docs/audit.md) With AUDIT_CHAIN_KEY set, the hash chain is an
# HMAC-SHA256 chain: rewriting it then needs this key, not only database access. Keep it
# outside the database; on rotation move the old key to AUDIT_CHAIN_KEY_FALLBACKS.
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default="")
AUDIT_CHAIN_KEY_FALLBACKS = env.list("AUDIT_CHAIN_KEY_FALLBACKS", default=[])

# --- Monitoring ---
# /metrics, /healthz, /readyz (monitoring/). /metrics answers the operator's bearer token
# (METRICS_BEARER_TOKEN, compared in constant time; unset = token access off) or a session
# with accounts.view_metrics. Under gunicorn + Celery, set PROMETHEUS_MULTIPROC_DIR (an
# empty directory shared by every process of the host) so /metrics sums all processes.
INSTALLED_APPS += ["monitoring"]
METRICS_BEARER_TOKEN = env("METRICS_BEARER_TOKEN", default="")
