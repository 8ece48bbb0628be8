"""Task boards, the interpreter board and notifications: rows released like the case page's.

A board row exists only when the policy lets the viewer see a record of its class on its case,
exactly as on the case page; titles and owners shown are released fields, never raw columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Lookup, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

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

#: How many open tasks a board page lists (oldest due first; the next page continues after the
#: last one shown), and how many done ones the first page shows (the most recently due): done
#: tasks never take the places of open ones, however many there are.
BOARD_LIMIT = 50
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
    #: Where the next page starts (``?after=``), "" on the last page.
    next_after: str = ""


#: A page's place in a board: the due time (microseconds since the epoch) and id of the last
#: row shown, both of a row the viewer saw.
_CURSOR = re.compile(r"^(\d{1,20})-(\d{1,18})$")


def board_cursor(row: TaskRow) -> str:
    return f"{int(row.due_at.timestamp() * 1_000_000)}-{row.id}"


def parse_board_cursor(text: str) -> tuple[datetime, int] | None:
    """The (due time, id) a ``?after=`` names, or None (the first page) when it names none."""
    found = _CURSOR.match(text or "")
    if not found:
        return None
    try:
        due = datetime.fromtimestamp(int(found.group(1)) / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return due, int(found.group(2))


#: Narrows a board's query in SQL to rows a filter may keep (never drops a row it keeps).
Narrow = Callable[[QuerySet[Any]], QuerySet[Any]]
#: Whether a released row stays on a filtered board.
Keep = Callable[[TaskRow], bool]


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


#: The open task statuses (the cases app's values; the door reads no model at import).
_OPEN = ("open", "taken")


class _OpenStatus(Lookup):
    """``status IN ('open', 'taken')`` written with the two states as literals, not bound
    parameters: SQLite uses a partial index (``task_open_agency_due``, ``WHERE status IN
    ('open', 'taken')``) only when the query's own condition names the same literals. With
    bound states it walked every late task of the task force for each agency's list (2 s of
    the coordinator's dashboard at 1 million cases). The states are this module's constant,
    never input."""

    lookup_name = "is_open_state"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        states = ", ".join(f"'{state}'" for state in _OPEN if re.fullmatch(r"[a-z_]+", state))
        return f"{lhs} IN ({states})", tuple(params)


def open_tasks(query: QuerySet[Any]) -> QuerySet[Any]:
    """The open tasks of ``query`` (see ``_OpenStatus``), the condition written once however
    often this is applied: PostgreSQL takes each copy of the same condition for another
    narrowing, and with three it expected a fiftieth of an agency's late tasks, and sorted
    them all instead of walking its open-task index (40 ms an agency at 1 million cases)."""
    status = query.model._meta.get_field("status")
    if "is_open_state" not in status.get_lookups():
        status.register_lookup(_OpenStatus)
    if _holds_open_state(query.query.where):
        return query
    return query.filter(status__is_open_state=True)


def _holds_open_state(node: Any) -> bool:
    """Whether a query's condition already says ``_OpenStatus`` (and not under NOT or OR)."""
    if isinstance(node, _OpenStatus):
        return True
    if getattr(node, "negated", False) or getattr(node, "connector", "AND") != "AND":
        return False
    return any(_holds_open_state(child) for child in getattr(node, "children", ()))


def _board_tasks(viewer: User, tasks: list[Any], *, now: datetime) -> list[tuple[Any, Any, bool]]:
    """(task, access, shown whole) for each task of ``tasks`` a board gives the viewer a row
    for: the one decision behind every board row and every count of board rows."""
    if not tasks:
        return []
    accesses = _accesses(
        viewer, {task.case_id: task.case for task in tasks}, now=now, opened_only=True
    )
    shown = []
    for task in tasks:
        access = accesses[task.case_id]
        if access is None:
            continue
        visible = task_visible(access, task)
        if not visible and not task_restricted_for_owner(access, task):
            continue
        shown.append((task, access, visible))
    return shown


