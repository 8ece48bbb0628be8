"""AES-256-GCM encryption of single values, bound to the column they live in."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext as _

from accord.errors import AccordError

from .keys import Keyring, keyring

PREFIX = "acc1"
NONCE_BYTES = 12


class DecryptionError(AccordError):
    """A stored value could not be decrypted (wrong key, or the value was altered)."""

    default_code = "decryption_failed"


def encrypt(plaintext: str, *, context: str, ring: Keyring | None = None) -> str:
    """``acc1:<key id>:<base64(nonce + ciphertext + tag)>``; ``context`` (the column) is authenticated."""
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.key(ring.current_id)).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{ring.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(token: str) -> str | None:
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def decrypt(token: str, *, context: str, ring: Keyring | None = None) -> str:
    """Open a token or raise ``DecryptionError``: never return garbage or the ciphertext."""
    ring = ring or keyring()
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError(
            _("A value in %(context)s is not an Accord ciphertext.") % {"context": context}
        )
    try:
        blob = base64.urlsafe_b64decode(parts[2].encode())
        return (
            AESGCM(ring.key(parts[1]))
            .decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
            .decode()
        )
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(
            _("A value in %(context)s could not be decrypted (wrong key or altered).")
            % {"context": context}
        ) from exc
