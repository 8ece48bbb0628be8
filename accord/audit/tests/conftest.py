"""On PostgreSQL, event numbers (``seq``) come from a sequence that a rolled-back test still
advances; these tests name events by number, so each starts numbering after the highest event
present, as SQLite does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _event_numbers_follow_the_events(request, django_db_setup, django_db_blocker) -> Iterator[None]:
    if request.node.get_closest_marker("django_db") and connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval('audit_event_seq', "
                "COALESCE((SELECT MAX(seq) FROM audit_auditevent), 0) + 1, false)"
            )
    yield
