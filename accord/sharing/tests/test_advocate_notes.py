"""Privileged advocate notes (class vsp-privileged, issue 12): a provider's counseling and
case-management notes are read by its own advocates and by nobody else — not under a release,
not under any sharing rule, not by a coordinator, not by another provider serving the victim.
The protocol loader refuses a rule naming the class, with its line."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.audit.models import AuditEvent
from accord.cases.models import AdvocateNote, CaseEvent
from accord.cases.services import advocate_note_add
from accord.cases.tests.conftest import open_case
from accord.core.errors import LoadError
from accord.core.load import load_protocol
from accord.core.model import FieldClass, Sector, SharingRule, Stage
from accord.core.tests.conftest import minimal_protocol
from accord.errors import PermissionDenied, ValidationError
from accord.sharing.door import case_detail, case_timeline
from accord.sharing.policy import (
    ConsentView,
    FieldSpec,
    Reason,
    RecordContext,
    Released,
    Viewer,
    Withheld,
    field_decision,
)
from conftest import sign_in

from .strategies import NOW, consents, records, sharing_rules, viewers

PRIVILEGED = FieldSpec(FieldClass.PRIVILEGED, "counseling")
NOTE_CANARY = "CanaryCounselingNote"


def _viewer(**overrides) -> Viewer:
    base = dict(
        user_id=1,
        agency_id=7,
        sector=Sector.VICTIM_SERVICES,
        roles=frozenset({"advocate"}),
        task_force_id=1,
        immigration_authorized=True,
        cji_cleared=True,
    )
    return Viewer(**{**base, **overrides})


def _record(**overrides) -> RecordContext:
    base = dict(
        task_force_id=1,
        stage=Stage.INVESTIGATION,
        participants={7: True, 8: True, 2: False},
        produced_by_agency_id=7,
        produced_by_sector=Sector.VICTIM_SERVICES,
        victim_id=1,
        victim_serving_provider_id=7,
    )
    return RecordContext(**{**base, **overrides})


#: A rule and a release that would pass anything else to everyone on the case.
OPEN_RULE = SharingRule(
    id="everything",
    field_class=FieldClass.PRIVILEGED,
    from_sectors=frozenset(Sector),
    to_sectors=frozenset(Sector),
    stages=frozenset(Stage),
)
GENERAL_RELEASE = ConsentView(
    id=1,
    victim_id=1,
    produced_by_agency_id=7,
    recipient_agency_ids=frozenset({2, 7, 8}),
    categories=frozenset({"counseling", "identity", "contact"}),
    starts_at=NOW.replace(year=2024),
    expires_at=NOW.replace(year=2026),
)


def _decide(viewer: Viewer, record: RecordContext | None = None):
    return field_decision(
        viewer=viewer,
        record=record or _record(),
        spec=PRIVILEGED,
        rules=[OPEN_RULE],
        consents=[GENERAL_RELEASE],
        now=NOW,
    )


# --- the policy, example by example -------------------------------------------------------------


def test_the_producing_providers_advocate_reads_the_note():
    decision = _decide(_viewer())
    assert isinstance(decision, Released) and decision.basis == "own_provider_advocate"


@pytest.mark.parametrize(
    ("who", "viewer"),
    [
        ("an investigator named in a general release", _viewer(agency_id=2, sector="law_enforcement_local", roles=frozenset({"investigator"}))),
        ("another provider also serving the victim", _viewer(agency_id=8)),
        ("the producing provider's coordinator", _viewer(roles=frozenset({"coordinator"}))),
        ("a task force coordinator", _viewer(agency_id=2, roles=frozenset({"coordinator"}))),
        ("a legal services advocate", _viewer(agency_id=8, sector="legal_services")),
        ("an advocate of the producer with the wrong sector", _viewer(sector="legal_services")),
        ("another task force's advocate", _viewer(task_force_id=2)),
    ],
)  # fmt: skip
def test_nobody_else_reads_it_whatever_the_rule_and_release(who, viewer):
    decision = _decide(viewer)
    assert isinstance(decision, Withheld), who
    assert decision.reason in (Reason.PRIVILEGED, Reason.OTHER_TASK_FORCE)


def test_a_withheld_note_says_why():
    decision = _decide(_viewer(agency_id=8))
    assert decision.reason is Reason.PRIVILEGED
    assert "privileged" in decision.explanation


@settings(max_examples=400, deadline=None)
@given(
    viewer=viewers(),
    record=records(),
    rules=st.lists(sharing_rules(), max_size=4).map(lambda rs: [*rs, OPEN_RULE]),
    releases=st.lists(consents(), max_size=3),
)
def test_a_privileged_note_is_never_released_outside_its_providers_advocates(
    viewer, record, rules, releases
):
    """Random viewers, records, rules (including ones the loader refuses, plus a rule passing
    the class to everyone) and releases: released only to an advocate of the producing
    provider, in the record's task force."""
    decision = field_decision(
        viewer=viewer, record=record, spec=PRIVILEGED, rules=rules, consents=releases, now=NOW
    )
    if isinstance(decision, Released):
        assert viewer.agency_id == record.produced_by_agency_id
        assert "advocate" in viewer.roles
        assert viewer.sector == Sector.VICTIM_SERVICES
        assert viewer.task_force_id == record.task_force_id
        assert decision.consent_id is None and decision.rule_id is None


