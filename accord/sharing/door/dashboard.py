"""The dashboard's counts and the lists they lead to, from the same released rows.

A count on the dashboard and the list its link opens are computed by the same predicate over
the same board rows (``task_board``), so "3 overdue" opens exactly those three tasks, and a
task, referral or plan the viewer may not see is neither listed nor counted: every row passes
the policy first, exactly as on the case page. "Today" is the task force's day, in its time
zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accord.accounts.models import Role
from accord.sharing import policy

from .access import CASE_POLICY, CaseAccess
from .boards import (
    CASE_COLUMNS_SKIPPED,
    TaskBoard,
    TaskRow,
    _accesses,
    task_board,
    tasks_for_agency,
    tasks_for_user,
)
from .registry import field_specs, m
from .release import record_context_of, release
from .victims import victim_labels

if TYPE_CHECKING:
    from accord.accounts.models import User

__all__ = [
    "DashboardCounts",
    "ReferralRow",
    "TaskFilter",
    "UnansweredRow",
    "age_words",
    "dashboard_counts",
    "filter_tasks",
    "local_zone",
    "referral_inbox",
    "tasks_for_task_force",
    "unanswered_counts",
    "unanswered_questions",
]

#: How many rows of a kind the dashboard reads at most.
DASHBOARD_LIMIT = 500
#: What a plan row of the unanswered list reads of its case (as a task board row).
PLAN_CASE_COLUMNS_SKIPPED = tuple(CASE_COLUMNS_SKIPPED)

#: The roles that work cases (the policy's): only they have case work to count.
CASE_POLICY_ROLES: frozenset[str] = policy.CASE_ROLES


def local_zone(task_force: Any) -> tzinfo:
    """The task force's time zone (its own setting where it has one, else the deployment's)."""
    from accord.accounts.zones import zone_of

    return zone_of(task_force)


def age_words(delta: timedelta) -> str:
    """How long ago, as a person says it on a phone: "12 min ago", "2 h ago", "3 days ago"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"


# --- tasks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilter:
    """Which open tasks of a board a list keeps: ``due`` is "today" (due before the end of
    the task force's day and not yet overdue), "overdue", or "" (any); ``unassigned`` keeps
    tasks nobody has taken; ``escalated`` keeps escalated ones."""

    due: str = ""
    unassigned: bool = False
    escalated: bool = False

    @property
    def active(self) -> bool:
        return bool(self.due or self.unassigned or self.escalated)

    def keeps(self, row: TaskRow, *, now: datetime, zone: tzinfo) -> bool:
        if self.due == "overdue" and not row.overdue:
            return False
        if self.due == "today":
            end_of_day = datetime.combine(
                now.astimezone(zone).date() + timedelta(days=1), datetime.min.time(), zone
            )
            if row.overdue or row.due_at >= end_of_day:
                return False
        if self.unassigned and row.assignee:
            return False
        return not (self.escalated and not row.escalated)


def filter_tasks(
    board: TaskBoard, task_filter: TaskFilter, *, now: datetime, zone: tzinfo
) -> TaskBoard:
    """The open rows of ``board`` the filter keeps (done rows are never "work")."""
    if not task_filter.active:
        return board
    keep = [row for row in board.overdue + board.due if task_filter.keeps(row, now=now, zone=zone)]
    return TaskBoard(
        overdue=[row for row in keep if row.overdue],
        due=[row for row in keep if not row.overdue],
        done=[],
    )


def tasks_for_task_force(
    *, viewer: User, agency_id: int | None = None, now: datetime | None = None
) -> TaskBoard:
    """Open tasks of the whole task force (or of one agency), for its coordinators: each row
    released as on the case page (a relief task stays hidden from a coordinator not authorized
    for immigration records). Anyone else gets their own agency's board."""
    now = now or timezone.now()
    query = m.Task.objects.filter(
        case__task_force_id=viewer.task_force_id,
        status__in=[m.TaskStatus.OPEN, m.TaskStatus.TAKEN],
    )
    if not viewer.has_role(Role.COORDINATOR):
        agency_id = viewer.agency_id
    if agency_id is not None:
        query = query.filter(owner_agency_id=agency_id)
    return task_board(viewer, query, now=now, with_done=False)


# --- referrals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    """A referral sent to the viewer's agency, awaiting its decision."""

    id: int
    case_id: int
    case_number: str
    victim: str
    from_agency: str
    service: str
    message: str
    sent_at: datetime
    age: str
    lock_version: int


