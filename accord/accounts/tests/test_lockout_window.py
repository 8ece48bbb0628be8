"""S2 as a property: the lockout agrees with a plain reference model of the sliding window."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accord.accounts.lockout import failure_record, lockout_is_active
from accord.accounts.models import AuthenticationStep
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent

from .factories import make_user

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_usernames = (f"prop.user{n}" for n in itertools.count())


def reference_lock(offsets: list[int]) -> tuple[int, datetime | None]:
    """Locks and lock end for failures at these second offsets, straight from the rule text."""
    window = settings.ACCORD_LOCKOUT_WINDOW.total_seconds()
    duration = settings.ACCORD_LOCKOUT_DURATION.total_seconds()
    counted: list[int] = []
    locks, locked_until = 0, None
    for offset in offsets:
        if locked_until is not None and offset < locked_until:
            continue  # attempts during a lock are refused, not counted
        counted.append(offset)
        if sum(1 for t in counted if t > offset - window) >= settings.ACCORD_LOCKOUT_FAILURES:
            locks, locked_until, counted = locks + 1, offset + duration, []
    end = START + timedelta(seconds=locked_until) if locked_until is not None else None
    return locks, end


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    gaps=st.lists(
        st.one_of(st.integers(0, 120), st.integers(100, 1200), st.integers(850, 950)),
        min_size=1,
        max_size=14,
    ),
    steps=st.lists(st.sampled_from(list(AuthenticationStep)), min_size=14, max_size=14),
)
def test_lockout_matches_the_reference_model(agency, gaps, steps):
    user = make_user(agency, next(_usernames), with_totp=False)
    offsets = list(itertools.accumulate(gaps))
    for offset, step in zip(offsets, steps, strict=False):
        failure_record(user=user, step=step, now=START + timedelta(seconds=offset))
    locks, locked_until = reference_lock(offsets)
    user.refresh_from_db()
    assert user.locked_until == locked_until
    assert (
        AuditEvent.objects.filter(
            event=AuditEventType.ACCOUNT_LOCKED, object_id=str(user.pk)
        ).count()
        == locks
    )
    last = START + timedelta(seconds=offsets[-1])
    assert lockout_is_active(user=user, now=last) == (
        locked_until is not None and locked_until > last
    )
