"""S4: length 12..128, common passwords refused, no composition rules, Argon2id hashing."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from accord.accounts.passwords import LengthValidator
from accord.settings import base

from .factories import DEFAULT_PASSWORD, login_fully


def refused(password: str) -> bool:
    try:
        validate_password(password)
    except ValidationError:
        return True
    return False


def test_eleven_characters_are_refused_and_twelve_accepted():
    assert refused("qz7vtkp2wbm")  # 11
    assert not refused("qz7vtkp2wbmx")  # 12


def test_up_to_128_characters_are_accepted_and_129_refused():
    assert not refused("harbor " * 18 + "xy")  # 128
    assert refused("harbor " * 18 + "xyz")  # 129


def test_a_common_password_is_refused_even_when_long_enough():
    assert refused("password1234")
    assert refused("qwertyuiop12")


def test_no_composition_rules():
    assert not refused("quietmaplerivers")  # lowercase letters only
    assert not refused("4815162342108")  # digits only, not a common one
    assert not refused("the tide comes in slowly")


def test_the_minimum_never_goes_below_eight():
    assert LengthValidator(min_length=4).min_length == 8
    with pytest.raises(ValidationError):
        LengthValidator(min_length=4).validate("seven77")


def test_base_settings_hash_with_argon2id():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        hashed = make_password("a long passphrase here")
        assert hashed.startswith("argon2$argon2id$")
        assert check_password("a long passphrase here", hashed)


@pytest.mark.django_db
def test_a_user_changes_their_password(client, user):
    login_fully(client, user)
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200
    weak = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert b"too short" in weak.content
    new_password = "a different passphrase 7"
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    # Still signed in on this session.
    assert client.get(reverse("web:dashboard")).status_code == 200


@pytest.mark.django_db
def test_guessing_the_current_password_on_the_change_form_locks_the_account(client, user):
    login_fully(client, user)
    for attempt in range(5):
        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": f"guess number {attempt}", "new_password1": "x", "new_password2": "x"},
        )
    assert response.status_code == 302
    assert response.url == reverse("accounts:banner")
    assert client.get(reverse("web:dashboard")).status_code == 302
    user.refresh_from_db()
    assert user.locked_until is not None