def _board_rows(viewer: User, tasks: list[Any], *, now: datetime) -> list[TaskRow]:
    """The rows of ``tasks`` the viewer may see, each released as on the case page."""
    rows = []
    for task, access, visible in _board_tasks(viewer, tasks, now=now):
        case = release(access, task.case, only=("number",))
        shown = release(access, task) if visible else restricted_task(task)
        open_ = task.status in _OPEN
        own_agency = task.owner_agency_id == viewer.agency_id
        owner = str(shown.values.get("owner_agency") or "")
        rows.append(
            TaskRow(
                id=task.pk,
                case_id=task.case_id,
                case_number=str(case.values.get("number", "")),
                title=str(shown.values.get("title", "")),
                owner=owner + (f" · {task.owner_role}" if task.owner_role else ""),
                assignee=str(shown.values.get("assignee") or ""),
                due_at=task.due_at,
                status=str(shown.values.get("status", "")),
                overdue=open_ and task.due_at < now,
                escalated=task.escalated_at is not None,
                lock_version=task.lock_version,
                may_take=visible and open_ and own_agency and task.assignee_id != viewer.pk,
                may_complete=visible
                and open_
                and (task.assignee_id == viewer.pk or (own_agency and not task.assignee_id)),
                owner_agency_id=task.owner_agency_id,
            )
        )
    return rows


def _board_query(query: QuerySet[Any]) -> QuerySet[Any]:
    return query.select_related(
        "case", "case__protocol_version", "case__lead_agency", "owner_agency", "assignee"
    ).defer(*CASE_COLUMNS_SKIPPED)


#: What deciding a task's standing reads (``_board_tasks``, ``keep_task``): the task's own
#: columns and its case's policy columns; the case's rules come once per protocol version.
_DECIDED_COLUMNS = (
    "id",
    "case_id",
    "owner_agency_id",
    "produced_by_id",
    "visibility_class",
    "status",
    "due_at",
    "escalated_at",
    "case__id",
    "case__task_force_id",
    "case__stage",
    "case__protocol_version_id",
)


def _decided_query(query: QuerySet[Any]) -> QuerySet[Any]:
    """Tasks read only to be decided and counted, never shown: no names, people or titles
    (a coordinator's dashboard counts some 300 tasks to show fourteen numbers)."""
    return query.select_related("case").only(*_DECIDED_COLUMNS)


def open_task_rows(
    viewer: User,
    query: QuerySet[Any],
    *,
    now: datetime,
    limit: int,
    after: str = "",
    narrow: Narrow | None = None,
    keep: Keep | None = None,
    parts: Sequence[Q] = (),
) -> tuple[list[TaskRow], bool]:
    """Up to ``limit`` open tasks the viewer may see (and ``keep`` keeps), oldest due first,
    after the row ``after`` names; and whether there are more. Reads ``limit + 1`` tasks at a
    time and stops as soon as it has one more row than it shows, so the cost follows the
    page, not the number of open tasks. ``parts``: conditions whose union ``query`` is (its
    own OR), each read along its own index (see ``_heads``)."""
    base = _board_query(open_tasks(query))
    if narrow is not None:
        base = narrow(base)
    kept: list[TaskRow] = []
    chunks = _chunks(
        query, base, read=_board_query, limit=limit, past=parse_board_cursor(after), parts=parts
    )
    for chunk in chunks:
        for row in _board_rows(viewer, chunk, now=now):
            if keep is None or keep(row):
                kept.append(row)
                if len(kept) > limit:
                    return kept[:limit], True
    return kept, False


def _chunks(
    query: QuerySet[Any],
    base: QuerySet[Any],
    *,
    read: Callable[[QuerySet[Any]], QuerySet[Any]],
    limit: int,
    past: tuple[datetime, int] | None,
    parts: Sequence[Q],
) -> Iterator[list[Any]]:
    """The tasks of ``base`` oldest due first, ``limit + 1`` at a time, after the task ``past``
    names; the last chunk is the first short one. With ``parts``, each chunk is read from the
    parts' heads (``_heads``: the heads hold the base's conditions already, so their rows are
    read by key, through ``read``)."""
    base = base.order_by("due_at", "pk")
    cursor = past
    while True:
        chunk_query = base
        if cursor is not None:
            due, pk = cursor
            chunk_query = base.filter(Q(due_at__gt=due) | Q(due_at=due, pk__gt=pk))
        if parts:
            heads = _heads(chunk_query, parts, limit + 1)
            chunk_query = read(query.model.objects.filter(heads)).order_by("due_at", "pk")
        chunk = list(chunk_query[: limit + 1])
        yield chunk
        if len(chunk) <= limit:
            return
        cursor = (chunk[-1].due_at, chunk[-1].pk)


