"""Demo disagreements: open ones at levels 1, 2 and 3, decided and withdrawn ones.

Everything goes through the services with the clock set in the past, so the
history (raised, escalated automatically, decided) reads like real use. Skipped
when no protocol with an escalation ladder is in force, or already loaded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Agency, TaskForce, User
from accord.protocols.models import ProtocolStatus, ProtocolVersion
from accord.protocols.selectors import protocol_in_force

from .models import Disagreement
from .services import (
    PartyPosition,
    disagreement_decide,
    disagreement_raise,
    disagreement_withdraw,
    disagreements_escalate_due,
)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("agency").first()


def _case_id_for(viewer: User) -> int | None:
    """A case the viewer can see, through the cases app's read door (if it is there)."""
    try:
        from accord.sharing.door import cases_for
    except ImportError:
        return None
    summaries = cases_for(viewer=viewer, limit=1)
    return summaries[0].id if summaries else None


@transaction.atomic
def load(*, task_force: TaskForce) -> None:
    version = protocol_in_force(task_force=task_force)
    if version is None or not version.protocol.escalation:
        return
    if Disagreement.objects.filter(task_force=task_force).exists():
        return
    agencies = {a.slug: a for a in Agency.objects.filter(task_force=task_force)}
    needed = ("riverton-pd", "harbor-light", "esp", "ecso", "new-dawn", "dol-oig", "cac-example")
    people = {
        name: _user(name)
        for name in (
            "investigator.rpd",
            "advocate.harbor",
            "investigator.ecso",
            "advocate.newdawn",
            "investigator.dol",
            "advocate.cac",
            "coordinator",
        )
    }
    if any(slug not in agencies for slug in needed) or any(u is None for u in people.values()):
        return
    now = timezone.now()

    def raise_(actor: str, when: datetime, question: str, positions, **subject):
        return disagreement_raise(
            actor=people[actor],  # type: ignore[arg-type]
            question=question,
            parties=[
                PartyPosition(agency_id=agencies[slug].pk, position=text)
                for slug, text in positions
            ],
            now=when,
            **subject,
        )

    case_id = _case_id_for(people["investigator.rpd"])  # type: ignore[arg-type]
    case_subject = {"case_id": case_id} if case_id else {"protocol_version": version}

    # Open at level 1: raised this morning.
    raise_(
        "investigator.rpd",
        now - timedelta(hours=3),
        "May the investigator hold a second interview with the victim this week?",
        [
            ("riverton-pd", "A second interview is needed before the suspect's bail hearing."),
            ("harbor-light", "The victim asked for a week without interviews; she is not ready."),
        ],
        **case_subject,
    )
    # Open, will be at level 2: raised two days ago, unresolved.
    raise_(
        "advocate.newdawn",
        now - timedelta(days=2),
        "Who pays the interpreter for the labor victims' follow-up interviews?",
        [
            ("new-dawn", "The investigating agency requested the interviews, so it pays."),
            ("dol-oig", "Interpreting for victim services is the provider's grant cost."),
        ],
        protocol_version=version,
        protocol_reference="interpreter",
    )
    # Open, will be at level 3: raised six days ago, unresolved at levels 1 and 2.
    raise_(
        "investigator.ecso",
        now - timedelta(days=6),
        "Must the safe house location be shared with the operations commander before a raid?",
        [
            ("ecso", "The commander must know where victims will be taken, for their safety."),
            ("harbor-light", "The address is confidential; a hand-off point is enough."),
        ],
        protocol_version=version,
        protocol_reference="operation_coordination",
    )
    # Decided at level 1.
    decided = raise_(
        "advocate.cac",
        now - timedelta(days=20),
        "Who conducts the first interview of a 15-year-old found at a massage business?",
        [
            ("cac-example", "The children's advocacy center's forensic interviewer, on video."),
            ("ecso", "The detective, because the scene is still active."),
        ],
        protocol_version=version,
        protocol_reference="placement",
    )
    disagreement_decide(
        actor=decided.parties.get(agency=agencies["ecso"]).agency.lead or people["coordinator"],  # type: ignore[arg-type]
        disagreement=decided,
        decision="The CAC's forensic interviewer conducts it; the detective observes from the monitor room.",
        reason="One recorded interview spares the minor repeated questioning; the detective still hears it live.",
        lock_version=decided.lock_version,
        now=now - timedelta(days=20) + timedelta(hours=6),
    )
    # Decided at level 2, feeding the version 2 draft.
    amendment = (
        ProtocolVersion.objects.filter(task_force=task_force, status=ProtocolStatus.DRAFT)
        .order_by("-number")
        .first()
    )
    fed = raise_(
        "investigator.ecso",
        now - timedelta(days=40),
        "Should the State Police join an operation from three potential victims, not five?",
        [
            ("ecso", "Three victims already stretch a county team; the State Police should join."),
            ("esp", "Our tactical unit is small; five victims is the right threshold."),
        ],
        protocol_version=version,
        protocol_reference="law_enforcement_contact",
    )
    disagreements_escalate_due(now=now - timedelta(days=40) + timedelta(hours=25))
    fed.refresh_from_db()
    disagreement_decide(
        actor=people["coordinator"],  # type: ignore[arg-type]
        disagreement=fed,
        decision="The State Police joins from three potential victims; the protocol is amended.",
        reason="The co-chairs weighed the county's capacity over the tactical unit's size; "
        "the State Police agreed to a lighter liaison role.",
        lock_version=fed.lock_version,
        amendment=amendment,
        now=now - timedelta(days=38),
    )
    # Withdrawn.
    withdrawn = raise_(
        "advocate.harbor",
        now - timedelta(days=12),
        "May advocates attend the pre-operation briefing?",
        [
            ("harbor-light", "Advocates need the time window and languages to prepare."),
            ("riverton-pd", "Only the minimal facts the protocol lists, sent in writing."),
        ],
        protocol_version=version,
        protocol_reference="operation_coordination",
    )
    disagreement_withdraw(
        actor=people["advocate.harbor"],  # type: ignore[arg-type]
        disagreement=withdrawn,
        reason="The protocol's minimal pre-operation facts turned out to be enough.",
        lock_version=withdrawn.lock_version,
        now=now - timedelta(days=11),
    )
    # Let the clock run over the open ones: six days old → level 3, two days old → level 2.
    for moment in (now - timedelta(days=5), now - timedelta(days=2), now - timedelta(days=1)):
        disagreements_escalate_due(now=moment)
