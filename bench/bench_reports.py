"""Benchmark: the reports (issue 15) at many cases, the sign-in page as the baseline.

    .venv/bin/python bench/bench_reports.py [--cases 100000] [--runs 5] [--fresh]

Generates ``--cases`` cases with ``bench/casegen.py`` into a SQLite file cached under
``var/bench/reports-<cases>.sqlite3`` (kept between runs; ``--fresh`` rebuilds it), then
gives a third of the potential victims a gender, a fifth of the cases an accepted referral
(1 to 96 hours after intake) and 40 task-force members with a role (so a per-person read
shows). Times, through the test client (middleware, view, template), with CPU (process time)
and wall p50/max and the queries of one request:

- GET /accounts/login/ (baseline, same run);
- the reports dashboard for its default period (this quarter) and for three years;
- the funder page and its CSV for the last whole year;
- the funder report computed for three years (36 months, each protected, then carried):
  the work a three-year report costs (funder pages offer at most a year; a period over a year
  is prepared by the background worker, whose queue is a dummy here, so the request row
  times the redirect and this row the worker's counting).

``--demo`` works instead on a copy of the demo database with ``--cases`` generated cases that
``bench/benchdb.py`` keeps (shared with ``bench_pages.py``; built once; its victims have no
gender and its cases no referral, so those counts are small), as the demo coordinator;
``--demo-db FILE`` on a copy of that file instead (e.g. a snapshot of a build), its roll-ups
counted again first (timed: what ``manage.py rebuild_case_counts`` costs).

Targets (issue 15): funder report for three years at 1 million cases under 1 s; the
reports dashboard under 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DUMMY_TASKS = "django_tasks.backends.dummy.DummyBackend"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached database")
    parser.add_argument("--db", default="", help="SQLite file (default var/bench/reports-N)")
    parser.add_argument("--demo", action="store_true", help="the shared demo database")
    parser.add_argument("--demo-db", default="", help="a copy of this demo database instead")
    args = parser.parse_args()
    from bench.benchdb import open_database_copy, open_demo_database, use_sqlite

    if args.demo_db:  # made elsewhere: its roll-ups are counted again (and timed) first
        open_database_copy(Path(args.demo_db), label="reports")
        coordinator_name = "coordinator"
        _rebuild_rollups()
    elif args.demo:
        open_demo_database(args.cases, label="reports")
        coordinator_name = "coordinator"
    else:
        db = Path(args.db or REPO / "var" / "bench" / f"reports-{args.cases}.sqlite3")
        use_sqlite(db, fresh=args.fresh, tasks={"default": {"BACKEND": DUMMY_TASKS}})
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from accord.accounts.models import User

        if not User.objects.filter(username="bench.coordinator").exists():
            _populate(args.cases)
        coordinator_name = "bench.coordinator"
    from accord.accounts.models import User

    coordinator = User.objects.get(username=coordinator_name)
    if not (args.demo or args.demo_db):  # the demo database's were counted when generated
        _rebuild_rollups()
    _report(coordinator, args.runs)


def _rebuild_rollups() -> None:
    """The one-off step after migrating a database that holds cases (issue 15 roll-ups)."""
    try:
        from accord.sharing.door.rollups import rebuild
    except ImportError:  # before the roll-ups
        return
    started, cpu = time.perf_counter(), time.process_time()
    months = rebuild()
    print(
        f"roll-ups rebuilt: {months} months in {time.process_time() - cpu:.1f} s CPU "
        f"({time.perf_counter() - started:.1f} s wall), once"
    )


def _client(user):  # type: ignore[no-untyped-def]
    from django.test import Client
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench"
    )
    session["otp_device_id"] = device.persistent_id
    session["accord_reauth_at"] = timezone.now().timestamp() + 10**7
    session.save()
    return client


def _measure(runs: int, work) -> tuple[list[float], list[float], int, object]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = work()  # warm, and the query count of one request
    queries = len(captured.captured_queries)
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu, queries, result


def _report(coordinator, runs: int) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from accord.cases.models import Case
    from accord.reports.aggregates import funder_view
    from accord.reports.periods import Period
    from accord.reports.selectors import disagreement_rows, training_rows
    from accord.sharing.door import aggregates as door_aggregates

    client = _client(coordinator)
    anonymous = _client_anonymous()
    today = timezone.localdate()
    last_year = today.year - 1
    three_years = Period(date(today.year - 2, 1, 1), date(today.year, 12, 31))
    total = Case.objects.count()
    print(f"{total} cases, {runs} runs each (after one warm-up request); ms")
    print(f"{'request':<52} {'status':>6} {'queries':>7} {'cpu p50':>8} {'cpu max':>8}", end="")
    print(f" {'wall p50':>9} {'x login':>8}")

    def get(c, path, params=None):  # type: ignore[no-untyped-def]
        return lambda: c.get(path, params or {})

    rows = [
        ("GET /accounts/login/ (baseline)", get(anonymous, "/accounts/login/")),
        ("reports dashboard, this quarter", get(client, "/reports/")),
        (
            f"reports dashboard, {three_years.start:%Y-%m-%d} to {today:%Y-%m-%d}",
            get(client, "/reports/", {"start": f"{three_years.start}", "end": f"{today}"}),
        ),
        (f"funder page, year {last_year}", get(client, "/reports/funder/", {"period": last_year})),
        (f"funder CSV, year {last_year}", get(client, f"/reports/funder/{last_year}/report.csv")),
    ]
    baseline = 0.0
    for label, work in rows:
        wall, cpu, queries, response = _measure(runs, work)
        p50 = statistics.median(cpu)
        baseline = baseline or p50
        status = getattr(response, "status_code", "")
        print(
            f"{label:<52} {status:>6} {queries:>7} {p50:>8.1f} {max(cpu):>8.1f} "
            f"{statistics.median(wall):>9.1f} {p50 / baseline:>7.1f}x"
        )

    def funder_three_years():  # type: ignore[no-untyped-def]
        now = timezone.now()
        span = {"period_start": three_years.start, "period_end": three_years.end, "now": now}
        if hasattr(door_aggregates, "case_aggregate_counts"):  # SQL counts (issue 15)
            found = {
                "counts": door_aggregates.case_aggregate_counts(
                    viewer=coordinator, by_month=True, **span
                )
            }
        else:  # the rows of every case, counted in Python (before issue 15)
            found = {"case_rows": door_aggregates.case_aggregate_rows(viewer=coordinator, **span)}
        return funder_view(
            period=three_years,
            **found,
            disagreement_rows=disagreement_rows(viewer=coordinator, period=three_years),
            training_rows=training_rows(viewer=coordinator, on=today),
        )

    wall, cpu, queries, _ = _measure(runs, funder_three_years)
    p50 = statistics.median(cpu)
    label = f"funder report computed, {three_years.start.year}-{three_years.end.year}"
    print(
        f"{label:<52} {'':>6} {queries:>7} {p50:>8.1f} {max(cpu):>8.1f} "
        f"{statistics.median(wall):>9.1f} {p50 / baseline:>7.1f}x"
    )
    if hasattr(door_aggregates, "rollups"):
        june = timezone.make_aware(datetime(last_year, 6, 15, 12))
        changed = [Case.objects.filter(opened_at__gte=june).order_by("opened_at")[0].pk]
        stages = iter(["investigation", "referral"] * (runs + 1))

        def after_a_change():  # type: ignore[no-untyped-def]
            Case.objects.filter(pk__in=changed).update(stage=next(stages))
            return funder_three_years()

        wall, cpu, queries, _ = _measure(runs, after_a_change)
        p50 = statistics.median(cpu)
        label = f"the same, a case of June {last_year} changed first"
        print(
            f"{label:<52} {'':>6} {queries:>7} {p50:>8.1f} {max(cpu):>8.1f} "
            f"{statistics.median(wall):>9.1f} {p50 / baseline:>7.1f}x"
        )
    print("targets: funder report for three years under 1000 ms; reports dashboard under 300 ms")


def _client_anonymous():  # type: ignore[no-untyped-def]
    """A visitor who has acknowledged the banner: GET /accounts/login/ renders the form."""
    from django.test import Client
    from django.utils import timezone

    from accord.accounts.sessions import BANNER_ACKNOWLEDGED_AT

    client = Client()
    session = client.session
    session[BANNER_ACKNOWLEDGED_AT] = timezone.now().timestamp()
    session.save()
    return client


def _populate(count: int) -> None:
    import random

    from django.db import transaction

    from accord.accounts.models import Agency, RoleGrant, User
    from accord.cases.models import Case, PotentialVictim, Referral
    from bench.bench_intake import _setup
    from bench.casegen import generate_cases

    task_force, _actor = _setup()
    agencies = list(Agency.objects.filter(task_force=task_force))
    coordinator = User.objects.create_user(
        username="bench.coordinator",
        password="x" * 16,
        agency=Agency.objects.get(task_force=task_force, slug="ecso"),
    )
    RoleGrant.objects.create(user=coordinator, role="coordinator")
    roles = ("investigator", "advocate", "prosecutor", "coordinator")
    for i in range(40):
        person = User.objects.create_user(
            username=f"bench.member{i}", password="x" * 16, agency=agencies[i % len(agencies)]
        )
        RoleGrant.objects.create(user=person, role=roles[i % len(roles)])
    started = time.perf_counter()
    generate_cases(task_force=task_force, count=count)
    rng = random.Random(15)
    genders = ("female", "male", "Female ", "nonbinary", "", "unknown", "two-spirit")
    with transaction.atomic():
        for gender in genders:
            PotentialVictim.objects.filter(case_id__in=_sample(rng, count, 0.05)).update(
                gender=gender
            )
        victims = dict(PotentialVictim.objects.values_list("case_id", "pk"))
        opened = dict(Case.objects.values_list("pk", "opened_at"))
        referrals = []
        for case_id in _sample(rng, count, 0.2):
            if case_id not in victims:
                continue
            minutes = rng.randint(60, 96 * 60)
            referrals.append(
                Referral(
                    case_id=case_id,
                    produced_by=agencies[0],
                    created_at=opened[case_id],
                    victim_id=victims[case_id],
                    kind="le_to_provider",
                    from_agency=agencies[0],
                    to_agency=agencies[3],
                    sent_by=coordinator,
                    sent_at=opened[case_id],
                    status="accepted",
                    accepted_at=opened[case_id] + timedelta(minutes=minutes),
                    minutes_to_accept=minutes,
                )
            )
        Referral.objects.bulk_create(referrals, batch_size=2000)
    print(f"generated {count} cases in {time.perf_counter() - started:.1f} s")


def _sample(rng, count: int, share: float) -> list[int]:  # type: ignore[no-untyped-def]
    from accord.cases.models import Case

    ids = list(Case.objects.values_list("pk", flat=True))
    return rng.sample(ids, int(len(ids) * share)) if count else []


if __name__ == "__main__":
    main()
