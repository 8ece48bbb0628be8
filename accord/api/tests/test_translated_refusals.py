"""A service's refusal reaches the person in their language (issue 13).

Under a pseudo-translation (every message wrapped in ⟦ ⟧, as in
``accord/web/tests/test_translation_machinery.py``) the message of a refused service action,
worded by the service with ``gettext``, comes back wrapped, in the API's JSON body and on the
page, with its values filled in. The same request without the pseudo-translation reads plain
English: the words are looked up when the request is answered, not when a module is imported.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.cases.tests.conftest import open_case
from accord.web.tests.test_translation_machinery import pseudo  # noqa: F401  (the fixture)

from .conftest import get, post_json, signed_in

pytestmark = pytest.mark.django_db


def _stale_task(people):
    """An HSI task taken once, and the version the caller read before that."""
    open_case(people["hsi"])
    client = signed_in(people["hsi"])
    task = get(client, "/tasks/mine").json()["due"][0]
    post_json(client, f"/tasks/{task['id']}/take", {"expected_version": task["version"]})
    return client, task


def test_a_refused_action_answers_the_api_in_the_callers_language(people, pseudo):  # noqa: F811
    client, task = _stale_task(people)
    refused = post_json(
        client, f"/tasks/{task['id']}/complete", {"expected_version": task["version"]}
    )
    assert refused.status_code == 409
    message = refused.json()["message"]
    assert message.startswith("⟦This task was changed by someone else") and message.endswith("⟧")
    assert f"your version {task['version']}, now {task['version'] + 1}" in message  # the values


def test_a_refused_action_shows_translated_on_the_page(people, pseudo):  # noqa: F811
    _, task = _stale_task(people)
    page = signed_in(people["hsi"]).post(
        reverse("cases:task_act", args=[task["id"], "complete"]),
        {"lock_version": task["version"]},
    )
    assert page.status_code == 409
    text = page.content.decode()
    assert "⟦This task was changed by someone else since you opened it" in text


def test_without_the_pseudo_translation_the_same_refusal_reads_plain_english(people):
    client, task = _stale_task(people)
    refused = post_json(
        client, f"/tasks/{task['id']}/complete", {"expected_version": task["version"]}
    )
    message = refused.json()["message"]
    assert message.startswith("This task was changed by someone else") and "⟦" not in message
