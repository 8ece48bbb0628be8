"""Issue 15: reading a page does not write, except the once-a-minute session touch.

A page that audits no read (the dashboard, the directory search) makes no INSERT,
UPDATE or DELETE and opens no transaction (on SQLite every transaction is a
``BEGIN IMMEDIATE`` write lock; inside a test an atomic block shows as a SAVEPOINT)
when it is read again within the minute. After the minute the session and its
row are touched, so the idle timeout of S5 stays right to within a minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.accounts.models import UserSession

from .factories import login_fully

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WRITES = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "BEGIN", "REPLACE")
PAGES = ("web:dashboard", "directory:search")


def writes_of(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [
        q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_read_again_within_the_minute_writes_nothing(client, user, page):
    url = reverse(page)
    with time_machine.travel(START, tick=False) as clock:
        login_fully(client, user)
        client.get(url)  # the first page after signing in records the activity
        clock.shift(timedelta(seconds=59))

        assert writes_of(client, url) == []


@pytest.mark.parametrize("page", PAGES)
def test_after_the_minute_the_session_and_activity_are_touched(client, user, page):
    url = reverse(page)
    with time_machine.travel(START, tick=False) as clock:
        login_fully(client, user)
        client.get(url)
        clock.shift(timedelta(seconds=61))

        writes = writes_of(client, url)

    assert any("django_session" in sql for sql in writes)
    assert UserSession.objects.get(user=user).last_seen_at == START + timedelta(seconds=61)
    user.refresh_from_db()
    assert user.last_activity_at == START + timedelta(seconds=61)


def expired(client: Client) -> bool:
    response = client.get(reverse("web:dashboard"))
    return response.status_code == 302 and response.url.startswith(reverse("accounts:banner"))


@pytest.mark.parametrize(
    "gaps_seconds",
    [
        (59, 59, 59),  # reads inside the minute: none of them moves the idle clock alone
        (1, 58, 30),
        (61, 10, 50),
        (5,),
    ],
)
def test_the_idle_timeout_holds_to_within_a_minute(user, gaps_seconds):
    """Whatever the rhythm of reads, 29 minutes of idleness keep the session and 30 minutes
    and a second end it: the once-a-minute touch makes it at most a minute early, never late."""
    for idle, ends in ((timedelta(minutes=29), False), (timedelta(minutes=30, seconds=1), True)):
        client = Client()
        with time_machine.travel(START, tick=False) as clock:
            login_fully(client, user)
            for gap in gaps_seconds:
                clock.shift(timedelta(seconds=gap))
                assert not expired(client)
            clock.shift(idle)
            assert expired(client) is ends, f"after {idle} idle"
