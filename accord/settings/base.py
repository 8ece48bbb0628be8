"""Settings shared by every environment.

Security numbers marked *setting* in SECURITY.md are plain settings here with the
required defaults, so an agency's security officer can tighten them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent  # the accord package
REPO_DIR = BASE_DIR.parent
#: Where the embedded database, uploads and keys live; ACCORD_VAR_DIR overrides it.
VAR_DIR = Path(os.environ.get("ACCORD_VAR_DIR", REPO_DIR / "var")).resolve()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "accord.web",
    "accord.encryption",
    "accord.accounts",
    "accord.audit",
    "accord.trail",
    "accord.directory",
    "accord.protocols",
    "accord.cases",
    "accord.sharing",
    "accord.conflicts",
    "accord.training",
    "accord.reports",
    "accord.jobs",
    "accord.duties",
    "accord.api",
]

MIDDLEWARE = [
    "accord.web.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # after sessions (it may read the language from them), before common (which may redirect)
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accord.zones.TaskForceTimeZoneMiddleware",
    "accord.accounts.middleware.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accord.web.middleware.AccessDeclarationMiddleware",
    "accord.web.middleware.NoStoreMiddleware",
    "accord.web.middleware.AccordErrorMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accord.web.context_processors.navigation",
                "accord.web.context_processors.inbox",
                "accord.web.context_processors.time_zone",
            ],
            # {{ code|label }}, |reason, |reasons, |event: codes shown as words everywhere
            "builtins": ["accord.web.templatetags.words"],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:banner"
LOGIN_REDIRECT_URL = "web:dashboard"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

# S4: Argon2id first; at least 12 characters (floor 8), at most 128, common list, no rotation.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
ACCORD_PASSWORD_MIN_LENGTH = 12
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "accord.accounts.passwords.LengthValidator",
        "OPTIONS": {"min_length": ACCORD_PASSWORD_MIN_LENGTH, "max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]

# S2: lockout of the account (settings).
ACCORD_LOCKOUT_FAILURES = 5
ACCORD_LOCKOUT_WINDOW = timedelta(minutes=15)
ACCORD_LOCKOUT_DURATION = timedelta(minutes=30)

# S5: sessions (settings).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
ACCORD_SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
ACCORD_SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
ACCORD_MAX_CONCURRENT_SESSIONS = 1
SESSION_COOKIE_AGE = int(ACCORD_SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# S7: account lifecycle (settings).
ACCORD_INACTIVE_DISABLE_AFTER = timedelta(days=90)
ACCORD_REAUTH_WINDOW = timedelta(minutes=10)

# Directory staleness (issue 4).
ACCORD_DIRECTORY_STALE_AFTER = timedelta(days=180)

# S10: consent.
ACCORD_CONSENT_MAX_DAYS = 90

# S18: audit retention.
ACCORD_AUDIT_RETENTION = timedelta(days=366)

# OTP.
OTP_TOTP_ISSUER = "Accord"
ACCORD_ALLOW_DEMO_TOTP = False  # dev settings turn it on; production refuses it

# S20: headers. CSP without unsafe-inline / unsafe-eval (django-csp 4 format).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
#: The languages of the interface: every visible word is marked for translation (templates
#: with {% translate %}, Python with gettext); catalogs live under LOCALE_PATHS.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "uploads"  # outside the web root; never served directly (S21)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The guided protocol editor posts a whole decision table (about 7 fields a rule); Django's
# default of 1,000 fields refused a 200-rule table. The body size limit above still bounds it.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Bad input (S24): how deep any JSON/YAML/XML input may nest, how large a protocol or DMN
# file may be (both read by accord.core.limits from the environment, so the CLI agrees),
# how large an HSDS import may be, and above what size the import runs in the worker.
ACCORD_INPUT_MAX_DEPTH = int(os.environ.get("ACCORD_INPUT_MAX_DEPTH", "64"))
ACCORD_PROTOCOL_MAX_BYTES = int(os.environ.get("ACCORD_PROTOCOL_MAX_BYTES", str(4 * 1024 * 1024)))
ACCORD_HSDS_MAX_BYTES = 20 * 1024 * 1024
ACCORD_HSDS_BACKGROUND_ABOVE_BYTES = 512 * 1024
# Reports (issue 15): a period with more cases opened than this is counted by the worker.
ACCORD_REPORT_BACKGROUND_CASES = int(os.environ.get("ACCORD_REPORT_BACKGROUND_CASES", "50000"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# Periodic jobs (accord.jobs): how often the runner looks for due jobs, and per-job intervals
# that override the registered defaults, e.g. {"tasks.escalate": timedelta(minutes=2)}.
def _env_seconds(name: str, default: float) -> timedelta:
    raw = os.environ.get(name, "").strip()
    try:
        seconds = float(raw) if raw else default
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        from accord.errors import ConfigurationError

        raise ConfigurationError(f"{name} must be a positive number of seconds, not {raw!r}.")
    return timedelta(seconds=seconds)


ACCORD_JOBS_TICK = _env_seconds("ACCORD_JOBS_TICK_SECONDS", 60)
ACCORD_JOB_INTERVALS: dict[str, timedelta] = {}


# The garbage collector of a serving process (accord/memory.py, docs/operations.md): the
# objects of start-up frozen, never walked again by a full collection (ACCORD_GC_FREEZE,
# default on), and optionally other thresholds for gc.set_threshold (ACCORD_GC_THRESHOLD,
# e.g. "700,10,10"; unset: Python's own, which measured best for the guided editor).
def _env_threshold(name: str) -> tuple[int, int, int] | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        parts = tuple(int(part) for part in raw.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) < 1:
        from accord.errors import ConfigurationError

        raise ConfigurationError(
            f"{name} must be three positive whole numbers such as 700,10,10, not {raw!r}."
        )
    return (parts[0], parts[1], parts[2])


ACCORD_GC_FREEZE = os.environ.get("ACCORD_GC_FREEZE", "true").strip().lower() not in (
    "false",
    "0",
    "no",
    "off",
)
ACCORD_GC_THRESHOLD = _env_threshold("ACCORD_GC_THRESHOLD")

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "accord@example.invalid"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"accord": {"level": "INFO"}},
}


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite in WAL mode with IMMEDIATE transactions, so audit chain writes serialise."""
    return {
        # Django's backend, with writers of one process queued in turn (accord/sqlite/base.py)
        "ENGINE": "accord.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }
