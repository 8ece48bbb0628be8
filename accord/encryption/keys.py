"""The keyring for encryption at rest (S19): AES-256-GCM keys kept outside the database.

``ACCORD_ENCRYPTION_KEYS`` holds ``id:base64key`` pairs separated by commas. The
first key encrypts; every listed key decrypts, so rotation is: put a new key
first, keep the old ones, run ``accord keys rotate``, then drop the old keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from accord.errors import ConfigurationError

KEY_BYTES = 32


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise ConfigurationError(
                f"Encryption key '{key_id}' is not in ACCORD_ENCRYPTION_KEYS; data written with it cannot be read."
            ) from None


def parse_keyring(spec: str) -> Keyring:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for position, item in enumerate(part.strip() for part in spec.split(",") if part.strip()):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id.isalnum():
            raise ConfigurationError(
                f"ACCORD_ENCRYPTION_KEYS entry {position + 1} must look like 'id:base64key' (id letters and digits)."
            )
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ConfigurationError(
                f"ACCORD_ENCRYPTION_KEYS key '{key_id}' is not valid base64."
            ) from None
        if len(raw) != KEY_BYTES:
            raise ConfigurationError(
                f"ACCORD_ENCRYPTION_KEYS key '{key_id}' has {len(raw)} bytes; AES-256 needs {KEY_BYTES}."
            )
        if key_id in keys:
            raise ConfigurationError(f"ACCORD_ENCRYPTION_KEYS lists key '{key_id}' twice.")
        keys[key_id] = raw
        order.append(key_id)
    if not order:
        raise ConfigurationError("ACCORD_ENCRYPTION_KEYS is empty.")
    return Keyring(current_id=order[0], keys=keys)


@lru_cache(maxsize=4)
def _cached(spec: str) -> Keyring:
    return parse_keyring(spec)


def keyring() -> Keyring:
    """The keyring of the current settings (cached per settings value, so tests can override it)."""
    return _cached(getattr(settings, "ACCORD_ENCRYPTION_KEYS", ""))


def blind_index_key() -> bytes:
    """A separate, stable key for blind indexes (equality search without plaintext).

    Derived from ``ACCORD_BLIND_INDEX_KEY`` when set, else from the secret key; it
    does not change when encryption keys rotate, so indexes stay valid.
    """
    material = getattr(settings, "ACCORD_BLIND_INDEX_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(b"accord-blind-index:" + material.encode()).digest()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised value: equal inputs match, the value cannot be read back."""
    normalised = " ".join(value.casefold().split())
    return hmac.new(
        blind_index_key(), f"{purpose}:{normalised}".encode(), hashlib.sha256
    ).hexdigest()[:40]
