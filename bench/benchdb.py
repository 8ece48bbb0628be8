"""The benchmarks' databases, set up one way (issue 15).

- ``use_sqlite``: point Django at a SQLite file (fresh or kept), queue mail as production does,
  and set Django up. Every benchmark that builds its own small database uses it.
- ``open_demo_database``: the demo task force (``accord demo``'s data) with ``cases`` generated
  cases, built once with ``bench/casegen.py`` and kept under ``var/bench/`` keyed on the number
  of cases, a hash of the demo loaders and the generator, and a hash of the migrations (a kept
  database under older migrations is migrated forward, not generated again); each run works on a
  copy. No ANALYZE: a deployment's database has no planner statistics either. ``bench_pages``, ``bench_intake --demo`` and ``bench_reports --demo`` share it, so a
  database of 1 million cases is generated once for all three.

The generated data: each case has a participant, a potential victim with a pseudonym of its own
(``P-<id>``, so a search finds one case), a plan (every 50th with an unanswered question) and,
for a foreign national, the Continued Presence task (a fifth of them open, those overdue).
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Bump when the data the cache holds changes in a way the hashed files do not show.
DATA_VERSION = "3"
#: As in production: mail goes to the background worker's queue (a row), not inline.
QUEUED_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def use_sqlite(path: Path | str, *, fresh: bool = True, tasks: dict | None = None) -> None:  # type: ignore[type-arg]
    """Django on the SQLite file ``path`` (emptied first when ``fresh``); mail queued as in
    production unless ``tasks`` says otherwise; Django set up."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.test")
    from django.conf import settings

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        _remove(path)
    settings.DATABASES["default"]["NAME"] = str(path)
    settings.TASKS = tasks or QUEUED_TASKS
    import django

    django.setup()


