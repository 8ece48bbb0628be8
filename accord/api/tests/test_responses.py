"""What every answer shares: ``Cache-Control: no-store`` (S20), one JSON error shape, no traceback,
and no case data when the audit trail cannot be written (S17)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accord.accounts.tests.factories import login_password_only
from accord.cases.tests.conftest import open_case

from .conftest import API, get, post_json, signed_in
from .test_authentication import WITHOUT_ACCESS_MIDDLEWARE, every_operation

pytestmark = pytest.mark.django_db


def test_every_response_is_no_store(people, make_member):
    case = open_case(people["hsi"])
    member = signed_in(people["hsi"])
    task = get(member, "/tasks/mine").json()["due"][0]
    password_only = Client()
    login_password_only(password_only, make_member("pam.password"))
    responses = {
        "anonymous 401": Client().get(f"{API}/me"),
        "password-only 401": password_only.get(f"{API}/cases"),
        "csrf 403": post_json(
            signed_in(people["hsi"], enforce_csrf_checks=True), "/protocol/evaluate", {"facts": {}}
        ),
        "role 403": get(signed_in(people["harbor"]), "/cases/999"),
        "404": get(signed_in(people["rpd"]), f"/cases/{case.pk}"),
        "422": post_json(member, f"/tasks/{task['id']}/take", {}),
        "400": post_json(member, "/protocol/evaluate", {"facts": {"victim_age": -1}}),
        "409": post_json(member, f"/tasks/{task['id']}/take", {"expected_version": 99}),
        "openapi": get(member, "/openapi.json"),
        "root": member.get(f"{API}/"),
    }
    for method, url in every_operation():
        if method == "GET":
            responses[url] = member.get(url)
    for label, response in responses.items():
        assert response["Cache-Control"] == "no-store", label
    assert responses["404"].status_code == 404 and responses["409"].status_code == 409


API_ONLY = [m for m in WITHOUT_ACCESS_MIDDLEWARE if m != "accord.web.middleware.NoStoreMiddleware"]


@override_settings(MIDDLEWARE=API_ONLY)
def test_the_api_sets_no_store_itself(member_client):
    """Without the page middlewares (no NoStoreMiddleware, no access middleware, so refusals
    come from the API itself) every answer is still no-store."""
    client = member_client("nat.nostore")
    assert get(client, "/me")["Cache-Control"] == "no-store"
    assert Client().get(f"{API}/me").status_code == 401
    assert Client().get(f"{API}/me")["Cache-Control"] == "no-store"


def test_errors_have_one_shape(people):
    member = signed_in(people["hsi"])
    for response in (
        get(member, "/cases/999999"),
        post_json(member, "/protocol/evaluate", {"facts": {"victim_age": -1}}),
        post_json(member, "/protocol/evaluate", {}),
        get(member, "/cases/not-a-number"),
    ):
        assert set(response.json()) == {"error", "message", "field"}, response.content


def test_an_unexpected_failure_is_json_without_a_traceback(people, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr("accord.api.cases.cases_for", broken)
    response = get(signed_in(people["hsi"]), "/cases")
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"
    assert b"internal detail" not in response.content and b"Traceback" not in response.content


def test_no_case_data_leaves_when_the_audit_trail_cannot_be_written(people, settings):
    case = open_case(people["hsi"])
    client = signed_in(people["hsi"])
    settings.ACCORD_AUDIT_KEY = ""
    response = get(client, f"/cases/{case.pk}")
    assert response.status_code == 503
    assert response.json()["error"] == "audit_unavailable"
    assert b"Canary" not in response.content
