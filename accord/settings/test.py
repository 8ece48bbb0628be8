"""Settings for the test suite: SQLite by default, PostgreSQL when DATABASE_URL is set."""

from __future__ import annotations

import os
from typing import Any

import dj_database_url

from .base import *  # noqa: F403
from .base import VAR_DIR, sqlite_database

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
ACCORD_AUDIT_KEY = "test-only-audit-key"
ACCORD_ENCRYPTION_KEYS = "t1:dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM="
ACCORD_ALLOW_DEMO_TOTP = True

if os.environ.get("DATABASE_URL"):
    DATABASES: dict[str, Any] = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    # The suite runs on an in-memory database (pytest-django creates it), so parallel runs
    # never share a file; tests that need a real file make their own.
    DATABASES = {"default": sqlite_database(VAR_DIR / "test.sqlite3")}
    # Named in-memory, so pytest-xdist's workers (make test runs one per core) each get their
    # own: pytest-django would otherwise suffix the file path of Accord's own SQLite backend.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

# Fast hashing keeps the suite quick; a dedicated test checks production uses Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_USE_FINDERS = True
ACCORD_ALLOW_FLUSH = (
    True  # between transactional tests only; see accord/audit/management/commands/flush.py
)

STATIC_ROOT = None  # static files come from the app finders (whitenoise)
