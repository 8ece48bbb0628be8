"""Set up a database for the load test: the demo task force, load users, generated cases.

    DJANGO_SETTINGS_MODULE=bench.load.settings ACCORD_VAR_DIR=var/load/sqlite \
        .venv/bin/python bench/load/prepare.py --cases 100000 --users-per-role 60

(add ``DATABASE_URL=postgres://...`` for PostgreSQL; ``bench/load/run.py`` does all of this).
Idempotent: a second run adds only what is missing, so a database grown to 1,000,000 cases is
kept between runs. Every value is invented: the demo's agencies and users, ``load.<role>.<n>``
users with the demo's password and TOTP keys derived like the demo's, and cases from
``bench/casegen.py`` (a participant, a potential victim, a plan and tasks each).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

#: (role, agencies its load users belong to, in turn)
ROLES: dict[str, tuple[str, ...]] = {
    "coordinator": ("ecso",),
    "investigator": ("riverton-pd", "hsi-riverton", "ecso", "fbi-riverton", "esp"),
    "prosecutor": ("da-example", "usao-example"),
    "advocate": ("harbor-light", "new-dawn", "legal-aid"),
    "auditor": ("ecso", "harbor-light"),
}


def load_username(role: str, n: int) -> str:
    return f"load.{role}.{n}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000, help="generated cases (total)")
    parser.add_argument("--users-per-role", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load.settings")
    from accord.runtime import ensure_var_dir

    ensure_var_dir()
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated: {time.perf_counter() - started:.1f} s", flush=True)
    from accord.demo import TASK_FORCE_SLUG, load_demo

    load_demo()
    print(f"demo loaded: {time.perf_counter() - started:.1f} s", flush=True)
    from accord.accounts.models import Agency, TaskForce, User

    task_force = TaskForce.objects.get(slug=TASK_FORCE_SLUG)
    made = _users(task_force, args.users_per_role, Agency, User)
    print(f"load users: {made} created ({time.perf_counter() - started:.1f} s)", flush=True)
    from accord.cases.models import Case
    from bench.casegen import generate_cases

    have = Case.objects.filter(task_force=task_force, number__startswith="GEN-").count()
    if have < args.cases:
        t = time.perf_counter()
        generate_cases(task_force=task_force, count=args.cases - have, seed=have + 7)
        print(f"generated {args.cases - have} cases in {time.perf_counter() - t:.1f} s")
    print(f"late tasks marked escalated: {_escalated_when_due(task_force)}", flush=True)
    total = Case.objects.filter(task_force=task_force).count()
    print(f"ready: {total} cases, {time.perf_counter() - started:.1f} s", flush=True)
    return 0


def _escalated_when_due(task_force) -> int:  # type: ignore[no-untyped-def]
    """Mark the generated cases' late open tasks escalated a few minutes after they fell due,
    as a running deployment's periodic job would have. Left as they are, the first tick of the
    server under test escalates thousands at once (each telling every coordinator: 50 of them
    here), and the run measures that backlog, not the daily mix (measured: 300 ms a task)."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from accord.cases.models import Task

    late = Task.objects.filter(
        case__task_force=task_force,
        case__number__startswith="GEN-",
        status__in=("open", "taken"),
        due_at__lt=timezone.now(),
        escalated_at__isnull=True,
    )
    return late.update(escalated_at=F("due_at") + timedelta(minutes=5))


def _users(task_force, per_role: int, Agency, User) -> int:  # type: ignore[no-untyped-def]
    from django.contrib.auth.hashers import make_password

    from accord.demo import DEMO_PASSWORD, _create_users

    agencies = {a.slug: a for a in Agency.objects.filter(task_force=task_force)}
    existing = set(
        User.objects.filter(username__startswith="load.").values_list("username", flat=True)
    )
    rows = []
    for role, slugs in ROLES.items():
        for n in range(1, per_role + 1):
            username = load_username(role, n)
            if username not in existing:
                slug = slugs[(n - 1) % len(slugs)]
                rows.append((username, f"Load {role} {n}", slug, (role,)))
    if rows:
        # One Argon2 hash for all: hashing each password would take most of the set-up time.
        hashed = make_password(DEMO_PASSWORD)
        _create_users_fast(rows, agencies, _create_users)
        User.objects.filter(username__in=[r[0] for r in rows]).update(password=hashed)
    return len(rows)


def _create_users_fast(rows, agencies, create) -> None:  # type: ignore[no-untyped-def]
    """The demo's user creation (roles, personnel checks, TOTP device), with a cheap hasher."""
    from django.db import transaction
    from django.test import override_settings

    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        create(rows, agencies)


if __name__ == "__main__":
    raise SystemExit(main())
