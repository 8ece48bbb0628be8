"""Benchmark: what the sharing layer adds to the case list page (50 cases with their victims).

    .venv/bin/python bench/bench_sharing.py [--cases 50] [--runs 30]

Builds a fresh SQLite file, the example protocol, Harbor Light and HSI; opens ``--cases``
cases (Harbor Light's clients, HSI on each case, a release naming HSI on every other
victim), then times, for investigator.hsi, two things:

- the whole page, GET /cases/ through Django's middleware, the view, the read door
  (``door.case_list_released``, audit included) and the template: the figure the
  issue's 20 % budget is about;
- the read door alone, to show where the cost sits.

Each once with the sharing policy and once with it bypassed (every field released, no
releases loaded) -- the bypass exists in this benchmark only. Prints medians and overhead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.test")
    from django.conf import settings

    db = Path(tempfile.mkdtemp()) / "bench-sharing.sqlite3"
    settings.DATABASES["default"]["NAME"] = str(db)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    hsi = _setup(args.cases)
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accord.sharing import door as selectors
    from accord.sharing import policy
    from accord.sharing.door import access as door_access

    client = Client()
    client.force_login(hsi)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.create(user=hsi, name="bench").persistent_id
    session.save()

    def whole_page() -> None:
        response = client.get("/cases/")
        assert response.status_code == 200, response.status_code

    def door_only() -> None:
        selectors.case_list_released(viewer=hsi, limit=args.cases)

    released = policy.Released("bypass", "benchmark bypass")

    def timed(work) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        work()
        return (time.perf_counter() - started) * 1000

    print(f"{args.cases} cases with 2 victims each, {args.runs} runs, median server time")
    for label, work in (
        ("case list page (GET /cases/)", whole_page),
        ("read door alone", door_only),
    ):
        import importlib

        CONSENT_READERS = [
            importlib.import_module(f"accord.sharing.door.{name}")
            for name in ("access", "pages", "listing", "victims")
            if hasattr(importlib.import_module(f"accord.sharing.door.{name}"), "consent_views_for")
        ]
        work()  # warm caches (protocol load, templates)
        with_policy, bypassed = [], []
        for _ in range(args.runs):
            with_policy.append(timed(work))
            with contextlib.ExitStack() as stack:
                stack.enter_context(
                    mock.patch.object(
                        door_access.CaseAccess, "decide", lambda self, record, spec: released
                    )
                )
                for module in CONSENT_READERS:
                    stack.enter_context(
                        mock.patch.object(module, "consent_views_for", lambda **kw: {})
                    )
                bypassed.append(timed(work))
        a, b = statistics.median(with_policy), statistics.median(bypassed)
        print(f"{label}")
        print(f"  with the sharing policy : {a:8.1f} ms")
        print(f"  policy bypassed         : {b:8.1f} ms")
        budget = "  (budget 20 %)" if work is whole_page else ""
        print(f"  overhead                : {100 * (a - b) / b:8.1f} %{budget}")


def _setup(count: int):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from accord.accounts.models import Agency, TaskForce
    from accord.accounts.tests.factories import make_user
    from accord.cases.models import CaseParticipant
    from accord.cases.services import VictimInput, case_open
    from accord.protocols.models import ProtocolVersion
    from accord.sharing.models import ConsentText
    from accord.sharing.services import consent_record

    tf = TaskForce.objects.create(slug="bench", name="Bench TF")
    harbor = Agency.objects.create(
        task_force=tf, slug="harbor-light", name="HL", sector="victim_services"
    )
    hsi_agency = Agency.objects.create(
        task_force=tf, slug="hsi-riverton", name="HSI", sector="law_enforcement_federal"
    )
    ProtocolVersion.objects.create(
        task_force=tf,
        number=1,
        title="Example",
        yaml_text=(REPO / "examples/protocols/example-county.yaml").read_text(),
        status="in_force",
    )
    advocate = make_user(harbor, "advocate.harbor", roles=("advocate",), with_totp=False)
    hsi = make_user(hsi_agency, "investigator.hsi", roles=("investigator",), with_totp=False)
    today = timezone.localdate()
    hsi.cjis_training_on = today
    hsi.background_check_passed_on = today
    hsi.save()
    text = ConsentText.objects.create(task_force=tf, version="1", text="(invented) release text")
    now = timezone.now()
    for index in range(count):
        case = case_open(
            actor=advocate,
            title=f"Bench case {index}",
            incident_kind="victim_ready",
            facts={"trafficking_type": "sex", "victim_age": 25},
            intake_token=uuid.uuid4().hex,
            victims=[
                VictimInput(
                    pseudonym=f"V-{index}-{v}",
                    legal_name=f"(invented) {index}-{v}",
                    contact="(invented) 555",
                    age=25,
                )
                for v in range(2)
            ],
        )
        CaseParticipant.objects.create(case=case, agency=hsi_agency, joined_at=now)
        victim = case.potentialvictims.first()
        if index % 2 == 0:
            consent_record(
                actor=advocate,
                victim=victim,
                recipients=[hsi_agency],
                categories=["identity"],
                purpose="bench",
                expires_at=now + timedelta(days=30),
                consent_text=text,
                signature_method="e_signature",
                signer_typed_name="x",
                signer_agreed=True,
            )
    return hsi


if __name__ == "__main__":
    main()
