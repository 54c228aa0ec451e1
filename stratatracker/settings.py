"""StrataTracker settings: one module, driven by the environment.

With no environment at all the site runs for development: SQLite under ``var/``, Celery tasks
run eagerly in-process, and email is written to files under ``var/mail/``. Production
(``DJANGO_DEBUG=False``) refuses to start without its secrets. Every variable is documented
in ``.env.example``.
"""

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from stratatracker.beat_schedule import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
VERSION = env.str("STRATATRACKER_VERSION", default="dev")

# --- Secrets and hosts --------------------------------------------------------------------
if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-deploy")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    missing = [
        name
        for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL")
        if not env.str(name, default="")
    ]
    if missing:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG=False needs these environment variables: " + ", ".join(missing)
        )
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# The public address of the site, for links in emails (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -------------------------------------------------------------------------
INSTALLED_APPS = [
    "stratatracker.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # ExclusionConstraint (properties.Occupancy): PostgreSQL only, nothing on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "import_export",
    "accounts",
    "properties",
    "communications",
    "violations",
    # Newsletters, updates and emergencies by email; announcements (docs/campaigns.md).
    "campaigns",
    # Each scheduled job's last run, for the dashboard (docs/operations.md).
    "stratatracker.scheduling",
    # Demo and benchmark data (manage.py seed_demo); no domain app imports it.
    "demo",
]

MIDDLEWARE = [
    "stratatracker.health.LoopbackHealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.StrataTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stratatracker.urls"
WSGI_APPLICATION = "stratatracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "stratatracker" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# PostgreSQL is the reference (DATABASE_URL); SQLite under var/ serves zero-setup development.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'stratatracker.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # a fresh clone has no var/ yet
    # Behave like PostgreSQL when two requests race (a double-submitted form, `make run`'s
    # worker beside runserver): each transaction takes the write lock when it begins and waits
    # up to `timeout` seconds for another to finish, so the second sees the first's result and
    # is refused by its state check instead of failing with "database is locked". WAL lets
    # readers go on while one writes. Options given in DATABASE_URL win.
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite_options.setdefault("timeout", 20)
    _sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if not DEBUG and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DJANGO_DEBUG=False needs a PostgreSQL DATABASE_URL.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# Resident access (docs/residents.md): a personal case link on every notice lasts this many
# days (or until the case closes); a sign-in link asked for by email, this many minutes, once.
CASE_LINK_DAYS = env.int("CASE_LINK_DAYS", default=30)
SIGN_IN_LINK_MINUTES = env.int("SIGN_IN_LINK_MINUTES", default=15)
# A bearer token of an app (docs/api.md) lasts this many days unless revoked first.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
# A resident page session lasts this long without use (staff sessions keep Django's default).
RESIDENT_SESSION_HOURS = env.int("RESIDENT_SESSION_HOURS", default=12)

# Number of reverse proxies in front of the app that append to X-Forwarded-For. The client
# IP (audit log, login lockout) is read that many hops from the right; 0 trusts no header.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# The deployment says a proxy is in front. Without the count every client would share the
# proxy's address, and one person's failed logins would lock everyone out (docs/deployment.md).
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
if not DEBUG and BEHIND_PROXY and TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured(
        "DJANGO_BEHIND_PROXY=True needs DJANGO_TRUSTED_PROXY_COUNT (the number of proxies in "
        "front of the app, usually 1): without it every client shares the proxy's address and "
        "one client's failed logins lock everyone out."
    )

# Login lockout (django-axes): failures counted per username and IP, then a cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# One rule for the client IP everywhere (audit log and lockout): see accounts.request_meta.
AXES_CLIENT_IP_CALLABLE = "accounts.request_meta.client_ip"
AXES_USERNAME_CALLABLE = "accounts.request_meta.login_username"

# --- Internationalisation and time --------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and private media -------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "stratatracker" / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Private files are never served by URL; permission-checked views stream them.
MEDIA_URL = "/private-media-is-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default=(
                "django.contrib.staticfiles.storage.StaticFilesStorage"
                if DEBUG
                else "whitenoise.storage.CompressedManifestStaticFilesStorage"
            ),
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- Evidence uploads (DESIGN §10; violations/services/evidence.py) -------------------------
# Largest file accepted per kind, set in MB (1024 * 1024 bytes). The proxy's request-body
# limit must sit above the largest of them (docs/deployment.md, "Upload size").
_MB = 1024 * 1024
EVIDENCE_MAX_BYTES = {
    "image": env.int("EVIDENCE_MAX_MB_IMAGE", default=20) * _MB,
    "pdf": env.int("EVIDENCE_MAX_MB_PDF", default=20) * _MB,
    "audio": env.int("EVIDENCE_MAX_MB_AUDIO", default=200) * _MB,
    "video": env.int("EVIDENCE_MAX_MB_VIDEO", default=200) * _MB,
    "email": env.int("EVIDENCE_MAX_MB_EMAIL", default=20) * _MB,
    "document": env.int("EVIDENCE_MAX_MB_DOCUMENT", default=20) * _MB,
}
# An image is decoded only within this many pixels (its header says how many). Pillow holds 4
# bytes a pixel, twice over while the resident copy is made: about 400 MB at the default 50 MP,
# which takes a phone's full-resolution 48 and 50 MP photos.
EVIDENCE_MAX_IMAGE_PIXELS = env.int("EVIDENCE_MAX_IMAGE_MEGAPIXELS", default=50) * 1_000_000
EVIDENCE_MAX_FILES_PER_UPLOAD = env.int("EVIDENCE_MAX_FILES_PER_UPLOAD", default=10)
EVIDENCE_MAX_FILES_PER_CASE = env.int("EVIDENCE_MAX_FILES_PER_CASE", default=20)
# A tenant's Form K (properties/form_k.py): a PDF, or a JPEG or PNG scan of the signed form.
FORM_K_MAX_BYTES = env.int("FORM_K_MAX_MB", default=10) * _MB
# clamd to scan every upload with: a Unix socket path (/run/clamav/clamd.ctl) or host:port
# (clamav:3310). Blank: no scan. When set, an upload clamd cannot scan is refused.
CLAMAV_SOCKET = env.str("CLAMAV_SOCKET", default="")
CLAMAV_TIMEOUT_SECONDS = env.int("CLAMAV_TIMEOUT_SECONDS", default=60)