# --- the protocol loader ------------------------------------------------------------------------


def test_the_loader_refuses_a_rule_naming_privileged_notes_with_its_line():
    text = minimal_protocol() + (
        "sharing:\n"
        "  - id: notes-to-police\n"
        "    class: vsp-privileged\n"
        "    from: [victim_services]\n"
        "    to: [law_enforcement_local]\n"
        "    stages: [investigation]\n"
        "    requires_consent: true\n"
    )
    with pytest.raises(LoadError) as caught:
        load_protocol(text, filename="p.yaml")
    issues = caught.value.issues
    assert len(issues) == 1
    assert "privileged advocate notes" in issues[0].message
    class_line = text.splitlines().index("    class: vsp-privileged") + 1
    assert issues[0].line == class_line


# --- the service and the case page -------------------------------------------------------------


@pytest.fixture
def served_case(people):
    """A case New Dawn opened (so it serves the victim), with police and legal aid on it and
    a general release naming them all."""
    from django.utils import timezone

    from accord.cases.models import CaseParticipant

    case = open_case(people["newdawn"])
    for key in ("rpd", "legal", "harbor"):
        CaseParticipant.objects.get_or_create(
            case=case, agency=people[key].agency, defaults={"joined_at": timezone.now()}
        )
    return case


@pytest.mark.django_db
def test_the_serving_providers_advocate_adds_a_note_audited(people, served_case):
    victim = served_case.potentialvictims.get()
    note = advocate_note_add(actor=people["newdawn"], victim_id=victim.pk, text=NOTE_CANARY)
    assert AdvocateNote.objects.get(pk=note.pk).text == NOTE_CANARY
    event = AuditEvent.objects.filter(event="advocate_note_added").get()
    assert event.object_id == str(note.pk) or int(event.object_id) == note.pk
    assert CaseEvent.objects.get(kind="advocate_note_added").field_class == "vsp-privileged"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["rpd", "harbor", "legal", "coordinator"])
def test_others_may_not_write_notes(people, served_case, who):
    victim = served_case.potentialvictims.get()
    with pytest.raises(PermissionDenied):
        advocate_note_add(actor=people[who], victim_id=victim.pk, text="x")
    assert not AdvocateNote.objects.exists()


@pytest.mark.django_db
def test_an_empty_note_is_refused(people, served_case):
    victim = served_case.potentialvictims.get()
    with pytest.raises(ValidationError):
        advocate_note_add(actor=people["newdawn"], victim_id=victim.pk, text="  ")


@pytest.mark.django_db
def test_only_the_providers_advocates_see_the_note_on_any_channel(people, served_case, make_member):
    victim = served_case.potentialvictims.get()
    advocate_note_add(actor=people["newdawn"], victim_id=victim.pk, text=NOTE_CANARY)
    colleague = make_member("advocate.newdawn2", roles=["advocate"], agency_slug="new-dawn")
    for user in (people["newdawn"], colleague):
        view = case_detail(viewer=user, case_id=served_case.pk)
        assert [n.values["text"] for n in view.advocate_notes] == [NOTE_CANARY]
        page = sign_in(Client(), user).get(reverse("cases:detail", args=[served_case.pk]))
        assert NOTE_CANARY in page.content.decode()
    for key in ("rpd", "legal", "harbor", "coordinator"):
        user = people[key]
        assert case_detail(viewer=user, case_id=served_case.pk).advocate_notes == []
        client = sign_in(Client(), user)
        for url in (
            reverse("cases:detail", args=[served_case.pk]),
            reverse("cases:timeline", args=[served_case.pk]),
            f"/api/v1/cases/{served_case.pk}",
        ):
            text = client.get(url).content.decode()
            assert NOTE_CANARY not in text and "Privileged advocate note" not in text, (key, url)
        _case, events = case_timeline(viewer=user, case_id=served_case.pk)
        assert all(e["kind"] != "advocate_note_added" for e in events)
