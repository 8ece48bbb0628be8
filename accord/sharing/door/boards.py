"""Task boards, the interpreter board and notifications: rows released like the case page's.

A board row exists only when the policy lets the viewer see a record of its class on its case,
exactly as on the case page; titles and owners shown are released fields, never raw columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.accounts.models import Role
from accord.core.model import FieldClass
from accord.errors import NotFound, PermissionDenied
from accord.sharing import policy

from .access import (
    CASE_POLICY,
    CaseAccess,
    DecisionCache,
    access_for,
    case_access,
    field_visible,
    policy_viewer,
)
from .pages import (
    audit_disclosure,
    participant_rows,
    restricted_task,
    task_restricted_for_owner,
    task_visible,
)
from .registry import m
from .release import release

if TYPE_CHECKING:
    from accord.accounts.models import User

#: How many open tasks a board lists at most (oldest due first), and how many done ones (the
#: most recently due): done tasks never take the places of open ones, however many there are.
BOARD_LIMIT = 500
DONE_LIMIT = 50
#: What a board row reads of its case: enough to decide and to show the case number. The
#: case's facts, incident summary (encrypted) and the protocol's text are not read per row;
#: the sharing rules come once per version (``access_for``).
CASE_COLUMNS_SKIPPED = (
    "case__facts",
    "case__incident_summary",
    "case__protocol_version__yaml_text",
)


@dataclass(frozen=True)
class TaskRow:
    id: int
    case_id: int
    case_number: str
    title: str
    owner: str
    assignee: str
    due_at: datetime
    status: str
    overdue: bool
    escalated: bool
    lock_version: int
    may_take: bool
    may_complete: bool
    owner_agency_id: int | None = None


@dataclass(frozen=True)
class TaskBoard:
    overdue: list[TaskRow]
    due: list[TaskRow]
    done: list[TaskRow]


def _accesses(
    viewer: User, cases: Mapping[int, Any], *, now: datetime, opened_only: bool
) -> dict[int, CaseAccess | None]:
    """The viewer's standing on each case of a board, with the participants of all cases read
    in one query and one decision cache (tasks and requests concern no release: none read)."""
    participants = participant_rows(cases)
    cache = DecisionCache(viewer=policy_viewer(viewer), consents={}, now=now)
    accesses: dict[int, CaseAccess | None] = {}
    for case_id, case in cases.items():
        access = access_for(viewer, case, participants[case_id], cache=cache)
        opened = isinstance(CASE_POLICY.decision(access), policy.Released)
        accesses[case_id] = access if opened or not opened_only else None
    return accesses


def task_board(
    viewer: User, query: QuerySet[Any], *, now: datetime, with_done: bool = True
) -> TaskBoard:
    """Rows of a task board, released through the policy as on the case page: the open tasks
    (up to ``BOARD_LIMIT``, oldest due first) and, ``with_done``, the latest done ones."""
    rows: dict[str, list[TaskRow]] = {"overdue": [], "due": [], "done": []}
    open_statuses = (m.TaskStatus.OPEN, m.TaskStatus.TAKEN)
    query = query.select_related(
        "case", "case__protocol_version", "case__lead_agency", "owner_agency", "assignee"
    ).defer(*CASE_COLUMNS_SKIPPED)
    tasks = list(query.filter(status__in=open_statuses).order_by("due_at", "pk")[:BOARD_LIMIT])
    if with_done:
        done = query.exclude(status__in=open_statuses).order_by("-due_at", "-pk")
        tasks += reversed(done[:DONE_LIMIT])
    if not tasks:
        return TaskBoard(**rows)
    accesses = _accesses(
        viewer, {task.case_id: task.case for task in tasks}, now=now, opened_only=True
    )
    for task in tasks:
        access = accesses[task.case_id]
        if access is None:
            continue
        visible = task_visible(access, task)
        if not visible and not task_restricted_for_owner(access, task):
            continue
        case = release(access, task.case, only=("number",))
        shown = release(access, task) if visible else restricted_task(task)
        overdue = task.status in open_statuses and task.due_at < now
        open_ = task.status in open_statuses
        own_agency = task.owner_agency_id == viewer.agency_id
        owner = str(shown.values.get("owner_agency") or "")
        row = TaskRow(
            id=task.pk,
            case_id=task.case_id,
            case_number=str(case.values.get("number", "")),
            title=str(shown.values.get("title", "")),
            owner=owner + (f" · {task.owner_role}" if task.owner_role else ""),
            assignee=str(shown.values.get("assignee") or ""),
            due_at=task.due_at,
            status=str(shown.values.get("status", "")),
            overdue=overdue,
            escalated=task.escalated_at is not None,
            lock_version=task.lock_version,
            may_take=visible and open_ and own_agency and task.assignee_id != viewer.pk,
            may_complete=visible
            and open_
            and (task.assignee_id == viewer.pk or (own_agency and not task.assignee_id)),
            owner_agency_id=task.owner_agency_id,
        )
        if not open_:
            rows["done"].append(row)
        elif overdue:
            rows["overdue"].append(row)
        else:
            rows["due"].append(row)
    return TaskBoard(**rows)


def tasks_for_user(
    *, viewer: User, now: datetime | None = None, with_done: bool = True
) -> TaskBoard:
    """The viewer's own tasks and the open tasks of their agency for one of their roles."""
    query = (
        m.Task.objects.filter(case__task_force_id=viewer.task_force_id)
        .filter(
            Q(assignee=viewer)
            | Q(
                assignee__isnull=True,
                owner_agency_id=viewer.agency_id,
                owner_role__in=viewer.role_set,
            )
        )
        .exclude(status=m.TaskStatus.CANCELLED)
    )
    return task_board(viewer, query, now=now or timezone.now(), with_done=with_done)


