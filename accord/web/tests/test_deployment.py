"""Production settings: check --deploy is clean, missing secrets stop start-up with a clear message (S20)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "accord.settings.production",
    "ACCORD_SECRET_KEY": "x" * 20 + "production-like-secret-key-for-the-check-0123456789",
    "ACCORD_AUDIT_KEY": "production-like-audit-key",
    "ACCORD_ENCRYPTION_KEYS": "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "DATABASE_URL": "sqlite:////tmp/accord-check-deploy.sqlite3",
    "ACCORD_ALLOWED_HOSTS": "accord.example.invalid",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ACCORD_", "DATABASE_URL", "DJANGO_"))
    }
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_check_deploy_reports_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["ACCORD_SECRET_KEY", "ACCORD_AUDIT_KEY", "ACCORD_ENCRYPTION_KEYS", "DATABASE_URL"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_reads_secrets_from_key_files(tmp_path):
    key_file = tmp_path / "audit.key"
    key_file.write_text("audit-key-from-a-file\n")
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ACCORD_AUDIT_KEY"}
    env["ACCORD_AUDIT_KEY_FILE"] = str(key_file)
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.ACCORD_AUDIT_KEY)", env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "audit-key-from-a-file"


def test_production_refuses_demo_second_factors():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ACCORD_ALLOW_DEMO_TOTP)",
        env=PRODUCTION_ENV,
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_trusted_origins_for_forms_come_from_the_environment():
    env = {
        **PRODUCTION_ENV,
        "ACCORD_CSRF_TRUSTED_ORIGINS": "https://accord.example.invalid, https://tf.example.invalid",
    }
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(','.join(settings.CSRF_TRUSTED_ORIGINS))",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "https://accord.example.invalid,https://tf.example.invalid"
    )


@pytest.mark.parametrize("origin", ["accord.example.invalid", "http://accord.example.invalid"])
def test_a_trusted_origin_that_is_not_https_is_refused_in_a_sentence(origin):
    result = _manage("check", env={**PRODUCTION_ENV, "ACCORD_CSRF_TRUSTED_ORIGINS": origin})
    assert result.returncode != 0
    assert f"ACCORD_CSRF_TRUSTED_ORIGINS: '{origin}' is not an origin" in result.stderr
    assert "Traceback" not in result.stderr


def test_collected_static_files_get_hashed_names_compressed_copies_and_a_long_cache(tmp_path):
    env = {**PRODUCTION_ENV, "ACCORD_VAR_DIR": str(tmp_path)}
    collected = _manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    css = list((tmp_path / "static" / "accord").glob("accord.*.css"))
    assert len(css) == 1, list((tmp_path / "static" / "accord").iterdir())
    hashed = css[0].name
    assert (css[0].parent / f"{hashed}.gz").exists() and (css[0].parent / f"{hashed}.br").exists()
    script = (
        "from django.test import Client; "
        "from django.templatetags.static import static; "
        "url = static('accord/accord.css'); print(url); "
        "r = Client().get(url, HTTP_ACCEPT_ENCODING='br', HTTP_HOST='accord.example.invalid', "
        "secure=True); "
        "print(r.status_code, r.headers.get('Content-Encoding'), r.headers.get('Cache-Control'))"
    )
    shown = _manage("shell", "-c", script, env=env)
    assert shown.returncode == 0, shown.stderr
    url, answer = shown.stdout.strip().splitlines()[-2:]
    assert url == f"/static/accord/{hashed}"
    assert answer == "200 br max-age=315360000, public, immutable"


def test_production_on_sqlite_queues_writers_with_immediate_transactions():
    """Concurrent intakes on SQLite wait for each other only when transactions start
    BEGIN IMMEDIATE (issue 15); a sqlite DATABASE_URL gets the embedded default's options."""
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['transaction_mode'])",
        env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "IMMEDIATE"