# --- Email (Django 6.1 MAILERS) -----------------------------------------------------------
# EMAIL_URL picks the transport: smtp+tls://user:pass@host:587 (STARTTLS; smtps:// is the
# same), smtp+ssl://user:pass@host:465 (implicit TLS), smtp://host:25 (no encryption: a local
# relay only), or "anymail:<esp>" for a provider through django-anymail. TLS verifies the
# server's certificate. Unset in development: messages are written to files under var/mail/.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="StrataTracker <noreply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_URL = env.str("EMAIL_URL", default="")


def _mailer_from_url(url: str) -> dict:
    if not url:
        if not DEBUG:
            raise ImproperlyConfigured("DJANGO_DEBUG=False needs EMAIL_URL (see .env.example).")
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    if url.startswith("anymail:"):
        esp = url.removeprefix("anymail:")
        return {"BACKEND": f"anymail.backends.{esp}.EmailBackend"}
    parsed = environ.Env.email_url_config(url)
    return {
        # Django's SMTP backend, keeping the server's reply (its queue id) for the outbox.
        "BACKEND": "communications.smtp.EmailBackend",
        "OPTIONS": {
            "host": parsed["EMAIL_HOST"],
            "port": parsed["EMAIL_PORT"],
            "username": parsed["EMAIL_HOST_USER"],
            "password": parsed["EMAIL_HOST_PASSWORD"],
            "use_tls": parsed.get("EMAIL_USE_TLS", False),
            "use_ssl": parsed.get("EMAIL_USE_SSL", False),
            "timeout": env.int("EMAIL_TIMEOUT", default=30),
        },
    }


