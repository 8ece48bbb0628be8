"""The work waiting for one user, per role, as counts that link to the lists showing it.

Case work (tasks, referrals, unanswered questions, escalations) is counted by the read door
(``door.dashboard_counts``) from the same released rows as the list each count opens; the rest
(releases about to expire, protocol sign-offs, directory upkeep, training) comes from its own
app's selectors. A count always links to a list filtered to exactly the items it counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Agency, Role, User
from accord.sharing import door


@dataclass(frozen=True)
class WorkCount:
    """One count on the dashboard: what it counts, how many, where they are listed."""

    label: str
    count: int
    url: str
    note: str = ""
    urgent: bool = False  # shown as needing attention when not zero
    more: bool = False  # the count stopped at its cap: shown "20+", the list has them all


@dataclass(frozen=True)
class WorkSection:
    title: str
    counts: tuple[WorkCount, ...]


def _url(name: str, **query: str) -> str:
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def work_for(*, user: User, now: datetime | None = None) -> list[WorkSection]:
    """The dashboard's sections for ``user``'s roles, in the order a person would act on them."""
    now = now or timezone.now()
    sections: list[WorkSection] = []
    counts = door.dashboard_counts(viewer=user, now=now)
    if counts.works_cases:
        sections.append(
            WorkSection(
                "Your tasks",
                (
                    WorkCount(
                        "Overdue",
                        counts.tasks_overdue,
                        _url("cases:my_tasks", due="overdue"),
                        urgent=True,
                        more="tasks_overdue" in counts.capped,
                    ),
                    WorkCount(
                        "Due today",
                        counts.tasks_due_today,
                        _url("cases:my_tasks", due="today"),
                        more="tasks_due_today" in counts.capped,
                    ),
                    WorkCount(
                        f"Not taken yet at {user.agency.name}",  # type: ignore[union-attr]
                        counts.agency_unassigned,
                        _url("cases:agency_tasks", assigned="none"),
                        more="agency_unassigned" in counts.capped,
                    ),
                ),
            )
        )
    if user.has_role(Role.ADVOCATE) and counts.works_cases:
        sections.append(_advocate_section(user, counts, now))
    if user.has_role(Role.INTERPRETER_COORDINATOR):
        waiting = len(door.interpreter_board(viewer=user))
        sections.append(
            WorkSection(
                "Interpreters",
                (
                    WorkCount(
                        "Requests to book", waiting, _url("cases:interpreter_board"), urgent=True
                    ),
                ),
            )
        )
    if user.has_role(Role.SIGNATORY):
        sections.append(_signatory_section(user))
    if user.has_role(Role.COORDINATOR):
        sections += _coordinator_sections(user, counts, now)
    return sections


def _advocate_section(user: User, counts: door.DashboardCounts, now: datetime) -> WorkSection:
    from accord.sharing.selectors import agency_releases_expiring_count

    items = [
        WorkCount(
            "New referrals to accept",
            counts.referrals_waiting,
            _url("cases:referral_inbox"),
            note=f"oldest sent {counts.oldest_referral_age}" if counts.referrals_waiting else "",
            urgent=True,
        )
    ]
    if door.is_provider_advocate(user):
        items.append(
            WorkCount(
                "Releases expiring within 7 days",
                agency_releases_expiring_count(viewer=user, now=now),
                _url("sharing:releases", expiring="1"),
            )
        )
    return WorkSection("Referrals and releases", tuple(items))


def _signatory_section(user: User) -> WorkSection:
    from accord.protocols.selectors import awaiting_sign_off

    waiting = list(
        awaiting_sign_off(user=user)
        .exclude(sign_offs__agency_id=user.agency_id or 0)
        .order_by("number")
        .values_list("number", flat=True)
    )
    url = (
        reverse("protocols:detail", args=[waiting[0]])
        if len(waiting) == 1
        else reverse("protocols:index")
    )
    return WorkSection(
        "Protocol",
        (WorkCount("Versions waiting for your agency's sign-off", len(waiting), url, urgent=True),),
    )


def _coordinator_sections(
    user: User, counts: door.DashboardCounts, now: datetime
) -> list[WorkSection]:
    from accord.directory.selectors import directory_upkeep
    from accord.jobs.selectors import attention_count
    from accord.training.selectors import may_see_agency, people_with_training_expiring

    task_force = user.agency.task_force  # type: ignore[union-attr]
    questions = counts.unanswered_questions
    cases = counts.unanswered_cases
    more_questions = "unanswered_questions" in counts.capped
    case_items = [
        WorkCount(
            "Questions the plan could not answer",
            questions,
            _url("cases:unanswered"),
            note=f"on {cases}{'+' if more_questions else ''} open case{'s' if cases != 1 else ''}"
            if questions
            else "",
            urgent=True,
            more=more_questions,
        ),
        WorkCount(
            "Escalated tasks",
            counts.escalated_tasks,
            _url("cases:agency_tasks", agency="all", escalated="1"),
            urgent=True,
            more="escalated_tasks" in counts.capped,
        ),
    ]
    overdue_items = tuple(
        WorkCount(
            name,
            n,
            _url("cases:agency_tasks", agency=str(agency_id), due="overdue"),
            urgent=True,
            more=more,
        )
        for agency_id, name, n, more in counts.overdue_by_agency
    )
    today = timezone.localtime(now, door.local_zone(task_force)).date()
    agencies = [
        agency
        for agency in Agency.objects.filter(task_force=task_force, is_active=True)
        if may_see_agency(viewer=user, agency=agency)
    ]
    expiring = people_with_training_expiring(agencies=agencies, on=today)
    upkeep = directory_upkeep(task_force=task_force, now=now)
    sections = [WorkSection("Across the task force", tuple(case_items))]
    sections.append(
        WorkSection(
            "Overdue tasks by agency",
            overdue_items
            or (
                WorkCount(
                    "Every agency", 0, _url("cases:agency_tasks", agency="all", due="overdue")
                ),
            ),
        )
    )
    sections.append(
        WorkSection(
            "Upkeep",
            (
                WorkCount(
                    "Directory entries to re-verify", len(upkeep.stale), reverse("directory:upkeep")
                ),
                WorkCount(
                    "People whose training is expiring", expiring, reverse("training:compliance")
                ),
                WorkCount(
                    "Background duties needing a look",
                    attention_count(now=now),
                    reverse("jobs:status"),
                    urgent=True,
                ),
            ),
        )
    )
    return sections
