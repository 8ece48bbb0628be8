"""Issue 13: the dashboard's counts of one's work, per role, and the inbox.

A count is computed from the same released rows as the list its link opens, so following it
shows exactly the counted items; a case the viewer may not open counts for nothing. The inbox:
the header's bell shows the unread count on every page, entries are marked read (audited), and
a notification asking for action resolves itself when the service finishing its item runs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.accounts.models import Role
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.cases.models import (
    CaseParticipant,
    Notification,
    Referral,
    ResponsePlan,
    Task,
    TaskStatus,
)
from accord.cases.notifications import notify
from accord.cases.services import referral_accept, referral_decline, referral_send, task_complete
from accord.sharing import door
from accord.sharing.door.boards import TaskRow
from accord.web.work import work_for
from conftest import sign_in

from .conftest import LABOR_MINOR, open_case

pytestmark = pytest.mark.django_db


def _client(user, *, csrf: bool = False) -> Client:
    return sign_in(Client(enforce_csrf_checks=csrf), user)


def _counts(user) -> dict[str, tuple[int, str]]:
    """label -> (count, url) of every count on the user's dashboard."""
    return {c.label: (c.count, c.url) for s in work_for(user=user) for c in s.counts}


def _listed(client: Client, url: str) -> int:
    """How many items the list at ``url`` shows (task boards, referral inbox, cases)."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "board" in context:
        return len(context["board"].overdue) + len(context["board"].due)
    return len(context["rows"])


def _referral(people, case, to="new-dawn"):
    return referral_send(
        actor=people["rpd"],
        case=case,
        victim_id=case.potentialvictims.first().pk,
        to_agency_slug=to,
    )


# --- counts per role ----------------------------------------------------------------------------


def test_investigator_counts_overdue_and_due_today_and_each_link_shows_exactly_them(people):
    """The investigator's tasks: overdue and due today are counted, and each count's link opens
    a board holding exactly that many tasks."""
    case = open_case(people["rpd"])
    mine = Task.objects.filter(case=case, owner_agency=people["rpd"].agency)
    assert mine.count() >= 2
    first, second = list(mine.order_by("pk"))[:2]
    now = timezone.now()
    Task.objects.filter(pk=first.pk).update(due_at=now - timedelta(hours=1))
    Task.objects.filter(pk=second.pk).update(due_at=now + timedelta(minutes=30))
    Task.objects.filter(pk__in=mine.exclude(pk__in=[first.pk, second.pk])).update(
        due_at=now + timedelta(days=3)
    )
    client = _client(people["rpd"])
    with time_machine.travel(now, tick=False):
        counts = _counts(people["rpd"])
        assert counts["Overdue"][0] == 1
        assert counts["Due today"][0] == (
            1 if now.date() == (now + timedelta(minutes=30)).date() else 0
        )
        for label in ("Overdue", "Due today", "Not taken yet at RIVERTON-PD"):
            count, url = counts[label]
            assert _listed(client, url) == count, label
        overdue_page = client.get(counts["Overdue"][1]).content.decode()
    assert first.title in overdue_page
    assert second.title not in overdue_page


def test_a_canary_case_the_investigator_may_not_open_is_not_counted(people):
    """A task owned by the viewer's agency on a case it is no longer on (taken off the team) is
    neither listed nor counted; the same task on its own case is."""
    canary = open_case(people["hsi"], title="Canary case")
    own = open_case(people["rpd"])
    base = Task.objects.filter(case=own, owner_agency=people["rpd"].agency).first()
    past = timezone.now() - timedelta(hours=3)
    Task.objects.filter(case=own).update(due_at=timezone.now() + timedelta(days=5))
    Task.objects.filter(pk=base.pk).update(due_at=past)
    Task.objects.create(
        case=canary,
        produced_by=canary.lead_agency,
        created_at=past,
        deadline_id="canary",
        anchor="case_opened",
        title="CANARY TASK",
        owner_agency=people["rpd"].agency,
        owner_role=Role.INVESTIGATOR,
        due_at=past,
    )
    CaseParticipant.objects.filter(case=canary, agency=people["rpd"].agency).delete()
    counts = _counts(people["rpd"])
    assert counts["Overdue"][0] == 1
    page = _client(people["rpd"]).get(counts["Overdue"][1]).content.decode()
    assert "CANARY TASK" not in page


def test_provider_sees_new_referrals_with_their_age_and_a_canary_referral_is_not_counted(people):
    """New Dawn's advocate: the referral waiting for it is counted with its age and listed in
    the referral inbox (oldest first, with accept and decline); a referral on a case New Dawn
    is not on is neither."""
    case = open_case(people["rpd"])
    sent = timezone.now()
    with time_machine.travel(sent - timedelta(hours=2), tick=False):
        older = _referral(people, case)
    canary_case = open_case(people["ecso"], title="Canary")
    canary = _referral(people | {"rpd": people["ecso"]}, canary_case)
    CaseParticipant.objects.filter(case=canary_case, agency=people["newdawn"].agency).delete()
    with time_machine.travel(sent, tick=False):
        counts = door.dashboard_counts(viewer=people["newdawn"])
        section = next(
            s for s in work_for(user=people["newdawn"]) if s.title.startswith("Referrals")
        )
    assert counts.referrals_waiting == 1
    assert counts.oldest_referral_age == "2 h ago"
    waiting = section.counts[0]
    assert (waiting.count, waiting.note) == (1, "oldest sent 2 h ago")
    response = _client(people["newdawn"]).get(waiting.url)
    rows = response.context["rows"]
    assert [row.id for row in rows] == [older.pk]
    html = response.content.decode()
    assert f'id="referral-{older.pk}"' in html and f"referral-{canary.pk}" not in html
    assert "Accept" in html and "Reason to decline" in html


def test_referral_inbox_lists_oldest_first_and_accepting_from_it_returns_to_it(people):
    case = open_case(people["rpd"], victims=2)
    victims = list(case.potentialvictims.order_by("pk"))
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=3), tick=False):
        first = referral_send(
            actor=people["rpd"], case=case, victim_id=victims[1].pk, to_agency_slug="new-dawn"
        )
    second = referral_send(
        actor=people["rpd"], case=case, victim_id=victims[0].pk, to_agency_slug="new-dawn"
    )
    client = _client(people["newdawn"])
    rows = client.get("/cases/referrals/inbox/").context["rows"]
    assert [r.id for r in rows] == [first.pk, second.pk]
    assert rows[0].age == "3 days ago"
    response = client.post(
        f"/cases/referrals/{first.pk}/accept/",
        {"lock_version": first.lock_version, "next": "/cases/referrals/inbox/"},
    )
    assert response["Location"] == "/cases/referrals/inbox/"
    assert [r.id for r in client.get("/cases/referrals/inbox/").context["rows"]] == [second.pk]


def test_coordinator_counts_unanswered_questions_escalations_and_overdue_by_agency(people):
    """The coordinator: questions the plan left open on open cases, escalated tasks and overdue
    tasks per agency, each linking to a list of exactly them; a closed case's gaps are not work."""
    case = open_case(people["rpd"])
    closed = open_case(people["rpd"], title="Closed one")
    for target in (case, closed):
        plan = ResponsePlan.objects.filter(case=target).order_by("-pk").first()
        plan.answers = [
            *plan.answers,
            {
                "decision": "gap",
                "question": "Who houses a victim with a service dog?",
                "answered": False,
            },
        ]
        plan.unanswered = ResponsePlan.count_unanswered(plan.answers)
        plan.save(update_fields=["answers", "unanswered"])
    type(closed).objects.filter(pk=closed.pk).update(stage="closed")
    task = Task.objects.filter(case=case, owner_agency=people["rpd"].agency).first()
    Task.objects.filter(case__in=[case, closed]).update(due_at=timezone.now() + timedelta(days=9))
    Task.objects.filter(pk=task.pk).update(
        due_at=timezone.now() - timedelta(hours=5), escalated_at=timezone.now()
    )
    counts = _counts(people["coordinator"])
    questions, url = counts["Questions the plan could not answer"]
    open_plan = ResponsePlan.objects.filter(case=case).order_by("-pk").first()
    assert questions == len([a for a in open_plan.answers if not a.get("answered")])
    client = _client(people["coordinator"])
    page = client.get(url)
    assert [row.case_id for row in page.context["rows"]] == [case.pk]
    assert "service dog" in page.content.decode()
    assert counts["Escalated tasks"][0] == 1
    assert _listed(client, counts["Escalated tasks"][1]) == 1
    overdue, overdue_url = counts["RIVERTON-PD"]
    assert overdue == 1
    assert _listed(client, overdue_url) == 1
    assert task.title in client.get(overdue_url).content.decode()


