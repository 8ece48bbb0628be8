"""Signed release forms (S21, S19): type- and size-checked, stored encrypted outside the web root.

A scanned release shows the victim's name and signature, so the bytes are sealed
with the same AES-256-GCM keyring as the encrypted columns before they reach
``MEDIA_ROOT``; the file name kept on disk is random.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from accord.encryption.cipher import decrypt, encrypt
from accord.errors import ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CONTEXT = "sharing.release.signed_form"

#: content type -> magic bytes the file must start with
SIGNATURES: dict[str, bytes] = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}


@dataclass(frozen=True)
class StoredForm:
    path: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(getattr(settings, "ACCORD_CONSENT_FORM_MAX_BYTES", DEFAULT_MAX_BYTES))


def signed_form_store(upload: UploadedFile) -> StoredForm:
    """Check the upload (PDF, PNG or JPEG by content; size limit) and store it encrypted."""
    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("The signed form is larger than %(value)s MB.") % {"value": limit // (1024 * 1024)},
            data={"field": "signed_form"},
        )
    content = upload.read(limit + 1)
    if len(content) > limit or not content:
        raise ValidationError(
            _("The signed form is empty or too large."), data={"field": "signed_form"}
        )
    content_type = next(
        (kind for kind, magic in SIGNATURES.items() if content.startswith(magic)), None
    )
    if content_type is None:
        raise ValidationError(
            _("The signed form must be a PDF, PNG or JPEG file."), data={"field": "signed_form"}
        )
    sealed = encrypt(base64.b64encode(content).decode(), context=CONTEXT)
    path = default_storage.save(
        f"consents/{secrets.token_hex(16)}.enc", ContentFile(sealed.encode())
    )
    return StoredForm(
        path=path,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def signed_form_read(path: str) -> bytes:
    """The plaintext bytes of a stored form (raises DecryptionError if altered)."""
    with default_storage.open(path, "rb") as handle:
        sealed = handle.read().decode()
    return base64.b64decode(decrypt(sealed, context=CONTEXT))
