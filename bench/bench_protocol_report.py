"""Benchmark: the verification report page of the demo protocol, and a 100-scenario drill.

Targets (issue "Agreeing the protocol"): the report with directory cross-checks
renders in under 1 s; a drill of 100 scenarios runs in under 1 s. Prints
figures; never fails a build.

    .venv/bin/python bench/bench_protocol_report.py
"""

from __future__ import annotations

import os
import pathlib
import statistics
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.test")


def timed(label: str, function, repeat: int = 5) -> None:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    print(
        f"{label:58} median {statistics.median(samples) * 1000:8.1f} ms"
        f"   max {max(samples) * 1000:8.1f} ms"
    )


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from django.test import Client
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accord.accounts.models import Role
    from accord.accounts.tests.factories import make_agency, make_task_force, make_user
    from accord.directory.selectors import Operator
    from accord.directory.services import ImportSource, directory_import
    from accord.protocols import services, verification
    from accord.protocols.drills import load_scenario_file, run_drill
    from accord.protocols.selectors import version_report

    task_force = make_task_force("bench-county")
    directory_import(
        actor=Operator(),
        task_force=task_force,
        source=ImportSource(path=REPO / "examples" / "directory" / "example-county.json"),
    )
    agency = make_agency(task_force, "riverton-pd", sector="law_enforcement_local")
    coordinator = make_user(agency, "bench.coordinator", roles=(Role.COORDINATOR,))
    text = (REPO / "examples" / "protocols" / "example-county.yaml").read_text(encoding="utf-8")
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=text
    )

    def cold_report() -> None:
        verification._CORE_REPORTS.clear()
        version_report(version=version)

    timed("report: core verification + directory checks (cold)", cold_report)
    timed(
        "report: directory checks with cached core result", lambda: version_report(version=version)
    )

    client = Client()
    client.force_login(coordinator)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=coordinator).persistent_id
    session["accord_reauth_at"] = timezone.now().timestamp()
    session.save()
    url = f"/protocols/{version.number}/report/"

    def page() -> None:
        verification._CORE_REPORTS.clear()
        response = client.get(url)
        assert response.status_code == 200

    timed("report page rendered over HTTP (cold core cache)", page)
    timed(
        "version page (tables + report summary) over HTTP",
        lambda: client.get(f"/protocols/{version.number}/"),
    )

    scenarios = load_scenario_file(REPO / "examples" / "scenarios" / "example-county.yaml")
    hundred = (scenarios * (100 // len(scenarios) + 1))[:100]
    protocol = version.protocol
    timed("drill: 100 scenarios, every question", lambda: run_drill(protocol, hundred))


if __name__ == "__main__":
    main()