def tasks_for_agency(
    *, viewer: User, now: datetime | None = None, with_done: bool = True
) -> TaskBoard:
    query = m.Task.objects.filter(
        case__task_force_id=viewer.task_force_id, owner_agency_id=viewer.agency_id
    ).exclude(status=m.TaskStatus.CANCELLED)
    return task_board(viewer, query, now=now or timezone.now(), with_done=with_done)


# --- interpreter requests -------------------------------------------------------------------------

#: What the interpreter board shows of a request (all case-basic, category "interpreting").
INTERPRETER_BOARD_FIELDS: tuple[str, ...] = (
    "language",
    "proceeding",
    "scheduled_for",
    "court_certified_required",
    "payer",
    "service",
)


@dataclass(frozen=True)
class InterpreterRow:
    id: int
    case_id: int
    language: str
    proceeding: str
    scheduled_for: datetime | None
    court_certified_required: bool
    payer: str
    service: str
    requested_by: str  # the requesting agency, so the coordinator knows whom to call back
    status: str
    lock_version: int


def _interpreter_rows(
    viewer: User, requests: Iterable[Any], *, opened_only: bool
) -> list[InterpreterRow]:
    requests = list(requests)
    if not requests:
        return []
    accesses = _accesses(
        viewer,
        {r.case_id: r.case for r in requests},
        now=timezone.now(),
        opened_only=opened_only,
    )
    rows = []
    for request in requests:
        access = accesses[request.case_id]
        if access is None:
            continue
        shown = release(access, request)
        if any(name not in shown.values for name in INTERPRETER_BOARD_FIELDS):
            continue
        values = shown.values
        rows.append(
            InterpreterRow(
                id=request.pk,
                case_id=request.case_id,
                language=str(values["language"]),
                proceeding=str(values["proceeding"] or ""),
                scheduled_for=values["scheduled_for"],
                court_certified_required=bool(values["court_certified_required"]),
                payer=str(values["payer"] or ""),
                service=str(values["service"] or ""),
                requested_by=request.produced_by.name,
                status=str(values.get("status", "")),
                lock_version=request.lock_version,
            )
        )
    return rows


def _interpreter_requests(viewer: User) -> QuerySet[Any]:
    return m.InterpreterRequest.objects.filter(
        case__task_force_id=viewer.task_force_id
    ).select_related("case", "case__protocol_version", "produced_by")


def interpreter_board(*, viewer: User) -> list[InterpreterRow]:
    """The task force's open interpreter requests, soonest first, for its interpreter
    coordinators (who book for every agency: the policy releases a request's booking fields
    to them); others get PermissionDenied."""
    if not viewer.has_role(Role.INTERPRETER_COORDINATOR) or viewer.task_force_id is None:
        raise PermissionDenied("Only interpreter coordinators see the interpreter board.")
    query = _interpreter_requests(viewer).filter(status=m.InterpreterStatus.REQUESTED)
    return _interpreter_rows(viewer, query.order_by("scheduled_for", "pk"), opened_only=False)


def interpreter_request_for_booking(*, viewer: User, request_id: int) -> InterpreterRow:
    """One request for the booking form: its booking fields as the policy releases them (an
    interpreter coordinator sees them on any case of the task force; anyone else only on a
    case they may open); NotFound otherwise."""
    query = _interpreter_requests(viewer).filter(pk=request_id)
    coordinator = viewer.has_role(Role.INTERPRETER_COORDINATOR)
    rows = _interpreter_rows(viewer, query, opened_only=not coordinator)
    if not rows:
        raise NotFound("No such interpreter request.")
    return rows[0]


def suspects_for_attestation(
    *, viewer: User, case_id: int, disclose: bool = True
) -> tuple[str, ...] | None:
    """The suspects' names an interpreter's conflict attestation is taken against, or None when
    the sharing rules do not let this viewer see every suspect of the case (then the viewer
    cannot take the attestation: the investigating agency confirms it).

    With ``disclose`` the names shown are audited as disclosed (S15); a service that only asks
    "may this user attest" passes ``disclose=False`` and shows nothing."""
    try:
        case, access = case_access(viewer=viewer, case_id=case_id)
    except NotFound:
        return None
    disclosed: set[str] = set()
    names: list[str] = []
    suspects = list(case.suspects.all())
    for suspect in suspects:
        shown = release(access, suspect, disclosed=disclosed)
        if "name" not in shown.values:
            return None
        names.append(str(shown.values["name"]))
    if (
        not suspects
        and not field_visible(
            access, FieldClass.LE_SENSITIVE, produced_by_id=case.lead_agency_id, category="identity"
        ).visible
    ):
        return None
    if disclose:
        audit_disclosure(viewer, case, disclosed, "interpreter conflict attestation")
    return tuple(names)


# --- notifications ----------------------------------------------------------------------------


def notifications_for(
    *, viewer: User, limit: int = 50, unread_only: bool = False
) -> list[dict[str, Any]]:
    """The viewer's own notifications (composed, when sent, from what the viewer may see),
    with the item each is about and whether that item is done (``resolved_at``)."""
    query = m.Notification.objects.filter(user=viewer)
    if unread_only:
        query = query.filter(read_at__isnull=True)
    return list(
        query.values(
            "id",
            "subject",
            "body",
            "created_at",
            "read_at",
            "case_id",
            "kind",
            "item_kind",
            "item_id",
            "resolved_at",
        )[:limit]
    )


def unread_count(*, viewer: User) -> int:
    return int(m.Notification.objects.filter(user=viewer, read_at__isnull=True).count())
