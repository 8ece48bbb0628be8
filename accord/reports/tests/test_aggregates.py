"""The measures count what happened: a small Example County quarter, counted by hand."""

from __future__ import annotations

from datetime import date

import pytest

from accord.reports.aggregates import report_view
from accord.reports.periods import Period
from accord.reports.selectors import report_for

from .conftest import Q1_2025, at

pytestmark = pytest.mark.django_db

Q1 = Period(*Q1_2025)


def cells(report, key: str) -> dict[tuple[str, str], int]:
    table = report.table(key)
    return {
        (row, column): table.cells[r][c]
        for r, row in enumerate(table.row_labels)
        for c, column in enumerate(table.column_labels)
        if table.cells[r][c]
    }


def test_cases_are_counted_by_kind_type_and_stage(dataset, people) -> None:
    """Three cases opened in Q1 (the April case is not counted)."""
    report = report_for(viewer=people["coordinator"], period=Q1)
    assert cells(report, "cases_by_kind") == {
        ("A victim is ready to talk", "Labor"): 1,
        ("Hotline tip", "Sex"): 1,
        ("Other", "Unknown"): 1,
    }
    assert cells(report, "cases_by_stage") == {
        ("Referral", "Cases"): 2,
        ("Investigation", "Cases"): 1,
    }


def test_potential_victims_are_counted_by_age_band_and_gender(dataset, people) -> None:
    report = report_for(viewer=people["coordinator"], period=Q1)
    assert cells(report, "victims") == {
        ("Minor (under 18)", "Male"): 1,
        ("Adult", "Female"): 1,
        ("Age unknown", "Unknown"): 1,
    }


def test_referrals_matched_within_48_hours_and_the_median_time(dataset, people) -> None:
    """The farm case was matched in 30 h, the salon in 72 h; the tip has no victim yet."""
    report = report_for(viewer=people["coordinator"], period=Q1)
    assert cells(report, "referrals") == {
        ("Referral accepted within 48 hours of intake", "Cases"): 1,
        ("Referral accepted later", "Cases"): 1,
    }
    assert report.referrals.median_minutes == (30 * 60 + 72 * 60) // 2
    share, median = report_view(report).headlines
    assert share.text == "50% (1 of 2 cases)"
    assert median.text == "51.0 hours"


def test_tasks_on_time_late_and_overdue(dataset, people) -> None:
    """On time: Continued Presence (requested before its deadline) and the salon's referral to
    Harbor Light (sent within the hour the plan gave). Late: the salon's advocate contact, done
    a day late. Still open and overdue: the farm's nine (two calls, the plan's referral to the
    CAC, child protection, placement, advocate contact, legal aid, HHS, safety plan) and the
    salon's two (placement, safety plan). The CP task is of the immigration-1367 class (issue
    12, item 5): counted only for an authorized viewer."""
    coordinator = people["coordinator"]
    assert cells(report_for(viewer=coordinator, period=Q1), "tasks") == {
        ("Done on time", "Tasks"): 1,
        ("Done late", "Tasks"): 1,
        ("Open and overdue", "Tasks"): 11,
    }
    coordinator.immigration_relief_authorized = True
    coordinator.save()
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # a new request's user
    report = report_for(viewer=coordinator, period=Q1)
    assert cells(report, "tasks") == {
        ("Done on time", "Tasks"): 2,
        ("Done late", "Tasks"): 1,
        ("Open and overdue", "Tasks"): 11,
    }


def test_immigration_relief_is_counted_only_for_an_authorized_coordinator(dataset, people) -> None:
    coordinator = people["coordinator"]
    report = report_for(viewer=coordinator, period=Q1)
    assert not report.immigration_counted
    assert all(t.key != "immigration" for t in report.tables)
    coordinator.immigration_relief_authorized = True
    coordinator.save()
    from accord.accounts.models import User

    authorized = User.objects.get(pk=coordinator.pk)
    report = report_for(viewer=authorized, period=Q1)
    assert report.immigration_counted
    assert cells(report, "immigration") == {("Continued Presence requests", "Requests"): 1}


