"""Outgoing mail from the environment: sensible defaults, files for secrets, clear refusals."""

from __future__ import annotations

import pytest

from accord.errors import ConfigurationError
from accord.settings.mail import mail_settings

FROM = "accord@example.invalid"


def test_a_relay_on_the_machine_is_the_default():
    mail = mail_settings({}, default_from=FROM)
    assert (mail.host, mail.port, mail.use_tls, mail.use_ssl) == ("localhost", 25, False, False)
    assert mail.default_from == FROM


def test_a_remote_server_gets_starttls_on_587_and_the_password_from_a_file(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret-from-file\n")
    mail = mail_settings(
        {
            "ACCORD_EMAIL_HOST": "smtp.example.org",
            "ACCORD_EMAIL_USER": "accord",
            "ACCORD_EMAIL_PASSWORD_FILE": str(secret),
            "ACCORD_DEFAULT_FROM_EMAIL": "task-force@example.org",
        },
        default_from=FROM,
    )
    assert (mail.host, mail.port, mail.use_tls, mail.use_ssl) == (
        "smtp.example.org",
        587,
        True,
        False,
    )
    assert (mail.user, mail.password) == ("accord", "s3cret-from-file")
    assert mail.default_from == "task-force@example.org"


def test_implicit_tls_defaults_to_port_465():
    mail = mail_settings(
        {"ACCORD_EMAIL_HOST": "smtp.example.org", "ACCORD_EMAIL_USE_SSL": "true"},
        default_from=FROM,
    )
    assert (mail.port, mail.use_tls, mail.use_ssl) == (465, False, True)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"ACCORD_EMAIL_USE_TLS": "true", "ACCORD_EMAIL_USE_SSL": "true"}, "cannot both be true"),
        ({"ACCORD_EMAIL_USE_TLS": "maybe"}, "ACCORD_EMAIL_USE_TLS must be true or false"),
        ({"ACCORD_EMAIL_PORT": "70000"}, "ACCORD_EMAIL_PORT must be a whole number"),
        ({"ACCORD_EMAIL_PORT": "smtp"}, "ACCORD_EMAIL_PORT must be a whole number"),
        ({"ACCORD_EMAIL_PASSWORD": "x"}, "ACCORD_EMAIL_USER is not"),
        ({"ACCORD_EMAIL_PASSWORD_FILE": "/nonexistent/pw"}, "ACCORD_EMAIL_PASSWORD_FILE="),
    ],
)
def test_a_mistake_is_refused_naming_the_variable(environ, named):
    with pytest.raises(ConfigurationError, match=named):
        mail_settings({"ACCORD_EMAIL_HOST": "smtp.example.org", **environ}, default_from=FROM)
