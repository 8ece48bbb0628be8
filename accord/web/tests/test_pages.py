"""The layout and its protections: headers on every page (S20), role navigation, errors without tracebacks."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from accord.audit.models import AuditEvent


@pytest.mark.django_db
def test_authenticated_pages_carry_security_headers(member_client):
    response = member_client(roles=["coordinator"]).get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts_or_styles(member_client):
    html = member_client(roles=["auditor"]).get("/audit/").content.decode()
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html


@pytest.mark.django_db
def test_navigation_shows_each_role_what_it_can_do(member_client):
    auditor = member_client("aud", roles=["auditor"]).get("/").content.decode()
    advocate = member_client("adv", roles=["advocate"], agency_slug="vsp").get("/").content.decode()
    assert "Audit trail" in auditor
    assert "Audit trail" not in advocate


@pytest.mark.django_db
def test_a_role_page_refuses_other_roles_and_audits_the_denial(member_client):
    response = member_client(roles=["advocate"]).get("/audit/")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(event="access_denied", outcome="denied").exists()


@pytest.mark.django_db
def test_unknown_pages_answer_a_plain_404(member_client):
    response = member_client().get("/no/such/page/")
    assert response.status_code in (302, 404)
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_a_failed_audit_write_refuses_the_response(member_client, monkeypatch):
    """S17: the auditor's page is itself audited; if that event cannot be written, the page is not sent."""
    client = member_client(roles=["auditor"])

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEvent.objects, "create", broken)
    response = client.get("/audit/")
    assert response.status_code == 503
    assert b"audit" in response.content.lower()


@pytest.mark.django_db
def test_every_page_links_the_icon_and_favicon_ico_finds_it(client):
    """No 404 in the server log for /favicon.ico: it redirects to the SVG icon pages link."""
    banner = client.get("/", follow=True).content.decode()
    assert '<link rel="icon" href="/static/accord/favicon.svg"' in banner
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/accord/favicon.svg"
    icon = client.get("/static/accord/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)
