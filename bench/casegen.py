"""Generate many synthetic cases quickly (bulk inserts), for benchmarks and the load test.

Usage from code (Django set up, a task force with agencies and a protocol in force):

    from bench.casegen import generate_cases
    generate_cases(task_force=tf, count=100_000)

Every generated value is invented. Each case gets a participant, a potential
victim, a stored plan (one evaluation reused) and the intake tasks, like a real
intake would, so indexes and table sizes are realistic.

Speed (issue 15, 1 million cases): the first ``template`` cases (10,000) are made in Python, as
above; the rest are copies of them made by the database itself (``INSERT ... SELECT``), each
with its own number, title, intake token and a new random opening moment (its records' times
follow it), so 1 million cases cost minutes, not hours. Facts, stages, lead agencies and task
states repeat every ``template`` cases. While generating, the per-row roll-up triggers (migration
``sharing 0005``) are switched off and the roll-ups of the task force are counted again once at
the end (``rebuild``, as ``manage.py rebuild_case_counts``), and the database does not wait for
the disk after each batch (SQLite ``synchronous=OFF`` and no journal, so each page is written
once, with a 256 MB page cache; PostgreSQL ``synchronous_commit=off``; all only on the
generating connection, restored after). The primary keys come back from the
bulk inserts, so nothing is read back. ``bulk_loading`` restores the triggers even when the
generation fails; a database whose generation was interrupted is a bench database to throw away.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

#: The roll-up triggers' table (migration sharing 0005): a trigger writing into it is switched off.
CHANGE_TABLE = "sharing_casecountchange"

GENDERS = ("female", "male", "nonbinary")
TYPES = ("sex", "labor", "both")
CITIZENSHIP = ("us_citizen", "permanent_resident", "foreign_national")
JURISDICTIONS = ("riverton", "lakeside", "unincorporated", "multi_state")
STAGES = ("referral", "investigation", "prosecution", "closed")


def random_facts(rng: random.Random, factors: set[str]) -> dict[str, object]:
    facts = {
        "imminent_danger": rng.random() < 0.1,
        "trafficking_type": rng.choice(TYPES),
        "victim_age": rng.randint(8, 60),
        "victim_gender": rng.choice(GENDERS),
        "victim_citizenship": rng.choice(CITIZENSHIP),
        "victim_count": rng.randint(1, 8),
        "jurisdiction": rng.choice(JURISDICTIONS),
        "operation_planned": rng.random() < 0.1,
    }
    return {k: v for k, v in facts.items() if k in factors}


@contextmanager
def bulk_loading(*, task_force_id: int) -> Iterator[None]:
    """No roll-up trigger and no wait for the disk on this connection while the block runs; then
    the triggers back and the task force's roll-ups counted again once."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            synchronous = int(cursor.fetchone()[0])
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE %s",
                [f"%{CHANGE_TABLE}%"],
            )
            triggers = cursor.fetchall()
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size")
            cache_size = int(cursor.fetchone()[0])
            # no journal (each page written once, not to the WAL and again to the file) and a
            # large page cache (the indexes take random inserts)
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
                cursor.execute(f"PRAGMA journal_mode={journal}")
                cursor.execute(f"PRAGMA cache_size={cache_size}")
                cursor.execute(f"PRAGMA synchronous={synchronous}")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger t JOIN pg_proc p "
                "ON p.oid = t.tgfoid WHERE NOT t.tgisinternal AND p.proname LIKE 'case_count_%%'"
            )
            triggers = cursor.fetchall()
            cursor.execute("SET synchronous_commit = off")
            for table, name in triggers:
                cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for table, name in triggers:
                    cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')
                cursor.execute("RESET synchronous_commit")
    else:  # pragma: no cover - the two databases Accord runs on
        yield
    from accord.sharing.door.rollups import rebuild

    rebuild(task_force_id)


def generate_cases(  # type: ignore[no-untyped-def]
    *,
    task_force,
    count: int,
    batch: int = 10_000,
    seed: int = 7,
    progress: bool = False,
    bulk: bool = True,
) -> int:
    """Generate ``count`` cases in ``task_force`` (see the module's docstring). ``bulk=False``
    when the caller is already inside ``bulk_loading`` (to change the generated rows too)."""
    if not bulk:
        return _generate_and_copy(
            task_force=task_force, count=count, batch=batch, seed=seed, progress=progress
        )
    with bulk_loading(task_force_id=task_force.pk):
        return _generate_and_copy(
            task_force=task_force, count=count, batch=batch, seed=seed, progress=progress
        )


