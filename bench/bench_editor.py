"""Benchmark: the guided editor's round trip on a 200-rule decision (issue 14).

One round trip is what a coordinator waits for after a change. With JavaScript the save
goes through htmx and the page's script posts only the changed row's fields (the others as
"kept", as accord.js does): rows read, conditions checked, the changed decision read back
by the loader, the draft written as YAML, saved with its lock and audited, the decision
verified, and only the rows whose digest changed rendered and sent back. Without
JavaScript the form posts and the whole page comes back after the redirect (also
measured). Wall and CPU time of this process are printed (the machine is shared); the
form is encoded before the clock starts (the browser's work). The garbage collector is prepared as the web server prepares
it (``accord.memory``). Target: under 100 ms at p95.
Prints figures; never fails.

    .venv/bin/python bench/bench_editor.py
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import statistics
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.test")

RULES = 200
ROUNDS = 4 if "--profile" in sys.argv else 40


def _bands(count: int, low: int = 0, high: int = 120) -> list[tuple[int, int]]:
    size = (high - low + 1) / count
    edges = [low + round(size * i) for i in range(count)] + [high + 1]
    return [(edges[i], edges[i + 1] - 1) for i in range(count)]


def big_protocol_text() -> str:
    """The example protocol with a 200-rule placement table (age bands by gender, complete)."""
    from accord.core import dump_protocol, load_protocol, parse_condition
    from accord.core.model import Rule

    protocol = load_protocol((REPO / "examples/protocols/example-county.yaml").read_text())
    placement = protocol.decisions["placement"]
    age = protocol.factors["victim_age"].domain
    gender = protocol.factors["victim_gender"].domain
    services = [s for s in protocol.directory if protocol.directory[s].kind == "service"]
    rules = []
    per_gender = [RULES // 3 + (1 if i < RULES % 3 else 0) for i in range(3)]
    for value, count in zip(gender.values, per_gender, strict=True):
        for low, high in _bands(count):
            rules.append(
                Rule(
                    id=f"P{len(rules) + 1}",
                    conditions={
                        "victim_age": parse_condition(f"[{low}..{high}]", age),
                        "victim_gender": parse_condition(str(value), gender),
                    },
                    outputs={"service": services[len(rules) % len(services)]},
                )
            )
    big = dataclasses.replace(placement, rules=tuple(rules))
    return dump_protocol(
        dataclasses.replace(protocol, decisions={**protocol.decisions, "placement": big})
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


#: How a browser (and htmx) posts the form. Django's test client would otherwise send
#: multipart/form-data, whose parsing of 1,600 fields alone took over a second here.
FORM = "application/x-www-form-urlencoded"


def _encoded(data: dict[str, list[str]]) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


def _form(version, rows) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    data = {
        "lock_version": [str(version.lock_version)],
        "rows": [str(len(rows))],
        "hit_policy": ["one"],
        "action": ["save"],
    }
    for index, row in enumerate(rows):
        data[f"r{index}-id"] = [row.rule_id]
        for cell in row.cells:
            key = f"r{index}-c-{cell.factor}-"
            if cell.factor == "victim_age":
                data[key + "mode"] = ["range"]
                data[key + "from"], data[key + "to"] = [cell.low], [cell.high]
            else:
                data[key + "mode"] = ["values"]
                data[key + "v"] = list(cell.values)
        for output in row.outputs:
            data[f"r{index}-o-{output.name}"] = [output.value]
    return data


def run() -> None:
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accord.accounts.models import Role
    from accord.accounts.tests.factories import make_agency, make_task_force, make_user
    from accord.directory.selectors import Operator
    from accord.directory.services import ImportSource, directory_import
    from accord.memory import prepare_to_serve
    from accord.protocols import editor, services
    from accord.protocols.models import ProtocolVersion

    task_force = make_task_force("bench-county")
    directory_import(
        actor=Operator(),
        task_force=task_force,
        source=ImportSource(path=REPO / "examples" / "directory" / "example-county.json"),
    )
    agency = make_agency(task_force, "riverton-pd", sector="law_enforcement_local")
    coordinator = make_user(agency, "bench.coordinator", roles=(Role.COORDINATOR,))
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=big_protocol_text()
    )
    client = Client()
    client.force_login(coordinator)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=coordinator).persistent_id
    session.save()
    url = f"/protocols/{version.number}/guided/placement/"
    # Set up as the web server is before its first request (accord/wsgi.py), its database
    # already there: ACCORD_GC_FREEZE=false ACCORD_GC_THRESHOLD= (empty) keep Python's own.
    collector = prepare_to_serve()
    print(
        f"garbage collector: {collector.frozen:,} start-up objects frozen, "
        f"thresholds {collector.threshold}"
    )
    assert client.get(url).status_code == 200

    import re

    def digests(html: str) -> dict[str, list[str]]:
        return {n: [v] for n, v in re.findall(r'name="(r\d+-shown)" value="([0-9a-f]+)"', html)}

    def drawn_saved(html: str) -> dict[str, bool]:
        return {
            i: " data-saved" in tag for i, tag in re.findall(r'<tr id="row-(\d+)"([^>]*)>', html)
        }

    first = client.get(url)
    assert first.status_code == 200
    shown = digests(first.content.decode())  # what the browser holds, row by row
    saved = drawn_saved(first.content.decode())  # rows drawn as saved (data-saved)

    def as_the_page_posts(data: dict[str, list[str]], changed: set[str]) -> dict[str, list[str]]:
        """What the page's script (accord.js) posts on a save: the fields of a row drawn as
        saved and not changed since are left out, and "r<i>-kept" stands for them."""
        kept = {i for i, is_saved in saved.items() if is_saved and i not in changed}
        posted = {
            name: value
            for name, value in data.items()
            if not (
                (found := re.match(r"r(\d+)-(.+)$", name))
                and found[1] in kept
                and found[2] not in ("id", "shown")
            )
        }
        return posted | {f"r{i}-kept": ["1"] for i in kept}

    def change(round_: int):  # type: ignore[no-untyped-def]
        version_now = ProtocolVersion.objects.get(pk=version.pk)
        decision = version_now.protocol.decisions["placement"]
        rows = editor.rows_from_decision(version_now.protocol, decision)
        # The change: the first rule ends a year earlier, then gets it back (a gap, then none).
        rows[0].cells[0].high = str(int(rows[0].cells[0].high) + (-1 if round_ % 2 == 0 else 1))
        return _form(version_now, rows)

    # Python's garbage collector pauses the request now and then (a full collection walks
    # every object of the process): its share of each round trip is measured too.
    import gc

    paused = {"since": 0.0, "total": 0.0}

    def collecting(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            paused["since"] = time.process_time()
        else:
            paused["total"] += time.process_time() - paused["since"]

    gc.callbacks.append(collecting)

    # With JavaScript (htmx): the save answers with the changed rows, verdict, gaps and lock.
    wall: list[float] = []
    cpu: list[float] = []
    collected: list[float] = []
    for round_ in range(ROUNDS):
        body = _encoded(as_the_page_posts({**change(round_), **shown}, changed={"0"}))
        paused["total"] = 0.0
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(url, body, content_type=FORM, HTTP_HX_REQUEST="true")
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        collected.append(paused["total"])
        assert response.status_code == 200, response.status_code
        html = response.content.decode()
        assert ('id="gap-0"' in html) == (round_ % 2 == 0)
        shown.update(digests(html))
        saved.update(drawn_saved(html))
    sent = html.count('<tr id="row-')
    posted_fields = body.count("&") + 1

    # Without JavaScript: the form posts, the page after the redirect comes back whole.
    full_rounds = max(4, ROUNDS // 4)
    nojs_wall: list[float] = []
    nojs_cpu: list[float] = []
    for round_ in range(full_rounds):
        body = _encoded(change(round_))
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(url, body, content_type=FORM)
        assert response.status_code == 302, response.status_code
        page = client.get(url)
        nojs_wall.append(time.perf_counter() - started)
        nojs_cpu.append(time.process_time() - started_cpu)
        assert page.status_code == 200

    def pct(samples: list[float], share: float) -> float:
        ordered = sorted(samples)
        return ordered[max(0, round(share * len(ordered)) - 1)] * 1000

    def line(label: str, samples: list[float]) -> None:
        print(
            f"{label:52} p50 {statistics.median(samples) * 1000:7.1f} ms   "
            f"p95 {pct(samples, 0.95):7.1f} ms"
        )

    if "--profile" in sys.argv:  # where one more round trip spends its time
        import cProfile
        import pstats

        body = _encoded(as_the_page_posts({**change(0), **shown}, changed={"0"}))
        profile = cProfile.Profile()
        profile.runcall(lambda: client.post(url, body, content_type=FORM, HTTP_HX_REQUEST="true"))
        pstats.Stats(profile).sort_stats("cumulative").print_stats(
            int(os.environ.get("BENCH_LINES", "40"))
        )

    print(f"guided editor round trip, {RULES}-rule decision, {ROUNDS} changes")
    line("htmx save → changed rows back: wall", wall)
    line("htmx save → changed rows back: CPU of this process", cpu)
    line("  of which garbage collection pauses (CPU)", collected)
    line("  CPU without those pauses", [c - g for c, g in zip(cpu, collected, strict=True)])
    print(
        f"  (fields posted: {posted_fields:,}; rows sent back in the last answer: {sent} of "
        f"{RULES})"
    )
    line(f"no-JS post + whole page ({full_rounds} changes): wall", nojs_wall)
    line(f"no-JS post + whole page ({full_rounds} changes): CPU", nojs_cpu)
    print(
        f"target 100 ms at p95: htmx wall {pct(wall, 0.95) / 100:.2f}, "
        f"CPU {pct(cpu, 0.95) / 100:.2f} of the target"
    )
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