def count_open_tasks(
    viewer: User,
    query: QuerySet[Any],
    *,
    now: datetime,
    limit: int,
    keep_task: Callable[[Any], bool],
    narrow: Narrow | None = None,
    past: tuple[datetime, int] | None = None,
    kept: int = 0,
    parts: Sequence[Q] = (),
) -> tuple[int, bool]:
    """How many rows ``open_task_rows`` gives for ``query`` (up to ``limit``) and whether there
    are more, for a filter decided on the task itself (``keep_task``): the same tasks in the
    same order, decided by the same policy, but read only as far as deciding them needs and
    never released. ``past`` and ``kept`` continue a count already made up to that task;
    ``parts`` as for ``open_task_rows``."""
    base = open_tasks(query)
    if narrow is not None:
        base = narrow(base)
    chunks = _chunks(
        query, _decided_query(base), read=_decided_query, limit=limit, past=past, parts=parts
    )
    for chunk in chunks:
        for task, _access, _visible in _board_tasks(viewer, chunk, now=now):
            if keep_task(task):
                kept += 1
                if kept > limit:
                    return limit, True
    return kept, False


def _heads(ordered: QuerySet[Any], parts: Sequence[Q], size: int) -> Q:
    """The first ``size`` rows of ``ordered`` meeting each of ``parts``, by key: so the first
    ``size`` rows of ``ordered`` (whose condition is the parts' OR) are read from the parts'
    heads, each walked along the index that serves it and stopped at ``size``. With the OR
    itself, which no one index serves, SQLite walked every late open task of the task force
    (the viewer's "my tasks": assigned to me, or to my agency for my role and not taken)."""
    if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
        # PostgreSQL: one IN over the heads' UNION ALL (each head parenthesised, walked along
        # its index). An OR of IN-subqueries made PostgreSQL scan every task of the table and
        # test each against the heads, hashed: 1.0 s of the coordinator's dashboard at
        # 1 million cases. SQLite allows no LIMIT inside a compound statement.
        first, *rest = (ordered.filter(part).values("pk")[:size] for part in parts)
        return Q(pk__in=first.union(*rest, all=True))
    heads = Q()
    for part in parts:
        heads |= Q(pk__in=ordered.filter(part).values("pk")[:size])
    return heads


def count_open_tasks_by_agency(
    viewer: User,
    query: QuerySet[Any],
    *,
    agency_ids: Iterable[int],
    now: datetime,
    limit: int,
    keep_task: Callable[[Any], bool],
    narrow: Narrow | None = None,
) -> dict[int, tuple[int, bool]]:
    """For each agency of ``agency_ids``: what ``count_open_tasks`` gives for ``query`` cut to
    the tasks that agency owns (how many rows its list shows, up to ``limit``, and whether there
    are more), read together.

    One query reads the head of every agency's list (its first ``limit + 1`` tasks, oldest due
    first, each along the agency's open-task index, ``_heads``), and one policy pass decides
    them all (``_board_tasks``), on the columns deciding reads (``keep_task`` is a filter of
    the task's own columns): no row is released just to be counted. An agency whose head was
    full but lost tasks to the policy or the filter (a relief task withheld from a coordinator)
    counts on past its head, so every count is that of its own list."""
    agencies = list(dict.fromkeys(agency_ids))
    if not agencies:
        return {}
    base = open_tasks(query)
    if narrow is not None:
        base = narrow(base)
    heads = _heads(
        base.order_by("due_at", "pk"),
        [Q(owner_agency_id=agency_id) for agency_id in agencies],
        limit + 1,
    )
    # the rows of the heads' keys (each head holds the base's conditions already), read by key
    tasks = list(
        _decided_query(query.model.objects.filter(heads)).order_by(
            "owner_agency_id", "due_at", "pk"
        )
    )
    read: dict[int, int] = {}
    last: dict[int, tuple[datetime, int]] = {}
    for task in tasks:
        read[task.owner_agency_id] = read.get(task.owner_agency_id, 0) + 1
        last[task.owner_agency_id] = (task.due_at, task.pk)
    kept: dict[int, int] = dict.fromkeys(agencies, 0)
    for task, _access, _visible in _board_tasks(viewer, tasks, now=now):
        if task.owner_agency_id in kept and keep_task(task):
            kept[task.owner_agency_id] += 1
    found: dict[int, tuple[int, bool]] = {}
    for agency_id in agencies:
        n = kept[agency_id]
        if n > limit:
            found[agency_id] = limit, True
        elif read.get(agency_id, 0) <= limit:
            found[agency_id] = n, False
        else:  # a full head, thinned by the policy or the filter: count on past it
            found[agency_id] = count_open_tasks(
                viewer,
                query.filter(owner_agency_id=agency_id),
                now=now,
                limit=limit,
                keep_task=keep_task,
                narrow=narrow,
                past=last[agency_id],
                kept=n,
            )
    return found


