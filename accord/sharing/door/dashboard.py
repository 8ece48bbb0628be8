"""The dashboard's counts and the lists they lead to, from the same released rows.

A count on the dashboard and the list its link opens are computed by the same predicate over
the same board rows (``task_board``), so "3 overdue" opens exactly those three tasks, and a
task, referral or plan the viewer may not see is neither listed nor counted: every row passes
the policy first, exactly as on the case page. "Today" is the task force's day, in its time
zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accord.accounts.models import Agency, Role
from accord.sharing import policy

from .access import CASE_POLICY, CaseAccess
from .boards import (
    CASE_COLUMNS_SKIPPED,
    TaskBoard,
    TaskRow,
    _accesses,
    agency_tasks,
    count_open_tasks,
    count_open_tasks_by_agency,
    open_task_rows,
    open_tasks,
    parse_board_cursor,
    task_board,
    user_task_parts,
    user_tasks,
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
    "UnansweredPage",
    "UnansweredRow",
    "age_words",
    "count_tasks",
    "dashboard_counts",
    "filter_tasks",
    "filtered_board",
    "local_zone",
    "referral_inbox",
    "tasks_for_task_force",
    "unanswered_counts",
    "unanswered_questions",
]

#: How many rows of a kind the dashboard reads at most (the referral inbox).
DASHBOARD_LIMIT = 500
#: A dashboard count stops here and says "20+" (the list it links to shows them 50 a page):
#: a person acts on the oldest first, and deciding hundreds of rows to print "437" is what
#: made the dashboard slow. Below the cap a count is exact.
COUNT_CAP = 20
#: Cases a page of the unanswered-questions list shows.
UNANSWERED_PAGE = 50
#: What a plan row of the unanswered list reads of its case (as a task board row).
PLAN_CASE_COLUMNS_SKIPPED = tuple(CASE_COLUMNS_SKIPPED)

#: The roles that work cases (the policy's): only they have case work to count.
CASE_POLICY_ROLES: frozenset[str] = policy.CASE_ROLES


def local_zone(task_force: Any) -> tzinfo:
    """The task force's time zone (its own setting where it has one, else the deployment's)."""
    from accord.zones import zone_of

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


#: The open task statuses (as the boards read them).
_OPEN_STATUSES = ("open", "taken")

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
        if self.due == "today" and (row.overdue or row.due_at >= _end_of_day(now, zone)):
            return False
        if self.unassigned and row.assignee:
            return False
        return not (self.escalated and not row.escalated)

    def keeps_task(self, task: Any, *, now: datetime, zone: tzinfo) -> bool:
        """``keeps`` decided on an open task itself, for a filter that reads only the task's
        own columns (a row's ``overdue``, ``due_at`` and ``escalated`` are the task's open
        status, due time and escalation); ``unassigned`` reads the released assignee, so a
        filter with it must decide on the row."""
        if self.unassigned:
            raise ValueError("an unassigned filter decides on the released row")
        overdue = task.status in _OPEN_STATUSES and task.due_at < now
        if self.due == "overdue" and not overdue:
            return False
        if self.due == "today" and (overdue or task.due_at >= _end_of_day(now, zone)):
            return False
        return not (self.escalated and task.escalated_at is None)

    def narrow(self, query: QuerySet[Any], *, now: datetime, zone: tzinfo) -> QuerySet[Any]:
        """``query`` (open tasks) cut in SQL to the tasks ``keeps`` may keep: the due time and
        the escalation are the task's own columns, the same ``keeps`` reads."""
        if self.due == "overdue":
            query = query.filter(due_at__lt=now)
        if self.due == "today":
            query = query.filter(due_at__gte=now, due_at__lt=_end_of_day(now, zone))
        if self.escalated:
            # the few escalated tasks, found along their partial index (not correlated: SQLite
            # would otherwise walk every open task of the task force)
            escalated = m.Task.objects.filter(escalated_at__isnull=False).order_by()
            query = query.filter(pk__in=Subquery(escalated.values("pk")))
        return query


def _end_of_day(now: datetime, zone: tzinfo) -> datetime:
    return datetime.combine(
        now.astimezone(zone).date() + timedelta(days=1), datetime.min.time(), zone
    )


def filtered_board(
    *,
    viewer: User,
    which: str,
    task_filter: TaskFilter,
    zone: tzinfo,
    after: str = "",
    agency_id: int | None = None,
    now: datetime | None = None,
) -> TaskBoard:
    """A page of a board (``which``: "mine", "agency" or "task force", for a coordinator
    optionally one ``agency_id``) with only the rows ``task_filter`` keeps, 50 a page: the
    filter is applied while reading, so a page is full whenever there are more rows."""
    now = now or timezone.now()
    parts: tuple[Q, ...] = ()
    if which == "mine":
        query, parts = user_tasks(viewer), user_task_parts(viewer)
    elif which == "task force":
        query = _task_force_tasks(viewer, agency_id)
    else:
        query = agency_tasks(viewer)
    if not task_filter.active:
        return task_board(
            viewer, query, now=now, with_done=which != "task force", after=after, parts=parts
        )
    return task_board(
        viewer,
        query,
        now=now,
        with_done=False,
        after=after,
        narrow=lambda q: task_filter.narrow(q, now=now, zone=zone),
        keep=lambda row: task_filter.keeps(row, now=now, zone=zone),
        parts=parts,
    )


