"""The marks really go through Django's translation machinery.

A pseudo-translation (every message wrapped in ⟦ ⟧) stands in for a catalog: a page rendered
under it shows the wrapped strings, the template's fixed words and its sentences with
values alike. A word the machinery never sees would show unwrapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from unittest import mock

import pytest
from django.utils import translation


def _wrapped(message: str) -> str:
    return f"⟦{message}⟧"


@pytest.fixture
def pseudo() -> Iterator[None]:
    trans = translation._trans  # Django's switch to the real gettext functions
    with (
        mock.patch.object(trans, "gettext", _wrapped),
        mock.patch.object(
            trans, "ngettext", lambda one, many, n: _wrapped(one if n == 1 else many)
        ),
        mock.patch.object(trans, "pgettext", lambda context, message: _wrapped(message)),
    ):
        yield


@pytest.mark.django_db
def test_a_page_under_a_pseudo_translation_shows_every_mark_translated(pseudo, client):
    page = client.get("/accounts/notice/").content.decode()
    assert "⟦Skip to content⟧" in page and "⟦System-use notice⟧" in page  # {% translate %}
    assert "⟦This is a restricted information system" in page  # {% blocktranslate %}
    assert "⟦Accord — restricted system. Activity is logged.⟧" in page
    assert ">Skip to content<" not in page


@pytest.mark.django_db
def test_a_sentence_with_values_is_translated_whole_and_keeps_its_values(pseudo, member_client):
    from django.urls import reverse

    page = member_client(roles=["coordinator"]).get(reverse("accounts:user_list")).content.decode()
    assert "⟦Users of Testville Task Force⟧" in page  # the message, then its value filled in
    assert "⟦Sign out⟧" in page and "⟦Notifications⟧" in page
    assert ">⟦Dashboard⟧</a>" in page  # the navigation, registered by each app


@pytest.mark.django_db
def test_the_page_speaks_the_language_the_browser_asks_for(client):
    spanish = client.get("/accounts/notice/", headers={"accept-language": "es"})
    assert '<html lang="es">' in spanish.content.decode()
    assert spanish["Content-Language"] == "es"
    english = client.get("/accounts/notice/")
    assert '<html lang="en">' in english.content.decode()  # en-us is served as English


@pytest.mark.django_db
def test_form_labels_and_the_label_tables_go_through_gettext_too(pseudo, member_client):
    page = member_client(roles=["auditor"]).get("/audit/").content.decode()
    assert "⟦Person (user name)⟧" in page  # a form label (gettext_lazy)
    assert "⟦Any event⟧" in page and "⟦Signed in⟧" in page  # accord/audit/events.py's events
