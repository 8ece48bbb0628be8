"""Issues 13 and 15: the dashboard and the task boards stay right, and cheap, as work piles up.

A board lists the open tasks first: however many done tasks an agency has, they never take the
places of open ones (at 100,000 cases the oldest 500 tasks of an agency were all done, so its
board and its dashboard count showed no open task at all). The dashboard's queries do not grow
with the number of plans or tasks it counts (it once read each plan's protocol version, one
query per plan).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.cases.models import ResponsePlan, Task, TaskStatus
from accord.sharing import door
from accord.sharing.door import boards
from accord.web.work import work_for
from conftest import sign_in

from .conftest import open_case

pytestmark = pytest.mark.django_db


def _counts(user) -> dict[str, int]:
    return {c.label: c.count for s in work_for(user=user) for c in s.counts}


def _with_open_question(case) -> None:
    plan = ResponsePlan.objects.filter(case=case).order_by("-pk").first()
    plan.answers = [*plan.answers, {"decision": "gap", "question": "Who?", "answered": False}]
    plan.unanswered = ResponsePlan.count_unanswered(plan.answers)
    plan.save(update_fields=["answers", "unanswered"])


def test_done_tasks_never_take_the_places_of_open_ones(people, monkeypatch):
    """An agency with more done tasks than a board holds, all due before its open task: the open
    task is still on its board and counted on the dashboard; the done ones shown are the latest."""
    monkeypatch.setattr(boards, "BOARD_LIMIT", 2)
    monkeypatch.setattr(boards, "DONE_LIMIT", 2)
    rpd = people["rpd"]
    case = open_case(rpd)
    mine = list(Task.objects.filter(case=case, owner_agency=rpd.agency).order_by("pk"))
    assert len(mine) >= 2
    *done, still_open = mine
    now = timezone.now()
    for i, task in enumerate(done):
        Task.objects.filter(pk=task.pk).update(
            status=TaskStatus.DONE, due_at=now - timedelta(days=30 - i)
        )
    Task.objects.filter(pk=still_open.pk).update(
        status=TaskStatus.OPEN, due_at=now + timedelta(days=3)
    )
    extra = [
        Task(
            case=case,
            produced_by=rpd.agency,
            created_at=now,
            deadline_id=f"old-{i}",
            anchor="case_opened",
            title=f"Old done task {i}",
            owner_agency=rpd.agency,
            owner_role="investigator",
            due_at=now - timedelta(days=60 + i),
            status=TaskStatus.DONE,
        )
        for i in range(5)
    ]
    Task.objects.bulk_create(extra)
    board = door.tasks_for_agency(viewer=rpd)
    assert [row.id for row in board.due] == [still_open.pk]
    assert len(board.done) == 2
    latest_done = Task.objects.filter(case=case, status=TaskStatus.DONE).order_by("-due_at")[:2]
    assert {row.id for row in board.done} == {t.pk for t in latest_done}
    assert _counts(rpd)["Not taken yet at RIVERTON-PD"] == 1


def _open_questions() -> int:
    """Unanswered questions in the latest plan of every case, read from the answers."""
    latest = {}
    for plan in ResponsePlan.objects.order_by("pk"):
        latest[plan.case_id] = plan
    return sum(len([a for a in plan.answers if not a.get("answered")]) for plan in latest.values())


def _dashboard_queries(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        _counts(user)
    return len(queries)


def test_the_coordinators_dashboard_reads_a_fixed_number_of_queries(people, monkeypatch):
    """Two cases with open questions and overdue tasks, then six: the coordinator's dashboard
    counts them all and runs the same number of queries (no query per plan, task or case)."""
    from accord.sharing.door import dashboard

    monkeypatch.setattr(dashboard, "COUNT_CAP", 500)  # exact counts, to compare them
    coordinator = people["coordinator"]
    past = timezone.now() - timedelta(hours=2)

    def add_cases(n: int) -> None:
        for i in range(n):
            case = open_case(people["rpd"], title=f"Case {i}")
            _with_open_question(case)
            Task.objects.filter(case=case).update(due_at=past)

    add_cases(2)
    _counts(coordinator)  # warm the process's caches (content types, the protocol)
    few = _dashboard_queries(coordinator)
    counts = door.dashboard_counts(viewer=coordinator)
    assert (counts.unanswered_cases, counts.unanswered_questions) == (2, _open_questions())
    overdue = sum(n for _, _, n, _ in counts.overdue_by_agency)
    add_cases(4)
    assert _dashboard_queries(coordinator) <= few
    counts = door.dashboard_counts(viewer=coordinator)
    assert (counts.unanswered_cases, counts.unanswered_questions) == (6, _open_questions())
    assert sum(n for _, _, n, _ in counts.overdue_by_agency) == overdue * 3


def test_the_unanswered_list_page_reads_a_fixed_number_of_queries(
    people, django_assert_max_num_queries
):
    client = sign_in(Client(), people["coordinator"])
    for i in range(2):
        _with_open_question(open_case(people["rpd"], title=f"Case {i}"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/cases/unanswered/").status_code == 200
    few = len(queries)
    for i in range(4):
        _with_open_question(open_case(people["rpd"], title=f"More {i}"))
    with django_assert_max_num_queries(few):
        response = client.get("/cases/unanswered/")
    assert len(response.context["rows"]) == 6


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize("sort", ["opened", "title", "number", "stage"])
def test_the_case_list_walks_an_index_for_its_order(people, sort):
    """Sorted by date opened, title, number or stage, the coordinator's case list is read along
    an index and stops after the page; without one SQLite sorts every case of the task force
    (0.4 s at 100,000 cases for the title)."""
    from accord.sharing.door.listing import CaseQuery, _candidates

    open_case(people["rpd"])
    query = CaseQuery(sort=sort, descending=False)
    order = list(query.order_fields)
    plan = _candidates(people["coordinator"], query, timezone.now()).order_by(*order)[:51].explain()
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_the_unanswered_filter_reads_a_fixed_number_of_queries(people):
    """The case list filtered to open plan questions reads each page's plans in one query (it
    once read each plan's protocol version: one query per case listed)."""
    client = sign_in(Client(), people["rpd"])

    def listed() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/cases/", {"unanswered": "on"})
        assert response.status_code == 200
        return len(response.context["rows"]), len(queries)

    for i in range(2):
        _with_open_question(open_case(people["rpd"], title=f"Case {i}"))
    listed()
    rows, few = listed()
    for i in range(4):
        _with_open_question(open_case(people["rpd"], title=f"More {i}"))
    more_rows, more = listed()
    assert (rows, more_rows) == (2, 6)
    assert more <= few


