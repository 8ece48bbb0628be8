"""``verify``'s fast path computes exactly what the writers compute (issue #15).

The verifier builds each event's message from a row tuple without a dict per event, and reads
rows without Django's converters; a single byte of difference would report an intact trail as
edited (or worse, the reverse), so these hold the fast path to ``event_hash``/``record_mac``.
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.audit.chain import (
    _ENCODER,
    HASHED_FIELDS,
    READ_FIELDS,
    ROW_COLUMNS,
    canonical_json,
    event_hash,
    event_hash_of_row,
    event_message_of_text,
    read_entry,
    read_entry_of_text,
)

KEY = b"k" * 32
stored_json = ("fields", "detail")
text = st.text(max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
contents = st.fixed_dictionaries(
    {
        "seq": st.integers(1, 10**12),
        "chain": st.integers(0, 5),
        "chain_seq": st.integers(1, 10**9),
        "occurred_at": st.datetimes(timezones=st.just(UTC)),
        "event": text,
        "outcome": text,
        "actor_id": st.none() | st.integers(1, 10**6),
        "actor_username": text,
        "actor_agency_id": st.none() | st.integers(1, 10**6),
        "actor_roles": text,
        "task_force_id": st.none() | st.integers(1, 10**6),
        "subject_agency_id": st.none() | st.integers(1, 10**6),
        "request_id": text,
        "ip_address": text,
        "object_type": text,
        "object_id": text,
        "fields": st.lists(text, max_size=3),
        "purpose": text,
        "detail": st.dictionaries(text, json_values, max_size=3),
        "lane": st.integers(0, 7),
        "lane_seq": st.integers(1, 10**9),
    }
)


@given(content=contents, legacy=st.booleans(), prev=st.text(alphabet="0123456789abcdef"))
@settings(max_examples=300, deadline=None)
def test_the_fast_row_hash_is_the_writers_hash(content, legacy, prev):
    if legacy:  # an event written before chains: chain 0, chain_seq == seq
        content = {**content, "chain": 0, "chain_seq": content["seq"]}
    row = [content.get(name) for name in ROW_COLUMNS]
    expected = event_hash(key=KEY, prev_hash=prev, content=content)
    assert event_hash_of_row(KEY, prev, row) == expected
    iso = content["occurred_at"].isoformat(timespec="microseconds")
    row[ROW_COLUMNS.index("occurred_at")] = iso  # as the verifier reads it
    assert event_hash_of_row(KEY, prev, row) == expected
    row[ROW_COLUMNS.index("prev_hash")] = prev
    stored = {name: json.dumps(content[name]) for name in ("fields", "detail")}  # as stored
    known: dict[str, str] = {}
    fields, detail = (canonical_json(stored[name], known, json.loads) for name in stored)
    message = event_message_of_text(row, fields, detail)  # the hot loop's message, from text
    assert hmac.digest(KEY, message, "sha256").hex() == expected
    edited = {**content, "purpose": content["purpose"] + "x"}
    assert event_hash(key=KEY, prev_hash=prev, content=edited) != expected


@given(content=contents)
@settings(max_examples=200, deadline=None)
def test_a_read_entry_is_the_sorted_compact_json_of_its_fields(content):
    values = [content[name] for name in READ_FIELDS]
    payload = dict(zip(READ_FIELDS, values, strict=True))
    payload["occurred_at"] = content["occurred_at"].isoformat(timespec="microseconds")
    assert read_entry(values) == _ENCODER.encode(payload).encode()
    values[READ_FIELDS.index("occurred_at")] = payload["occurred_at"]  # as the verifier reads it
    fields, detail = (canonical_json(json.dumps(content[n]), {}, json.loads) for n in stored_json)
    assert read_entry_of_text(values, fields, detail) == _ENCODER.encode(payload).encode()
    assert set(HASHED_FIELDS) < set(READ_FIELDS)


@pytest.mark.django_db
def test_a_stored_time_reads_as_the_writers_iso_text():
    from accord.audit.verify import _ISO_SQL, _iso, _iso_of_marked

    def formatted(stored: str) -> str:  # as the database formats it for the verifier
        cast = "::timestamptz" if connection.vendor == "postgresql" else ""
        expression = _ISO_SQL[connection.vendor].format("t")
        sql = f"SELECT {expression} FROM (SELECT %s{cast} AS t) s"  # noqa: S608 (constants)
        with connection.cursor() as cursor:
            cursor.execute(sql, [stored])
            return _iso_of_marked(cursor.fetchone()[0])

    writers = datetime(2026, 12, 7, 13, 0, 0, tzinfo=UTC).isoformat(timespec="microseconds")
    if connection.vendor == "sqlite":  # Django's text, and text written by hand with an offset
        assert formatted("2026-12-07 13:00:00") == writers
        assert formatted("2026-12-07 13:00:00.120000") == "2026-12-07T13:00:00.120000+00:00"
        assert formatted("2026-12-07 13:00:00+00:00") == writers
    else:
        assert formatted("2026-12-07 07:00:00-06:00") == writers

    moment = datetime(2026, 12, 7, 13, 0, 0, tzinfo=UTC)
    assert _iso("2026-12-07 13:00:00") == moment.isoformat(timespec="microseconds")
    assert _iso("2026-12-07 13:00:00.120000") == "2026-12-07T13:00:00.120000+00:00"
    assert _iso(moment) == moment.isoformat(timespec="microseconds")
    naive = moment.replace(tzinfo=None)  # what SQLite's converter hands back: UTC, naive
    assert _iso(naive) == moment.isoformat(timespec="microseconds")
    from zoneinfo import ZoneInfo

    elsewhere = moment.astimezone(ZoneInfo("America/Chicago"))
    assert _iso(elsewhere) == moment.isoformat(timespec="microseconds")