def test_the_counts_carry_no_names_titles_or_free_text(dataset, people) -> None:
    """What the door hands over for counting holds codes and numbers only; a funder period's
    counts come month by month."""
    from accord.sharing.door import case_aggregate_counts

    counts = case_aggregate_counts(
        viewer=people["coordinator"], period_start=Q1.start, period_end=Q1.end, by_month=True
    )
    text = repr(counts)
    for canary in ("HYPERLINK", "Nail salon", "Canary", "canary", "V-1", "TT-2025", "Tigrinya"):
        assert canary not in text
    assert [(p.start, p.end, p.case_count) for p in counts.parts] == [
        (date(2025, 1, 1), date(2025, 1, 31), 0),
        (date(2025, 2, 1), date(2025, 2, 28), 2),
        (date(2025, 3, 1), date(2025, 3, 31), 1),
    ]


def test_the_read_is_audited_once_with_field_names_only(dataset, people) -> None:
    from accord.audit.models import AuditEvent, AuditReadEvent
    from accord.sharing.door import case_aggregate_counts

    before, chain_before = AuditReadEvent.objects.count(), AuditEvent.objects.count()
    case_aggregate_counts(viewer=people["coordinator"], period_start=Q1.start, period_end=Q1.end)
    assert AuditEvent.objects.count() == chain_before  # a read is not a chain event
    events = list(AuditReadEvent.objects.order_by("seq")[before:])
    assert [(e.event, e.purpose) for e in events] == [("record_read", "aggregate report")]
    assert "potentialvictim.age" in events[0].fields
    assert events[0].detail["period_start"] == "2025-01-01"
    assert events[0].detail["immigration_counted"] is False


def test_only_coordinators_read_aggregate_counts(dataset, people) -> None:
    from accord.errors import PermissionDenied
    from accord.sharing.door import case_aggregate_counts

    for key in ("hsi", "harbor", "da", "interp"):
        with pytest.raises(PermissionDenied):
            case_aggregate_counts(viewer=people[key], period_start=Q1.start, period_end=Q1.end)


def test_disagreements_and_training_are_counted(dataset, people) -> None:
    """Nobody holds a certificate in this county: every role with requirements is missing."""
    report = report_for(viewer=people["coordinator"], period=Q1)
    training = cells(report, "training")
    assert training[("Investigator", "Missing or expired")] == 3
    assert training[("Advocate / case manager", "Missing or expired")] == 4
    assert training[("Coordinator", "Missing or expired")] == 1
    assert not any(column == "Met" for _, column in training)
    assert sum(report.table("disagreements").cells[0]) == 0


def test_disagreements_by_level_and_status(dataset, people) -> None:
    """Raised in the period: one decided at level 1, one still open; one raised in April."""
    from accord.conflicts.services import (
        PartyPosition,
        disagreement_decide,
        disagreement_raise,
    )

    coordinator = people["coordinator"]
    parties = [
        PartyPosition(agency_id=people["rpd"].agency_id, position="Interview first."),
        PartyPosition(agency_id=people["harbor"].agency_id, position="Shelter first."),
    ]
    decided = disagreement_raise(
        actor=coordinator,
        question="Who goes first?",
        parties=parties,
        case_id=dataset.salon.pk,
        now=at("2025-02-20"),
    )
    disagreement_decide(
        actor=coordinator,
        disagreement=decided,
        decision="Shelter first.",
        reason="Safety.",
        lock_version=decided.lock_version,
        now=at("2025-02-21"),
    )
    disagreement_raise(
        actor=coordinator,
        question="Who pays?",
        parties=parties,
        case_id=dataset.salon.pk,
        now=at("2025-03-20"),
    )
    disagreement_raise(
        actor=coordinator,
        question="Later question",
        parties=parties,
        case_id=dataset.salon.pk,
        now=at("2025-04-20"),
    )
    report = report_for(viewer=coordinator, period=Q1)
    assert cells(report, "disagreements") == {
        ("1. The two agencies' leads", "Open (current level)"): 1,
        ("1. The two agencies' leads", "Resolved (at level)"): 1,
    }
    assert "Who goes first" not in repr(report)
