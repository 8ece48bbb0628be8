"""Key rotation without downtime: re-encrypt values written under older keys with the current one."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from .cipher import decrypt, encrypt, key_id_of
from .fields import encrypted_fields
from .keys import keyring


@dataclass(frozen=True)
class RotationResult:
    values_rewritten: int
    columns: int
    current_key: str


def keys_rotate(*, batch_size: int = 500) -> RotationResult:
    """Rewrite, column by column in small transactions, every value not under the current key.

    Reads and writes go on meanwhile: every key stays usable for reading until
    the operator removes it from ``ACCORD_ENCRYPTION_KEYS`` after this finishes.
    """
    ring = keyring()
    rewritten = 0
    columns = encrypted_fields()
    for model, field in columns:
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        if column is None or pk is None:  # no database column: nothing is stored to rewrite
            continue
        quote = connection.ops.quote_name
        last_pk = None
        while True:
            with connection.cursor() as cursor:
                where = f"WHERE {quote(column)} IS NOT NULL" + (
                    f" AND {quote(pk)} > %s" if last_pk is not None else ""
                )
                cursor.execute(
                    f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} {where} ORDER BY {quote(pk)} LIMIT %s",  # noqa: S608 - names quoted by the backend
                    [*([last_pk] if last_pk is not None else []), batch_size],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            with transaction.atomic():
                for row_pk, token in rows:
                    if key_id_of(token) == ring.current_id:
                        continue
                    fresh = encrypt(
                        decrypt(token, context=field.encryption_context),
                        context=field.encryption_context,
                    )
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",  # noqa: S608
                            [fresh, row_pk],
                        )
                    rewritten += 1
            last_pk = rows[-1][0]
    return RotationResult(
        values_rewritten=rewritten, columns=len(columns), current_key=ring.current_id
    )
