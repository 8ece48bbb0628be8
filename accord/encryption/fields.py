"""Model fields whose values are encrypted at rest (S19).

The database only ever sees ``acc1:<key id>:<ciphertext>``; Python code sees the
plaintext. Encrypted columns cannot be searched or ordered by value: use a
blind index column (``keys.blind_index``) for equality search.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from .cipher import decrypt, encrypt


class EncryptedTextField(models.TextField):
    description = "Text encrypted with AES-256-GCM"

    def contribute_to_class(
        self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any
    ) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.encryption_context = f"{cls._meta.label_lower}.{name}"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(self.to_plaintext(value), context=self.encryption_context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return self.from_plaintext(decrypt(value, context=self.encryption_context))

    def to_plaintext(self, value: Any) -> str:
        return str(value)

    def from_plaintext(self, plaintext: str) -> Any:
        return plaintext

    def get_lookup(self, lookup_name: str):
        if lookup_name not in {"isnull"}:
            return None  # refuse value lookups: they would compare ciphertexts
        return super().get_lookup(lookup_name)


class EncryptedJSONField(EncryptedTextField):
    description = "JSON encrypted with AES-256-GCM"
    # Any JSON value, as for Django's JSONField (the plugin would otherwise say ``str``).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_plaintext(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    def from_plaintext(self, plaintext: str) -> Any:
        return json.loads(plaintext)

    def to_python(self, value: Any) -> Any:
        return value


class EncryptedFloatField(EncryptedTextField):
    """A number encrypted with AES-256-GCM (e.g. a shelter's coordinates): ``None`` stays NULL."""

    description = "Number encrypted with AES-256-GCM"
    # What django-stubs' plugin reads as the attribute's type (it would say ``str``, the parent's).
    _pyi_private_set_type: float | int | None  # type: ignore[assignment]
    _pyi_private_get_type: float  # type: ignore[assignment]

    def to_plaintext(self, value: Any) -> str:
        return repr(float(value))

    def from_plaintext(self, plaintext: str) -> Any:
        return float(plaintext)

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return float(value)


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column of every installed model (for key rotation and the canary tests)."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedTextField)
    ]
