"""Malformed, over-deep and boundary-less bodies get a clear 400 in the API's one error shape,
never a 500 (S24)."""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import API

pytestmark = pytest.mark.django_db


def post_raw(client, path: str, body: bytes | str, content_type: str):
    return client.post(f"{API}{path}", data=body, content_type=content_type)


def test_json_nested_50000_deep_is_refused_400(county, member_client):
    client = member_client("deb.deep", agency_slug="ecso")
    body = '{"facts": {"victim_age":\n' + "[" * 50_000 + "]" * 50_000 + "}}"
    response = post_raw(client, "/protocol/evaluate", body, "application/json")
    assert response.status_code == 400
    assert response.json() == {
        "error": "body_too_deep",
        "message": "The request body is nested more than 64 levels deep (the limit is 64); line 2.",
        "field": "body",
    }


def csrf_client(make_member, username: str) -> Client:
    """A signed-in client whose requests go through the CSRF check, as a browser's do."""
    from conftest import sign_in

    client = sign_in(Client(enforce_csrf_checks=True), make_member(username, agency_slug="ecso"))
    assert client.get(f"{API}/me").status_code == 200  # sets the CSRF cookie
    return client


def test_multipart_without_boundary_is_refused_400(county, make_member):
    client = csrf_client(make_member, "bo.boundary")
    response = client.post(
        f"{API}/protocol/evaluate",
        data=b"--x\r\n\r\n",
        content_type="multipart/form-data",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "body_malformed"
    assert "boundary" in body["message"]


def test_malformed_json_is_refused_400_naming_the_line(county, member_client):
    client = member_client("mal.formed", agency_slug="ecso")
    response = post_raw(client, "/protocol/evaluate", '{"facts":\n {', "application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "body_malformed"
    assert "line 2" in body["message"]
    assert body["field"] == "body"


def test_a_body_over_the_upload_limit_is_refused_413_naming_the_limit(
    county, member_client, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    client = member_client("big.body", agency_slug="ecso")
    body = '{"facts": {"note": "' + "x" * 4096 + '"}}'
    response = post_raw(client, "/protocol/evaluate", body, "application/json")
    assert response.status_code == 413
    assert response.json() == {
        "error": "body_too_large",
        "message": "The request body is larger than the limit of 2 KB.",
        "field": "body",
    }


def test_the_depth_limit_is_a_setting_and_64_levels_still_parse(county, member_client, settings):
    client = member_client("set.depth", agency_slug="ecso")
    inside = "[" * 62 + "]" * 62  # the body object and "facts" make 64 levels
    ok = post_raw(
        client, "/protocol/evaluate", '{"facts": {"x": ' + inside + "}}", "application/json"
    )
    assert ok.json()["error"] != "body_too_deep"  # read, then refused for naming no factor
    settings.ACCORD_INPUT_MAX_DEPTH = 3
    response = post_raw(client, "/protocol/evaluate", '{"facts": {"x": [[]]}}', "application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "body_too_deep"
    assert "more than 3 levels" in response.json()["message"]