def count_tasks(
    viewer: User,
    query: QuerySet[Any],
    task_filter: TaskFilter,
    *,
    now: datetime,
    zone: tzinfo,
    cap: int | None = None,
    parts: Sequence[Q] = (),
) -> tuple[int, bool]:
    """How many open tasks of ``query`` the filtered board lists, up to ``cap``, and whether
    there are more: the rows of the board's own first pages, decided by the same policy
    (a filter of the task's own columns is decided on the tasks, no row released; ``parts``
    as for ``open_task_rows``)."""
    limit = COUNT_CAP if cap is None else cap
    if not task_filter.unassigned:
        return count_open_tasks(
            viewer,
            query,
            now=now,
            limit=limit,
            narrow=lambda q: task_filter.narrow(q, now=now, zone=zone),
            keep_task=lambda task: task_filter.keeps_task(task, now=now, zone=zone),
            parts=parts,
        )
    rows, more = open_task_rows(
        viewer,
        query,
        now=now,
        limit=limit,
        narrow=lambda q: task_filter.narrow(q, now=now, zone=zone),
        keep=lambda row: task_filter.keeps(row, now=now, zone=zone),
        parts=parts,
    )
    return len(rows), more


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


def _task_force_tasks(viewer: User, agency_id: int | None) -> QuerySet[Any]:
    query = open_tasks(m.Task.objects.filter(case__task_force_id=viewer.task_force_id))
    if not viewer.has_role(Role.COORDINATOR):
        agency_id = viewer.agency_id
    if agency_id is not None:
        query = query.filter(owner_agency_id=agency_id)
    return query


def tasks_for_task_force(
    *, viewer: User, agency_id: int | None = None, now: datetime | None = None, after: str = ""
) -> TaskBoard:
    """A page of the open tasks of the whole task force (or of one agency), for its
    coordinators: each row released as on the case page (a relief task stays hidden from a
    coordinator not authorized for immigration records). Anyone else gets their own
    agency's board."""
    now = now or timezone.now()
    query = _task_force_tasks(viewer, agency_id)
    return task_board(viewer, query, now=now, with_done=False, after=after)


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
    viewer: User, *, now: datetime, with_answers: bool, limit: int, after: str = ""
) -> tuple[list[tuple[Any, CaseAccess]], bool]:
    """Up to ``limit`` latest plans of open cases the viewer may open that left a question
    unanswered (``unanswered`` stored with the plan, found through its partial index), oldest
    case first after the case ``after`` names, each with the viewer's access to its case;
    only plans whose answers the policy releases to the viewer; and whether there are more.
    Reads ``limit + 1`` cases at a time and stops at one more than it keeps."""
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
        .values_list("pk", "opened_at")
    )
    skipped = [*PLAN_CASE_COLUMNS_SKIPPED, "facts", "changes"]
    if not with_answers:
        skipped.append("answers")
    answers_spec = field_specs()["responseplan"]["answers"]
    found: list[tuple[Any, CaseAccess]] = []
    cursor = parse_board_cursor(after)
    while True:
        chunk_query = cases
        if cursor is not None:
            opened, pk = cursor
            chunk_query = cases.filter(Q(opened_at__gt=opened) | Q(opened_at=opened, pk__gt=pk))
        chunk = list(chunk_query[: limit + 1])
        case_ids = [pk for pk, _ in chunk]
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
                if len(found) > limit:
                    return found[:limit], True
        if len(chunk) <= limit:
            return found, False
        cursor = chunk[-1][1], chunk[-1][0]


@dataclass(frozen=True)
class UnansweredPage:
    rows: list[UnansweredRow]
    #: Where the next page starts (``?after=``), "" on the last page.
    next_after: str = ""


def unanswered_questions(
    *, viewer: User, now: datetime | None = None, after: str = ""
) -> UnansweredPage:
    """A page of the open cases the viewer may open whose latest plan could not answer a
    question (a gap the protocol did not foresee: someone must decide by hand), oldest case
    first, ``UNANSWERED_PAGE`` a page."""
    now = now or timezone.now()
    plans, more = _unanswered_plans(
        viewer, now=now, with_answers=True, limit=UNANSWERED_PAGE, after=after
    )  # UNANSWERED_PAGE read at call time (tests shorten it)
    rows = []
    for plan, access in plans:
        answers = release(access, plan, only=("answers",)).values.get("answers") or []
        questions = _unanswered(answers)
        if questions:
            number = str(release(access, plan.case, only=("number",)).values.get("number", ""))
            rows.append(UnansweredRow(plan.case_id, number, questions))
    last = plans[-1][0].case if plans else None
    next_after = f"{int(last.opened_at.timestamp() * 1_000_000)}-{last.pk}" if more and last else ""
    return UnansweredPage(rows, next_after)


