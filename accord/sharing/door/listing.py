"""The case list at scale: search, filters, sort and keyset pages, through the policy.

SQL narrows the candidates (the cases the viewer may open, ``CASE_POLICY.queryset``, and the
filters as plain conditions); every candidate is then released through the policy like any
other read, and a filter that depends on what the viewer may see is decided again on the
released values: a search matches a case number or a pseudonym only as released to the viewer,
an overdue task counts only if the viewer may see it (or their agency owns it), an unanswered
plan question only if the plan is released. A candidate that fails that second look is dropped,
so the SQL condition never decides alone what a viewer learns.

Pages are keyset pages in a stable order (the sort column, then the case id): the next page
starts after the last case shown, named by its id; its sort values are read again here, from the
cases the viewer may open, so a cursor never carries case data in a URL and a cursor naming a
case the viewer may not open starts from the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact, GreaterThan, LessThan
from django.utils import timezone

from accord.accounts.models import Agency, Role
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.sharing import policy

from .access import CASE_POLICY, DecisionCache, access_for
from .access import policy_viewer as build_policy_viewer
from .boards import open_tasks
from .pages import CaseWithVictims, participant_rows, task_restricted_for_owner, task_visible
from .registry import m
from .release import release
from .victims import consent_views_for

if TYPE_CHECKING:
    from accord.accounts.models import User

__all__ = [
    "MY_PART_ANY",
    "SORTS",
    "TRAFFICKING_TYPE_LABELS",
    "CaseExport",
    "CaseListPage",
    "CaseQuery",
    "case_list_export",
    "case_list_page",
]

#: Sort keys a person can pick, and the columns each orders by (the case id breaks ties).
SORTS: dict[str, tuple[str, ...]] = {
    "opened": ("opened_at",),
    "number": ("year", "sequence"),
    "title": ("title",),
    "stage": ("stage",),
    "lead": ("lead_agency__name",),
}
#: The trafficking types the intake asks for, in words.
TRAFFICKING_TYPE_LABELS: dict[str, str] = {
    "sex": "Sex trafficking",
    "labor": "Labor trafficking",
    "both": "Sex and labor trafficking",
    "unknown": "Not known yet",
}
#: ``my_part`` meaning "my agency is on the case, in any part".
MY_PART_ANY = "any"
#: Task states that still ask for work (an open or taken task past its due time is overdue).
OPEN_TASK_STATES = ("open", "taken")
#: Candidates read per query while filling a page, and at most per page: a page that would
#: need more than ``MAX_SCANNED`` candidates ends early with a link to go on.
CHUNK = 200
MAX_SCANNED = 4000
#: A search matching at most this many cases reads them by id.
SEARCH_IDS = 2000


@dataclass(frozen=True)
class CaseQuery:
    """What a person asked the case list for; empty strings and False mean "no filter"."""

    search: str = ""
    stage: str = ""
    trafficking_type: str = ""
    my_part: str = ""  # "" any case I may open; MY_PART_ANY my agency on it; else a part
    overdue: bool = False
    unanswered: bool = False
    sort: str = "opened"
    descending: bool = True

    @property
    def order_fields(self) -> tuple[str, ...]:
        return (*SORTS.get(self.sort, SORTS["opened"]), "pk")

    def filter_names(self) -> list[str]:
        """The filters in use, by name (never their values: a search may be a pseudonym)."""
        names = ("search", "stage", "trafficking_type", "my_part", "overdue", "unanswered")
        return [name for name in names if getattr(self, name)]


@dataclass(frozen=True)
class CaseListPage:
    rows: list[CaseWithVictims]
    #: The id of the last case shown when there is more to see (the next page starts after it).
    next_after: int | None


@dataclass(frozen=True)
class CaseExport:
    rows: list[CaseWithVictims]
    #: True when the export stopped at its row limit.
    truncated: bool


def _candidates(
    viewer: User, query: CaseQuery, now: datetime, *, search: Q | None = None
) -> QuerySet[Any]:
    """The cases the viewer may open that meet the filters as SQL can tell (a superset);
    ``search``, when given, is the query's search condition, already looked up."""
    cases = CASE_POLICY.queryset(viewer).select_related("lead_agency", "protocol_version")
    if query.stage:
        cases = cases.filter(stage=query.stage)
    if query.trafficking_type == "unknown":
        cases = cases.filter(
            Q(facts__trafficking_type="unknown") | ~Q(facts__has_key="trafficking_type")
        )
    elif query.trafficking_type:
        cases = cases.filter(facts__trafficking_type=query.trafficking_type)
    if query.my_part == "lead":
        cases = cases.filter(lead_agency_id=viewer.agency_id)
    elif query.my_part:
        mine = m.CaseParticipant.objects.filter(case_id=OuterRef("pk"), agency_id=viewer.agency_id)
        if query.my_part != MY_PART_ANY:
            mine = mine.filter(part=query.my_part)
        cases = cases.filter(Exists(mine))
    if query.search:
        if search is None:
            search = _search_condition(query.search, _search_ids(viewer, query.search))
        cases = cases.filter(search)
    if query.overdue and _long_walk(viewer, query):
        # the late tasks read once, as a set: cheaper than a probe for each case of a long walk
        # (a restricted viewer's combined filters: 70 against 210 ms of SQL at 1 million cases)
        late = m.Task.objects.filter(status__in=OPEN_TASK_STATES, due_at__lt=now).order_by()
        cases = cases.filter(pk__in=Subquery(late.values("case_id")))
    elif query.overdue:
        # each case walked is asked for a late open task along its own open-task index
        # (``task_open_case_due``, whose condition ``open_tasks`` names as literals), so the walk
        # stops at the page; reading every late task of the task force first cost 0.3 s at
        # 1 million cases
        late = open_tasks(m.Task.objects.filter(case_id=OuterRef("pk"), due_at__lt=now))
        cases = cases.filter(Exists(late.order_by()))
    if query.unanswered:
        # the latest plan of the case left a question open (counted when it was stored)
        newer = m.ResponsePlan.objects.filter(case_id=OuterRef("case_id"), pk__gt=OuterRef("pk"))
        open_question = m.ResponsePlan.objects.filter(
            case_id=OuterRef("pk"), unanswered__gt=0
        ).exclude(Exists(newer))
        cases = cases.filter(Exists(open_question))
    return cases


