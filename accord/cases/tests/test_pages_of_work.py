"""Issue 13: task boards and the unanswered-questions list come a page at a time, and the
dashboard counts up to a cap ("50+") from the first rows of the list its count opens.

Each page reads a fixed number of queries however many tasks or plans pile up; following the
"Next page" links shows every row the viewer may see exactly once, in order; a count stopped
at its cap says so, and the list it links to starts with exactly the rows it counted.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.cases.models import ResponsePlan, Task, TaskStatus
from accord.sharing import door
from accord.sharing.door import boards, dashboard
from accord.web.work import work_for
from conftest import sign_in

from .conftest import open_case

pytestmark = pytest.mark.django_db

NEXT = re.compile(r'href="([^"]+)" rel="next"')


def _rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-item="task-(\d+)"', response.content.decode())]


def _next(response) -> str:
    found = NEXT.search(response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else ""


def _overdue_cases(person, n: int, *, hours: int = 2) -> None:
    for i in range(n):
        case = open_case(person, title=f"Late case {i}")
        Task.objects.filter(case=case).update(
            due_at=timezone.now() - timedelta(hours=hours + i), status=TaskStatus.OPEN
        )


def _walk(client: Client, url: str) -> tuple[list[int], int]:
    """Every task row of a board, page after page, and how many pages."""
    seen: list[int] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages += 1
        if pages > 1:
            assert "First page" in response.content.decode()
        seen += _rows(response)
        url = _next(response)
    return seen, pages


def test_the_open_statuses_are_the_models():
    assert set(boards._OPEN) == {TaskStatus.OPEN, TaskStatus.TAKEN}


def test_a_board_comes_a_page_at_a_time_and_every_open_task_once(people, monkeypatch):
    monkeypatch.setattr(boards, "BOARD_LIMIT", 3)
    rpd = people["rpd"]
    _overdue_cases(rpd, 3)
    expected = list(
        Task.objects.filter(owner_agency=rpd.agency, status=TaskStatus.OPEN)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    assert len(expected) > 6
    client = sign_in(Client(), rpd)
    first = client.get("/cases/tasks/agency/")
    assert "First page" not in first.content.decode()
    assert len([pk for pk in _rows(first) if pk in expected]) == 3
    assert _next(first)
    seen, pages = _walk(client, "/cases/tasks/agency/")
    open_seen = [pk for pk in seen if pk in expected]
    assert open_seen == expected  # each once, oldest due first
    assert pages == -(-len(expected) // 3)


def test_a_filtered_board_fills_its_pages_with_the_rows_it_keeps(people, monkeypatch):
    """Only overdue tasks, two a page: the filter is applied while reading, so no page is
    short of overdue tasks while more remain, and tasks due later never appear."""
    monkeypatch.setattr(boards, "BOARD_LIMIT", 2)
    rpd = people["rpd"]
    _overdue_cases(rpd, 2)
    later = open_case(rpd, title="Not late")
    Task.objects.filter(case=later).update(due_at=timezone.now() + timedelta(days=5))
    late = set(
        Task.objects.filter(
            owner_agency=rpd.agency, status=TaskStatus.OPEN, due_at__lt=timezone.now()
        ).values_list("pk", flat=True)
    )
    client = sign_in(Client(), rpd)
    seen, pages = _walk(client, "/cases/tasks/agency/?due=overdue")
    assert set(seen) == late
    assert len(seen) == len(late)
    assert pages == -(-len(late) // 2)


def test_a_board_page_reads_a_fixed_number_of_queries(people, monkeypatch):
    monkeypatch.setattr(boards, "BOARD_LIMIT", 3)
    rpd = people["rpd"]
    client = sign_in(Client(), rpd)
    _overdue_cases(rpd, 2)
    client.get("/cases/tasks/mine/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/cases/tasks/agency/").status_code == 200
        return len(captured)

    few = queries()
    _overdue_cases(rpd, 4)
    assert queries() <= few


@pytest.mark.parametrize("after", ["garbage", "99999999999999999999-1", "-1", "1-"])
def test_a_bad_page_mark_shows_the_first_page(people, after):
    rpd = people["rpd"]
    _overdue_cases(rpd, 1)
    client = sign_in(Client(), rpd)
    first = _rows(client.get("/cases/tasks/agency/"))
    response = client.get("/cases/tasks/agency/", {"after": after})
    assert response.status_code == 200
    assert _rows(response) == first


def test_a_capped_count_says_so_and_its_list_starts_with_the_rows_it_counted(people, monkeypatch):
    monkeypatch.setattr(dashboard, "COUNT_CAP", 2)
    monkeypatch.setattr(boards, "BOARD_LIMIT", 2)
    rpd = people["rpd"]
    _overdue_cases(rpd, 2)
    counts = door.dashboard_counts(viewer=rpd)
    assert counts.agency_unassigned == 2
    assert "agency_unassigned" in counts.capped
    client = sign_in(Client(), rpd)
    page = client.get("/").content.decode()
    assert re.search(r'<span class="number">2\+</span>\s*<span class="what">Not taken yet', page)
    listed = client.get("/cases/tasks/agency/", {"assigned": "none"})
    assert len(_rows(listed)) == 2
    assert _next(listed)


def test_below_the_cap_a_count_is_exact_and_matches_its_list(people):
    rpd = people["rpd"]
    _overdue_cases(rpd, 1)
    counts = {c.label: c for s in work_for(user=rpd) for c in s.counts}
    overdue = counts["Overdue"]
    assert not overdue.more
    client = sign_in(Client(), rpd)
    seen, _ = _walk(client, overdue.url)
    assert overdue.count == len(seen) > 0


def test_the_coordinator_sees_capped_counts_per_agency(people, monkeypatch):
    monkeypatch.setattr(dashboard, "COUNT_CAP", 1)
    _overdue_cases(people["rpd"], 2)
    counts = door.dashboard_counts(viewer=people["coordinator"])
    assert counts.overdue_by_agency
    assert all(n == 1 and more for _, _, n, more in counts.overdue_by_agency)
    page = sign_in(Client(), people["coordinator"]).get("/").content.decode()
    assert '<span class="number">1+</span>' in page


@pytest.mark.parametrize("cap", [1, 2, 50])
def test_the_agency_counts_read_together_are_each_agencys_own_list(people, cap):
    """The coordinator's overdue-by-agency counts read every agency's list head in one query;
    each (count, more) is still what that agency's own list gives, also when rows the list
    withholds thin a full head (here a filter keeping odd ids stands for the policy)."""
    _overdue_cases(people["rpd"], 3)
    _overdue_cases(people["hsi"], 2)
    coordinator = people["coordinator"]
    now = timezone.now()
    everyone = dashboard._task_force_tasks(coordinator, None)
    agencies = set(everyone.values_list("owner_agency_id", flat=True))
    assert len(agencies) >= 2
    filters = (
        (None, lambda task: True),
        (lambda row: row.id % 2 == 1, lambda task: task.pk % 2 == 1),
    )
    for keep, keep_task in filters:
        grouped = boards.count_open_tasks_by_agency(
            coordinator,
            everyone,
            agency_ids=agencies,
            now=now,
            limit=cap,
            keep_task=keep_task,
        )
        for agency_id in agencies:
            rows, more = boards.open_task_rows(
                coordinator,
                everyone.filter(owner_agency_id=agency_id),
                now=now,
                limit=cap,
                keep=keep,
            )
            assert grouped[agency_id] == (len(rows), more), (agency_id, keep)


def _with_open_question(case) -> None:
    plan = ResponsePlan.objects.filter(case=case).order_by("-pk").first()
    plan.answers = [*plan.answers, {"decision": "gap", "question": "Who?", "answered": False}]
    plan.unanswered = ResponsePlan.count_unanswered(plan.answers)
    plan.save(update_fields=["answers", "unanswered"])


def test_the_unanswered_list_comes_a_page_at_a_time(people, monkeypatch):
    monkeypatch.setattr(dashboard, "UNANSWERED_PAGE", 2)
    cases = [open_case(people["rpd"], title=f"Case {i}") for i in range(5)]
    for case in cases:
        _with_open_question(case)
    client = sign_in(Client(), people["coordinator"])
    url, seen, pages = "/cases/unanswered/", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages += 1
        seen += [row.case_id for row in response.context["rows"]]
        url = _next(response)
    assert len(seen) == len(set(seen))
    assert {c.pk for c in cases} <= set(seen)
    assert pages == -(-len(seen) // 2) and pages >= 3
    assert "First page" in response.content.decode()
