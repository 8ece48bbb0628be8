"""The demo / development settings: embedded SQLite under var/, console e-mail.

Not for production: the secret keys are derived from a fixed demo string and
demo TOTP devices are allowed (production settings refuse both).
"""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import DEFAULT_FROM_EMAIL as _BASE_FROM
from .base import VAR_DIR, sqlite_database
from .mail import mail_settings

DEBUG = False  # the demo shows the same friendly error pages production does
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
SECRET_KEY = os.environ.get("ACCORD_SECRET_KEY", "demo-only-secret-key-not-for-production-use-0001")
ACCORD_AUDIT_KEY = os.environ.get("ACCORD_AUDIT_KEY", "demo-only-audit-key-not-for-production")
ACCORD_ENCRYPTION_KEYS = os.environ.get(
    "ACCORD_ENCRYPTION_KEYS", "demo:ZGVtby1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM="
)
DATABASES = {"default": sqlite_database(VAR_DIR / "accord.sqlite3")}
ACCORD_ALLOW_DEMO_TOTP = True
WHITENOISE_USE_FINDERS = True

STATIC_ROOT = None  # static files come from the app finders (whitenoise)

if os.environ.get("ACCORD_EMAIL_HOST"):  # try a real mail server with the demo
    _mail = mail_settings(os.environ, default_from=_BASE_FROM)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT, EMAIL_TIMEOUT = _mail.host, _mail.port, _mail.timeout
    EMAIL_USE_TLS, EMAIL_USE_SSL = _mail.use_tls, _mail.use_ssl
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _mail.user, _mail.password
    DEFAULT_FROM_EMAIL = SERVER_EMAIL = _mail.default_from