def _long_walk(viewer: User, query: CaseQuery) -> bool:
    """Whether the overdue filter's walk of the list is long: a viewer who may open only her
    agency's cases (a seventh of the bench's) with another filter narrowing it, so a page of
    late cases is found only after thousands of cases."""
    narrowed = query.stage or query.trafficking_type or query.my_part or query.unanswered
    return bool(narrowed) and CASE_POLICY.participations_of(viewer) is not None


#: The trigram tables of migration ``cases 0012`` (SQLite), by the column they hold.
TRIGRAMS = {"number": "cases_number_trigrams", "pseudonym": "cases_pseudonym_trigrams"}


def _holding(column: str, text: str) -> Q:
    """Rows whose ``column`` holds ``text``, ignoring case: through the trigram index when the
    database has one and the text is long enough (three characters), else by scanning. The
    index may find more than the scan (it folds non-ASCII case too): the released values are
    looked at again in any case."""
    if connection.vendor == "sqlite" and len(text) >= 3:
        table = TRIGRAMS[column]
        phrase = '"' + text.replace('"', '""') + '"'  # the text as one string, not a query
        # the table name is this module's constant; the text goes as a parameter
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH %s"  # noqa: S608
        matching = RawSQL(sql, [phrase])  # noqa: S611
        return Q(pk__in=matching)
    return Q(**{f"{column}__icontains": text})  # PostgreSQL: its trigram index serves this


def _search_ids(viewer: User, text: str) -> list[int] | None:
    """The ids of the cases whose number or a victim's pseudonym holds ``text``, as SQL can
    tell, when there are at most ``SEARCH_IDS`` of them (None when more).

    Each column is looked up once, on its own, through its trigram index (migration
    ``cases 0012``; a scan of every case and every victim without it, about 20 ms each at
    100,000 cases on SQLite). For a viewer who may open only her agency's cases, the matches
    are cut to its participations first (along their index, one probe per match), so a search
    that matches many cases of the task force but few of hers is still read by id."""
    numbers = m.Case.objects.filter(_holding("number", text)).order_by()
    named = m.PotentialVictim.objects.filter(_holding("pseudonym", text)).order_by()
    agency_id = CASE_POLICY.participations_of(viewer)
    if agency_id is not None:
        mine = m.CaseParticipant.objects.filter(agency_id=agency_id).order_by()
        ids = set(
            mine.filter(case_id__in=numbers.values("pk")).values_list("case_id", flat=True)[
                : SEARCH_IDS + 1
            ]
        )
        named_cases = mine.filter(case_id__in=named.values("case_id"))
    else:
        ids = {
            pk
            for pk, task_force in numbers.values_list("pk", "task_force_id")[: SEARCH_IDS + 1]
            if task_force == viewer.task_force_id
        }
        named_cases = named
    ids |= set(named_cases.values_list("case_id", flat=True)[: SEARCH_IDS + 1])
    return sorted(ids) if len(ids) <= SEARCH_IDS else None