MAILERS = {"default": _mailer_from_url(EMAIL_URL)}
ANYMAIL = env.dict("ANYMAIL", default={})
# The "user:password" a provider's webhooks send as basic auth (docs/operations.md, "Provider
# webhooks and bounces"). Unset, a random secret no provider knows stands in: the webhook URLs
# refuse every request instead of believing anyone's bounces.
ANYMAIL["WEBHOOK_SECRET"] = (
    env.str("ANYMAIL_WEBHOOK_SECRET", default="")
    or ANYMAIL.get("WEBHOOK_SECRET")
    or secrets.token_urlsafe(32)
)

# --- The outbox (DESIGN §7) ---------------------------------------------------------------
# Every timing is a setting; the tests use seconds. docs/operations.md explains each one.
OUTBOX_MAILER = env.str("OUTBOX_MAILER", default="default")
# Rows one send task claims and sends over one connection.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=50)
# How long a claimed row belongs to its worker before the sweep may reconcile it.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
# Transient failures wait base * 2^(attempt-1) seconds, never more than the cap.
OUTBOX_BACKOFF_BASE_SECONDS = env.int("OUTBOX_BACKOFF_BASE_SECONDS", default=30)
OUTBOX_BACKOFF_CAP_SECONDS = env.int("OUTBOX_BACKOFF_CAP_SECONDS", default=1800)
# Non-legal emails with the same address and content inside this window are sent once.
OUTBOX_WINDOW_SECONDS = env.int("OUTBOX_WINDOW_SECONDS", default=600)
# Queued rows older than this were lost by the broker: the sweep enqueues them again,
# at most OUTBOX_RESTORE_LIMIT rows per sweep (the restore throttle).
OUTBOX_REQUEUE_AFTER_SECONDS = env.int("OUTBOX_REQUEUE_AFTER_SECONDS", default=60)
OUTBOX_RESTORE_LIMIT = env.int("OUTBOX_RESTORE_LIMIT", default=5000)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=60)
# The hour (0-23, the staff member's own time) from which the daily digest is sent.
DIGEST_LOCAL_HOUR = env.int("DIGEST_LOCAL_HOUR", default=7)
# Messages per second per worker process; 0 = unlimited.
OUTBOX_RATE_PER_SECOND = env.float("OUTBOX_RATE_PER_SECOND", default=0)
# Sent bodies are purged after this many days; metadata and keys stay (DESIGN §7).
OUTBOX_BODY_RETENTION_DAYS = env.int("OUTBOX_BODY_RETENTION_DAYS", default=90)
# A header that carries the row's dedup key to providers that honour one
# (e.g. Resend-Idempotency-Key); blank sends none.
OUTBOX_IDEMPOTENCY_HEADER = env.str("OUTBOX_IDEMPOTENCY_HEADER", default="")
OUTBOX_MESSAGE_ID_DOMAIN = env.str(
    "OUTBOX_MESSAGE_ID_DOMAIN", default=urlsplit(SITE_URL).hostname or "localhost"
)

# --- Celery -------------------------------------------------------------------------------
# No broker configured: tasks run eagerly in-process (development, the fresh-machine tests).
# `make run` (bin/run-dev) sets CELERY_LOCAL_BROKER_DIR: with no broker URL, tasks are queued as
# files in that directory (kombu's filesystem transport) for the worker it starts beside
# runserver, so nothing else has to be installed or running.
CELERY_LOCAL_BROKER_DIR = env.str("CELERY_LOCAL_BROKER_DIR", default="")
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL",
    default=env.str("REDIS_URL", default="filesystem://" if CELERY_LOCAL_BROKER_DIR else ""),
)
_files_broker = CELERY_BROKER_URL.startswith("filesystem://")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Results live in the broker's Redis; the files broker keeps none.
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND", default=None if _files_broker else (CELERY_BROKER_URL or None)
)
# Seconds before Redis hands an unacknowledged message to another worker; task retries and
# leases stay below it.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
# A key prefix isolates the queues and results of several deployments (or test runs) sharing
# one Redis, so each can find and remove its own keys.
_celery_transport = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {}
if env.str("CELERY_KEY_PREFIX", default=""):
    _celery_transport["global_keyprefix"] = env.str("CELERY_KEY_PREFIX")
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["global_keyprefix"] = env.str("CELERY_KEY_PREFIX")
if _files_broker:
    # One folder of messages that every process writes and reads, and the exchange bindings.
    _broker_dir = BASE_DIR / (CELERY_LOCAL_BROKER_DIR or "var/celery-broker")
    (_broker_dir / "messages").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(exist_ok=True)
    _celery_transport.update(
        data_folder_in=str(_broker_dir / "messages"),
        data_folder_out=str(_broker_dir / "messages"),
        control_folder=str(_broker_dir / "control"),
    )
CELERY_BROKER_TRANSPORT_OPTIONS = _celery_transport
CELERY_BEAT_SCHEDULE = beat_schedule(sweep_seconds=OUTBOX_SWEEP_SECONDS)
if OUTBOX_BACKOFF_CAP_SECONDS >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "OUTBOX_BACKOFF_CAP_SECONDS must be below CELERY_VISIBILITY_TIMEOUT, or Redis hands a "
        "waiting retry to a second worker."
    )

# --- Cache --------------------------------------------------------------------------------
CACHE_URL = env.str("CACHE_URL", default="")
CACHES = {
    "default": (
        env.cache_url("CACHE_URL")
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api.permissions.IsResident"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "accounts.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "accounts.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # Per client IP (anonymous) or per user; sign-in endpoints add their own tighter scopes.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        "sign_in": env.str("SIGN_IN_THROTTLE", default="5/hour"),
        "answer": env.str("API_THROTTLE_ANSWER", default="30/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "StrataTracker API",
    "DESCRIPTION": (
        "Residents: your units, your cases, their letters and evidence, answers and hearing "
        "requests, your charges and preferences. Staff: file complaints and read the cases and "
        "register of your stratas. Authentication, pagination and errors: docs/api.md."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # File uploads are multipart requests; their schema differs from the JSON answers.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # A campaign's status and a case's are both "status": each enum is named, so the case's
    # keeps the name it had (StatusEnum) rather than a hash.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "violations.models.Status",
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
    },
}

# --- Import and export (django-import-export) ---------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
# Uploaded files wait for confirmation in private media, which every web process shares.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
# Register imports (properties/import_files.py, docs/register-import.md): a file is refused
# above this size (MB) or row count; above the interactive count it is checked and imported
# by a background job, never in the request.
REGISTER_IMPORT_MAX_BYTES = env.int("REGISTER_IMPORT_MAX_MB", default=5) * _MB
REGISTER_IMPORT_MAX_ROWS = env.int("REGISTER_IMPORT_MAX_ROWS", default=5000)
REGISTER_IMPORT_INTERACTIVE_ROWS = env.int("REGISTER_IMPORT_INTERACTIVE_ROWS", default=500)

# --- Security -----------------------------------------------------------------------------
# A TLS-terminating proxy in front (Coolify, Traefik, nginx) sets X-Forwarded-Proto.
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^api/health(/live)?/?$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Only the documented proxy/TLS switches are ever silenced (docs/deployment.md). HSTS preload
# stays off on customers' domains unless they opt in, so its reminder (W021) is silenced then.
SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[])
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Link secrets in a logged path are replaced by [secret] (stratatracker.log_redaction).
    "filters": {"secrets": {"()": "stratatracker.log_redaction.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["secrets"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every rendering step and font subset; errors (a refused URL) stay.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
