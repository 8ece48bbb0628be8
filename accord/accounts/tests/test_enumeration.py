"""S3: login and password reset answer the same for unknown and known users."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User

from .factories import DEFAULT_PASSWORD, acknowledge_notice

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')


def without_csrf(content: bytes) -> bytes:
    return CSRF_VALUE.sub(rb"\1-\"", content)


def attempt(username: str, password: str):
    client = Client()
    acknowledge_notice(client)
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_unknown_user_and_wrong_password_get_byte_identical_pages(user):
    unknown = attempt("nobody.here", "some password 1234")
    wrong = attempt(user.username, "some password 1234")
    assert unknown.status_code == wrong.status_code == 200
    assert without_csrf(unknown.content) == without_csrf(wrong.content)
    assert b"csrfmiddlewaretoken" in unknown.content  # the comparison did see a form


def test_the_failure_page_does_not_echo_the_username(user):
    response = attempt(user.username, "some password 1234")
    assert user.username.encode() not in response.content


def test_unknown_user_still_costs_a_password_hash(user, monkeypatch):
    calls = []
    import accord.accounts.authentication as authentication

    real = authentication.make_password

    def counted(password: str) -> str:
        calls.append(password)
        return real(password)

    monkeypatch.setattr(authentication, "make_password", counted)
    attempt("nobody.here", "some password 1234")
    assert calls == ["some password 1234"]


def test_reset_request_answers_the_same_and_mails_only_known_addresses(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:password_reset"), {"email": user.email})
        unknown = Client().post(
            reverse("accounts:password_reset"), {"email": "nobody@example.invalid"}
        )
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    page_known = client.get(known.url)
    page_unknown = Client().get(unknown.url)
    assert without_csrf(page_known.content) == without_csrf(page_unknown.content)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]


def test_reset_link_sets_a_validated_password_and_the_second_factor_is_still_needed(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    too_short = client.post(
        set_password_url, {"new_password1": "short pw 1", "new_password2": "short pw 1"}
    )
    assert b"too short" in too_short.content
    new_password = "lighthouse keeper at dawn"
    done = client.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    fresh = Client()
    acknowledge_notice(fresh)
    response = fresh.post(
        reverse("accounts:login"), {"username": user.username, "password": new_password}
    )
    assert response.url == reverse("accounts:mfa")
    assert fresh.get(reverse("web:dashboard")).url == reverse("accounts:mfa")
    # The link is single-use.
    again = client.get(path, follow=True)
    assert b"not valid any more" in again.content


def test_old_password_stops_working_after_reset(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    new_password = "lighthouse keeper at dawn"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert not User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)
