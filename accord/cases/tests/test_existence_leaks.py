"""No existence leaks (issue 12, item 5; S11, S12): a user who may not know of an
immigration-relief record (no 8 U.S.C. 1367 authorization) or of never-shared material (outside
its producer's investigators and prosecutors) learns nothing of it from any channel: the case
page, boards, the API, the timeline, "why" pages, notifications, e-mail, and the answers of task
actions (404, exactly like a missing id).

Each test plays one leak through the channel a user would see: HTML through the Django test
client, JSON through /api/v1, ``Notification`` rows, and e-mail after the on-commit callbacks.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Role
from accord.cases.models import CaseParticipant, Notification, Task
from accord.cases.services import (
    immigration_relief_create,
    sensitive_material_add,
    task_complete,
    task_take,
    tasks_escalate_overdue,
)
from accord.errors import NotFound
from accord.sharing.door import case_detail, tasks_for_agency, tasks_for_user
from conftest import sign_in

from .conftest import open_case

pytestmark = pytest.mark.django_db

RESTRICTED_TASK = "Restricted task"

API = "/api/v1"
CP_TITLE = "The federal partner requests Continued Presence"
RELIEF_CANARY = "CanaryReliefNote"
RELIEF_MARKERS = (
    CP_TITLE,
    "Continued Presence request",  # the record's kind as shown
    "continued-presence-request",  # the deadline id
    RELIEF_CANARY,
    "immigration relief",
)


def client_for(user) -> Client:
    return sign_in(Client(), user)


def _text(response) -> str:
    return response.content.decode()


def _page(response) -> str:
    """The page without its per-request CSRF token and request reference."""
    return re.sub(r"[A-Za-z0-9]{64}|[0-9a-f]{16}", "", _text(response))


def _no_relief_words(text: str) -> bool:
    """No word that betrays a relief record or task: the task's title, the record's kind, its
    notes, the deadline id. (The plan's guidance for question 8 may mention Continued Presence:
    it is the protocol's advice for these facts, shown to every agency on the case.)"""
    return not any(marker in text for marker in RELIEF_MARKERS)


def _cp_task(case) -> Task:
    return Task.objects.get(case=case, deadline_id="continued-presence-request")


@pytest.fixture
def hsi_colleague(people, make_member):
    """An investigator of the federal partner (the CP task's owner) without the authorization."""
    user = make_member("investigator.hsi2", roles=[Role.INVESTIGATOR], agency_slug="hsi-riverton")
    user.cjis_training_on = user.background_check_passed_on = timezone.localdate()
    user.email = "investigator.hsi2@example.invalid"
    user.save()
    return user


@pytest.fixture
def relief_case(people):
    """A foreign-national victim: the plan gives the federal partner the CP task; a CP request
    is then recorded by the authorized federal agent."""
    case = open_case(people["rpd"])
    return case


# --- task titles: case page, boards, API ------------------------------------------------------


def test_the_cp_task_is_absent_from_the_case_page_and_api_of_an_unauthorized_user(
    people, relief_case
):
    rpd = client_for(people["rpd"])
    page = _text(rpd.get(reverse("cases:detail", args=[relief_case.pk])))
    assert "Farm workers" in page  # the page was rendered
    assert _no_relief_words(page)
    api = _text(rpd.get(f"{API}/cases/{relief_case.pk}"))
    assert '"tasks"' in api and _no_relief_words(api)
    # the authorized federal agent who owns it sees it
    hsi_page = _text(client_for(people["hsi"]).get(reverse("cases:detail", args=[relief_case.pk])))
    assert CP_TITLE in hsi_page


def test_an_unauthorized_owner_sees_a_restricted_task_never_its_title(
    people, relief_case, hsi_colleague
):
    """Their agency owns the work, so it shows on their board, neutrally titled, with no action."""
    for board in (tasks_for_user(viewer=hsi_colleague), tasks_for_agency(viewer=hsi_colleague)):
        rows = [r for r in (*board.overdue, *board.due, *board.done) if r.case_id == relief_case.pk]
        titles = {r.title for r in rows}
        assert CP_TITLE not in titles and RESTRICTED_TASK in titles
        restricted = next(r for r in rows if r.title == RESTRICTED_TASK)
        assert not restricted.may_take and not restricted.may_complete
    client = client_for(hsi_colleague)
    for url in (reverse("cases:my_tasks"), reverse("cases:agency_tasks")):
        html = _text(client.get(url))
        assert RESTRICTED_TASK in html and _no_relief_words(html)
    api = _text(client.get(f"{API}/tasks/agency"))
    assert RESTRICTED_TASK in api and _no_relief_words(api)
    page = _text(client.get(reverse("cases:detail", args=[relief_case.pk])))
    assert _no_relief_words(page)


def test_boards_of_other_agencies_do_not_list_the_relief_task(people, relief_case):
    CaseParticipant.objects.get_or_create(
        case=relief_case, agency=people["da"].agency, defaults={"joined_at": timezone.now()}
    )
    _cp_task(relief_case)  # exists
    for user in (people["rpd"], people["da"], people["coordinator"]):
        rows = []
        for board in (tasks_for_user(viewer=user), tasks_for_agency(viewer=user)):
            rows += [r.title for r in (*board.overdue, *board.due, *board.done)]
        assert CP_TITLE not in rows and RESTRICTED_TASK not in rows, user.username
        view_titles = [t.values.get("title") for t in case_detail(
            viewer=user, case_id=relief_case.pk
        ).tasks]  # fmt: skip
        assert CP_TITLE not in view_titles and RESTRICTED_TASK not in view_titles


# --- the timeline -----------------------------------------------------------------------------


def test_taking_and_completing_the_relief_task_leaves_no_trace_on_others_timelines(
    people, relief_case
):
    task = _cp_task(relief_case)
    task = task_take(actor=people["hsi"], task_id=task.pk, expected_version=task.lock_version)
    task_complete(actor=people["hsi"], task_id=task.pk, expected_version=task.lock_version)
    rpd = client_for(people["rpd"])
    timeline = _text(rpd.get(reverse("cases:timeline", args=[relief_case.pk])))
    assert "Case opened" in timeline or "opened" in timeline
    assert _no_relief_words(timeline)
    assert "took the task" not in timeline and "Task done" not in timeline
    hsi = _text(client_for(people["hsi"]).get(reverse("cases:timeline", args=[relief_case.pk])))
    assert CP_TITLE in hsi


def test_a_relief_record_is_absent_from_the_timeline_and_the_api_withheld_list(people, relief_case):
    victim = relief_case.potentialvictims.get()
    relief = immigration_relief_create(
        actor=people["hsi"], victim_id=victim.pk, kind="continued_presence", notes=RELIEF_CANARY
    )
    rpd = client_for(people["rpd"])
    timeline = _text(rpd.get(reverse("cases:timeline", args=[relief_case.pk])))
    assert _no_relief_words(timeline) and "immigration_relief" not in timeline
    body = json.loads(_text(rpd.get(f"{API}/cases/{relief_case.pk}")))
    assert body["sections"]["immigration"] == []
    assert not any("immigration" in k or "1367" in v for k, v in body["withheld_sections"].items())
    assert "not_immigration_authorized" not in json.dumps(body)
    # the "why" page about the record answers like a missing one
    why = reverse("sharing:why", args=[relief_case.pk, "immigrationrelief", relief.pk, "kind"])
    missing = reverse("sharing:why", args=[relief_case.pk, "immigrationrelief", 999999, "kind"])
    assert rpd.get(why).status_code == rpd.get(missing).status_code == 404
    assert _page(rpd.get(why)) == _page(rpd.get(missing))


def test_the_why_page_of_the_relief_task_answers_like_a_missing_task(people, relief_case):
    rpd = client_for(people["rpd"])
    task = _cp_task(relief_case)
    why = reverse("sharing:why", args=[relief_case.pk, "task", task.pk, "title"])
    missing = reverse("sharing:why", args=[relief_case.pk, "task", 999999, "title"])
    assert rpd.get(why).status_code == rpd.get(missing).status_code == 404


# --- notifications and e-mail -----------------------------------------------------------------


def test_task_notifications_are_composed_per_recipient(
    people, hsi_colleague, django_capture_on_commit_callbacks
):
    """The plan gives the federal partner the CP task: its authorized agent is told what it is;
    the unauthorized colleague is told only that a restricted task arrived, in app and e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(people["rpd"])
    mine = Notification.objects.filter(user=hsi_colleague, case=case)
    assert mine.exists()
    for note in mine:
        assert _no_relief_words(note.subject + note.body)
    assert any(RESTRICTED_TASK in n.body for n in mine)
    theirs = Notification.objects.filter(user=people["hsi"], case=case)
    assert any(CP_TITLE in n.body for n in theirs)
    to_colleague = [m for m in mail.outbox if hsi_colleague.email in m.to]
    assert to_colleague
    for message in to_colleague:
        assert _no_relief_words(f"{message.subject}{message.body}")
    assert any(CP_TITLE in m.body for m in mail.outbox if people["hsi"].email in m.to)


def test_escalation_of_a_relief_task_tells_each_recipient_only_what_they_may_see(
    people, relief_case, hsi_colleague, django_capture_on_commit_callbacks
):
    task = _cp_task(relief_case)
    Notification.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        escalated = tasks_escalate_overdue(now=task.due_at + timedelta(hours=1))
    assert task.pk in {t.pk for t in escalated}
    coordinator = Notification.objects.filter(user=people["coordinator"])
    for note in coordinator:  # an unauthorized coordinator: not even a restricted task
        assert _no_relief_words(note.subject + note.body)
        assert RESTRICTED_TASK not in note.body
    lead = Notification.objects.filter(user=people["hsi"], kind="task_escalated")
    assert any(CP_TITLE in n.body for n in lead)  # the authorized agency lead is told
    for message in mail.outbox:
        if people["hsi"].email not in message.to:
            assert _no_relief_words(f"{message.subject}{message.body}")


# --- task actions -----------------------------------------------------------------------------


def test_task_actions_on_a_case_the_caller_cannot_see_answer_404(people, relief_case):
    """Legal aid is not on the case: the answer is the one for a missing task, never
    "this task belongs to <agency>"."""
    task = Task.objects.filter(case=relief_case, visibility_class="case-basic").first()
    legal = client_for(people["legal"])
    for action in ("take", "complete"):
        url = reverse("cases:task_act", args=[task.pk, action])
        missing = reverse("cases:task_act", args=[999999, action])
        seen = legal.post(url, {"lock_version": task.lock_version})
        assert seen.status_code == legal.post(missing, {"lock_version": 1}).status_code == 404
        assert task.owner_agency.name not in _text(seen)
        api = legal.post(
            f"{API}/tasks/{task.pk}/{action}",
            data=json.dumps({"expected_version": task.lock_version}),
            content_type="application/json",
        )
        assert api.status_code == 404 and task.owner_agency.name not in _text(api)
    with pytest.raises(NotFound):
        task_take(actor=people["legal"], task_id=task.pk, expected_version=None)


def test_task_actions_on_a_restricted_task_answer_404(people, relief_case, hsi_colleague):
    """The CP task: a participant who may not see it, and even an unauthorized user of the
    owning agency, get 404 (never 403 naming its owner, never a taken task)."""
    task = _cp_task(relief_case)
    for user in (people["rpd"], hsi_colleague, people["coordinator"]):
        client = client_for(user)
        for action in ("take", "complete"):
            response = client.post(
                reverse("cases:task_act", args=[task.pk, action]),
                {"lock_version": task.lock_version},
            )
            assert response.status_code == 404, (user.username, action)
            assert _no_relief_words(_text(response))
    task.refresh_from_db()
    assert task.assignee_id is None and task.status == "open"
    taken = task_take(actor=people["hsi"], task_id=task.pk, expected_version=task.lock_version)
    assert taken.assignee_id == people["hsi"].pk  # the authorized owner still works it


# --- never-shared material --------------------------------------------------------------------


def test_never_shared_material_leaves_no_trace_for_other_agencies(people, relief_case):
    CaseParticipant.objects.get_or_create(
        case=relief_case, agency=people["da"].agency, defaults={"joined_at": timezone.now()}
    )
    material = sensitive_material_add(
        actor=people["rpd"], case=relief_case, kind="grand_jury", description="CanaryGrandJury"
    )
    da = client_for(people["da"])
    for url in (
        reverse("cases:detail", args=[relief_case.pk]),
        reverse("cases:timeline", args=[relief_case.pk]),
        f"{API}/cases/{relief_case.pk}",
    ):
        text = _text(da.get(url))
        assert "CanaryGrandJury" not in text and "Grand jury material" not in text, url
        assert "class_never_shared" not in text, url
    why = reverse("sharing:why", args=[relief_case.pk, "sensitivematerial", material.pk, "kind"])
    missing = reverse("sharing:why", args=[relief_case.pk, "sensitivematerial", 999999, "kind"])
    assert da.get(why).status_code == da.get(missing).status_code == 404
    assert _page(da.get(why)) == _page(da.get(missing))


# --- standings of many recipients, read once --------------------------------------------------


def test_standings_read_once_tell_each_recipient_what_case_access_would(
    people, relief_case, hsi_colleague, make_member, task_force
):
    """The intake's notices decide every recipient's standing from one read of the case: each
    recipient still gets exactly the answer of their own ``case_access`` (the authorized agent
    the title, the unauthorized colleague "Restricted task", an agency off the case and another
    task force nothing), and more recipients do not read the case again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accord.accounts.models import TaskForce
    from accord.sharing.door import case_access, case_standings, task_title_for

    elsewhere = TaskForce.objects.create(slug="tf-elsewhere", name="Elsewhere")
    stranger = make_member(
        "investigator.elsewhere",
        roles=[Role.INVESTIGATOR],
        agency_slug="elsewhere-pd",
        task_force_obj=elsewhere,
    )
    users = [*people.values(), hsi_colleague, stranger]
    with CaptureQueriesContext(connection) as queries:
        standings = case_standings(users=users, case_id=relief_case.pk)
    case_reads = [q for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert len(case_reads) == 1
    task = _cp_task(relief_case)
    told = {}
    for user in users:
        try:
            case_access(viewer=user, case_id=relief_case.pk)
            opens = True
        except NotFound:
            opens = False
        assert (standings[(user.pk, relief_case.pk)] is not None) == opens, user.username
        title = task_title_for(viewer=user, task=task, accesses=standings)
        assert title == task_title_for(viewer=user, task=task), user.username
        told[user.username] = title
    assert told["investigator.hsi"].startswith(CP_TITLE)
    assert told["investigator.hsi2"] == RESTRICTED_TASK
    assert told["investigator.elsewhere"] is None
    assert told["advocate.cps"] is None  # an agency off the case
