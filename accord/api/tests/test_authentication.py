"""S1/S20 for the API: the page session, fully authenticated; CSRF on every unsafe method."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, override_settings

from accord.accounts.tests.factories import login_password_only
from accord.api.api import api
from accord.api.security import api_operations

from .conftest import API, get, post_json, signed_in

pytestmark = pytest.mark.django_db

SAMPLE = re.compile(r"\{\w+\}")


def every_operation() -> list[tuple[str, str]]:
    """(method, example URL) for each API operation, path parameters filled with 1."""
    return [(op.method, f"{API}/{SAMPLE.sub('1', op.path)}") for op in api_operations(api)]


def call(client: Client, method: str, url: str):
    if method == "POST":
        return client.post(url, data="{}", content_type="application/json")
    return client.get(url)


@pytest.fixture
def password_only(make_member) -> Client:
    client = Client()
    login_password_only(client, make_member("pat.password", roles=["coordinator", "investigator"]))
    return client


def test_the_walk_covers_every_operation():
    assert len(every_operation()) >= 9


def test_anonymous_callers_get_401_from_every_operation():
    client = Client()
    for method, url in [*every_operation(), ("GET", f"{API}/openapi.json")]:
        response = call(client, method, url)
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.json()["error"] == "authentication required"


def test_a_password_only_session_gets_401_second_factor_required(password_only):
    for method, url in [*every_operation(), ("GET", f"{API}/openapi.json")]:
        response = call(password_only, method, url)
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.json()["error"] == "second factor required", (method, url)


def test_a_full_session_reaches_the_api(member_client):
    response = get(member_client("sam.full", roles=["advocate"]), "/me")
    assert response.status_code == 200
    assert response.json()["username"] == "sam.full"


WITHOUT_ACCESS_MIDDLEWARE = [
    m for m in settings.MIDDLEWARE if m != "accord.web.middleware.AccessDeclarationMiddleware"
]


def same_session(client: Client) -> Client:
    """A new client (it loads the middleware now) carrying ``client``'s cookies."""
    fresh = Client()
    fresh.cookies = client.cookies
    return fresh


@override_settings(MIDDLEWARE=WITHOUT_ACCESS_MIDDLEWARE)
def test_the_api_checks_the_second_factor_itself_without_the_page_middleware(password_only):
    """Defence in depth: the operations' own authentication refuses a password-only session."""
    password_only = same_session(password_only)
    for method, url in every_operation():
        response = call(password_only, method, url)
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.json() == {
            "error": "second factor required",
            "message": "This session has passed the password only: complete the second factor first.",
            "field": None,
        }
    assert get(password_only, "/openapi.json").status_code == 401


@override_settings(MIDDLEWARE=WITHOUT_ACCESS_MIDDLEWARE)
def test_without_the_page_middleware_anonymous_callers_still_get_401():
    for method, url in every_operation():
        assert call(Client(), method, url).status_code == 401, (method, url)


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(make_member) -> Client:
    """A fully signed-in client that enforces CSRF like a browser would."""
    return signed_in(make_member("casey.csrf", roles=["advocate"]), enforce_csrf_checks=True)


def test_a_post_without_the_csrf_token_is_refused_403(csrf_client):
    response = post_json(csrf_client, "/protocol/evaluate", {"facts": {}})
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"


def test_a_post_with_a_wrong_csrf_token_is_refused_403(csrf_client):
    get(csrf_client, "/me")  # sets the CSRF cookie
    response = post_json(csrf_client, "/protocol/evaluate", {"facts": {}}, X_CSRFToken="x" * 64)
    assert response.status_code == 403


def test_a_post_with_the_token_from_me_passes_the_csrf_check(csrf_client):
    token = get(csrf_client, "/me").json()["csrf_token"]
    response = post_json(csrf_client, "/protocol/evaluate", {"facts": {}}, X_CSRFToken=token)
    # Past CSRF: this task force has no protocol in force, which is the next answer.
    assert response.status_code == 404
    assert response.json()["error"] == "no_protocol_in_force"


def test_every_unsafe_operation_checks_csrf(csrf_client):
    safe = ("GET", "HEAD", "OPTIONS")
    unsafe = [(method, url) for method, url in every_operation() if method not in safe]
    assert unsafe  # the API has unsafe operations, so the loop below checks something
    for method, url in unsafe:
        response = csrf_client.post(url, data="{}", content_type="application/json")
        assert response.status_code == 403, (method, url)
        assert response.json()["error"] == "csrf_failed"


# --- the OpenAPI document ------------------------------------------------------------------------


def test_members_get_the_openapi_document(member_client):
    response = get(member_client("olive.openapi"), "/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/cases/{case_id}" in paths
    assert "/api/v1/protocol/evaluate" in paths


def test_there_is_no_interactive_docs_page(member_client):
    assert get(member_client("dora.docs"), "/docs").status_code == 404