#: Cases made in Python before the database copies them.
TEMPLATE = 10_000
#: Cases copied per transaction.
COPY_BATCH = 50_000
#: The span of opening moments: 1 hour to 900 days ago, in minutes.
OPENED_MINUTES = (60, 60 * 24 * 900)


def _generate_and_copy(
    *, task_force: Any, count: int, batch: int, seed: int, progress: bool
) -> int:
    from accord.cases.models import Case

    first = Case.objects.filter(task_force=task_force, year=2020).count()
    made = _generate(
        task_force=task_force, count=min(count, TEMPLATE), batch=batch, seed=seed, progress=progress
    )
    started = time.perf_counter()
    while made < count and connection.vendor in ("sqlite", "postgresql"):
        size = min(made, count - made, COPY_BATCH)
        if connection.vendor == "postgresql":
            # statistics of the rows just made: without them PostgreSQL takes the copied tables
            # for empty and joins each new case to its template by scanning every case of the
            # year (100,000 cases did not finish in 5 minutes)
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE cases_case, cases_caseparticipant, cases_potentialvictim, "
                    "cases_responseplan, cases_task"
                )
        with transaction.atomic():
            _copy(task_force_id=task_force.pk, first=first, size=size, shift=made)
        made += size
        if progress:
            rate = (made - TEMPLATE) / max(time.perf_counter() - started, 1e-9)
            print(f"  {made} cases ({rate:.0f} copied a second)", flush=True)
    if made < count:  # another database: the slow way
        made += _generate(
            task_force=task_force, count=count - made, batch=batch, seed=seed + 1, progress=progress
        )
    return made


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def _copy(*, task_force_id: int, first: int, size: int, shift: int) -> None:
    """Copy the generated cases of sequence ``first+1 .. first+size`` (with their participant,
    victims, plans and tasks) to sequence ``+shift``, each with a new opening moment."""
    from accord.cases.models import Case, CaseParticipant, PotentialVictim, ResponsePlan, Task

    sqlite = connection.vendor == "sqlite"
    low, high = OPENED_MINUTES
    if sqlite:
        number = "'GEN-2020-' || printf('%%06d', t.sequence + %(shift)s)"
        title = "'Generated case ' || (t.sequence + %(shift)s)"
        # written as Django writes a moment: six digits of microseconds (never none, which
        # Django would write without a fraction); SQLite compares the text, so a keyset page
        # ending on a case stored with three digits would start again with that case
        opened = (
            f"strftime('%%Y-%%m-%%d %%H:%%M:%%S', %(now)s, "
            f"'-' || ({low} + abs(random()) %% {high - low}) || ' minutes')"
            " || printf('.%%06d', 1 + abs(random()) %% 999999)"
        )
        random_hex = "lower(hex(randomblob(16)))"
        week_later = (
            "strftime('%%Y-%%m-%%d %%H:%%M:%%S', n.opened_at, '+7 days') || substr(n.opened_at, 20)"
        )
    else:
        number = "'GEN-2020-' || lpad((t.sequence + %(shift)s)::text, 6, '0')"
        title = "'Generated case ' || (t.sequence + %(shift)s)"
        opened = (
            f"%(now)s::timestamptz - ({low} + floor(random() * {high - low}))::int "
            "* interval '1 minute'"
        )
        random_hex = "md5(random()::text || clock_timestamp()::text || t.id::text)"
        week_later = "n.opened_at + interval '7 days'"
    overrides = {
        "sequence": "t.sequence + %(shift)s",
        "number": number,
        "title": title,
        "opened_at": opened,
        "intake_token": random_hex,
    }
    columns = _columns(Case)
    values = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    template = (
        "t.task_force_id = %(tf)s AND t.year = 2020 "
        "AND t.sequence > %(first)s AND t.sequence <= %(first)s + %(size)s"
    )
    params = {"tf": task_force_id, "first": first, "size": size, "shift": shift}
    now = timezone.now()
    params["now"] = now.replace(tzinfo=None).isoformat(sep=" ") if sqlite else now
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO cases_case ({', '.join(columns)}) "  # noqa: S608 - model columns only
            f"SELECT {values} FROM cases_case t WHERE {template} ORDER BY t.sequence",
            params,
        )
        new_case = (
            "JOIN cases_case t ON t.id = r.case_id "
            "JOIN cases_case n ON n.task_force_id = t.task_force_id AND n.year = t.year "
            "AND n.sequence = t.sequence + %(shift)s"
        )
        for model, moments in (
            (CaseParticipant, {"joined_at": "n.opened_at"}),
            (PotentialVictim, {"created_at": "n.opened_at"}),
            (ResponsePlan, {"created_at": "n.opened_at", "generated_at": "n.opened_at"}),
            (Task, {"created_at": "n.opened_at", "due_at": week_later}),
        ):
            columns = _columns(model)
            picked = {"case_id": "n.id", **moments}
            values = ", ".join(picked.get(c, f"r.{c}") for c in columns)
            table = model._meta.db_table
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - model columns only
                f"SELECT {values} FROM {table} r {new_case} WHERE {template} ORDER BY r.id",
                params,
            )


