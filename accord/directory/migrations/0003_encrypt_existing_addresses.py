"""Encrypt the shelter addresses, directions and coordinates already stored (S19).

``0002_encrypted_addresses`` made the columns ``EncryptedTextField`` /
``EncryptedFloatField``; here every value already stored is encrypted in place
with the current key, bound to its column as the field would bind it.
Values are read and written with plain SQL: the historical model's fields would
try to decrypt the plain text still there. Already-encrypted values are left
alone, so the step can run twice.

Reversible: going back decrypts every value in place (with whichever key of
``ACCORD_ENCRYPTION_KEYS`` wrote it) before the columns become plain again. Run
it backwards only on a machine whose database may hold addresses in clear text.
"""

from __future__ import annotations

from django.db import migrations

from accord.encryption.cipher import decrypt, encrypt, key_id_of

#: (table, model label, column, is a number)
COLUMNS = (
    ("directory_address", "directory.address", "attention", False),
    ("directory_address", "directory.address", "address_1", False),
    ("directory_address", "directory.address", "address_2", False),
    ("directory_address", "directory.address", "city", False),
    ("directory_address", "directory.address", "region", False),
    ("directory_address", "directory.address", "state_province", False),
    ("directory_address", "directory.address", "postal_code", False),
    ("directory_location", "directory.location", "transportation", False),
    ("directory_location", "directory.location", "latitude", True),
    ("directory_location", "directory.location", "longitude", True),
)


def _rewrite(schema_editor, change) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for table, label, column, numeric in COLUMNS:
        context = f"{label}.{column}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL"  # noqa: S608 - names quoted by the backend
            )
            rows = cursor.fetchall()
        for pk, value in rows:
            new = change(value, context=context, numeric=numeric)
            if new is None:
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608
                    [new, pk],
                )


def _encrypt(value, *, context: str, numeric: bool) -> str | None:
    text = str(value)
    if key_id_of(text) is not None:
        return None  # already a ciphertext
    return encrypt(repr(float(text)) if numeric else text, context=context)


def _decrypt(value, *, context: str, numeric: bool) -> str | None:
    text = str(value)
    if key_id_of(text) is None:
        return None  # still plain
    return decrypt(text, context=context)


def encrypt_existing(apps, schema_editor) -> None:
    _rewrite(schema_editor, _encrypt)


def decrypt_existing(apps, schema_editor) -> None:
    _rewrite(schema_editor, _decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_encrypted_addresses"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