def unanswered_counts(
    *, viewer: User, now: datetime | None = None, cap: int | None = None
) -> tuple[int, int, bool]:
    """(cases, questions, more) of ``unanswered_questions``' first ``cap`` cases, from the same
    plans, without reading their answers (each plan stores how many it left unanswered)."""
    plans, more = _unanswered_plans(
        viewer,
        now=now or timezone.now(),
        with_answers=False,
        limit=COUNT_CAP if cap is None else cap,
    )
    return len(plans), sum(plan.unanswered for plan, _ in plans), more


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
    """The case work waiting for one viewer; each count has a list that shows exactly it.
    A count at ``COUNT_CAP`` with more behind it is named in ``capped`` (shown "20+")."""

    tasks_due_today: int = 0
    tasks_overdue: int = 0
    agency_unassigned: int = 0
    referrals_waiting: int = 0
    oldest_referral_age: str = ""
    unanswered_cases: int = 0
    unanswered_questions: int = 0
    escalated_tasks: int = 0
    #: (agency id, agency name, overdue open tasks, more than that), most overdue first
    #: (coordinators).
    overdue_by_agency: tuple[tuple[int, str, int, bool], ...] = ()
    works_cases: bool = False
    capped: frozenset[str] = frozenset()


def dashboard_counts(*, viewer: User, now: datetime | None = None) -> DashboardCounts:
    """Counts of the viewer's case work, each from the released rows of the list it links to
    (so nothing the viewer may not see is counted), each up to ``COUNT_CAP``: the rows of that
    list's first page, read and decided as the list does. Users without a case role get
    zeros."""
    now = now or timezone.now()
    if viewer.agency is None or not (frozenset(viewer.role_set) & CASE_POLICY_ROLES):
        return DashboardCounts()
    zone = local_zone(viewer.agency.task_force)
    capped: set[str] = set()

    def count(
        name: str, query: QuerySet[Any], task_filter: TaskFilter, parts: Sequence[Q] = ()
    ) -> int:
        n, more = count_tasks(viewer, query, task_filter, now=now, zone=zone, parts=parts)
        if more:
            capped.add(name)
        return n

    referrals = referral_inbox(viewer=viewer, now=now)
    mine, halves = user_tasks(viewer), user_task_parts(viewer)
    fields: dict[str, Any] = {
        "works_cases": True,
        "tasks_due_today": count("tasks_due_today", mine, TaskFilter(due="today"), halves),
        "tasks_overdue": count("tasks_overdue", mine, TaskFilter(due="overdue"), halves),
        "agency_unassigned": count(
            "agency_unassigned", agency_tasks(viewer), TaskFilter(unassigned=True)
        ),
        "referrals_waiting": len(referrals),
        "oldest_referral_age": referrals[0].age if referrals else "",
    }
    if viewer.has_role(Role.COORDINATOR):
        unanswered_cases, unanswered_total, more = unanswered_counts(viewer=viewer, now=now)
        if more:
            capped |= {"unanswered_cases", "unanswered_questions"}
        everyone = _task_force_tasks(viewer, None)
        overdue = TaskFilter(due="overdue")
        by_agency: list[tuple[int, str, int, bool]] = []
        # only the agencies with an overdue task at all (the rows are still each decided);
        # each agency's first one along its (owner agency, status) index
        late = m.Task.objects.filter(
            owner_agency_id=OuterRef("pk"),
            status__in=[m.TaskStatus.OPEN, m.TaskStatus.TAKEN],
            due_at__lt=now,
        )
        agencies = dict(
            Agency.objects.filter(task_force_id=viewer.task_force_id)
            .filter(Exists(late))
            .values_list("pk", "name")
        )
        # every agency's overdue list read at once: one query for the heads of all the lists
        # (each along the open-task index of its agency), one policy pass over their rows
        heads = count_open_tasks_by_agency(
            viewer,
            everyone,
            agency_ids=agencies,
            now=now,
            limit=COUNT_CAP,
            narrow=lambda q: overdue.narrow(q, now=now, zone=zone),
            keep_task=lambda task: overdue.keeps_task(task, now=now, zone=zone),
        )
        for agency_id, (n, more) in heads.items():
            if n:
                by_agency.append((agency_id, agencies[agency_id], n, more))
        fields |= {
            "unanswered_cases": unanswered_cases,
            "unanswered_questions": unanswered_total,
            "escalated_tasks": count("escalated_tasks", everyone, TaskFilter(escalated=True)),
            "overdue_by_agency": tuple(sorted(by_agency, key=lambda item: (-item[2], item[1]))),
        }
    return DashboardCounts(**fields, capped=frozenset(capped))
