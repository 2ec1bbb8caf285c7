"""Settings for stroydesk, read from the environment.

One flat module: every knob is an environment variable with a default that is good for a
demo on one machine (SQLite under var/, Huey on SQLite, mail to the console). A malformed
value stops the start-up with a message instead of being guessed at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STROYDESK_VAR_DIR", BASE_DIR / "var"))
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("STROYDESK_TESTING", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING or env_bool("STROYDESK_DEMO", False)):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # The demo and development get a random key of their own, kept in var/ so that sessions
    # survive a restart — never a key that every installation shares.
    _key_file = VAR_DIR / "secret-key"
    if not _key_file.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "axes",
    "stroydesk.web",  # shared plumbing: installed for its translations
    "stroydesk.workcalendar",
    "stroydesk.accounts",
    "stroydesk.directory",
    "stroydesk.cases",
    "stroydesk.notifications",
    "stroydesk.channels",
    "stroydesk.kb",
    "stroydesk.stats",
    "stroydesk.relocation",
    "stroydesk.routing",
    "stroydesk.consultations",
    "stroydesk.procedures",
    "stroydesk.portal",
    "stroydesk.ops",
    "stroydesk.api",
    "stroydesk.demo",
]

MIDDLEWARE = [
    "stroydesk.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "stroydesk.web.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff: signed out when idle; held at the authenticator-app step until it is passed.
    "stroydesk.web.staff_session.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stroydesk.ops.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stroydesk.urls"
WSGI_APPLICATION = "stroydesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "stroydesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'stroydesk.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue behind the busy timeout
    # instead of one failing with "database is locked" half-way through a transaction.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Kept open like PostgreSQL's (DB_CONN_MAX_AGE): opening the file and its pragmas for every
    # request cost a tenth of an API registration's CPU.
    # A file, not :memory:, so that tests with threads (concurrency) share one database.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured(
        f"Unsupported database engine {_db['ENGINE']}: use sqlite or postgres"
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and jobs -------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis://, got {REDIS_URL!r}")

HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", TESTING)
if REDIS_URL:
    from huey import RedisHuey

    HUEY = RedisHuey(
        name=os.environ.get("HUEY_NAME", "stroydesk"),
        url=REDIS_URL,
        immediate=HUEY_IMMEDIATE,
        utc=True,
    )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("HUEY_NAME", "stroydesk"),
        }
    }
else:
    from huey import SqliteHuey

    HUEY = SqliteHuey(
        name="stroydesk",
        filename=os.environ.get("HUEY_SQLITE_PATH", str(VAR_DIR / "huey.sqlite3")),
        immediate=HUEY_IMMEDIATE,
        utc=True,
    )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
# Length and a list of common passwords rather than composition rules; staff, who open
# everyone's personal data, need longer ones (accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "stroydesk.accounts.passwords.StaffPasswordValidator",
        "OPTIONS": {"staff_min_length": 12},
    },
]
# The one backend, so that the rule "no sign-in before the e-mail is confirmed" holds for every
# way in that checks a password or loads a session user: the portal's form, the admin, the API's
# token endpoint and every request of an open session. (API tokens already issued skip backends:
# REST_FRAMEWORK below uses accounts' ApiTokenAuthentication for them.)
# django-axes first: it refuses a locked-out name before any password is checked.
AUTHENTICATION_BACKENDS = [
    "stroydesk.accounts.backends.LockoutBackend",
    "stroydesk.accounts.backends.ConfirmedEmailBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = "stroydesk.accounts.lockout.cool_off"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
LOCKOUT_BASE_MINUTES = env_int("LOCKOUT_BASE_MINUTES", 15, minimum=1)
# Rate limits (core.ratelimit), counted in the cache: shared by every worker only with Redis.
# The client's address is REMOTE_ADDR, or behind this many proxies of ours the one they saw.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600, minimum=1)
API_ANONYMOUS_RATE_LIMIT_PER_MINUTE = env_int("API_ANONYMOUS_RATE_LIMIT_PER_MINUTE", 60, minimum=1)
OPEN311_ANONYMOUS_READS_PER_MINUTE = env_int("OPEN311_ANONYMOUS_READS_PER_MINUTE", 60, minimum=1)
# Questions one applicant may send through the portal's form in an hour.
ASK_RATE_LIMIT_PER_HOUR = env_int("ASK_RATE_LIMIT_PER_HOUR", 20, minimum=1)
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test run gets its own database, so that parallel runs on one server don't collide.
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{os.getpid()}"}
# Two-factor sign-in (an authenticator app's code after the password) for every role but the
# applicant's: on by default in production, off in the demo, development and tests, whose
# accounts have no app set up (a test switches it on). Anyone who set up an app is asked anyway.
STAFF_2FA = env_bool(
    "STROYDESK_STAFF_2FA", not (DEBUG or TESTING or env_bool("STROYDESK_DEMO", False))
)
# Sessions: an applicant stays signed in for SESSION_DAYS; a member of staff is signed out after
# STAFF_SESSION_IDLE_MINUTES without a request and STAFF_SESSION_MAX_HOURS after signing in
# (a desk left open in a shared office).
SESSION_COOKIE_AGE = env_int("SESSION_DAYS", 14, minimum=1) * 24 * 3600
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=1)
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12, minimum=1)
# API keys: how long a new one works unless asked otherwise, and the longest allowed.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90, minimum=1)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365, minimum=1)
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
USE_I18N = True
TIME_ZONE = "Europe/Moscow"
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "stroydesk" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Attachments on S3-compatible object storage when a bucket is named (several web nodes then
# share the files); the local folder MEDIA_ROOT otherwise.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION", "us-east-1"),
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", ""),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
ATTACHMENT_MAX_COUNT = env_int("ATTACHMENT_MAX_COUNT", 10, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "stroydesk.notifications.sms.LoggingSmsBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ekc@stroydesk.local")
# Backoff base of letter retries; the sweep of lost letter jobs and unsent events (seconds
# between sweeps: 60 is the periodic task, less starts a loop in the consumer); the lease after
# which a letter stuck "sending" (its worker died) is sent again with the same Message-ID.
EMAIL_RETRY_BASE_SECONDS = env_int("EMAIL_RETRY_BASE_SECONDS", 30, minimum=1)
EMAIL_SWEEP_SECONDS = env_int("EMAIL_SWEEP_SECONDS", 60, minimum=1)
# The name our receiving mail server writes in its Authentication-Results header (RFC 8601):
# only its results say whether a letter's sender is authenticated. Empty: the topmost header.
MAIL_AUTHSERV_ID = os.environ.get("MAIL_AUTHSERV_ID", "").strip()
EMAIL_SENDING_LEASE_SECONDS = env_int("EMAIL_SENDING_LEASE_SECONDS", 300, minimum=1)

# --- Domain rules ---------------------------------------------------------------------------
# The promise of the center: a full answer within this many working days of escalation.
ANSWER_DUE_WORKING_DAYS = env_int("ANSWER_DUE_WORKING_DAYS", 4, minimum=1)
# How long after the answer the applicant may reopen the request, in working days.
REOPEN_WINDOW_WORKING_DAYS = env_int("REOPEN_WINDOW_WORKING_DAYS", 10, minimum=0)
# Whether deadlines also skip the non-working days declared by presidential decree (2020, 2021).
# Off by default so that counts match the official production calendar.
WORKCALENDAR_SKIP_DECREED_DAYS = env_bool("WORKCALENDAR_SKIP_DECREED_DAYS", False)
REQUEST_NUMBER_PREFIX = os.environ.get("REQUEST_NUMBER_PREFIX", "ЕКЦ")
# A sign-up whose e-mail is still unconfirmed this many days later is deleted (with no requests),
# so that an address registered by someone who does not own it is free again. At least 3: the
# confirmation link works for 3 days, and a first link must not outlive its account.
UNCONFIRMED_ACCOUNT_DAYS = env_int("UNCONFIRMED_ACCOUNT_DAYS", 7, minimum=3)
# Closed requests older than this many years are anonymised every night (152-ФЗ: kept no longer
# than needed); the figures of the statistics stay. 5 years: the usual keeping of citizens'
# appeals in archives. 0 turns the job off.
REQUEST_RETENTION_YEARS = env_int("REQUEST_RETENTION_YEARS", 5, minimum=0)
# Consultations: the meeting link of an online consultation ({code} is the booking's own code),
# how long a personal cancel/reschedule link works, and how many no-shows within the window
# stop an applicant from booking.
CONSULTATIONS_MEETING_URL = os.environ.get(
    "CONSULTATIONS_MEETING_URL", "https://meet.stroydesk.local/ekc-{code}"
)
CONSULTATIONS_LINK_MAX_AGE_DAYS = env_int("CONSULTATIONS_LINK_MAX_AGE_DAYS", 60, minimum=1)
CONSULTATIONS_NO_SHOW_LIMIT = env_int("CONSULTATIONS_NO_SHOW_LIMIT", 2, minimum=1)
CONSULTATIONS_NO_SHOW_WINDOW_DAYS = env_int("CONSULTATIONS_NO_SHOW_WINDOW_DAYS", 90, minimum=1)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token check first: DRF answers an anonymous call with the first class's challenge,
    # so it gets 401 with "WWW-Authenticate: Token" (sessions have none and gave 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Hashed, expiring, scoped keys; also refusing an account whose e-mail is not (or no
        # longer) confirmed: a key never passes through AUTHENTICATION_BACKENDS.
        "stroydesk.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Calls per minute per user (per address when anonymous), counted in the shared cache.
    "DEFAULT_THROTTLE_CLASSES": ["stroydesk.web.ratelimit.SharedCacheThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + ([] if not DEBUG else ["rest_framework.renderers.BrowsableAPIRenderer"]),
    "EXCEPTION_HANDLER": "stroydesk.web.api.exception_handler",
    # DRF's three, with the JSON one refusing bodies nested too deep for Python (400, not 500).
    "DEFAULT_PARSER_CLASSES": [
        "stroydesk.web.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "stroydesk API",
    "DESCRIPTION": "Unified contact center of a city construction complex.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several endpoints share (the schema stays warning-free).
    "ENUM_NAME_OVERRIDES": {
        "ApplicantKindEnum": "stroydesk.accounts.models.Applicant.Kind",
        "RequestStatusEnum": "stroydesk.cases.models.Request.Status",
        "MoveWindowEnum": "stroydesk.relocation.models.Window",
        "ConsultationFormatEnum": "stroydesk.consultations.models.Format",
    },
    # Swagger UI's scripts and styles from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "stroydesk.api.schema.document_refusals",
    ],
}

# LOG_FORMAT=json: one JSON object per line with the web request's id (for a log collector).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
# When set, /metrics answers only a scraper that sends it as a bearer token.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "stroydesk.ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "stroydesk.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"huey": {"level": "WARNING"}},
}

# --- Transport and browser security ---------------------------------------------------------
# Behind HTTPS in production: SECURE_SSL_REDIRECT=1 SECURE_HSTS_SECONDS=31536000 (and, behind a
# proxy that terminates TLS, SECURE_PROXY_SSL_HEADER=1); cookies then go over HTTPS only.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Files are checked as they stream in (over the attachment limit: stopped, 413).
FILE_UPLOAD_HANDLERS = [
    "stroydesk.web.security.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