@pytest.mark.parametrize("descending", [False, True])
def test_sorted_by_lead_agency_the_pages_hold_every_case_once_in_order(people, descending):
    """The list sorted by lead agency walks one agency's cases at a time (SQLite would sort
    every case of the task force): the pages, two cases each, hold every case the
    coordinator may open exactly once, in the order of agency name then case, as a plain sort
    of them all would."""
    from accord.cases.models import Case

    for person in ("rpd", "hsi", "rpd", "ecso", "hsi"):
        open_case(people[person])
    coordinator = people["coordinator"]
    query = door.CaseQuery(sort="lead", descending=descending)
    seen: list[int] = []
    after = None
    while True:
        page = door.case_list_page(viewer=coordinator, query=query, after=after, limit=2)
        seen += [row.case.id for row in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    order = ("-" if descending else "") + "lead_agency__name", ("-" if descending else "") + "pk"
    expected = list(
        door.CASE_POLICY.queryset(coordinator).order_by(*order).values_list("pk", flat=True)
    )
    assert seen == expected
    assert len({Case.objects.get(pk=pk).lead_agency_id for pk in seen}) >= 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_sorted_by_lead_agency_a_page_walks_an_index(people):
    """The page's reads of cases in list order each walk an index: none sorts every case."""
    coordinator = people["coordinator"]
    open_case(people["rpd"])
    with CaptureQueriesContext(connection) as queries:
        door.case_list_page(viewer=coordinator, query=door.CaseQuery(sort="lead"))
    ordered = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "cases_case"') and "ORDER BY" in q["sql"]
    ]
    assert ordered
    with connection.cursor() as cursor:
        for sql in ordered:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's partial-index rule")