def referral_inbox(*, viewer: User, now: datetime | None = None) -> list[ReferralRow]:
    """Referrals to the viewer's agency that nobody has accepted or declined, oldest first:
    for its advocates (who decide them); empty for everyone else. Only referrals on cases the
    viewer may open, with their fields as the policy releases them."""
    now = now or timezone.now()
    if not viewer.has_role(Role.ADVOCATE) or viewer.agency_id is None:
        return []
    referrals = list(
        m.Referral.objects.filter(
            case__task_force_id=viewer.task_force_id,
            to_agency_id=viewer.agency_id,
            status=m.ReferralStatus.SENT,
        )
        .select_related(
            "case",
            "case__protocol_version",
            "case__lead_agency",
            "from_agency",
            "to_agency",
            "victim",
        )
        .order_by("sent_at", "pk")[:DASHBOARD_LIMIT]
    )
    if not referrals:
        return []
    accesses = _accesses(viewer, {r.case_id: r.case for r in referrals}, now=now, opened_only=True)
    labels = victim_labels(viewer=viewer, victim_ids=(r.victim_id for r in referrals))
    rows = []
    for referral in referrals:
        access = accesses[referral.case_id]
        if access is None:
            continue
        shown = release(access, referral).values
        if "status" not in shown or "sent_at" not in shown:
            continue
        rows.append(
            ReferralRow(
                id=referral.pk,
                case_id=referral.case_id,
                case_number=str(release(access, referral.case).values.get("number", "")),
                victim=labels.get(referral.victim_id, ""),
                from_agency=str(shown.get("from_agency") or ""),
                service=str(shown.get("to_service") or ""),
                message=str(shown.get("message") or ""),
                sent_at=referral.sent_at,
                age=age_words(now - referral.sent_at),
                lock_version=referral.lock_version,
            )
        )
    return rows


# --- questions the plan could not answer -------------------------------------------------------


@dataclass(frozen=True)
class UnansweredRow:
    """An open case whose current response plan leaves questions unanswered."""

    case_id: int
    case_number: str
    questions: tuple[str, ...]


def _unanswered_plans(
    viewer: User, *, now: datetime, with_answers: bool
) -> list[tuple[Any, CaseAccess]]:
    """The latest plan of each open case the viewer may open that left a question unanswered
    (``unanswered`` stored with the plan, found through its partial index), oldest case first,
    each with the viewer's access to its case; only plans whose answers the policy releases to
    the viewer. Reads at most ``DASHBOARD_LIMIT * 4`` plans and keeps ``DASHBOARD_LIMIT``."""
    newer = m.ResponsePlan.objects.filter(case_id=OuterRef("case_id"), pk__gt=OuterRef("pk"))
    open_question = m.ResponsePlan.objects.filter(case_id=OuterRef("pk"), unanswered__gt=0).exclude(
        Exists(newer)
    )
    # walk the open cases oldest first along the (task force, opened) index and stop at the
    # limit, instead of sorting every plan with a question (in most protocols, most plans);
    # a chunk at a time, so plans whose answers are withheld do not shorten the list
    cases = (
        CASE_POLICY.queryset(viewer)
        .exclude(stage=m.CaseStage.CLOSED)
        .filter(Exists(open_question))
        .order_by("opened_at", "pk")
        .values_list("pk", flat=True)
    )
    skipped = [*PLAN_CASE_COLUMNS_SKIPPED, "facts", "changes"]
    if not with_answers:
        skipped.append("answers")
    answers_spec = field_specs()["responseplan"]["answers"]
    found: list[tuple[Any, CaseAccess]] = []
    for start in range(0, DASHBOARD_LIMIT * 4, DASHBOARD_LIMIT):
        case_ids = list(cases[start : start + DASHBOARD_LIMIT])
        latest = {
            plan.case_id: plan
            for plan in m.ResponsePlan.objects.filter(case_id__in=case_ids, unanswered__gt=0)
            .exclude(Exists(newer))
            .select_related("case", "case__protocol_version", "case__lead_agency")
            .defer(*skipped)
        }
        plans = [latest[pk] for pk in case_ids if pk in latest]
        accesses = _accesses(viewer, {p.case_id: p.case for p in plans}, now=now, opened_only=True)
        for plan in plans:
            access = accesses[plan.case_id]
            if access is None:
                continue
            decision = access.decide(record_context_of(access, plan), answers_spec)
            if isinstance(decision, policy.Released):
                found.append((plan, access))
                if len(found) >= DASHBOARD_LIMIT:
                    return found
        if len(case_ids) < DASHBOARD_LIMIT:
            break
    return found


