"""Benchmark: the case list's search, filters, sort and pages with many cases (issue 13).

    .venv/bin/python bench/bench_case_list.py [--cases 100000] [--runs 30] [--db var/bench-case-list.sqlite3]

Builds a fresh SQLite file (WAL), the example protocol and the bench agencies of
``bench_intake``, generates ``--cases`` cases with ``bench/casegen.py`` (one victim each, renamed
``P-<id>`` so a pseudonym search finds one case; 2 % of plans given an unanswered question;
about 20 % of the generated tasks still open and long overdue), then times
``door.case_list_page`` (the read door: SQL, the policy on every candidate, the audit event)
for a coordinator, who may open every case, and for an investigator of one agency, and
prints p50/p95/max per query. ``--page`` also times the whole page (GET /cases/ through
middleware, view and template) for the plain list and a search. Target: p95 under 150 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db", default=str(REPO / "var" / "bench-case-list.sqlite3"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument("--page", action="store_true", help="also time GET /cases/")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.test")
    from django.conf import settings

    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    settings.DATABASES["default"]["NAME"] = str(db)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accord.accounts.models import User

    if not args.reuse or not User.objects.filter(username="bench.coordinator").exists():
        _populate(args.cases)
    coordinator = User.objects.get(username="bench.coordinator")
    investigator = User.objects.get(username="bench.rpd")
    from accord.cases.models import Case
    from accord.sharing import door

    total = Case.objects.count()
    some = Case.objects.order_by("pk")[total // 2]
    queries = {
        "plain list (newest first)": door.CaseQuery(),
        "search: case number": door.CaseQuery(search=some.number),
        "search: pseudonym": door.CaseQuery(search=f"P-{some.potentialvictims.first().pk}"),
        "search: no match": door.CaseQuery(search="no-such-name"),
        "search: matches every case (GEN)": door.CaseQuery(search="GEN"),
        "filter: stage": door.CaseQuery(stage="prosecution"),
        "filter: trafficking type": door.CaseQuery(trafficking_type="labor"),
        "filter: my agency leads": door.CaseQuery(my_part="lead"),
        "filter: my agency on the case": door.CaseQuery(my_part=door.MY_PART_ANY),
        "filter: overdue tasks": door.CaseQuery(overdue=True),
        "filter: unanswered questions": door.CaseQuery(unanswered=True),
        "filters combined (stage, type, overdue)": door.CaseQuery(
            stage="investigation", trafficking_type="sex", overdue=True
        ),
        "sort: title": door.CaseQuery(sort="title", descending=False),
        "sort: lead agency": door.CaseQuery(sort="lead", descending=False),
        "sort: case number": door.CaseQuery(sort="number"),
    }
    print(f"{total} cases, {args.runs} runs per query; door.case_list_page, ms")
    print("cpu = process time (what the server spends; other load on the machine not counted)")
    header = f"{'viewer':<18} {'query':<40} {'rows':>5} {'cpu p50':>8} {'cpu p95':>8}"
    print(header + f" {'wall p95':>9}")
    worst = 0.0
    for viewer in (coordinator, investigator):
        first = door.case_list_page(viewer=viewer)
        cases = [(label, {"query": query}) for label, query in queries.items()]
        cases.append(("page 2 (after a cursor)", {"after": first.next_after}))
        for label, options in cases:
            page = door.case_list_page(viewer=viewer, **options)  # warm
            wall, cpu = _measure(args.runs, door.case_list_page, viewer=viewer, **options)
            worst = max(worst, _p95(cpu))
            print(
                f"{viewer.username:<18} {label:<40} {len(page.rows):>5} "
                f"{statistics.median(cpu):>8.1f} {_p95(cpu):>8.1f} {_p95(wall):>9.1f}"
            )
    print(f"worst cpu p95: {worst:.1f} ms (target 150 ms)")
    if args.page:
        _time_page(coordinator, some.number, args.runs)


def _measure(runs: int, work, **options) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work(**options)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _time_page(user, number: str, runs: int) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.create(user=user, name="bench").persistent_id
    session.save()
    for label, params in (("GET /cases/", {}), ("GET /cases/?q=<number>", {"q": number})):
        client.get("/cases/", params)
        wall, cpu = _measure(runs, client.get, path="/cases/", data=params)
        print(
            f"whole page {label:<30} cpu p50 {statistics.median(cpu):7.1f}  "
            f"cpu p95 {_p95(cpu):7.1f}  wall p95 {_p95(wall):7.1f}"
        )


def _populate(count: int) -> None:
    from datetime import timedelta

    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat
    from django.utils import timezone

    from accord.accounts.models import Agency, RoleGrant, User
    from accord.cases.models import PotentialVictim, ResponsePlan, Task
    from bench.bench_intake import _setup
    from bench.casegen import generate_cases

    task_force, _actor = _setup()
    coordinator = User.objects.create_user(
        username="bench.coordinator",
        password="x" * 16,
        agency=Agency.objects.get(task_force=task_force, slug="ecso"),
    )
    RoleGrant.objects.create(user=coordinator, role="coordinator")
    started = time.perf_counter()
    generate_cases(task_force=task_force, count=count)
    PotentialVictim.objects.update(pseudonym=Concat(Value("P-"), Cast(F("pk"), CharField())))
    unanswered = [{"decision": "bench", "question": "(bench)", "answered": False, "rows": []}]
    ResponsePlan.objects.filter(case_id__in=range(0, count + 1, 50)).update(
        answers=unanswered, unanswered=1
    )
    Task.objects.filter(status="open").update(due_at=timezone.now() - timedelta(days=2))
    print(f"generated {count} cases in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
