"""The monthly roll-ups (issue 15) are never stale: whatever a service writes, the next report
counts the same as counting every case again, and as the reports counted in Python before.

The roll-up of each month is read first (so it exists), then random sequences of the case
services that change a counted value run (stage, trafficking type, victims added, edited and
removed, referrals sent, accepted and declined, tasks completed, immigration relief requested and
decided), with reports read in between; after each step every month's roll-up equals a fresh count
of its cases, and the dashboard and funder report equal the old counting (``reference``).
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.cases.tests.conftest import open_case
from accord.errors import AccordError
from accord.reports.aggregates import report_view
from accord.reports.periods import Period
from accord.reports.selectors import funder_view_for, report_for
from accord.sharing.door import aggregates, rollups
from accord.sharing.door.aggregates import case_aggregate_counts
from accord.sharing.models import CaseCountChange, CaseCountMonth

from .test_sql_counts import NOW, Q1, ZONE, _old_report, _shown

pytestmark = pytest.mark.django_db

MONTHS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]


@pytest.fixture(autouse=True)
def _task_force_in_chicago(request):
    """The test task force works in ZONE, as the reference counting assumes (the door reads the
    task force's own zone, not the request's)."""
    if "people" not in request.fixturenames:
        return
    people = request.getfixturevalue("people")
    for person in people.values():
        task_force = person.agency.task_force
        task_force.time_zone = ZONE.key
        task_force.save(update_fields=["time_zone"])


def _fresh_count(viewer, immigration: bool):
    parts = []
    for month in MONTHS:
        piece = (month, rollups.next_month(month) - timedelta(days=1))
        (part,), _ = aggregates._count_live(viewer.task_force_id, [piece], NOW, immigration, ZONE)
        parts.append(part)
    return parts


def _check(coordinator) -> None:
    """Roll-ups == a fresh count, month by month; reports == the old counting."""
    for immigration in (False, True):
        coordinator.immigration_relief_authorized = immigration
        coordinator.save()
        counted = case_aggregate_counts(
            viewer=coordinator, period_start=Q1.start, period_end=Q1.end, now=NOW, by_month=True
        )
        assert list(counted.parts) == _fresh_count(coordinator, counted.immigration_authorized)
        for period in (Q1, Period(date(2025, 1, 31), date(2025, 3, 1))):
            new = report_view(report_for(viewer=coordinator, period=period, now=NOW))
            assert _shown(new) == _shown(_old_report(coordinator, period, funder=False))
        new = funder_view_for(viewer=coordinator, period=Q1, now=NOW)
        assert _shown(new) == _shown(_old_report(coordinator, Q1, funder=True))


def _at(day: int, hour: int) -> datetime:
    return datetime(2025, 1, 1, tzinfo=ZONE) + timedelta(days=day, hours=hour)


step = st.tuples(
    st.sampled_from(
        [
            "stage",
            "facts",
            "victim_add",
            "victim_update",
            "victim_remove",
            "referral",
            "referral_decline",
            "task_complete",
            "relief",
            "relief_decide",
            "report",
        ]
    ),
    st.integers(0, 2),  # which case
    st.integers(0, 4),  # a choice within the step
)


def _run(step_drawn, cases, people) -> None:
    from accord.cases import services as s
    from accord.cases.models import Task

    name, which, choice = step_drawn
    case = cases[which]
    case.refresh_from_db()
    hsi = people["hsi"]
    victims = list(case.potentialvictims.order_by("pk"))
    now = case.opened_at + timedelta(hours=1 + choice)
    if name == "stage":
        stage = ["referral", "investigation", "prosecution", "closed", "investigation"][choice]
        s.case_stage_set(actor=hsi, case=case, stage=stage, expected_version=None, now=now)
    elif name == "facts":
        kind = ["sex", "labor", "both", "unknown", "sex"][choice]
        facts = {**case.facts, "trafficking_type": kind}
        s.case_update_facts(actor=hsi, case=case, facts=facts, expected_version=None, now=now)
    elif name == "victim_add":
        data = s.VictimInput(
            pseudonym=f"V-{choice}",
            age=[None, 17, 18, 30, 5][choice],
            gender=["", "female", "Male", "Two-Spirit", "nonbinary"][choice],
        )
        s.victim_add(actor=hsi, case=case, data=data, now=now)
    elif name == "victim_update" and victims:
        changes = {
            "age": [None, 17, 18, 44, 0][choice],
            "gender": ["male", "", "unknown"][choice % 3],
        }
        s.victim_update(
            actor=hsi, victim_id=victims[0].pk, changes=changes, expected_version=None, now=now
        )
    elif name == "victim_remove" and victims:
        s.victim_remove(
            actor=hsi, victim_id=victims[-1].pk, reason="Duplicate", expected_version=None, now=now
        )
    elif name in ("referral", "referral_decline") and victims:
        to, receiver = ("new-dawn", "newdawn") if name == "referral" else ("harbor-light", "harbor")
        referral = s.referral_send(
            actor=hsi, case=case, victim_id=victims[0].pk, to_agency_slug=to, now=now
        )
        later = now + timedelta(minutes=[30, 2879, 2880, 2881, 6000][choice])
        if name == "referral":
            s.referral_accept(
                actor=people[receiver], referral_id=referral.pk, expected_version=None, now=later
            )
        else:
            s.referral_decline(
                actor=people[receiver],
                referral_id=referral.pk,
                reason="No space",
                expected_version=None,
                now=later,
            )
    elif name == "task_complete":
        tasks = list(Task.objects.filter(case=case, status="open").order_by("pk"))
        if tasks:
            task = tasks[choice % len(tasks)]
            owner = next((u for u in people.values() if u.agency_id == task.owner_agency_id), None)
            if owner is not None:
                done_at = task.due_at + timedelta(hours=[-1, 1, -30, 30, 0][choice])
                s.task_complete(actor=owner, task_id=task.pk, expected_version=None, now=done_at)
    elif name == "relief" and victims:
        kind = ["continued_presence", "t_visa_declaration", "u_visa_certification"][choice % 3]
        s.immigration_relief_create(actor=hsi, victim_id=victims[0].pk, kind=kind, now=now)
    elif name == "relief_decide":
        from accord.cases.models import ImmigrationRelief

        relief = ImmigrationRelief.objects.filter(case=case).order_by("pk").first()
        if relief is not None:
            status = ["requested", "granted", "denied", "withdrawn", "draft"][choice]
            s.immigration_relief_update(
                actor=hsi, relief_id=relief.pk, status=status, expected_version=None, now=now
            )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_roll_ups_stay_right_through_every_service_that_changes_a_count(steps, people) -> None:
    from accord.cases import models as m

    coordinator = people["coordinator"]
    for model in (m.InterpreterRequest, m.ImmigrationRelief, m.Referral, m.PotentialVictim):
        model.objects.filter(case__task_force_id=coordinator.task_force_id).delete()
    m.Case.objects.filter(task_force_id=coordinator.task_force_id).delete()
    with timezone.override(ZONE):
        cases = [
            open_case(people["hsi"], title="A", now=_at(30, 23)),  # 31 January, late evening
            open_case(people["hsi"], title="B", now=_at(31, 0)),  # 1 February, midnight
            open_case(people["hsi"], title="C", now=_at(89, 12), victims=2),  # 31 March
        ]
        _check(coordinator)  # every month of Q1 now has its roll-up
        assert CaseCountMonth.objects.filter(task_force_id=coordinator.task_force_id).count() == 3
        for step_drawn in steps:
            with contextlib.suppress(AccordError):  # a refused step: the counts must still agree
                _run(step_drawn, cases, people)
            _check(coordinator)


def test_each_counted_write_marks_its_month_and_other_writes_do_not(people) -> None:
    """The triggers: a counted column written marks the case's month, in the same transaction;
    a title change does not (so reports do not count months again for nothing)."""
    from accord.cases.models import Case, PotentialVictim

    with timezone.override(ZONE):
        case = open_case(people["hsi"], title="A", now=_at(40, 12))
        CaseCountChange.objects.all().delete()
        Case.objects.filter(pk=case.pk).update(title="Renamed")
        assert not CaseCountChange.objects.exists()
        Case.objects.filter(pk=case.pk).update(stage="closed")  # not through a service at all
        marks = list(CaseCountChange.objects.values_list("task_force_id", "opened_at"))
        assert set(marks) == {(case.task_force_id, case.opened_at)}
        CaseCountChange.objects.all().delete()
        PotentialVictim.objects.filter(case=case).update(age=12)
        assert CaseCountChange.objects.filter(opened_at=case.opened_at).exists()


def test_a_write_that_skips_the_services_still_reaches_the_report(people) -> None:
    """``QuerySet.update`` bypasses every service and signal; the roll-up still follows."""
    from accord.cases.models import Case

    coordinator = people["coordinator"]
    with timezone.override(ZONE):
        case = open_case(people["hsi"], title="A", now=_at(40, 12))
        before = case_aggregate_counts(
            viewer=coordinator, period_start=Q1.start, period_end=Q1.end, now=NOW, by_month=True
        )
        assert sum(before.parts[1].cases.values()) == 1
        Case.objects.filter(pk=case.pk).update(stage="prosecution")
        after = case_aggregate_counts(
            viewer=coordinator, period_start=Q1.start, period_end=Q1.end, now=NOW, by_month=True
        )
        assert {key[0] for key in after.parts[1].cases} == {"prosecution"}
        assert not CaseCountChange.objects.exists()  # consumed by the read


def test_rebuild_counts_every_month_again(people) -> None:
    from django.core.management import call_command

    coordinator = people["coordinator"]
    with timezone.override(ZONE):
        open_case(people["hsi"], title="A", now=_at(10, 12))
        open_case(people["hsi"], title="B", now=_at(70, 12))
        CaseCountMonth.objects.create(
            task_force_id=coordinator.task_force_id,
            month=date(2025, 1, 1),
            zone=timezone.get_current_timezone_name(),
            counts={
                "cases": [],
                "minutes": {},
                "victims": [],
                "tasks_done": {},
                "tasks_open": {},
                "reliefs": {},
            },
            counted_at=timezone.now(),
        )
        CaseCountChange.objects.all().delete()  # a roll-up wrong with nothing to say so
        call_command("rebuild_case_counts", verbosity=0)
        months = set(CaseCountMonth.objects.values_list("month", flat=True))
        assert months == {date(2025, 1, 1), date(2025, 3, 1)}
        _check(coordinator)


def test_open_tasks_turn_overdue_as_time_passes_without_a_write(people) -> None:
    """The roll-up keeps open tasks by the day they fall due; the same roll-up read at two
    moments splits them differently, as counting again would."""
    from accord.cases.models import Task

    coordinator = people["coordinator"]
    with timezone.override(ZONE):
        case = open_case(people["hsi"], title="A", now=_at(40, 12))
        task = Task.objects.filter(case=case, status="open").order_by("due_at").first()
        assert task is not None
        for now in (
            task.due_at - timedelta(days=2),
            task.due_at - timedelta(minutes=1),
            task.due_at + timedelta(minutes=1),
            task.due_at + timedelta(days=2),
        ):
            counted = case_aggregate_counts(
                viewer=coordinator, period_start=Q1.start, period_end=Q1.end, now=now, by_month=True
            )
            piece = (date(2025, 2, 1), date(2025, 2, 28))
            (fresh,), _ = aggregates._count_live(
                coordinator.task_force_id, [piece], now, False, ZONE
            )
            assert counted.parts[1].tasks == fresh.tasks


def test_every_service_step_runs_and_its_report_follows(people) -> None:
    """Each step of the property test once, none refused: each writes a counted value (a month is
    marked) and the reports read right after it agree with counting again."""
    coordinator = people["coordinator"]
    with timezone.override(ZONE):
        cases = [
            open_case(people["hsi"], title="A", now=_at(30, 23)),
            open_case(people["hsi"], title="B", now=_at(31, 0)),
            open_case(people["hsi"], title="C", now=_at(89, 12), victims=2),
        ]
        _check(coordinator)
        for name in (
            "stage",
            "facts",
            "victim_add",
            "victim_update",
            "referral",
            "referral_decline",
            "task_complete",
            "relief",
            "relief_decide",
            "victim_remove",
        ):
            CaseCountChange.objects.all().delete()
            _run((name, 2, 0 if name == "facts" else 1), cases, people)
            assert CaseCountChange.objects.exists(), name
            _check(coordinator)


def test_the_periodic_job_counts_marked_months_before_anyone_reads(people) -> None:
    from accord.cases.models import Case
    from accord.jobs.registry import job_named

    coordinator = people["coordinator"]
    with timezone.override(ZONE):
        case = open_case(people["hsi"], title="A", now=_at(40, 12))
        case_aggregate_counts(
            viewer=coordinator, period_start=Q1.start, period_end=Q1.end, now=NOW, by_month=True
        )
        Case.objects.filter(pk=case.pk).update(stage="closed")
        case.potentialvictims.update(gender="Two-Spirit (typed)")
        summary = job_named("reports.case_counts").run(NOW)
        assert summary == "1 month of report counts brought up to date"
        assert not CaseCountChange.objects.exists()
        row = CaseCountMonth.objects.get(month=date(2025, 2, 1))
        assert [stage for stage, *_ in row.counts["cases"]] == ["closed"]
        assert [gender for _, gender, _ in row.counts["victims"]] == ["other"]  # no typed text
        assert "Two-Spirit" not in json.dumps(row.counts)


def test_the_periodic_job_forgets_the_marks_of_a_deleted_task_force(people) -> None:
    """Deleting a task force deletes its cases, whose triggers mark their months: the job drops
    those marks instead of writing a month row for a task force that no longer exists (on
    PostgreSQL a foreign-key error every five minutes)."""
    from accord.accounts.models import TaskForce
    from accord.jobs.registry import job_named

    with timezone.override(ZONE):
        open_case(people["hsi"], title="A", now=_at(40, 12))
    gone = TaskForce.objects.create(slug="tf-gone", name="Dissolved Task Force")
    CaseCountChange.objects.create(task_force_id=gone.pk, opened_at=_at(40, 12))
    TaskForce.objects.filter(pk=gone.pk).delete()
    summary = job_named("reports.case_counts").run(NOW)
    assert summary == "1 month of report counts brought up to date"  # the living task force's
    assert not CaseCountChange.objects.exists()
    assert not CaseCountMonth.objects.filter(task_force_id=gone.pk).exists()


def test_a_taken_task_due_today_counts_as_open(people) -> None:
    """The day's open tasks are read by their state's name (open or taken, so an index finds
    them at any size): a taken task falling due today splits like an open one, as counting
    again would."""
    from accord.cases.models import Task

    coordinator = people["coordinator"]
    with timezone.override(ZONE):
        case = open_case(people["hsi"], title="A", now=_at(40, 12))
        task = Task.objects.filter(case=case, status="open").order_by("due_at").first()
        assert task is not None
        Task.objects.filter(pk=task.pk).update(status="taken")
        for now in (task.due_at - timedelta(minutes=1), task.due_at + timedelta(minutes=1)):
            counted = case_aggregate_counts(
                viewer=coordinator, period_start=Q1.start, period_end=Q1.end, now=now, by_month=True
            )
            piece = (date(2025, 2, 1), date(2025, 2, 28))
            (fresh,), _ = aggregates._count_live(
                coordinator.task_force_id,
                [piece],
                now,
                False,
                rollups.task_force_zone(coordinator.task_force_id),
            )
            assert counted.parts[1].tasks == fresh.tasks


@pytest.mark.django_db(transaction=True)
def test_a_flush_between_tests_leaves_no_count_marks(people) -> None:
    """SQLite's flush empties tables with DELETE, which fires the cases' count triggers: the
    marks they write must not outlive the flush (they broke a later test's report)."""
    from django.core.management import call_command

    with timezone.override(ZONE):
        open_case(people["hsi"], title="A", now=_at(40, 12))
    call_command("flush", interactive=False, verbosity=0)
    assert not CaseCountChange.objects.exists()