def _search_condition(text: str, ids: list[int] | None) -> Q:
    """Cases whose number or a victim's pseudonym holds ``text`` (any case), as SQL can tell:
    the few ``ids`` found (``_search_ids``), read by id and sorted small instead of walking
    every case in list order to test each one; or, when many match, the condition itself,
    tested along the list order, where they are found early."""
    if ids is not None:
        return Q(pk__in=ids)
    named = m.PotentialVictim.objects.filter(_holding("pseudonym", text)).order_by()
    return Q(number__icontains=text) | Q(pk__in=Subquery(named.values("case_id")))


def _after(
    fields: tuple[str, ...], values: tuple[Any, ...], *, descending: bool, by_id: bool = False
) -> Q:
    """Rows after ``values`` in the order of ``fields`` (the keyset condition); ``by_id`` as
    for ``_order`` (a range on the order index would be walked instead of the ids)."""
    column = _unindexed if by_id and connection.vendor == "sqlite" else F
    beyond = LessThan if descending else GreaterThan
    condition = Q()
    for i, name in enumerate(fields):
        step = Q(beyond(column(name), values[i]))
        for j in range(i):
            step &= Q(Exact(column(fields[j]), values[j]))
        condition |= step
    return condition


def _cursor(viewer: User, query: CaseQuery, after: int | None) -> tuple[Any, ...] | None:
    """The sort values of the case a page starts after, if the viewer may open it."""
    if after is None:
        return None
    fields = query.order_fields
    row = CASE_POLICY.queryset(viewer).filter(pk=after).values_list(*fields).first()
    return tuple(row) if row is not None else None


@dataclass(frozen=True)
class _Scan:
    rows: list[tuple[CaseWithVictims, set[str]]]
    #: More cases may meet the query beyond these rows.
    more: bool
    #: Where to go on from: the last row kept, or the last candidate read when the scan
    #: stopped at its budget before the page was full.
    resume_after: int | None


def _scan(
    viewer: User, query: CaseQuery, *, after: int | None, limit: int, now: datetime, budget: int
) -> _Scan:
    """Up to ``limit`` released rows meeting the query, in order, each with the field names
    it disclosed; reads at most ``budget`` candidates."""
    fields = query.order_fields
    search_ids = _search_ids(viewer, query.search) if query.search else None
    by_id = search_ids is not None
    search = _search_condition(query.search, search_ids) if query.search else None
    base = _candidates(viewer, query, now, search=search).order_by(
        *_order(fields, descending=query.descending, by_id=by_id)
    )
    cursor = _cursor(viewer, query, after)
    # a coordinator may open every case: walking one lead agency at a time finds a page at
    # once; for others (a few cases of each agency) SQLite's sort of their own cases is cheaper
    by_agency = query.sort == "lead" and viewer.has_role(Role.COORDINATOR) and not by_id
    groups = _lead_groups(viewer, descending=query.descending) if by_agency else {}
    rows: list[tuple[CaseWithVictims, set[str]]] = []
    scanned = 0
    last_read: int | None = None
    while scanned < budget:
        chunk_query = base
        if groups and cursor is None:
            cursor = (next(iter(groups)), 0 if not query.descending else _LAST_PK)
        if groups and cursor is not None and cursor[0] in groups:
            # one lead agency at a time, along its index in case order (``case_lead_id``): the
            # name is the same for the whole group, so the cases are ordered and resumed by id
            # alone; SQLite would otherwise sort every case by the agency's name, and
            # PostgreSQL, asked for the name too, sorted the agency's 70,000 cases
            beyond = "pk__lt" if query.descending else "pk__gt"
            chunk_query = base.filter(
                lead_agency_id__in=groups[cursor[0]], **{beyond: cursor[1]}
            ).order_by("-pk" if query.descending else "pk")
        elif cursor is not None:
            chunk_query = base.filter(
                _after(fields, cursor, descending=query.descending, by_id=by_id)
            )
        asked = min(limit + 1 if scanned == 0 else CHUNK, CHUNK, budget - scanned)
        chunk = _read(chunk_query, asked) if by_id else list(chunk_query[:asked])
        if not chunk and groups and cursor is not None and cursor[0] in groups:
            later = _next_group(groups, cursor[0])
            if later is not None:
                cursor = (later, 0 if not query.descending else _LAST_PK)
                continue
        if not chunk:
            return _Scan(rows=rows, more=False, resume_after=None)
        for row in _examine(viewer, query, chunk, now):
            if row is None:
                continue
            if len(rows) == limit:
                return _Scan(rows=rows, more=True, resume_after=rows[-1][0].case.id)
            rows.append(row)
        if len(chunk) < asked and not groups:
            return _Scan(rows=rows, more=False, resume_after=None)  # none left to read
        scanned += len(chunk)
        last_read = chunk[-1].pk
        cursor = tuple(_value(chunk[-1], name) for name in fields)
    return _Scan(rows=rows, more=True, resume_after=last_read)


