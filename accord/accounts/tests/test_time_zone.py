"""The task force's time zone: a coordinator sets it, every page shows local time naming it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accord.accounts import services
from accord.accounts.models import TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.testing import assert_audited, audit_mark
from accord.errors import PermissionDenied, ValidationError
from accord.zones import local_time, zone_choices, zone_label, zone_of

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/accounts/task-force/"


def stored_zone(user: User) -> str:
    return TaskForce.objects.get(agencies__users=user).time_zone


def test_a_coordinator_sets_the_zone_and_it_is_audited(coordinator: User) -> None:
    mark = audit_mark()
    task_force = services.task_force_time_zone_set(actor=coordinator, time_zone="America/Chicago")
    assert TaskForce.objects.get(pk=task_force.pk).time_zone == "America/Chicago"
    event = assert_audited(
        AuditEventType.TASK_FORCE_TIME_ZONE_CHANGED,
        object_type="task_force",
        object_id=task_force.pk,
        actor=coordinator,
        since=mark,
    )
    assert event.detail["old"] == "UTC" and event.detail["new"] == "America/Chicago"


def test_the_same_zone_again_writes_nothing(coordinator: User) -> None:
    services.task_force_time_zone_set(actor=coordinator, time_zone="America/Chicago")
    mark = audit_mark()
    services.task_force_time_zone_set(actor=coordinator, time_zone="America/Chicago")
    assert not AuditEvent.objects.filter(seq__gt=mark).exists()


@pytest.mark.parametrize("bad", ["Central", "America/Springfield", "", "utc; drop"])
def test_an_unknown_zone_is_refused_naming_the_field(coordinator: User, bad: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.task_force_time_zone_set(actor=coordinator, time_zone=bad)
    assert refused.value.data["field"] == "time_zone"
    assert "Time zone" in refused.value.message
    assert stored_zone(coordinator) == "UTC"


def test_only_a_coordinator_changes_the_zone(user: User) -> None:
    with pytest.raises(PermissionDenied):
        services.task_force_time_zone_set(actor=user, time_zone="America/Chicago")
    assert stored_zone(user) == "UTC"


def test_the_settings_page_saves_and_refuses_with_the_field_named(
    coordinator_client: Client, coordinator: User
) -> None:
    page = coordinator_client.get(SETTINGS_URL)
    assert page.status_code == 200
    assert b"America/Los Angeles" in page.content  # an option a person reads, no underscore
    bad = coordinator_client.post(SETTINGS_URL, {"time_zone": "Mars/Olympus_Mons"})
    assert bad.status_code == 200
    assert b"Time zone: Mars/Olympus_Mons is not a time zone name" in bad.content
    assert stored_zone(coordinator) == "UTC"
    good = coordinator_client.post(SETTINGS_URL, {"time_zone": "America/Chicago"})
    assert good.status_code == 302
    assert stored_zone(coordinator) == "America/Chicago"


def test_the_settings_page_is_for_coordinators_only(signed_in: Client) -> None:
    assert signed_in.get(SETTINGS_URL).status_code == 403


def test_a_time_is_shown_in_the_task_force_zone_with_the_zone_named(
    coordinator_client: Client, coordinator: User, user: User
) -> None:
    """A person disabled at 18:30 UTC on 15 January reads 12:30 CST in a Chicago task force."""
    services.task_force_time_zone_set(actor=coordinator, time_zone="America/Chicago")
    User.objects.filter(pk=user.pk).update(
        is_active=False,
        disabled_at=datetime(2026, 1, 15, 18, 30, tzinfo=UTC),
        disabled_reason="left the agency",
    )
    page = coordinator_client.get(reverse("accounts:user_detail", args=[user.pk])).content
    assert b"2026-01-15 12:30 CST" in page
    assert b"18:30" not in page
    assert b"Times are in Central Time (America/Chicago)." in page


def test_the_zone_is_only_the_request_s(coordinator_client: Client, coordinator: User) -> None:
    """After a request the zone goes back to the deployment's: nothing leaks to the next one."""
    services.task_force_time_zone_set(actor=coordinator, time_zone="America/Chicago")
    coordinator_client.get(reverse("web:dashboard"))
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_task_force_without_a_valid_zone_reads_the_deployment_s() -> None:
    assert zone_of(TaskForce(time_zone="Nowhere/Land")) == ZoneInfo("UTC")
    assert zone_of(None) == ZoneInfo("UTC")
    assert zone_of(TaskForce(time_zone="America/Chicago")) == ZoneInfo("America/Chicago")


def test_zone_words_for_people() -> None:
    assert zone_label(ZoneInfo("America/Chicago")) == "Central Time (America/Chicago)"
    assert zone_label(ZoneInfo("America/Argentina/Buenos_Aires")) == (
        "America/Argentina/Buenos Aires"
    )
    assert all("_" not in label for _name, label in zone_choices())


def test_local_time_names_the_zone_and_follows_daylight_saving() -> None:
    chicago = ZoneInfo("America/Chicago")
    assert local_time(datetime(2026, 1, 15, 18, 30, tzinfo=UTC), chicago) == "2026-01-15 12:30 CST"
    assert local_time(datetime(2026, 7, 15, 18, 30, tzinfo=UTC), chicago) == "2026-07-15 13:30 CDT"
    # A zone tzdata writes as an offset reads "UTC-03", never a bare "-03".
    assert local_time(
        datetime(2026, 7, 15, 18, 30, tzinfo=UTC), ZoneInfo("America/Sao_Paulo")
    ).endswith("15:30 UTC-03")


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    name=st.sampled_from(
        ["UTC", "America/Chicago", "Pacific/Kiritimati", "America/Adak", "Asia/Kathmandu"]
    ),
)
def test_local_time_is_the_same_instant(moment: datetime, name: str) -> None:
    """Whatever the zone, the written time is the same instant, read back in that zone."""
    written = local_time(moment, ZoneInfo(name))
    back = datetime.strptime(written[:16], "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(name))
    assert abs((back - moment.replace(second=0, microsecond=0)).total_seconds()) < 1 or (
        # a wall time inside a daylight-saving fold is ambiguous; the second reading matches
        back.replace(fold=1) == moment.replace(second=0, microsecond=0)
    )


def test_the_demo_county_works_in_central_time() -> None:
    from accord.demo import TASK_FORCE_SLUG, load_demo

    load_demo()
    assert TaskForce.objects.get(slug=TASK_FORCE_SLUG).time_zone == "America/Chicago"
    # a task force created without a zone gets the deployment's
    assert TaskForce.objects.exclude(slug=TASK_FORCE_SLUG).get().time_zone == "UTC"
