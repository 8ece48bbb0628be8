"""TOTP devices for the demo (known keys) and for everyone else (random keys)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp

from accord.accounts.services import totp_device_create
from accord.errors import PermissionDenied, ValidationError

from .factories import login_password_only, make_user

pytestmark = pytest.mark.django_db

DEMO_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key


def test_a_known_key_gives_codes_the_demo_can_print(client, agency):
    demo = make_user(agency, "demo.investigator", with_totp=False)
    device = totp_device_create(user=demo, key_hex=DEMO_KEY)
    assert device.confirmed and device.key == DEMO_KEY
    assert "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in device.config_url
    login_password_only(client, demo)
    code = f"{totp(device.bin_key):06d}"
    response = client.post(reverse("accounts:mfa"), {"code": code})
    assert response.url == reverse("web:dashboard")


@override_settings(ACCORD_ALLOW_DEMO_TOTP=False)
def test_production_refuses_known_keys(agency):
    demo = make_user(agency, "demo.investigator", with_totp=False)
    with pytest.raises(PermissionDenied):
        totp_device_create(user=demo, key_hex=DEMO_KEY)
    device = totp_device_create(user=demo)  # a random key is fine anywhere
    assert device.key != DEMO_KEY


def test_malformed_keys_are_refused(agency):
    demo = make_user(agency, "demo.investigator", with_totp=False)
    with pytest.raises(ValidationError):
        totp_device_create(user=demo, key_hex="not hex at all")