def _read(ordered: QuerySet[Any], count: int) -> list[Any]:
    """The first ``count`` cases of ``ordered`` (a few cases named by id): their ids sorted
    first, then the rows read by key (sorting whole rows, facts and all, cost more). The
    number is read with the id so that no index holds every column asked for: SQLite would
    rather scan the whole (task force, opened) index than read the few ids by key."""
    ids = [pk for pk, _ in ordered.values_list("pk", "number")[:count]]
    rows = m.Case.objects.select_related("lead_agency", "protocol_version").in_bulk(ids)
    return [rows[pk] for pk in ids]


def _order(fields: tuple[str, ...], *, descending: bool, by_id: bool) -> list[Any]:
    """The list's order. ``by_id``: the candidates are a few cases named by id, which SQLite
    should read by key and sort; it would rather walk the list's order index and test every
    case of the task force against the ids (it takes the task force's index for about ten
    rows), so there the order is written as ``+column``, which no index serves."""
    if not (by_id and connection.vendor == "sqlite"):
        return [("-" if descending else "") + name for name in fields]
    columns = [_unindexed(name) for name in fields]
    return [column.desc() if descending else column.asc() for column in columns]


def _unindexed(name: str) -> Func:
    """``+column`` (SQLite): the column's value, which no index serves."""
    return Func(F(name), template="+%(expressions)s")


#: Above any case id (a descending walk of one lead agency's cases starts below it).
_LAST_PK = 2**62


def _lead_groups(viewer: User, *, descending: bool) -> dict[str, list[int]]:
    """The task force's agency ids by name, in the list's order of names (the database's
    collation, as the sort's; a task force has a few dozen agencies)."""
    groups: dict[str, list[int]] = {}
    agencies = Agency.objects.filter(task_force_id=viewer.task_force_id).order_by("name", "pk")
    for name, pk in agencies.values_list("name", "pk"):
        groups.setdefault(name, []).append(pk)
    return dict(reversed(groups.items())) if descending else groups


def _next_group(groups: dict[str, list[int]], name: str) -> str | None:
    names = list(groups)
    position = names.index(name) + 1
    return names[position] if position < len(names) else None


def _value(case: Any, name: str) -> Any:
    value = case
    for part in name.split("__"):
        value = getattr(value, part)
    return value