def test_an_agencys_open_tasks_are_read_along_its_open_task_index():
    """An agency's list of open tasks (its board, the coordinator's overdue counts) walks the
    agency's open-task index, however many late tasks the task force has: SQLite uses that
    partial index only when the query names the open states as literals (bound states made the
    coordinator's dashboard walk every late task of the task force: 2 s at 1 million cases)."""
    query = boards.open_tasks(Task.objects.filter(owner_agency_id=1, due_at__lt=timezone.now()))
    plan = query.order_by("due_at", "pk").values("pk")[:21].explain()
    assert "task_open_agency_due" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_an_investigators_search_and_overdue_filter_do_not_walk_the_task_force(people):
    """An investigator's search matching a few cases reads them by key (SQLite would rather walk
    every case of the task force in list order to test each: 385 ms at 1 million cases), and
    the overdue filter asks each case it walks along that case's open-task index (it read every
    late task of the task force first: 0.3 s at 1 million cases)."""
    rpd = people["rpd"]
    cases = [open_case(rpd) for _ in range(3)]
    late = timezone.now() - timedelta(days=1)
    Task.objects.filter(case__in=cases).update(status=TaskStatus.OPEN, due_at=late)

    def plans(query: door.CaseQuery, *tables: str) -> list[str]:
        return _plans(lambda: door.case_list_page(viewer=rpd, query=query), *tables)

    number = cases[0].number[:-1]  # the three cases' numbers share it
    searched = plans(door.CaseQuery(search=number), "cases_case")
    assert not any("case_tf_opened" in plan for plan in searched)
    # the list's walk, then the late tasks of the page's cases (read by case, never by state)
    overdue, tasks = plans(door.CaseQuery(overdue=True), "cases_case", "cases_task")
    assert "task_open_case_due" in overdue and "task_status_due" not in overdue, overdue
    assert "task_status_due" not in tasks, tasks


def _plans(run, *tables: str) -> list[str]:
    """The query plans of what ``run`` reads from ``tables`` (their own rows, with the
    parameters bound, as the database planned them)."""
    statements: list[tuple[str, object]] = []

    def keep(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        assert run()
    found = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            if any(sql.startswith(f'SELECT "{table}"."id"') for table in tables):
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                found.append(" ".join(str(row) for row in cursor.fetchall()))
    assert found
    return found


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_my_overdue_tasks_are_read_along_my_index_and_my_agencys(people):
    """The dashboard's count of "my overdue tasks" (mine, or my agency's for my role and not
    taken) reads the two halves along their own open-task indexes and stops at the count: the
    OR of the two, which no index serves, walked every late open task of the task force (98 ms
    of the investigator's dashboard at 1 million cases)."""
    rpd = people["rpd"]
    case = open_case(rpd)
    late = timezone.now() - timedelta(days=1)
    Task.objects.filter(case=case).update(status=TaskStatus.OPEN, due_at=late, owner_role="")
    Task.objects.filter(pk=Task.objects.filter(case=case).first().pk).update(assignee=rpd)
    counts: list[int] = []

    def count() -> bool:
        counts.append(door.dashboard_counts(viewer=rpd).tasks_overdue)
        return True

    plans = _plans(count, "cases_task")
    assert counts == [1]
    plan = plans[1]  # the overdue count (the first read is the due-today one, read alike)
    assert "task_open_assignee_due" in plan and "task_open_agency_due" in plan, plan
    assert "task_status_due" not in plan, plan