def unanswered_questions(*, viewer: User, now: datetime | None = None) -> list[UnansweredRow]:
    """Open cases the viewer may open whose latest plan could not answer a question (a gap the
    protocol did not foresee: someone must decide by hand), oldest case first."""
    now = now or timezone.now()
    rows = []
    for plan, access in _unanswered_plans(viewer, now=now, with_answers=True):
        answers = release(access, plan, only=("answers",)).values.get("answers") or []
        questions = _unanswered(answers)
        if questions:
            number = str(release(access, plan.case, only=("number",)).values.get("number", ""))
            rows.append(UnansweredRow(plan.case_id, number, questions))
    return rows


def unanswered_counts(*, viewer: User, now: datetime | None = None) -> tuple[int, int]:
    """(cases, questions) of ``unanswered_questions``, from the same plans, without reading
    their answers (each plan stores how many it left unanswered)."""
    plans = _unanswered_plans(viewer, now=now or timezone.now(), with_answers=False)
    return len(plans), sum(plan.unanswered for plan, _ in plans)


def _unanswered(answers: Iterable[Any]) -> tuple[str, ...]:
    found = []
    for answer in answers:
        if isinstance(answer, dict) and not answer.get("answered"):
            question = str(answer.get("question") or "A question of the plan")
            victim = str(answer.get("victim") or "")
            found.append(f"{question} ({victim})" if victim else question)
    return tuple(found)


# --- the counts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardCounts:
    """The case work waiting for one viewer; each count has a list that shows exactly it."""

    tasks_due_today: int = 0
    tasks_overdue: int = 0
    agency_unassigned: int = 0
    referrals_waiting: int = 0
    oldest_referral_age: str = ""
    unanswered_cases: int = 0
    unanswered_questions: int = 0
    escalated_tasks: int = 0
    #: (agency id, agency name, overdue open tasks), most overdue first (coordinators).
    overdue_by_agency: tuple[tuple[int, str, int], ...] = ()
    works_cases: bool = False


def dashboard_counts(*, viewer: User, now: datetime | None = None) -> DashboardCounts:
    """Counts of the viewer's case work, each from the released rows of the list it links to
    (so nothing the viewer may not see is counted). Users without a case role get zeros."""
    now = now or timezone.now()
    if viewer.agency is None or not (frozenset(viewer.role_set) & CASE_POLICY_ROLES):
        return DashboardCounts()
    zone = local_zone(viewer.agency.task_force)
    mine = tasks_for_user(viewer=viewer, now=now, with_done=False)
    agency = tasks_for_agency(viewer=viewer, now=now, with_done=False)

    def count(board: TaskBoard, task_filter: TaskFilter) -> int:
        kept = filter_tasks(board, task_filter, now=now, zone=zone)
        return len(kept.overdue) + len(kept.due)

    referrals = referral_inbox(viewer=viewer, now=now)
    fields: dict[str, Any] = {
        "works_cases": True,
        "tasks_due_today": count(mine, TaskFilter(due="today")),
        "tasks_overdue": count(mine, TaskFilter(due="overdue")),
        "agency_unassigned": count(agency, TaskFilter(unassigned=True)),
        "referrals_waiting": len(referrals),
        "oldest_referral_age": referrals[0].age if referrals else "",
    }
    if viewer.has_role(Role.COORDINATOR):
        unanswered_cases, unanswered_total = unanswered_counts(viewer=viewer, now=now)
        everyone = tasks_for_task_force(viewer=viewer, now=now)
        overdue: Counter[int] = Counter()
        names: dict[int, str] = {}
        for row in everyone.overdue:
            if row.owner_agency_id is not None:
                overdue[row.owner_agency_id] += 1
                names[row.owner_agency_id] = row.owner.split(" · ")[0]
        fields |= {
            "unanswered_cases": unanswered_cases,
            "unanswered_questions": unanswered_total,
            "escalated_tasks": count(everyone, TaskFilter(escalated=True)),
            "overdue_by_agency": tuple(
                (pk, names[pk], n)
                for pk, n in sorted(overdue.items(), key=lambda item: (-item[1], names[item[0]]))
            ),
        }
    return DashboardCounts(**fields)