def test_an_investigator_cannot_use_the_coordinators_agency_filter(people):
    """``?agency=`` widens the board only for coordinators: an investigator asking for another
    agency's overdue tasks gets their own agency's."""
    case = open_case(people["rpd"])
    hsi_task = Task.objects.filter(case=case).exclude(owner_agency=people["rpd"].agency).first()
    Task.objects.filter(pk=hsi_task.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client = _client(people["rpd"])
    board = client.get(f"/cases/tasks/agency/?agency={hsi_task.owner_agency_id}&due=overdue")
    assert all(
        row.owner_agency_id == people["rpd"].agency_id for row in board.context["board"].overdue
    )
    assert hsi_task.pk not in [row.id for row in board.context["board"].overdue]
    direct = door.tasks_for_task_force(viewer=people["rpd"], agency_id=hsi_task.owner_agency_id)
    assert hsi_task.pk not in [row.id for row in direct.overdue + direct.due]


def test_signatory_sees_versions_waiting_for_their_agency(people, make_member, county):
    from accord.protocols.models import ProtocolVersion, SignOff

    signatory = make_member("signatory.rpd", roles=[Role.SIGNATORY], agency_slug="riverton-pd")
    version = ProtocolVersion.objects.create(
        task_force=signatory.agency.task_force,
        number=2,
        title="Next",
        yaml_text=ProtocolVersion.objects.get(number=1).yaml_text,
        status="circulated",
    )
    label = "Versions waiting for your agency's sign-off"
    count, url = _counts(signatory)[label]
    assert (count, url) == (1, f"/protocols/{version.number}/")
    SignOff.objects.create(
        version=version,
        agency=signatory.agency,
        signatory=signatory,
        decision="approve",
        decided_at=timezone.now(),
    )
    assert _counts(signatory)[label][0] == 0


def test_roles_without_case_work_see_no_case_counts(people, make_member, county):
    auditor = make_member("auditor.x", roles=[Role.AUDITOR], agency_slug="ecso")
    open_case(people["rpd"])
    assert door.dashboard_counts(viewer=auditor) == door.DashboardCounts()
    response = _client(auditor).get("/")
    assert response.status_code == 200
    assert "Your tasks" not in response.content.decode()


# --- the inbox -----------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(people):
    user = people["rpd"]
    notify(recipients=[user], kind="note", subject="One", body="b")
    notify(recipients=[user], kind="note", subject="Two", body="b")
    notify(recipients=[people["hsi"]], kind="note", subject="Not yours", body="b")
    client = _client(user)
    for path in ("/", "/cases/", "/directory/"):
        response = client.get(path)
        assert response.context["unread_notifications"] == 2
        html = response.content.decode()
        assert re.search(r'href="/cases/notifications/"[^>]*>.*?Notifications.*?>2<', html, re.S)


def test_mark_read_and_mark_all_read_are_posts_with_csrf_and_audited(people):
    user = people["rpd"]
    one, two, three = (
        notify(recipients=[user], kind="note", subject=s, body="b")[0] for s in ("1", "2", "3")
    )
    other = notify(recipients=[people["hsi"]], kind="note", subject="x", body="b")[0]
    strict = _client(user, csrf=True)
    assert strict.post("/cases/notifications/", {"id": one.pk}).status_code == 403
    client = _client(user)
    client.post("/cases/notifications/", {"id": one.pk})
    client.post("/cases/notifications/", {"id": other.pk})  # someone else's: untouched
    one.refresh_from_db()
    other.refresh_from_db()
    assert one.read_at is not None and other.read_at is None
    assert door.unread_count(viewer=user) == 2
    events = AuditEvent.objects.filter(event=AuditEventType.NOTIFICATIONS_MARKED_READ)
    assert events.count() == 1
    client.post("/cases/notifications/", {"all": "1"})
    assert door.unread_count(viewer=user) == 0
    assert events.count() == 2
    assert sorted(events.order_by("pk").last().detail["notification_ids"]) == sorted(
        [two.pk, three.pk]
    )
    client.post("/cases/notifications/", {"all": "1"})  # nothing changes: nothing audited
    assert events.count() == 2


def test_a_referral_notification_resolves_itself_when_the_referral_is_accepted(people):
    """ "Please accept or decline" stops asking once the referral is accepted: resolved, read,
    no longer linking to the referral inbox."""
    case = open_case(people["rpd"])
    referral = _referral(people, case)
    advocate = people["newdawn"]
    asking = Notification.objects.get(user=advocate, kind="referral_sent")
    assert (asking.item_kind, asking.item_id) == ("referral", referral.pk)
    client = _client(advocate)
    page = client.get("/cases/notifications/").content.decode()
    assert f"/cases/referrals/inbox/#referral-{referral.pk}" in page
    before = door.unread_count(viewer=advocate)
    referral_accept(actor=advocate, referral_id=referral.pk, expected_version=referral.lock_version)
    asking.refresh_from_db()
    assert asking.resolved_at is not None and asking.read_at is not None
    assert door.unread_count(viewer=advocate) == before - 1
    page = client.get("/cases/notifications/").content.decode()
    assert "/cases/referrals/inbox/" not in page
    assert f"/cases/{case.pk}/" in page


def test_a_referral_notification_resolves_itself_when_declined(people):
    case = open_case(people["rpd"])
    referral = _referral(people, case)
    referral_decline(
        actor=people["newdawn"],
        referral_id=referral.pk,
        reason="No beds",
        expected_version=referral.lock_version,
    )
    asking = Notification.objects.get(user=people["newdawn"], kind="referral_sent")
    assert asking.resolved_at is not None


def test_a_task_notification_resolves_itself_when_the_task_is_done(people):
    case = open_case(people["rpd"])
    task = Task.objects.filter(case=case, owner_agency=people["rpd"].agency).first()
    about = Notification.objects.filter(item_kind="task", item_id=task.pk)
    assert about.exists()
    assert not about.filter(resolved_at__isnull=False).exists()
    task_complete(actor=people["rpd"], task_id=task.pk, expected_version=task.lock_version)
    assert not about.filter(resolved_at__isnull=True).exists()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE


def test_resolving_one_item_leaves_the_others_asking(people):
    case = open_case(people["rpd"], victims=2)
    victims = list(case.potentialvictims.order_by("pk"))
    first = referral_send(
        actor=people["rpd"], case=case, victim_id=victims[0].pk, to_agency_slug="new-dawn"
    )
    second = referral_send(
        actor=people["rpd"], case=case, victim_id=victims[1].pk, to_agency_slug="new-dawn"
    )
    referral_accept(
        actor=people["newdawn"], referral_id=first.pk, expected_version=first.lock_version
    )
    still = Notification.objects.get(
        item_kind="referral", item_id=second.pk, user=people["newdawn"]
    )
    assert still.resolved_at is None and still.read_at is None
    assert Referral.objects.get(pk=second.pk).status == "sent"


# --- the day's boundaries and ages ------------------------------------------------------------


def _row(due_at: datetime, now: datetime, *, assignee: str = "") -> TaskRow:
    return TaskRow(
        id=1,
        case_id=1,
        case_number="1",
        title="t",
        owner="o",
        assignee=assignee,
        due_at=due_at,
        status="Open",
        overdue=due_at < now,
        escalated=False,
        lock_version=1,
        may_take=False,
        may_complete=False,
    )


def test_due_today_ends_at_midnight_in_the_task_forces_time_zone():
    """23:59 local is today; 00:00 local the next day is not; the day is the task force's,
    not UTC's."""
    chicago = ZoneInfo("America/Chicago")
    now = datetime(2026, 3, 10, 20, 0, tzinfo=chicago)  # 02:00 UTC on the 11th
    today = door.TaskFilter(due="today")
    last_minute = datetime(2026, 3, 10, 23, 59, tzinfo=chicago)
    midnight = datetime(2026, 3, 11, 0, 0, tzinfo=chicago)
    assert today.keeps(_row(last_minute, now), now=now, zone=chicago)
    assert not today.keeps(_row(midnight, now), now=now, zone=chicago)
    early_tomorrow = datetime(2026, 3, 11, 5, 0, tzinfo=chicago)  # 11:00 UTC on the 11th
    assert not today.keeps(_row(early_tomorrow, now), now=now, zone=chicago)
    assert today.keeps(_row(early_tomorrow, now), now=now, zone=UTC)  # the same day in UTC
    assert not today.keeps(_row(now - timedelta(minutes=1), now), now=now, zone=chicago)  # overdue
    assert today.keeps(_row(now, now), now=now, zone=chicago)  # due this instant: not yet late


@settings(max_examples=200, deadline=None)
@given(
    offset=st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60),
    hour=st.integers(min_value=0, max_value=23),
    zone=st.sampled_from(["UTC", "America/Chicago", "Pacific/Kiritimati", "America/Adak"]),
    taken=st.booleans(),
)
def test_filters_partition_open_tasks(offset, hour, zone, taken):
    """An open task is overdue, due today or later: never two of them; "not taken" keeps
    exactly the tasks without an assignee whatever the due filter."""
    tz = ZoneInfo(zone)
    now = datetime(2026, 6, 1, hour, 30, tzinfo=tz)
    row = _row(now + timedelta(minutes=offset), now, assignee="Sam" if taken else "")
    overdue = door.TaskFilter(due="overdue").keeps(row, now=now, zone=tz)
    today = door.TaskFilter(due="today").keeps(row, now=now, zone=tz)
    assert not (overdue and today)
    assert overdue == (offset < 0)
    local_due = (now + timedelta(minutes=offset)).astimezone(tz).date()
    assert today == (offset >= 0 and local_due == now.date())
    assert door.TaskFilter(unassigned=True).keeps(row, now=now, zone=tz) == (not taken)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=30), "just now"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=59), "59 min ago"),
        (timedelta(hours=2, minutes=10), "2 h ago"),
        (timedelta(hours=47, minutes=59), "47 h ago"),
        (timedelta(hours=48), "2 days ago"),
        (timedelta(seconds=-5), "just now"),
    ],
)
def test_age_words(delta, words):
    assert door.age_words(delta) == words


def test_every_working_role_gets_a_dashboard(people):
    """The dashboard renders for every working role of the county, with a case under way."""
    open_case(people["rpd"], facts=LABOR_MINOR)
    for user in people.values():
        assert _client(user).get("/").status_code == 200
