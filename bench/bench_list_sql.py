"""Benchmark: the case list's two SQL look-ups that grew with the number of cases (issue 15):
the search before and after migration ``cases 0012`` (trigram search tables), and the overdue
filter's list of late tasks.

    .venv/bin/python bench/bench_list_sql.py DATABASE [DATABASE ...] [--runs 20]

Each DATABASE is a demo database made by ``bench/benchdb.py`` (migrated, so it has both), read
only. For each it times, in CPU (process time; SQLite runs in the process) and wall p50/p95:

- a search for one case number and for one pseudonym: the ids the list then reads, by a
  ``LIKE '%text%'`` scan of every case and every victim (before) and through the trigram tables
  (after);
- the overdue filter's first page, every late task read into a list first (as the list does; an
  indexed walk of the list was tried on branch h/million and backed out, see
  docs/performance.md, "At 1 million cases").
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

NOW = "2099-01-01 00:00:00"
PAGE = (
    "SELECT c.id FROM cases_case c WHERE c.task_force_id = ? AND {condition} "
    "ORDER BY c.opened_at DESC, c.id DESC LIMIT 51"
)
LATE = "SELECT case_id FROM cases_task WHERE status IN ('open', 'taken') AND due_at < ?"


def timed(work: Callable[[], object], runs: int) -> tuple[float, float, float]:
    work()
    cpu, wall = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    cpu.sort()
    wall.sort()
    return statistics.median(cpu), cpu[round(0.95 * (runs - 1))], wall[round(0.95 * (runs - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("databases", nargs="+")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"{'cases':>8} {'look-up':<34} {'cpu p50':>8} {'cpu p95':>8} {'wall p95':>9} {'rows':>5}")
    for path in args.databases:
        db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        cases, task_force = db.execute(
            "SELECT count(*), max(task_force_id) FROM cases_case"
        ).fetchone()
        (number,) = db.execute(
            "SELECT number FROM cases_case WHERE number LIKE 'GEN%' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        # a pseudonym only one victim has (a scan finds no early end)
        (pseudonym,) = db.execute(
            "SELECT pseudonym FROM cases_potentialvictim GROUP BY pseudonym "
            "HAVING count(*) = 1 ORDER BY max(id) DESC LIMIT 1"
        ).fetchone()
        late = db.execute(f"SELECT count(*) FROM ({LATE})", [NOW]).fetchone()[0]  # noqa: S608
        rows: list[tuple[str, str, list[object]]] = [
            (
                "number, LIKE scan (before)",
                "SELECT id, task_force_id FROM cases_case WHERE number LIKE ? LIMIT 2001",
                [f"%{number}%"],
            ),
            (
                "number, trigram table (after)",
                "SELECT id, task_force_id FROM cases_case WHERE id IN (SELECT rowid FROM "
                "cases_number_trigrams WHERE cases_number_trigrams MATCH ?) LIMIT 2001",
                [f'"{number}"'],
            ),
            (
                "pseudonym, LIKE scan (before)",
                "SELECT case_id FROM cases_potentialvictim WHERE pseudonym LIKE ? LIMIT 2001",
                [f"%{pseudonym}%"],
            ),
            (
                "pseudonym, trigram table (after)",
                "SELECT case_id FROM cases_potentialvictim WHERE id IN (SELECT rowid FROM "
                "cases_pseudonym_trigrams WHERE cases_pseudonym_trigrams MATCH ?) LIMIT 2001",
                [f'"{pseudonym}"'],
            ),
            (
                "overdue page, late tasks listed",
                PAGE.format(condition=f"c.id IN ({LATE})"),
                [task_force, NOW],
            ),
        ]
        for label, sql, params in rows:
            found: list[object] = []

            def work(
                sql: str = sql,
                params: list[object] = params,
                db: Any = db,
                found: list[Any] = found,
            ) -> None:
                found[:] = db.execute(sql, params).fetchall()

            p50, p95, wall = timed(work, args.runs)
            print(f"{cases:>8} {label[:34]:<34} {p50:8.1f} {p95:8.1f} {wall:9.1f} {len(found):>5}")
        print(f"{cases:>8} ({late} late tasks)")
        db.close()


if __name__ == "__main__":
    main()
