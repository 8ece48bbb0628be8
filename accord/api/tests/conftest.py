"""API test helpers: the site's URLs plus the API, JSON posting, and the Example County cases."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from accord.cases.tests.conftest import county, people  # noqa: F401 - fixtures re-exported

API = "/api/v1"


def post_json(client: Client, path: str, body: Any, **headers: str):
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type="application/json", headers=headers
    )


def signed_in(user, **client_options: Any) -> Client:
    """A client with ``user``'s fully authenticated session (password and second factor)."""
    from conftest import sign_in

    return sign_in(Client(**client_options), user)


def get(client: Client, path: str, **params: Any):
    return client.get(f"{API}{path}", params)
