"""The load test: each role's daily mix against `accord serve`, on SQLite and PostgreSQL.

    make load                       # SQLite 1 process; PostgreSQL 1, 2 and 4 processes
    make load LOAD_ARGS="--cases 100000 --users 50 --duration 120"
    make load-ci                    # CI: PostgreSQL, 2 processes, 10 users, 30 s; fails on any error

For each configuration it prepares the database once (``prepare.py``: the demo task force, load
users, ``--cases`` generated cases; kept under ``var/load/`` and in the PostgreSQL database
``accord_load`` so a large set is generated once), starts ``accord serve --workers N`` (with the
background worker) on a free loopback port, runs locust (``locustfile.py``) headless for
``--duration`` seconds, stops the server with SIGTERM, and prints throughput and latency
percentiles per page, with the baseline (a static file and the sign-in notice) from the same run.
The summary compares each configuration's throughput with PostgreSQL's 1-process figure.

The load generator runs on the same machine and takes CPU too: compare configurations of one
run, not figures from machines or runs under different load.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PG_ADMIN_URL = os.environ.get("LOAD_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")


@dataclass
class Config:
    database: str  # "sqlite" or "pg"
    workers: int

    @property
    def label(self) -> str:
        name = "SQLite" if self.database == "sqlite" else "PostgreSQL"
        return f"{name}, {self.workers} process{'es' if self.workers > 1 else ''}"


@dataclass
class Row:
    name: str
    count: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


@dataclass
class Result:
    config: Config
    rows: list[Row]
    total: Row
    server_cpu: float  # CPU seconds of the server's processes during the run
    duration: float
    errors: list[str]  # the server or locust stopped wrongly
    failures: list[str]  # failed requests, by page and reason
    generator_cpu: float = 0.0  # CPU seconds of locust itself (from the start, ramp included)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--configs", default="sqlite:1,pg:1,pg:2,pg:4")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds per configuration")
    parser.add_argument("--threads", type=int, default=4, help="threads per web process")
    parser.add_argument("--pg-db", default="accord_load")
    parser.add_argument("--fresh", action="store_true", help="start from empty databases")
    parser.add_argument(
        "--include-ramp",
        action="store_true",
        help="count the start too (every user signing in at once); by default the figures "
        "start when every user has started (sign-in stays in the mix)",
    )
    parser.add_argument(
        "--ci",
        action="store_true",
        help="PostgreSQL, 2 processes, 10 users, 30 s, 1,000 cases; "
        "a fresh database dropped afterwards; exit 1 on any error response",
    )
    args = parser.parse_args()
    if args.ci:
        args.configs, args.users, args.duration, args.cases = "pg:2", 10, 30, 1000
        args.spawn_rate, args.fresh, args.pg_db = 5, True, f"accord_load_ci_{os.getpid()}"
        args.include_ramp = True  # CI fails on any error response, the first sign-ins included
    configs = [Config(d, int(n)) for d, n in (c.split(":") for c in args.configs.split(","))]
    started = time.perf_counter()
    prepared: set[str] = set()
    results = []
    try:
        for config in configs:
            env = _env(config, args)
            if config.database not in prepared:
                _prepare(config, env, args)
                prepared.add(config.database)
            results.append(_run(config, env, args))
            _print_result(results[-1])
    finally:
        if args.ci:
            _pg_admin(f"DROP DATABASE IF EXISTS {args.pg_db} WITH (FORCE)")
    _print_summary(results, args)
    print(f"\nload test finished in {time.perf_counter() - started:.0f} s")
    failed = sum(r.total.failures for r in results) + sum(len(r.errors) for r in results)
    if failed:
        print(f"FAILED: {failed} error responses or errors (see above)")
        return 1
    return 0


def _env(config: Config, args: argparse.Namespace) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ACCORD_", "DATABASE_URL", "DJANGO_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "bench.load.settings"
    env["PYTHONPATH"] = str(REPO)
    env["ACCORD_VAR_DIR"] = str(REPO / "var" / "load" / config.database)
    if config.database == "pg":
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{args.pg_db}"
    return env


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def _prepare(config: Config, env: dict[str, str], args: argparse.Namespace) -> None:
    print(f"\n== preparing {config.database}: {args.cases} cases", flush=True)
    if config.database == "pg":
        import psycopg

        if args.fresh:
            _pg_admin(f"DROP DATABASE IF EXISTS {args.pg_db} WITH (FORCE)")
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            _pg_admin(f"CREATE DATABASE {args.pg_db}")
    elif args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(env["ACCORD_VAR_DIR"], f"accord.sqlite3{suffix}").unlink(missing_ok=True)
    subprocess.run(
        [
            sys.executable,
            str(HERE / "prepare.py"),
            "--cases",
            str(args.cases),
            "--users-per-role",
            str(args.users),
        ],
        env=env,
        cwd=REPO,
        check=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(root: psutil.Process) -> float:
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def _run(config: Config, env: dict[str, str], args: argparse.Namespace) -> Result:
    port = _free_port()
    out_dir = REPO / "var" / "load" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / f"{config.database}-{config.workers}"
    server_log = open(f"{prefix}-server.log", "w")  # noqa: SIM115  # closed below
    print(f"\n== {config.label}: {args.users} users, {args.duration} s", flush=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "accord.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(config.workers),
            "--threads",
            str(args.threads),
        ],
        env=env,
        cwd=REPO,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    errors: list[str] = []
    try:
        _wait_until_answering(port, server)
        tree = psutil.Process(server.pid)
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{args.duration}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "10",
            "--loglevel",
            "WARNING",
        ]
        ramp = 0.0 if args.include_ramp else args.users / args.spawn_rate
        if not args.include_ramp:
            command.append("--reset-stats")  # figures from when every user has started
        locust_log = open(f"{prefix}-locust.log", "w")  # noqa: SIM115  # closed below
        locust = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=locust_log, stderr=subprocess.STDOUT
        )
        time.sleep(ramp)
        cpu_before = _tree_cpu(tree)
        generator_before = _children_cpu()
        began = time.perf_counter()
        returncode = locust.wait()
        duration = time.perf_counter() - began
        server_cpu = _tree_cpu(tree) - cpu_before
        generator_cpu = _children_cpu() - generator_before  # locust, reaped by wait()
        locust_log.close()
        if returncode not in (0, 1):  # 1: some requests failed, counted below
            errors.append(f"locust exited {returncode}; see {prefix}-locust.log")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        server_log.close()
        if code != 0:
            errors.append(f"accord serve exited {code}; see {prefix}-server.log")
    rows, total = _read_stats(Path(f"{prefix}_stats.csv"))
    failures = _read_failures(Path(f"{prefix}_failures.csv"))
    return Result(config, rows, total, server_cpu, duration, errors, failures, generator_cpu)


def _wait_until_answering(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"accord serve exited {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/notice/", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"accord serve did not answer within {timeout:.0f} s")


def _read_stats(path: Path) -> tuple[list[Row], Row]:
    rows, total = [], Row("(all)", 0, 0, 0.0, 0, 0, 0)
    with path.open(newline="") as f:
        for line in csv.DictReader(f):
            row = Row(
                name=line["Name"],
                count=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                rps=float(line["Requests/s"]),
                p50=_ms(line["50%"]),
                p95=_ms(line["95%"]),
                p99=_ms(line["99%"]),
            )
            if line["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    return rows, total


def _ms(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # "N/A" when a page was never requested
        return float("nan")


def _read_failures(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return [
            f"{line['Occurrences']} x {line['Method']} {line['Name']}: {line['Error']}"
            for line in csv.DictReader(f)
        ]


def _print_result(result: Result) -> None:
    print(
        f"{'page':<34} {'requests':>8} {'failed':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    )
    ordered = sorted(result.rows, key=lambda r: (not r.name.startswith("baseline"), r.name))
    for row in [*ordered, result.total]:
        print(
            f"{row.name[:34]:<34} {row.count:>8} {row.failures:>6} {row.rps:>7.1f} "
            f"{row.p50:>6.0f} {row.p95:>6.0f} {row.p99:>6.0f}"
        )
    cores = result.server_cpu / result.duration if result.duration else 0
    print(
        f"(ms; the server's processes used {cores:.2f} cores on average, "
        f"{_cpu_per_request(result):.0f} ms of CPU per request; locust itself used "
        f"{result.generator_cpu:.0f} s of CPU; PostgreSQL's own processes are not counted)"
    )
    for line in result.failures:
        print(f"  failure: {line}")
    for error in result.errors:
        print(f"  error: {error}")


def _cpu_per_request(result: Result) -> float:
    """Server CPU per request: what a request costs, whatever else the machine was doing."""
    return result.server_cpu * 1000 / result.total.count if result.total.count else float("nan")


def _print_summary(results: list[Result], args: argparse.Namespace) -> None:
    if not results:
        return
    print(f"\n== summary: {args.users} users, {args.duration} s each, {args.cases} generated cases")
    reference = next(
        (r for r in results if r.config.database == "pg" and r.config.workers == 1), None
    )
    print(
        f"{'configuration':<26} {'req/s':>7} {'vs PG 1':>7} {'cores':>5} {'cpu/req':>7} "
        f"{'failed':>6} {'p95 all':>7} "
        f"{'p95 static':>10} {'p95 sign-in':>11} {'worst p95 (page)':<40}"
    )
    for r in results:
        ratio = (
            f"{r.total.rps / reference.total.rps:.2f}x"
            if reference and reference.total.rps
            else "-"
        )
        by_name = {row.name: row for row in r.rows}
        static = by_name.get("baseline: static file")
        notice = by_name.get("baseline: sign-in page")
        pages = [
            row for row in r.rows if row.count and not row.name.startswith(("baseline", "sign"))
        ]
        worst = max(pages, key=lambda row: row.p95, default=None)
        print(
            f"{r.config.label:<26} {r.total.rps:>7.1f} {ratio:>7} "
            f"{r.server_cpu / r.duration if r.duration else 0:>5.2f} {_cpu_per_request(r):>7.0f} "
            f"{r.total.failures:>6} "
            f"{r.total.p95:>7.0f} {static.p95 if static else float('nan'):>10.0f} "
            f"{notice.p95 if notice else float('nan'):>11.0f} "
            f"{(f'{worst.p95:.0f} ms ({worst.name})' if worst else '-'):<40}"
        )
    print("(req/s: requests per second; cores: CPU the server's processes used; cpu/req: server")
    print(" CPU ms per request; p95 in ms; a request the client gave up on after 60 s fails)")
    print(
        f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    raise SystemExit(main())