def _digest(sources: list[Path]) -> str:
    digest = hashlib.sha256(DATA_VERSION.encode())
    for source in sources:
        files = sorted(source.rglob("*")) if source.is_dir() else [source]
        for path in files:
            if path.is_file():
                digest.update(str(path.relative_to(REPO)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def data_key(cases: int) -> str:
    """Number of cases, a hash of what shapes the generated data (the demo loaders, the
    generator, the protocols) and a hash of the migrations."""
    data = [*sorted(REPO.glob("accord/*/demo*.py")), REPO / "accord" / "demo.py"]
    data += [REPO / "bench" / "casegen.py", REPO / "examples" / "protocols"]
    schema = sorted(REPO.glob("accord/*/migrations/*.py"))
    return f"{cases}-{_digest(data)}-{_digest(schema)}"


def cached_path(cases: int) -> Path:
    return REPO / "var" / "bench" / f"pages-{data_key(cases)}.sqlite3"


def _older_schema(cached: Path) -> Path | None:
    """The kept database of the same data under older migrations (migrated forward instead of
    generated again: 1 million cases take long to generate, a new index seconds to build)."""
    prefix = cached.name.rsplit("-", 1)[0]
    older = [p for p in cached.parent.glob(f"{prefix}-*.sqlite3") if p != cached]
    return max(older, key=lambda p: p.stat().st_mtime) if older else None


def open_demo_database(cases: int, *, rebuild: bool = False, label: str = "run") -> Path:
    """Django set up on a working copy of the demo database with ``cases`` generated cases
    (generated and kept first when missing, or when ``rebuild``); migrated. Returns its path."""
    cached = cached_path(cases)
    cached.parent.mkdir(parents=True, exist_ok=True)
    work = cached.parent / f"work-{cases}-{label}.sqlite3"
    _remove(work)
    source = cached if cached.exists() else _older_schema(cached)
    must_build = rebuild or source is None
    if source is not None and not must_build:
        started = time.perf_counter()
        shutil.copyfile(source, work)
        if cases >= 100_000:
            print(f"copied the {cases}-case database in {time.perf_counter() - started:.0f} s")
    use_sqlite(work, fresh=False)
    from django.core.management import call_command
    from django.db import connection

    if must_build:
        print(f"generating the database for {cases} cases (kept under var/bench/) ...", flush=True)
        _build(cases, work)
    call_command("migrate", verbosity=0)
    if must_build or source != cached:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        for old in cached.parent.glob(f"pages-{cases}-*.sqlite3"):
            old.unlink()  # of older code or migrations
        shutil.copyfile(work, cached)  # checkpointed and closed: the file is the whole database
        print(f"kept as {cached.name}")
    return work


def open_database_copy(source: Path, *, label: str = "copy") -> Path:
    """Django set up on a working copy of ``source`` (a demo database made elsewhere, e.g. a
    snapshot of a build between two batches), migrated. Returns its path."""
    work = source.parent / f"work-{source.stem}-{label}.sqlite3"
    _remove(work)
    shutil.copyfile(source, work)
    use_sqlite(work, fresh=False)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return work


def _build(cases: int, work: Path | None) -> None:
    """Migrate, load the demo and generate the cases into ``work``."""
    from django.core.management import call_command

    from accord.accounts.models import TaskForce
    from accord.cases.models import PotentialVictim
    from accord.demo import TASK_FORCE_SLUG, load_demo
    from bench.casegen import bulk_loading, generate_cases

    started, cpu = time.perf_counter(), time.process_time()
    call_command("migrate", verbosity=0)
    load_demo()
    task_force = TaskForce.objects.get(slug=TASK_FORCE_SLUG)
    first_generated = PotentialVictim.objects.order_by("-pk").values_list("pk", flat=True).first()
    with bulk_loading(task_force_id=task_force.pk):
        generate_cases(task_force=task_force, count=cases, bulk=False, progress=cases >= 100_000)
        mark_generated(after_victim=first_generated or 0)
    print(
        f"built {cases} cases in {time.perf_counter() - started:.0f} s wall, "
        f"{time.process_time() - cpu:.0f} s CPU of this process"
    )


def mark_generated(*, after_victim: int) -> None:
    """Give the generated cases (victims after ``after_victim``) what the benchmarks look for:
    a pseudonym of its own per victim (a search finds one case), an unanswered question in
    every 50th plan, and their open tasks overdue."""
    from datetime import timedelta

    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat, Mod
    from django.utils import timezone

    from accord.cases.models import PotentialVictim, ResponsePlan, Task

    generated = PotentialVictim.objects.filter(pk__gt=after_victim)
    generated.update(pseudonym=Concat(Value("P-"), Cast(F("pk"), CharField())))
    case_ids = generated.values_list("case_id", flat=True)
    unanswered = [{"decision": "bench", "question": "(bench)", "answered": False, "rows": []}]
    ResponsePlan.objects.annotate(every_50th=Mod("case_id", 50)).filter(
        case_id__in=case_ids, every_50th=0
    ).update(answers=unanswered, unanswered=1)
    Task.objects.filter(case_id__in=case_ids, status="open").update(
        due_at=timezone.now() - timedelta(days=2)
    )


# --- PostgreSQL ----------------------------------------------------------------------------------


def _pg_admin(admin_url: str, *statements: str) -> list[tuple]:  # type: ignore[type-arg]
    """Run statements on the server of ``admin_url`` (autocommit: CREATE DATABASE needs it);
    the rows of the last one."""
    import psycopg

    rows: list[tuple] = []  # type: ignore[type-arg]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for statement in statements:
            cursor = admin.execute(statement)  # type: ignore[arg-type]  # names built here
            rows = cursor.fetchall() if cursor.description else []
    return rows


def _pg_database_exists(admin_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def _pg_older_schema(admin_url: str, kept: str) -> str | None:
    """A kept database of the same data under other migrations (the name's last part)."""
    import psycopg

    prefix = kept.rsplit("_", 1)[0] + "_"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) "
            "AND datname <> %s AND datname NOT LIKE '%%building'",
            [prefix, kept],
        ).fetchall()
    return rows[0][0] if rows else None


def _pg_url(admin_url: str, name: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def open_postgres_database(
    cases: int, *, admin_url: str, rebuild: bool = False, label: str = "run"
) -> str:
    """As ``open_demo_database``, on the PostgreSQL server of ``admin_url``: the demo task force
    with ``cases`` generated cases, kept as the database ``accord_bench_<cases>_<hash>``
    (built under another name and renamed when complete), and Django set up on a working copy
    (``CREATE DATABASE ... TEMPLATE``). ANALYZE runs after the build: on PostgreSQL a
    deployment's autovacuum gathers statistics by itself. Returns the working copy's name."""
    import os

    key = data_key(cases).split("-", 1)[1].replace("-", "_")
    kept, building = f"accord_bench_{cases}_{key}", f"accord_bench_{cases}_{key}_building"
    work = f"accord_bench_work_{cases}_{label}"
    # the same data under older migrations is copied and migrated forward, not generated again
    source = kept if _pg_database_exists(admin_url, kept) else _pg_older_schema(admin_url, kept)
    must_build = rebuild or source is None
    target = building if must_build else work
    drop = [f"DROP DATABASE IF EXISTS {work} WITH (FORCE)"]
    if must_build:
        drop += [f"DROP DATABASE IF EXISTS {building} WITH (FORCE)", f"CREATE DATABASE {building}"]
    else:
        drop += [f"CREATE DATABASE {work} TEMPLATE {source} STRATEGY FILE_COPY"]
    started = time.perf_counter()
    _pg_admin(admin_url, *drop)
    os.environ["DATABASE_URL"] = _pg_url(admin_url, target)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.test")
    from django.conf import settings

    settings.TASKS = QUEUED_TASKS
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if must_build:
        print(f"generating the PostgreSQL database for {cases} cases ...", flush=True)
        _build(cases, None)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()
        _pg_admin(
            admin_url,
            f"DROP DATABASE IF EXISTS {kept} WITH (FORCE)",
            f"ALTER DATABASE {building} RENAME TO {kept}",
            f"CREATE DATABASE {work} TEMPLATE {kept} STRATEGY FILE_COPY",
        )
        connection.settings_dict["NAME"] = work
        older = _pg_older_schema(admin_url, kept)
        while older is not None:  # the same data under older migrations: replaced
            _pg_admin(admin_url, f"DROP DATABASE IF EXISTS {older} WITH (FORCE)")
            older = _pg_older_schema(admin_url, kept)
        print(f"kept as {kept}")
    else:
        print(f"copied {source} in {time.perf_counter() - started:.0f} s")
    call_command("migrate", verbosity=0)
    if not must_build and source != kept:  # migrated forward: kept so, the older one dropped
        connection.close()
        _pg_admin(
            admin_url,
            f"CREATE DATABASE {kept} TEMPLATE {work} STRATEGY FILE_COPY",
            f"DROP DATABASE IF EXISTS {source} WITH (FORCE)",
        )
        print(f"migrated forward and kept as {kept}")
    return work
