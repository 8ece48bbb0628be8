"""Production settings: every secret from the environment or a key file; refuse to start without.

Environment:
  DATABASE_URL             postgres://... (or sqlite:////abs/path)
  ACCORD_SECRET_KEY        or ACCORD_SECRET_KEY_FILE
  ACCORD_AUDIT_KEY         or ACCORD_AUDIT_KEY_FILE   (HMAC key of the audit chain)
  ACCORD_ENCRYPTION_KEYS   or ACCORD_ENCRYPTION_KEYS_FILE  ("id:base64key[,id:base64key...]", first is current)
  ACCORD_ALLOWED_HOSTS     comma-separated host names
  ACCORD_CSRF_TRUSTED_ORIGINS  optional: comma-separated https:// origins whose forms may post
                           (needed only when the proxy changes the Host header; see
                           docs/operations.md, "Behind a reverse proxy")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

from accord.errors import ConfigurationError

from .base import *  # noqa: F403
from .base import sqlite_database


def _secret(name: str) -> str:
    """Read ``name`` from the environment or from the file named by ``name``_FILE."""
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if not value and file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(
                f"{name}_FILE={file_name} cannot be read: {exc.strerror}"
            ) from None
    if not value:
        raise ConfigurationError(
            f"{name} is not set. Production refuses to start without it "
            f"(set {name} or {name}_FILE; see docs/operations.md)."
        )
    return value


DEBUG = False
SECRET_KEY = _secret("ACCORD_SECRET_KEY")
ACCORD_AUDIT_KEY = _secret("ACCORD_AUDIT_KEY")
ACCORD_ENCRYPTION_KEYS = _secret("ACCORD_ENCRYPTION_KEYS")
DATABASES: dict[str, Any] = {
    "default": dj_database_url.parse(_secret("DATABASE_URL"), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database as the demo runs it: WAL, and IMMEDIATE transactions so that
    # writers queue (case numbers, the audit chain) instead of failing when they collide.
    DATABASES["default"] = sqlite_database(Path(DATABASES["default"]["NAME"]))
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ACCORD_ALLOWED_HOSTS", "").split(",") if h.strip()
]
if not ALLOWED_HOSTS:
    raise ConfigurationError("ACCORD_ALLOWED_HOSTS is not set (comma-separated host names).")

CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ACCORD_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith("https://") or _origin.count("/") != 2:
        raise ConfigurationError(
            f"ACCORD_CSRF_TRUSTED_ORIGINS: '{_origin}' is not an origin like "
            "https://accord.example.org (https, a host name, no path)."
        )

ACCORD_ALLOW_DEMO_TOTP = False

# Static files (`accord manage collectstatic`): names carry a hash of the content and every file
# is stored gzip- and brotli-compressed too, so whitenoise serves them compressed with a one-year
# "immutable" cache header from every web process; an upgrade changes the names. Not strict: a
# file missing from the manifest is served under its plain name rather than failing the page.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MANIFEST_STRICT = False

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
EMAIL_BACKEND = os.environ.get(
    "ACCORD_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
