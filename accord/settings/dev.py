"""The demo / development settings: embedded SQLite under var/, console e-mail.

Not for production: the secret keys are derived from a fixed demo string and
demo TOTP devices are allowed (production settings refuse both).
"""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, sqlite_database

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
