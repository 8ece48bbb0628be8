"""Generate many synthetic cases quickly (bulk inserts), for benchmarks and the load test.

Usage from code (Django set up, a task force with agencies and a protocol in force):

    from bench.casegen import generate_cases
    generate_cases(task_force=tf, count=100_000)

Every generated value is invented. Each case gets a participant, a potential
victim, a stored plan (one evaluation reused) and the intake tasks, like a real
intake would, so indexes and table sizes are realistic.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

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


def generate_cases(*, task_force, count: int, batch: int = 5000, seed: int = 7) -> int:  # type: ignore[no-untyped-def]
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
            Case.objects.bulk_create(cases, batch_size=1000)
            cases = list(
                Case.objects.filter(
                    task_force=task_force, year=2020, sequence__gt=start + made
                ).order_by("sequence")[:size]
            )
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
    return made