def task_board(
    viewer: User,
    query: QuerySet[Any],
    *,
    now: datetime,
    with_done: bool = True,
    after: str = "",
    narrow: Narrow | None = None,
    keep: Keep | None = None,
    parts: Sequence[Q] = (),
) -> TaskBoard:
    """A page of a task board, released through the policy as on the case page: up to
    ``BOARD_LIMIT`` open tasks (oldest due first, after ``after``) and, on the first page
    ``with_done``, the latest done ones. ``parts`` as for ``open_task_rows``."""
    open_rows, more = open_task_rows(
        viewer,
        query,
        now=now,
        limit=BOARD_LIMIT,
        after=after,
        narrow=narrow,
        keep=keep,
        parts=parts,
    )
    done: list[TaskRow] = []
    if with_done and parse_board_cursor(after) is None:
        latest = _board_query(query.exclude(status__in=_OPEN)).order_by("-due_at", "-pk")
        done = _board_rows(viewer, list(reversed(latest[:DONE_LIMIT])), now=now)
    return TaskBoard(
        overdue=[row for row in open_rows if row.overdue],
        due=[row for row in open_rows if not row.overdue],
        done=done,
        next_after=board_cursor(open_rows[-1]) if more else "",
    )


def user_task_parts(viewer: User) -> tuple[Q, Q]:
    """The two halves of ``user_tasks``: the viewer's own tasks (read along the assignee's
    index) and their agency's for one of their roles nobody took (along the agency's open-task
    index)."""
    mine = Q(assignee=viewer)
    agency = Q(assignee__isnull=True, owner_agency_id=viewer.agency_id)
    return mine, agency & Q(owner_role__in=viewer.role_set)


def user_tasks(viewer: User) -> QuerySet[Any]:
    """The viewer's own tasks and the tasks of their agency for one of their roles nobody took."""
    mine, agency = user_task_parts(viewer)
    return (
        m.Task.objects.filter(case__task_force_id=viewer.task_force_id)
        .filter(mine | agency)
        .exclude(status=m.TaskStatus.CANCELLED)
    )


def agency_tasks(viewer: User) -> QuerySet[Any]:
    return m.Task.objects.filter(
        case__task_force_id=viewer.task_force_id, owner_agency_id=viewer.agency_id
    ).exclude(status=m.TaskStatus.CANCELLED)


def tasks_for_user(
    *,
    viewer: User,
    now: datetime | None = None,
    with_done: bool = True,
    after: str = "",
    narrow: Narrow | None = None,
    keep: Keep | None = None,
) -> TaskBoard:
    """A page of the viewer's own tasks and the open tasks of their agency for their roles."""
    return task_board(
        viewer,
        user_tasks(viewer),
        now=now or timezone.now(),
        with_done=with_done,
        after=after,
        narrow=narrow,
        keep=keep,
        parts=user_task_parts(viewer),
    )


def tasks_for_agency(
    *,
    viewer: User,
    now: datetime | None = None,
    with_done: bool = True,
    after: str = "",
    narrow: Narrow | None = None,
    keep: Keep | None = None,
) -> TaskBoard:
    """A page of the tasks of the viewer's agency."""
    return task_board(
        viewer,
        agency_tasks(viewer),
        now=now or timezone.now(),
        with_done=with_done,
        after=after,
        narrow=narrow,
        keep=keep,
    )


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
        raise PermissionDenied(_("Only interpreter coordinators see the interpreter board."))
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
        raise NotFound(_("No such interpreter request."))
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