def _generate(*, task_force: Any, count: int, batch: int, seed: int, progress: bool) -> int:
    from accord.accounts.models import Agency, User
    from accord.cases.models import Case, CaseParticipant, PotentialVictim, ResponsePlan, Task
    from accord.cases.plan import plan_compute
    from accord.protocols.selectors import protocol_in_force

    rng = random.Random(seed)
    version = protocol_in_force(task_force=task_force)
    protocol = version.protocol
    agencies = list(Agency.objects.filter(task_force=task_force))
    opener = User.objects.filter(agency__task_force=task_force).first()
    factors = set(protocol.factors)
    sample = random_facts(rng, factors)
    answers = plan_compute(protocol=protocol, facts=sample, task_force_id=task_force.pk).answers
    start = Case.objects.filter(task_force=task_force, year=2020).count()
    now = timezone.now()
    made = 0
    started = time.perf_counter()
    while made < count:
        size = min(batch, count - made)
        with transaction.atomic():
            cases = []
            for i in range(size):
                sequence = start + made + i + 1
                agency = rng.choice(agencies)
                cases.append(
                    Case(
                        task_force=task_force,
                        year=2020,
                        sequence=sequence,
                        number=f"GEN-2020-{sequence:06d}",
                        title=f"Generated case {sequence}",
                        incident_kind="hotline_tip",
                        stage=rng.choice(STAGES),
                        lead_agency=agency,
                        protocol_version=version,
                        facts=random_facts(rng, factors),
                        produced_by=agency,
                        opened_by=opener,
                        opened_at=now - timedelta(minutes=rng.randint(60, 60 * 24 * 900)),
                        intake_token=uuid.uuid4().hex,
                    )
                )
            # the keys come back from the insert (SQLite 3.35+ and PostgreSQL: RETURNING)
            Case.objects.bulk_create(cases, batch_size=1000)
            CaseParticipant.objects.bulk_create(
                [
                    CaseParticipant(
                        case=c,
                        agency_id=c.lead_agency_id,
                        joined_at=c.opened_at,
                        part="lead",
                        joined_via="opened",
                    )
                    for c in cases
                ],
                batch_size=1000,
            )
            PotentialVictim.objects.bulk_create(
                [
                    PotentialVictim(
                        case=c,
                        produced_by_id=c.lead_agency_id,
                        created_at=c.opened_at,
                        pseudonym="V-1",
                        legal_name="(generated)",
                        age=c.facts.get("victim_age"),
                    )
                    for c in cases
                ],
                batch_size=1000,
            )
            ResponsePlan.objects.bulk_create(
                [
                    ResponsePlan(
                        case=c,
                        produced_by_id=c.lead_agency_id,
                        created_at=c.opened_at,
                        protocol_version=version,
                        facts=c.facts,
                        answers=answers,
                        unanswered=ResponsePlan.count_unanswered(answers),
                        generated_at=c.opened_at,
                    )
                    for c in cases
                ],
                batch_size=500,
            )
            Task.objects.bulk_create(
                [
                    Task(
                        case=c,
                        produced_by_id=c.lead_agency_id,
                        created_at=c.opened_at,
                        deadline_id="continued-presence-request",
                        anchor="victim_identified",
                        title="The federal partner requests Continued Presence",
                        owner_agency_id=c.lead_agency_id,
                        owner_role="investigator",
                        due_at=c.opened_at + timedelta(days=7),
                        status="done" if rng.random() < 0.8 else "open",
                    )
                    for c in cases
                    if c.facts.get("victim_citizenship") == "foreign_national"
                ],
                batch_size=1000,
            )
        made += size
        if progress:
            rate = made / max(time.perf_counter() - started, 1e-9)
            print(f"  {made} cases generated, {rate:.0f} a second", flush=True)
    return made
