"""The counts made in SQL (issue 15) are the counts the reports made in Python before.

Random cases are written straight into the tables (trafficking types that are not one, genders typed any way, ages around 18, several
referrals with and without minutes, tasks done early, late and not at all, hidden tasks, relief
requests and drafts), opened around month ends in a zone that is not UTC. The dashboard report,
and the funder report with its suppression, are then made the new way (``report_for``,
``funder_view_for``) and the old way (``reference``: every case a row, counted in Python):
every table, every hidden count and every headline must be the same.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.reports.aggregates import report_view
from accord.reports.periods import Period, quarter_of
from accord.reports.selectors import (
    disagreement_rows,
    funder_view_for,
    report_for,
    training_rows,
)

from . import reference

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 1, 12, tzinfo=ZONE)
Q1 = quarter_of(date(2025, 1, 1))
#: Local days near the ends of Q1's months (and just outside the quarter).
DAYS = [
    date(2024, 12, 31),
    date(2025, 1, 1),
    date(2025, 1, 31),
    date(2025, 2, 1),
    date(2025, 2, 28),
    date(2025, 3, 1),
    date(2025, 3, 31),
    date(2025, 4, 1),
]

victims = st.lists(
    st.tuples(
        st.sampled_from([None, 0, 17, 18, 44]),
        st.sampled_from(["", "female", "Female ", "MALE", "nonbinary", "unknown", "Two-Spirit"]),
    ),
    max_size=3,
)
referrals = st.lists(
    st.tuples(st.booleans(), st.sampled_from([None, 30, 2880, 2881, 6000])), max_size=3
)
tasks = st.lists(
    st.tuples(
        st.sampled_from(["open", "done", "cancelled"]),
        st.sampled_from([None, -60, 60]),  # completed that many minutes after the due time
        st.sampled_from([-5, 5]),  # due that many days from NOW
        st.sampled_from(["case-basic", "immigration-1367", "never-shared"]),
    ),
    max_size=3,
)
reliefs = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "continued_presence",
                "t_visa_declaration",
                "u_visa_certification",
                "hhs_eligibility_letter",
            ]
        ),
        st.sampled_from(["draft", "requested", "granted"]),
    ),
    max_size=2,
)
cases = st.lists(
    st.fixed_dictionaries(
        {
            "day": st.sampled_from(DAYS),
            "minute": st.sampled_from([0, 30, 23 * 60 + 59]),
            "stage": st.sampled_from(["referral", "investigation", "prosecution", "closed"]),
            "kind": st.sampled_from(["hotline_tip", "victim_ready", "other"]),
            "kind_of": st.sampled_from(["sex", "labor", "both", "unknown", None, "Sex", 3]),
            "victims": victims,
            "referrals": referrals,
            "tasks": tasks,
            "reliefs": reliefs,
        }
    ),
    max_size=12,
)


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


def _write(cases_drawn, people) -> None:
    from accord.cases import models as m
    from accord.protocols.models import ProtocolVersion

    coordinator = people["coordinator"]
    for model in (m.ImmigrationRelief, m.Referral, m.Task, m.PotentialVictim):
        model.objects.filter(case__task_force_id=coordinator.task_force_id).delete()
    m.Case.objects.filter(task_force_id=coordinator.task_force_id).delete()
    lead = people["rpd"].agency
    to = people["harbor"].agency
    version = ProtocolVersion.objects.filter(task_force_id=coordinator.task_force_id).earliest("pk")
    for i, drawn in enumerate(cases_drawn):
        opened = datetime.combine(drawn["day"], datetime.min.time(), tzinfo=ZONE) + timedelta(
            minutes=drawn["minute"]
        )
        facts = {} if drawn["kind_of"] is None else {"trafficking_type": drawn["kind_of"]}
        case = m.Case.objects.create(
            task_force_id=coordinator.task_force_id,
            year=2025,
            sequence=9000 + i,
            number=f"T-{i}",
            title=f"Case {i}",
            incident_kind=drawn["kind"],
            stage=drawn["stage"],
            lead_agency=lead,
            protocol_version=version,
            facts=facts,
            produced_by=lead,
            opened_by=coordinator,
            opened_at=opened,
            intake_token=uuid.uuid4().hex,
        )
        made = [
            m.PotentialVictim.objects.create(
                case=case, produced_by=lead, created_at=opened, pseudonym="V", age=age, gender=g
            )
            for age, g in drawn["victims"]
        ]
        for accepted, minutes in drawn["referrals"]:
            if not made:
                break
            m.Referral.objects.create(
                case=case,
                produced_by=lead,
                created_at=opened,
                victim=made[0],
                kind="le_to_provider",
                from_agency=lead,
                to_agency=to,
                sent_by=coordinator,
                sent_at=opened,
                status="accepted" if accepted else "sent",
                accepted_at=opened + timedelta(minutes=minutes or 1) if accepted else None,
                minutes_to_accept=minutes if accepted else None,
            )
        for j, (status, completed, due_days, visibility) in enumerate(drawn["tasks"]):
            due = NOW + timedelta(days=due_days)
            m.Task.objects.create(
                case=case,
                produced_by=lead,
                created_at=opened,
                deadline_id=f"d{j}",
                anchor="case_opened",
                title="A task",
                owner_agency=lead,
                due_at=due,
                status=status,
                completed_at=None if completed is None else due + timedelta(minutes=completed),
                visibility_class=visibility,
            )
        for kind, status in drawn["reliefs"]:
            if made:
                m.ImmigrationRelief.objects.create(
                    case=case,
                    produced_by=lead,
                    created_at=opened,
                    victim=made[0],
                    kind=kind,
                    status=status,
                )


def _old_report(viewer, period: Period, *, funder: bool):
    rows = reference.old_case_aggregate_rows(
        viewer=viewer, period_start=period.start, period_end=period.end, now=NOW
    )
    on = period.end if funder else min(period.end, NOW.date())
    made = {
        "period": period,
        "case_rows": rows,
        "disagreement_rows": disagreement_rows(viewer=viewer, period=period),
        "training_rows": training_rows(viewer=viewer, on=on),
    }
    if funder:
        return reference.old_funder_view(**made)
    return report_view(reference.old_build_report(**made))


def _shown(view):
    return (
        [(t.table, dict(t.suppressed)) for t in view.tables],
        view.headlines,
        view.report.referrals,
        view.report.immigration_counted,
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases_drawn=cases, immigration=st.booleans())
def test_sql_counts_give_the_reports_python_counting_gave(cases_drawn, immigration, people) -> None:
    coordinator = people["coordinator"]
    coordinator.immigration_relief_authorized = immigration
    coordinator.save()
    with timezone.override(ZONE):
        _write(cases_drawn, people)
        free_days = Period(date(2025, 1, 31), date(2025, 3, 1))
        for period in (Q1, free_days):
            new = report_view(report_for(viewer=coordinator, period=period, now=NOW))
            assert _shown(new) == _shown(_old_report(coordinator, period, funder=False))
        new = funder_view_for(viewer=coordinator, period=Q1, now=NOW)
        assert _shown(new) == _shown(_old_report(coordinator, Q1, funder=True))


def test_the_median_of_a_histogram_is_the_median_of_its_values() -> None:
    """Rounded as ``round(statistics.median(...))`` rounds (half to even)."""
    import statistics

    from accord.reports.aggregates import median_of

    for values in ([], [7], [1, 2], [1, 4], [3, 3, 5, 9], [2, 2, 2, 3], [1, 2, 3, 4, 100]):
        histogram: dict[int, int] = {}
        for value in values:
            histogram[value] = histogram.get(value, 0) + 1
        expected = round(statistics.median(values)) if values else None
        assert median_of(histogram) == expected, values