def _examine(
    viewer: User, query: CaseQuery, chunk: list[Any], now: datetime
) -> list[tuple[CaseWithVictims, set[str]] | None]:
    """Each candidate released through the policy, or None where the released values do not
    meet the query (a withheld pseudonym, a task or plan the viewer may not see)."""
    ids = [case.pk for case in chunk]
    participants = participant_rows(ids)
    victims: dict[int, list[Any]] = {pk: [] for pk in ids}
    for victim in m.PotentialVictim.objects.filter(case_id__in=ids).select_related(
        "serving_provider"
    ):
        victims[victim.case_id].append(victim)
    tasks: dict[int, list[Any]] = {pk: [] for pk in ids}
    if query.overdue:
        # the tasks of these cases, along the case's index, the late open ones kept here: with
        # the state and due time in SQL, SQLite walked every late task of the task force
        # instead (0.1 s at 1 million cases)
        for task in m.Task.objects.filter(case_id__in=ids).order_by():
            if task.status in OPEN_TASK_STATES and task.due_at < now:
                tasks[task.case_id].append(task)
    plans: dict[int, Any] = {}
    if query.unanswered:
        plan_rows = (
            m.ResponsePlan.objects.filter(case_id__in=ids)
            .defer("facts", "changes")
            .order_by("case_id", "-generated_at", "-pk")
        )
        for plan in plan_rows:
            plans.setdefault(plan.case_id, plan)
    cache = DecisionCache(
        viewer=build_policy_viewer(viewer),
        consents=consent_views_for(
            task_force_id=viewer.task_force_id or 0,
            victim_ids=[v.pk for rows in victims.values() for v in rows],
        ),
        now=now,
    )
    needle = query.search.casefold()
    examined: list[tuple[CaseWithVictims, set[str]] | None] = []
    for case in chunk:
        access = access_for(viewer, case, participants[case.pk], cache=cache)
        if not isinstance(CASE_POLICY.decision(access), policy.Released):
            examined.append(None)
            continue
        disclosed: set[str] = set()
        released = release(access, case, disclosed=disclosed)
        shown_victims = [release(access, v, disclosed=disclosed) for v in victims[case.pk]]
        keep = True
        if needle:
            keep = needle in str(released.values.get("number", "")).casefold() or any(
                needle in str(v.values.get("pseudonym", "")).casefold() for v in shown_victims
            )
        if keep and query.overdue:
            keep = any(
                task_visible(access, t) or task_restricted_for_owner(access, t)
                for t in tasks[case.pk]
            )
        if keep and query.unanswered:
            plan = plans.get(case.pk)
            answers = (
                release(access, plan, only=("answers",)).values.get("answers") if plan else None
            )
            keep = any(not answer.get("answered") for answer in answers or ())
        examined.append(
            (CaseWithVictims(case=released, victims=shown_victims), disclosed) if keep else None
        )
    return examined


def case_list_page(
    *,
    viewer: User,
    query: CaseQuery | None = None,
    after: int | None = None,
    limit: int = 50,
    purpose: str = "case list",
    now: datetime | None = None,
) -> CaseListPage:
    """One page of the cases the viewer may open that meet ``query``, with their victims as
    released; one audit event naming the fields disclosed on the page and the filters used."""
    query = query or CaseQuery()
    scan = _scan(
        viewer, query, after=after, limit=limit, now=now or timezone.now(), budget=MAX_SCANNED
    )
    rows = [row for row, _ in scan.rows]
    disclosed = set().union(*(fields for _, fields in scan.rows))
    if disclosed:
        audit_record(
            event=AuditEventType.CASE_FIELD_RELEASED,
            actor=viewer,
            object_type="cases.case_list",
            fields=sorted(disclosed),
            purpose=purpose,
            detail={"case_ids": [row.case.id for row in rows], "filters": query.filter_names()},
            task_force_id=viewer.task_force_id,
        )
    return CaseListPage(rows=rows, next_after=scan.resume_after if scan.more else None)


def case_list_export(
    *, viewer: User, query: CaseQuery | None = None, max_rows: int = 10_000
) -> CaseExport:
    """Every case of the list the viewer may see for ``query`` (up to ``max_rows``), for a
    file; audited as an export naming the fields released and the filters, never values
    (S15). If the audit cannot be written the caller gets no rows (S17)."""
    query = query or CaseQuery()
    scan = _scan(
        viewer,
        query,
        after=None,
        limit=max_rows,
        now=timezone.now(),
        budget=max(MAX_SCANNED, max_rows * 2),
    )
    rows = [row for row, _ in scan.rows]
    disclosed = set().union(*(fields for _, fields in scan.rows))
    audit_record(
        event=AuditEventType.EXPORTED,
        actor=viewer,
        object_type="cases.case_list",
        fields=sorted(
            {f"case.{name}" for row in rows for name in row.case.values}
            | {f"potentialvictim.{name}" for row in rows for v in row.victims for name in v.values}
            | disclosed
        ),
        purpose="case list CSV",
        detail={
            "format": "csv",
            "case_ids": [row.case.id for row in rows],
            "filters": query.filter_names(),
            "truncated": scan.more,
        },
        task_force_id=viewer.task_force_id,
    )
    return CaseExport(rows=rows, truncated=scan.more)
