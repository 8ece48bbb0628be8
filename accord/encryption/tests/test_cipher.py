"""Encryption at rest (S19): AES-256-GCM per value, bound to its column, keys rotate, failures raise."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.encryption.cipher import DecryptionError, decrypt, encrypt, key_id_of
from accord.encryption.keys import blind_index, parse_keyring
from accord.errors import ConfigurationError

OLD = "old:" + base64.b64encode(b"o" * 32).decode()
NEW = "new:" + base64.b64encode(b"n" * 32).decode()


@given(st.text(max_size=200))
def test_round_trip_and_the_ciphertext_never_contains_the_plaintext(plaintext):
    ring = parse_keyring(NEW)
    token = encrypt(plaintext, context="cases.victim.legal_name", ring=ring)
    assert decrypt(token, context="cases.victim.legal_name", ring=ring) == plaintext
    if len(plaintext) >= 4:
        assert plaintext not in token


def test_same_value_encrypts_differently_each_time():
    ring = parse_keyring(NEW)
    assert encrypt("Ana", context="c", ring=ring) != encrypt("Ana", context="c", ring=ring)


def test_a_value_moved_to_another_column_does_not_decrypt():
    ring = parse_keyring(NEW)
    token = encrypt("Ana", context="cases.victim.legal_name", ring=ring)
    with pytest.raises(DecryptionError):
        decrypt(token, context="cases.suspect.name", ring=ring)


def test_an_altered_value_raises_instead_of_returning_garbage():
    ring = parse_keyring(NEW)
    token = encrypt("Ana", context="c", ring=ring)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        decrypt(tampered, context="c", ring=ring)


def test_old_keys_still_decrypt_after_a_new_key_is_put_first():
    old_ring = parse_keyring(OLD)
    token = encrypt("Ana", context="c", ring=old_ring)
    rotated = parse_keyring(f"{NEW},{OLD}")
    assert decrypt(token, context="c", ring=rotated) == "Ana"
    assert key_id_of(encrypt("Ana", context="c", ring=rotated)) == "new"


def test_a_removed_key_is_named_in_the_error():
    token = encrypt("Ana", context="c", ring=parse_keyring(OLD))
    with pytest.raises(ConfigurationError, match="'old'"):
        decrypt(token, context="c", ring=parse_keyring(NEW))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("nokey", "id:base64key"),
        ("k1:not-base64!!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "AES-256 needs 32"),
        (f"{NEW},{NEW}", "twice"),
    ],
)
def test_bad_key_settings_are_explained(spec, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_keyring(spec)


def test_blind_index_matches_equal_values_and_hides_them(settings):
    settings.ACCORD_BLIND_INDEX_KEY = "index-key"
    assert blind_index("Ana  Lopez", purpose="victim_name") == blind_index(
        "ana lopez", purpose="victim_name"
    )
    assert blind_index("Ana Lopez", purpose="victim_name") != blind_index(
        "Ana Lopez", purpose="suspect_name"
    )
    assert "ana" not in blind_index("Ana Lopez", purpose="victim_name")
