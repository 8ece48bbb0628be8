"""Directory search over a generated directory of 50,000 services (SQLite).

Run: .venv/bin/python bench/bench_directory_search.py [--services 50000] [--repeat 5]
Prints the median and 90th percentile per query shape; not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="accord-bench-")
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = str(Path(workdir) / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    task_force = generate(args.services)
    run_queries(task_force, repeat=args.repeat)


def generate(count: int):  # type: ignore[no-untyped-def]
    from django.db import transaction

    from accord.accounts.models import TaskForce
    from accord.directory.models import Language, Organization, Schedule, Service, ServiceArea
    from accord.directory.vocabulary import CITIZENSHIP, GENDERS, SERVICE_TYPES, pack

    rng = random.Random(20261129)
    types = list(SERVICE_TYPES)
    languages = ["en", "es", "tl", "vi", "zh", "ar", "fr", "ht", "ko", "ru", "pt", "hi", "so"]
    places = ["riverton", "lakeside", "unincorporated", "example-county", "example-state"]
    started = time.perf_counter()
    with transaction.atomic():
        task_force = TaskForce.objects.create(slug="bench", name="Bench Task Force")
        orgs = Organization.objects.bulk_create(
            Organization(
                task_force=task_force, hsds_id=f"org-{i}", slug=f"org-{i}", name=f"Organization {i}"
            )
            for i in range(count // 10)
        )
        services = []
        for i in range(count):
            low = rng.choice([None, 0, 12, 18, 18, 21])
            high = rng.choice([None, 17, 24, 64]) if low is None or low < 17 else None
            services.append(
                Service(
                    organization=orgs[i % len(orgs)],
                    task_force=task_force,
                    hsds_id=f"svc-{i}",
                    slug=f"svc-{i}",
                    name=f"Service {i} {rng.choice(types)}",
                    description="Generated benchmark service.",
                    service_types=pack(rng.sample(types, rng.choice([1, 1, 2]))),
                    minimum_age=low,
                    maximum_age=high,
                    genders=pack(rng.sample(GENDERS, rng.choice([1, 2])))
                    if rng.random() < 0.4
                    else "",
                    citizenship=pack([rng.choice(CITIZENSHIP)]) if rng.random() < 0.1 else "",
                    is_24_7=rng.random() < 0.2,
                    status="active" if rng.random() < 0.95 else "inactive",
                )
            )
        services = Service.objects.bulk_create(services, batch_size=2000)
        Language.objects.bulk_create(
            (
                Language(service=s, hsds_id=f"l-{s.pk}-{code}", code=code)
                for s in services
                for code in {"en", *rng.sample(languages, rng.choice([0, 1, 2]))}
            ),
            batch_size=5000,
        )
        ServiceArea.objects.bulk_create(
            (
                ServiceArea(service=s, hsds_id=f"a-{s.pk}", jurisdiction=rng.choice(places))
                for s in services
                if rng.random() < 0.7
            ),
            batch_size=5000,
        )
        Schedule.objects.bulk_create(
            (
                Schedule(
                    service=s,
                    hsds_id=f"h-{s.pk}",
                    freq="WEEKLY",
                    byday="MO,TU,WE,TH,FR",
                    opens_at="09:00",
                    closes_at="17:00",
                )
                for s in services
                if not s.is_24_7
            ),
            batch_size=5000,
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {count} services in {time.perf_counter() - started:.1f}s")
    return task_force


def run_queries(task_force, *, repeat: int) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from accord.directory.search import SearchQuery, directory_search

    now = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    shapes = {
        "browse (no criteria)": SearchQuery(),
        "shelter, 16, male, Tagalog": SearchQuery(
            service_type="emergency_shelter", age=16, gender="male", language="tl"
        ),
        "shelter, 16, male, Tagalog, open now": SearchQuery(
            service_type="emergency_shelter", age=16, gender="male", language="tl", open_now=True
        ),
        "case management, riverton, foreign national": SearchQuery(
            service_type="case_management", jurisdiction="riverton", citizenship="foreign_national"
        ),
        "text 'Service 4999'": SearchQuery(text="Service 4999"),
        "near misses (shelter, 16, Somali)": SearchQuery(
            service_type="emergency_shelter", age=16, language="so", include_near_misses=True
        ),
    }
    all_times: list[float] = []
    print(f"{'query':48} {'results':>8} {'median ms':>10} {'p90 ms':>8}")
    for label, query in shapes.items():
        times = []
        outcome = None
        for _ in range(repeat):
            started = time.perf_counter()
            outcome = directory_search(task_force_id=task_force.pk, query=query, now=now)
            times.append((time.perf_counter() - started) * 1000)
        all_times.extend(times)
        times.sort()
        p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
        print(f"{label:48} {outcome.total:>8} {statistics.median(times):>10.1f} {p90:>8.1f}")
    print(f"overall median {statistics.median(all_times):.1f} ms over {len(all_times)} searches")


if __name__ == "__main__":
    main()
