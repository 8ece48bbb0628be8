"""Outgoing e-mail configured from the environment (production; the demo when a host is set).

  ACCORD_EMAIL_HOST            SMTP server; default localhost (a mail relay on the machine)
  ACCORD_EMAIL_PORT            default 587 with STARTTLS, 465 with SSL, else 25
  ACCORD_EMAIL_USE_TLS         STARTTLS, "true" (default unless the host is local) or "false"
  ACCORD_EMAIL_USE_SSL         implicit TLS, "false" (default) or "true"; not both
  ACCORD_EMAIL_USER            or ACCORD_EMAIL_USER_FILE
  ACCORD_EMAIL_PASSWORD_FILE   a file holding the password (or ACCORD_EMAIL_PASSWORD)
  ACCORD_EMAIL_TIMEOUT         seconds to wait for the server, default 20
  ACCORD_DEFAULT_FROM_EMAIL    the sender address

Every mistake is a ``ConfigurationError`` naming the variable, raised at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from accord.errors import ConfigurationError

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    use_tls: bool
    use_ssl: bool
    user: str
    password: str
    timeout: int
    default_from: str


def _flag(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}.")


def _number(environ: Mapping[str, str], name: str, *, default: int, top: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= top:
        raise ConfigurationError(f"{name} must be a whole number from 1 to {top}, not {raw!r}.")
    return int(raw)


def _value_or_file(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    file_name = environ.get(f"{name}_FILE", "")
    if file_name and not value:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(
                f"{name}_FILE={file_name} cannot be read: {exc.strerror}"
            ) from None
    return value


def mail_settings(environ: Mapping[str, str], *, default_from: str) -> MailSettings:
    """Read the ACCORD_EMAIL_* variables, or say which one is wrong."""
    host = environ.get("ACCORD_EMAIL_HOST", "").strip() or "localhost"
    local = host in LOCAL_HOSTS
    use_ssl = _flag(environ, "ACCORD_EMAIL_USE_SSL", default=False)
    use_tls = _flag(environ, "ACCORD_EMAIL_USE_TLS", default=not use_ssl and not local)
    if use_tls and use_ssl:
        raise ConfigurationError(
            "ACCORD_EMAIL_USE_TLS and ACCORD_EMAIL_USE_SSL cannot both be true: STARTTLS "
            "(usually port 587) or implicit TLS (usually port 465), not both."
        )
    port = _number(
        environ,
        "ACCORD_EMAIL_PORT",
        default=465 if use_ssl else 587 if use_tls else 25,
        top=65535,
    )
    user = _value_or_file(environ, "ACCORD_EMAIL_USER")
    password = _value_or_file(environ, "ACCORD_EMAIL_PASSWORD")
    if password and not user:
        raise ConfigurationError("ACCORD_EMAIL_PASSWORD_FILE is set but ACCORD_EMAIL_USER is not.")
    return MailSettings(
        host=host,
        port=port,
        use_tls=use_tls,
        use_ssl=use_ssl,
        user=user,
        password=password,
        timeout=_number(environ, "ACCORD_EMAIL_TIMEOUT", default=20, top=600),
        default_from=environ.get("ACCORD_DEFAULT_FROM_EMAIL", "").strip() or default_from,
    )
