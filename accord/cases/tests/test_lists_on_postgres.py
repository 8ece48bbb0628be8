"""Issue 15: the case list's and the dashboard's SQL as PostgreSQL plans it at 1 million cases.

Measured with ``bench/bench_pages.py --postgres``: the coordinator's dashboard took 1.3 s (an OR
of the agencies' heads, scanned whole; the open condition written three times, so PostgreSQL
expected a fiftieth of the rows and sorted instead of walking an index), the list sorted by
stage or lead agency 0.4-0.6 s (indexes without the id that breaks ties, the agency's name in
the order of a walk where it is the same for every row), and the stage and type filters 0.4 s
(a guess of half a percent for a condition on a JSON value). Each test holds one of the fixes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.cases.models import Task
from accord.sharing import door
from accord.sharing.door import boards
from accord.web.work import work_for

from .conftest import open_case

pytestmark = pytest.mark.django_db

OPEN_CONDITION = "IN ('open', 'taken')"
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's SQL")


def test_the_open_condition_is_written_once_however_often_it_is_applied():
    once = boards.open_tasks(Task.objects.filter(owner_agency_id=1))
    again = boards.open_tasks(boards.open_tasks(once).filter(due_at__isnull=False))
    assert str(again.query).count(OPEN_CONDITION) == 1
    assert str(again.query).count("'open'") == 1  # and no bound copy beside it
    negated = boards.open_tasks(Task.objects.exclude(status__is_open_state=True))
    assert str(negated.query).count(OPEN_CONDITION) == 2  # a NOT does not count as saying it


def test_the_coordinators_dashboard_asks_for_open_tasks_once_in_each_head(people):
    for person in ("rpd", "hsi", "ecso"):
        open_case(people[person])
    Task.objects.update(due_at=timezone.now() - timedelta(days=2))  # late: every agency counted
    with CaptureQueriesContext(connection) as queries:
        work_for(user=people["coordinator"])
    heads = [q["sql"] for q in queries.captured_queries if q["sql"].count("LIMIT") > 2]
    assert heads, "the per-agency heads are read in one query"
    for sql in heads:
        for select in sql.split("SELECT ")[1:]:
            assert select.count(OPEN_CONDITION) <= 1, select


def test_the_heads_hold_what_each_head_holds_alone(people):
    for person in ("rpd", "hsi", "rpd", "ecso"):
        open_case(people[person])
    ordered = Task.objects.order_by("due_at", "pk")
    agencies = sorted(set(Task.objects.values_list("owner_agency_id", flat=True)))
    assert len(agencies) >= 2
    parts = [Q(owner_agency_id=agency) for agency in agencies]
    together = set(
        Task.objects.filter(boards._heads(ordered, parts, 2)).values_list("pk", flat=True)
    )
    alone = {pk for part in parts for pk in ordered.filter(part).values_list("pk", flat=True)[:2]}
    assert together == alone


@on_postgres
def test_on_postgresql_the_heads_are_one_union_not_an_or_of_subqueries():
    parts = [Q(owner_agency_id=1), Q(owner_agency_id=2)]
    sql = str(Task.objects.filter(boards._heads(Task.objects.order_by("due_at"), parts, 21)).query)
    assert "UNION ALL" in sql
    assert " OR " not in sql


def test_a_lead_agencys_cases_are_walked_in_case_order_alone(people):
    """Within one lead agency the name is the same for every case: the walk orders by id, so
    the agency's (lead agency, id) index serves it on either database."""
    for person in ("rpd", "hsi"):
        open_case(people[person])
    with CaptureQueriesContext(connection) as queries:
        door.case_list_page(viewer=people["coordinator"], query=door.CaseQuery(sort="lead"))
    walks = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "cases_case"') and 'lead_agency_id" IN' in q["sql"]
    ]
    assert walks
    for sql in walks:
        order = sql.rsplit("ORDER BY", 1)[1]
        assert "name" not in order, order


@on_postgres
def test_on_postgresql_the_sort_indexes_name_the_id_and_the_type_has_statistics():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' "
            "AND indexname IN ('case_tf_stage_id', 'case_lead_id')"
        )
        definitions = dict(cursor.fetchall())
        cursor.execute("SELECT 1 FROM pg_statistic_ext WHERE stxname = 'case_trafficking_type'")
        statistics = cursor.fetchone()
    assert definitions["case_tf_stage_id"].endswith("(task_force_id, stage, id)")
    assert definitions["case_lead_id"].endswith("(lead_agency_id, id)")
    assert statistics is not None
