"""The case team (issue 11): who is on a case, the prosecution hand-off, and tasks that always
have an owner who can see them. Each test asserts what a user would notice and the audit event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.accounts.models import Agency, TaskForce
from accord.cases.models import (
    Case,
    CaseEvent,
    CaseParticipant,
    JoinedVia,
    ParticipantPart,
    Task,
    TaskStatus,
)
from accord.cases.services import (
    case_prosecution_start,
    case_stage_set,
    case_update_facts,
    lead_hand_off,
    participant_add,
    participant_remove,
    prosecuting_office_proposal,
    task_reassign,
)
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.sharing.door import case_detail, case_list_released, case_timeline

from .conftest import LABOR_MINOR, open_case
from .team_helpers import COUNTY_SEX, audit_events, team

# --- who is on a case -----------------------------------------------------------------------


def test_opening_agency_is_the_lead_and_joined_by_opening(people):
    case = open_case(people["rpd"])
    rpd = team(case)["riverton-pd"]
    assert rpd.part == ParticipantPart.LEAD
    assert rpd.joined_via == JoinedVia.OPENED


def test_lead_adds_an_agency_once_with_part_reason_and_audit(people, county):
    case = open_case(people["rpd"])
    participant = participant_add(
        actor=people["rpd"],
        case=case,
        agency=county["legal-aid"],
        part=ParticipantPart.LEGAL_SERVICES,
        reason="Vacatur of the victim's record",
    )
    assert participant.part == ParticipantPart.LEGAL_SERVICES
    assert participant.joined_via == JoinedVia.ADDED
    assert participant.added_by == people["rpd"]
    assert participant.reason == "Vacatur of the victim's record"
    (event,) = audit_events(
        "case_participant_added", object_type="cases.caseparticipant", object_id=participant.pk
    )
    assert event.detail["agency"] == "legal-aid"
    assert event.detail["part"] == "legal_services"
    assert CaseEvent.objects.filter(case=case, kind="participant_added").count() == 1
    # the legal aid advocate now opens the case
    assert case_detail(viewer=people["legal"], case_id=case.pk).case.id == case.pk

    with pytest.raises(ValidationError) as refused:
        participant_add(
            actor=people["rpd"],
            case=case,
            agency=county["legal-aid"],
            part=ParticipantPart.LEGAL_SERVICES,
            reason="again",
        )
    assert refused.value.data["field"] == "agency"
    assert "already on the case" in refused.value.message
    assert CaseParticipant.objects.filter(case=case, agency=county["legal-aid"]).count() == 1
    assert len(audit_events("case_participant_added")) == 1


def test_adding_needs_a_reason_and_a_part_the_agency_can_play(people, county):
    case = open_case(people["rpd"])
    with pytest.raises(ValidationError) as no_reason:
        participant_add(
            actor=people["rpd"],
            case=case,
            agency=county["legal-aid"],
            part=ParticipantPart.LEGAL_SERVICES,
            reason="  ",
        )
    assert no_reason.value.data["field"] == "reason"
    with pytest.raises(ValidationError) as wrong_part:
        participant_add(
            actor=people["rpd"],
            case=case,
            agency=county["legal-aid"],
            part=ParticipantPart.PROSECUTING,
            reason="why not",
        )
    assert wrong_part.value.data["field"] == "part"
    with pytest.raises(ValidationError) as lead_part:
        participant_add(
            actor=people["rpd"],
            case=case,
            agency=county["ecso"],
            part=ParticipantPart.LEAD,
            reason="take over",
        )
    assert lead_part.value.data["field"] == "part"
    assert "legal-aid" not in team(case) and "ecso" not in team(case)
    assert audit_events("case_participant_added") == []


def test_an_agency_of_another_task_force_is_refused_like_a_missing_one(people, county):
    case = open_case(people["rpd"])
    other_tf = TaskForce.objects.create(slug="elsewhere", name="Elsewhere")
    stranger = Agency.objects.create(
        task_force=other_tf, slug="far-pd", name="Far PD", sector="law_enforcement_local"
    )
    messages = []
    for agency in (stranger, 999_999):
        with pytest.raises(ValidationError) as refused:
            participant_add(
                actor=people["rpd"], case=case, agency=agency, part="investigating", reason="x"
            )
        assert refused.value.data["field"] == "agency"
        messages.append(refused.value.message)
    assert messages[0] == messages[1]
    assert not CaseParticipant.objects.filter(agency=stranger).exists()


def test_only_the_lead_or_a_coordinator_adds(people, county):
    case = open_case(people["rpd"])  # HSI joins by its Continued Presence task
    assert "hsi-riverton" in team(case)
    with pytest.raises(PermissionDenied):
        participant_add(
            actor=people["hsi"],
            case=case,
            agency=county["legal-aid"],
            part=ParticipantPart.LEGAL_SERVICES,
            reason="help",
        )
    participant_add(
        actor=people["coordinator"],
        case=case,
        agency=county["legal-aid"],
        part=ParticipantPart.LEGAL_SERVICES,
        reason="help",
    )
    assert "legal-aid" in team(case)


def test_removal_refused_while_the_agency_owns_open_tasks_then_reassigned(people, county):
    case = open_case(people["rpd"])
    hsi_tasks = set(
        Task.objects.filter(case=case, owner_agency=county["hsi-riverton"]).values_list(
            "pk", flat=True
        )
    )
    assert hsi_tasks  # Continued Presence and the HHS notification
    with pytest.raises(ValidationError) as refused:
        participant_remove(
            actor=people["rpd"], case=case, agency=county["hsi-riverton"], reason="not needed"
        )
    assert refused.value.data["field"] == "reassign_to"
    assert "hsi-riverton" in team(case)
    assert (
        set(
            Task.objects.filter(case=case, owner_agency=county["hsi-riverton"]).values_list(
                "pk", flat=True
            )
        )
        == hsi_tasks
    )
    assert audit_events("case_participant_removed") == []

    with pytest.raises(ValidationError) as not_on_case:
        participant_remove(
            actor=people["rpd"],
            case=case,
            agency=county["hsi-riverton"],
            reason="not needed",
            reassign_to=county["fbi-riverton"],
        )
    assert not_on_case.value.data["field"] == "reassign_to"

    participant_add(
        actor=people["rpd"],
        case=case,
        agency=county["fbi-riverton"],
        part=ParticipantPart.INVESTIGATING,
        reason="FBI takes the federal side",
    )
    participant_remove(
        actor=people["rpd"],
        case=case,
        agency=county["hsi-riverton"],
        reason="FBI takes the federal side",
        reassign_to=county["fbi-riverton"],
    )
    assert "hsi-riverton" not in team(case)
    assert set(
        Task.objects.filter(pk__in=hsi_tasks).values_list("owner_agency__slug", flat=True)
    ) == {"fbi-riverton"}
    (event,) = audit_events("case_participant_removed", object_type="cases.case", object_id=case.pk)
    assert event.detail["agency"] == "hsi-riverton"
    assert event.detail["tasks_reassigned"] == len(hsi_tasks)
    assert event.detail["reassigned_to"] == "fbi-riverton"
    with pytest.raises(NotFound):
        case_detail(viewer=people["hsi"], case_id=case.pk)


def test_the_lead_cannot_be_removed(people, county):
    case = open_case(people["rpd"])
    with pytest.raises(ValidationError) as refused:
        participant_remove(
            actor=people["rpd"], case=case, agency=county["riverton-pd"], reason="done"
        )
    assert refused.value.data["field"] == "agency"
    assert "hand the lead" in refused.value.message
    assert "riverton-pd" in team(case)


def test_hand_off_by_the_lead_only_with_version_check(people, county):
    case = open_case(people["rpd"])
    with pytest.raises(PermissionDenied):
        lead_hand_off(
            actor=people["hsi"],
            case=case,
            agency=county["hsi-riverton"],
            reason="ours",
            expected_version=case.lock_version,
        )
    with pytest.raises(ConflictError):
        lead_hand_off(
            actor=people["rpd"],
            case=case,
            agency=county["ecso"],
            reason="county case",
            expected_version=case.lock_version + 5,
        )
    with pytest.raises(ValidationError) as not_member:
        lead_hand_off(
            actor=people["rpd"],
            case=case,
            agency=123_456,
            reason="county case",
            expected_version=case.lock_version,
        )
    assert not_member.value.data["field"] == "agency"
    assert Case.objects.get(pk=case.pk).lead_agency == county["riverton-pd"]
    assert audit_events("case_lead_handed_off") == []

    lead_hand_off(
        actor=people["rpd"],
        case=case,
        agency=county["ecso"],
        reason="The crime was in the county",
        expected_version=case.lock_version,
    )
    case.refresh_from_db()
    assert case.lead_agency == county["ecso"]
    members = team(case)
    assert members["ecso"].part == ParticipantPart.LEAD
    assert members["ecso"].joined_via == JoinedVia.HAND_OFF
    assert members["riverton-pd"].part == ParticipantPart.INVESTIGATING
    (event,) = audit_events("case_lead_handed_off", object_id=case.pk)
    assert event.detail == {"old": "riverton-pd", "new": "ecso"}
    # the old lead may no longer run the team
    with pytest.raises(PermissionDenied):
        participant_add(
            actor=people["rpd"],
            case=case,
            agency=county["legal-aid"],
            part=ParticipantPart.LEGAL_SERVICES,
            reason="help",
        )


def test_participant_ensure_never_downgrades_a_part(people, county):
    from accord.cases.services._common import participant_ensure

    case = open_case(people["rpd"])
    participant_ensure(
        case=case,
        agency=county["riverton-pd"],
        now=timezone.now(),
        part=ParticipantPart.INVESTIGATING,
        joined_via=JoinedVia.TASK,
    )
    assert team(case)["riverton-pd"].part == ParticipantPart.LEAD
    assert team(case)["riverton-pd"].joined_via == JoinedVia.OPENED


# --- the VAWA exception ---------------------------------------------------------------------


def _release(*, case, victim, provider_user, recipient, revoked=False):
    from accord.sharing.models import ConsentText, Release

    now = timezone.now()
    text, _ = ConsentText.objects.get_or_create(
        task_force_id=case.task_force_id, version="t1", defaults={"text": "t"}
    )
    record = Release.objects.create(
        task_force_id=case.task_force_id,
        victim=victim,
        case=case,
        produced_by=provider_user.agency,
        categories=["identity"],
        purpose="Talk to the investigator",
        consent_text=text,
        text_shown="t",
        signature_method="e_signature",
        signer_typed_name="Signer",
        signer_agreed=True,
        signed_at=now,
        starts_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=30),
        revoked_at=now - timedelta(seconds=1) if revoked else None,
        recorded_by=provider_user,
        recorded_at=now,
    )
    record.recipients.set([recipient])
    return record


def test_provider_case_keeps_law_enforcement_out_until_a_release_names_it(people, county):
    harbor = people["harbor"]
    case = open_case(harbor, facts={**LABOR_MINOR, "victim_age": 30})
    sectors = {p.agency.sector for p in CaseParticipant.objects.filter(case=case)}
    assert sectors == {"victim_services"}
    assert not Task.objects.filter(case=case, owner_agency__sector__startswith="law_").exists()
    held = CaseEvent.objects.filter(case=case, kind="task_unowned").values_list(
        "summary", flat=True
    )
    assert any("Held back until a victim's release names" in s for s in held)
    with pytest.raises(NotFound):
        case_detail(viewer=people["hsi"], case_id=case.pk)
    # question 1's answer stays as guidance for the provider
    plan = case_detail(viewer=harbor, case_id=case.pk).plan
    assert any(a["decision"] == "law_enforcement_contact" for a in plan.values["answers"])

    victim = case.potentialvictims.first()
    _release(
        case=case,
        victim=victim,
        provider_user=harbor,
        recipient=county["hsi-riverton"],
        revoked=True,
    )
    with pytest.raises(ValidationError) as refused:
        participant_add(
            actor=harbor,
            case=case,
            agency=county["hsi-riverton"],
            part=ParticipantPart.INVESTIGATING,
            reason="She is ready to talk",
        )
    assert refused.value.data["field"] == "agency"
    assert refused.value.code == "held_back"
    assert "release" in refused.value.message
    # a release naming another agency does not open the door either
    _release(case=case, victim=victim, provider_user=harbor, recipient=county["fbi-riverton"])
    with pytest.raises(ValidationError):
        participant_add(
            actor=harbor,
            case=case,
            agency=county["hsi-riverton"],
            part=ParticipantPart.INVESTIGATING,
            reason="She is ready to talk",
        )
    assert "hsi-riverton" not in team(case)

    _release(case=case, victim=victim, provider_user=harbor, recipient=county["hsi-riverton"])
    participant_add(
        actor=harbor,
        case=case,
        agency=county["hsi-riverton"],
        part=ParticipantPart.INVESTIGATING,
        reason="She is ready to talk",
    )
    assert team(case)["hsi-riverton"].part == ParticipantPart.INVESTIGATING
    assert case_detail(viewer=people["hsi"], case_id=case.pk).case.id == case.pk


def test_provider_case_hand_off_to_law_enforcement_is_held_back(people, county):
    harbor = people["harbor"]
    case = open_case(harbor, facts={**LABOR_MINOR, "victim_age": 30})
    with pytest.raises(ValidationError) as refused:
        lead_hand_off(
            actor=harbor,
            case=case,
            agency=county["riverton-pd"],
            reason="investigate",
            expected_version=case.lock_version,
        )
    assert refused.value.code == "held_back"
    assert Case.objects.get(pk=case.pk).lead_agency.slug == "harbor-light"


# --- prosecution hand-off -------------------------------------------------------------------


def test_prosecution_goes_to_the_proposed_office_whose_prosecutors_then_see_it(
    people, county, usao
):
    case = open_case(people["rpd"], facts=COUNTY_SEX)
    proposal = prosecuting_office_proposal(case)
    assert proposal.agency == county["da-example"]
    assert proposal.rules == ("PO4",)
    with pytest.raises(NotFound):
        case_detail(viewer=people["da"], case_id=case.pk)

    case_prosecution_start(
        actor=people["rpd"],
        case=case,
        office=county["da-example"],
        expected_version=case.lock_version,
    )
    case.refresh_from_db()
    assert case.stage == "prosecution"
    da = team(case)["da-example"]
    assert (da.part, da.joined_via) == (ParticipantPart.PROSECUTING, JoinedVia.PROSECUTION)
    tasks = {t.deadline_id: t for t in Task.objects.filter(case=case, anchor="prosecution")}
    assert set(tasks) == {"charging-review", "victim-witness-contact"}
    assert {t.owner_agency.slug for t in tasks.values()} == {"da-example"}
    assert case_detail(viewer=people["da"], case_id=case.pk).case.id == case.pk
    assert case.pk in [row.case.id for row in case_list_released(viewer=people["da"])]
    with pytest.raises(NotFound):
        case_detail(viewer=usao, case_id=case.pk)
    assert case.pk not in [row.case.id for row in case_list_released(viewer=usao)]
    (stage,) = audit_events("case_stage_changed", object_id=case.pk)
    assert stage.detail == {"old": "referral", "new": "prosecution"}
    (chosen,) = audit_events("case_prosecution_office_chosen", object_id=case.pk)
    assert chosen.detail["office"] == "da-example"
    assert chosen.detail["proposed"] == "da-example"
    assert chosen.detail["differs"] is False


def test_another_office_than_proposed_needs_a_reason(people, county, usao):
    case = open_case(people["rpd"], facts=COUNTY_SEX)
    with pytest.raises(ValidationError) as refused:
        case_prosecution_start(
            actor=people["rpd"],
            case=case,
            office=county["usao-example"],
            reason=" ",
            expected_version=case.lock_version,
        )
    assert refused.value.data["field"] == "reason"
    assert "proposes" in refused.value.message
    case.refresh_from_db()
    assert case.stage == "referral"
    assert "usao-example" not in team(case)
    assert audit_events("case_prosecution_office_chosen") == []

    case_prosecution_start(
        actor=people["rpd"],
        case=case,
        office=county["usao-example"],
        reason="Federal firearms charges join the case",
        expected_version=case.lock_version,
    )
    assert case_detail(viewer=usao, case_id=case.pk).case.id == case.pk
    with pytest.raises(NotFound):
        case_detail(viewer=people["da"], case_id=case.pk)
    (chosen,) = audit_events("case_prosecution_office_chosen", object_id=case.pk)
    assert chosen.detail["differs"] is True
    assert chosen.detail["proposed"] == "da-example"
    assert team(case)["usao-example"].reason == "Federal firearms charges join the case"


def test_the_office_must_be_a_member_prosecution_agency(people, county):
    case = open_case(people["rpd"], facts=COUNTY_SEX)
    for office in (county["legal-aid"], 987_654, None):
        with pytest.raises(ValidationError) as refused:
            case_prosecution_start(
                actor=people["rpd"],
                case=case,
                office=office,
                reason="because",
                expected_version=case.lock_version,
            )
        assert refused.value.data["field"] == "office"
    assert Case.objects.get(pk=case.pk).stage == "referral"


def test_only_the_lead_moves_to_prosecution(people, county):
    case = open_case(people["rpd"], facts=COUNTY_SEX)
    participant_add(
        actor=people["rpd"],
        case=case,
        agency=county["ecso"],
        part=ParticipantPart.INVESTIGATING,
        reason="help",
    )
    with pytest.raises(PermissionDenied):
        case_prosecution_start(
            actor=people["ecso"],
            case=case,
            office=county["da-example"],
            expected_version=case.lock_version,
        )
    assert Case.objects.get(pk=case.pk).stage == "referral"


def test_the_stage_form_moves_to_prosecution_with_the_proposed_office(people, county):
    case = open_case(people["rpd"], facts=COUNTY_SEX)
    case_stage_set(actor=people["rpd"], case=case, stage="investigation", expected_version=None)
    (event,) = audit_events("case_stage_changed", object_id=case.pk)
    assert event.detail == {"old": "referral", "new": "investigation"}
    case_stage_set(actor=people["rpd"], case=case, stage="prosecution", expected_version=None)
    assert team(case)["da-example"].part == ParticipantPart.PROSECUTING
    (chosen,) = audit_events("case_prosecution_office_chosen", object_id=case.pk)
    assert chosen.detail["office"] == "da-example"


def test_no_proposed_office_means_the_stage_form_cannot_reach_prosecution(people):
    facts = {**COUNTY_SEX, "trafficker_foreign_national": "unknown"}
    case = open_case(people["rpd"], facts=facts)
    assert prosecuting_office_proposal(case).agency is None
    with pytest.raises(ValidationError) as refused:
        case_stage_set(actor=people["rpd"], case=case, stage="prosecution", expected_version=None)
    assert refused.value.data["field"] == "stage"
    assert Case.objects.get(pk=case.pk).stage == "referral"


def test_a_prosecutor_opens_a_case_led_by_the_office(people):
    case = open_case(people["da"], facts=COUNTY_SEX, title="Identified in court")
    assert case.lead_agency.slug == "da-example"
    assert team(case)["da-example"].part == ParticipantPart.LEAD


# --- tasks always have an owner who can see them ----------------------------------------------


def test_every_generated_task_is_owned_by_a_participant(people):
    case = open_case(people["rpd"], victims=2)
    participants = set(
        CaseParticipant.objects.filter(case=case).values_list("agency_id", flat=True)
    )
    tasks = list(Task.objects.filter(case=case))
    assert tasks
    assert all(t.owner_agency_id in participants for t in tasks)
    hsi = team(case)["hsi-riverton"]
    assert hsi.joined_via == JoinedVia.TASK


def test_a_deadline_nobody_can_own_makes_no_task_and_tells_the_case(people, county):
    Agency.objects.filter(slug="hsi-riverton").update(is_active=False)
    case = open_case(people["rpd"])
    assert not Task.objects.filter(case=case, owner_agency__isnull=True).exists()
    assert not Task.objects.filter(case=case, deadline_id="continued-presence-request").exists()
    summaries = list(
        CaseEvent.objects.filter(case=case, kind="task_unowned").values_list("summary", flat=True)
    )
    assert any("law enforcement federal" in s and "Continued Presence" in s for s in summaries), (
        summaries
    )
    _case, events = case_timeline(viewer=people["coordinator"], case_id=case.pk)
    assert any("Continued Presence" in e["summary"] for e in events if e["kind"] == "task_unowned")
    # re-evaluating tells it once, and never creates the task without an owner
    before = len(summaries)
    case_update_facts(
        actor=people["rpd"], case=case, facts={"victim_count": 2}, expected_version=None
    )
    assert CaseEvent.objects.filter(case=case, kind="task_unowned").count() == before
    assert not Task.objects.filter(case=case, owner_agency__isnull=True).exists()


def test_the_lead_owns_a_task_only_when_its_sector_fits(people, county):
    from accord.cases.tasks import resolve_owner
    from accord.core.model import Deadline, Sector

    case = open_case(people["rpd"], facts=COUNTY_SEX)
    local = Deadline(
        id="x",
        task="x",
        owner_sector=Sector.LAW_ENFORCEMENT_LOCAL,
        owner_role="",
        anchor="intake",
        offset_minutes=0,
    )
    federal = Deadline(
        id="y",
        task="y",
        owner_sector=Sector.LAW_ENFORCEMENT_FEDERAL,
        owner_role="",
        anchor="intake",
        offset_minutes=0,
    )
    assert resolve_owner(local, case=case, agencies={}, participants=[]) == county["riverton-pd"]
    assert resolve_owner(federal, case=case, agencies={}, participants=[]) is None


def test_re_evaluating_never_duplicates_a_task(people):
    case = open_case(people["rpd"])
    before = sorted(Task.objects.filter(case=case).values_list("deadline_id", "anchor_ref"))
    for count in (2, 3, 2):
        case_update_facts(
            actor=people["rpd"], case=case, facts={"victim_count": count}, expected_version=None
        )
    after = sorted(
        Task.objects.filter(case=case)
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("deadline_id", "anchor_ref")
    )
    assert after == before
    assert len(after) == len(set(after))


def test_the_lead_reassigns_a_task_to_a_participant_only(people, county):
    case = open_case(people["rpd"])
    task = Task.objects.filter(case=case, owner_agency=county["hsi-riverton"]).first()
    with pytest.raises(ValidationError) as not_on_case:
        task_reassign(
            actor=people["rpd"], task=task, agency=county["fbi-riverton"], expected_version=None
        )
    assert not_on_case.value.data["field"] == "agency"
    with pytest.raises(PermissionDenied):
        task_reassign(
            actor=people["hsi"], task=task, agency=county["riverton-pd"], expected_version=None
        )
    with pytest.raises(ConflictError):
        task_reassign(
            actor=people["rpd"],
            task=task,
            agency=county["riverton-pd"],
            expected_version=task.lock_version + 1,
        )
    task_reassign(
        actor=people["rpd"],
        task=task,
        agency=county["riverton-pd"],
        expected_version=task.lock_version,
    )
    task.refresh_from_db()
    assert task.owner_agency == county["riverton-pd"]
    (event,) = audit_events("task_reassigned", object_type="cases.task", object_id=task.pk)
    assert event.detail == {"old": "hsi-riverton", "new": "riverton-pd"}


# --- the verification finding ---------------------------------------------------------------


def test_verification_reports_a_deadline_no_member_agency_can_own(county, task_force):
    from accord.protocols.directory_checks import deadline_owner_findings
    from accord.protocols.models import ProtocolVersion

    protocol = ProtocolVersion.objects.get(task_force=task_force).protocol
    assert deadline_owner_findings(task_force=task_force, protocol=protocol) == []
    Agency.objects.filter(sector="prosecution").update(is_active=False)
    findings = deadline_owner_findings(task_force=task_force, protocol=protocol)
    assert {f.rule for f in findings} == {
        "motion-to-dismiss",
        "charging-review",
        "victim-witness-contact",
    }
    finding = next(f for f in findings if f.rule == "charging-review")
    assert "names no owner agency and no member agency of sector prosecution" in finding.message
    assert finding.check == "deadline_owner"


def test_the_verification_report_carries_the_finding(county, task_force):
    from accord.protocols.models import ProtocolVersion
    from accord.protocols.verification import build_report

    version = ProtocolVersion.objects.get(task_force=task_force)
    Agency.objects.filter(sector="prosecution").update(is_active=False)
    report = build_report(protocol=version.protocol, digest="test-digest", task_force=task_force)
    kinds = [item for item in report.items if item.kind == "deadline-owner"]
    assert {item.rules for item in kinds} == {
        ("motion-to-dismiss",),
        ("charging-review",),
        ("victim-witness-contact",),
    }
    assert all(item.severity == "warning" for item in kinds)


def test_a_waiting_deadline_gets_its_task_when_an_owner_joins(people, county):
    case = open_case(people["rpd"], facts={**LABOR_MINOR, "trafficker_intimate_partner": True})
    assert not Task.objects.filter(case=case, deadline_id="danger-assessment").exists()
    assert CaseEvent.objects.filter(
        case=case, kind="task_unowned", summary__contains="danger assessment"
    ).exists()
    participant_add(
        actor=people["rpd"],
        case=case,
        agency=county["harbor-light"],
        part=ParticipantPart.SERVING_PROVIDER,
        reason="Harbor Light serves survivors of intimate-partner trafficking",
    )
    (task,) = Task.objects.filter(case=case, deadline_id="danger-assessment")
    assert task.owner_agency == county["harbor-light"]
    assert team(case)["harbor-light"].is_serving_provider


def test_property_tasks_are_owned_by_participants_and_never_duplicated(people, county):
    """Over openers, facts and missing agencies: every task's owner is on the case, re-evaluating
    adds no second task for the same answer, and a provider's case holds no law enforcement."""
    from collections import Counter

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        opener=st.sampled_from(("rpd", "hsi", "harbor", "da")),
        age=st.integers(min_value=5, max_value=70),
        citizenship=st.sampled_from(("us_citizen", "permanent_resident", "foreign_national")),
        kind=st.sampled_from(("sex", "labor", "both")),
        jurisdiction=st.sampled_from(("riverton", "lakeside", "multi_state")),
        partner=st.booleans(),
        charged=st.booleans(),
        missing=st.sets(st.sampled_from(("hsi-riverton", "harbor-light", "da-example"))),
    )
    def check(opener, age, citizenship, kind, jurisdiction, partner, charged, missing):
        Agency.objects.filter(slug__in=county).update(is_active=True)
        Agency.objects.filter(slug__in=missing - {people[opener].agency.slug}).update(
            is_active=False
        )
        facts = {
            **LABOR_MINOR,
            "victim_age": age,
            "victim_citizenship": citizenship,
            "trafficking_type": kind,
            "jurisdiction": jurisdiction,
            "trafficker_intimate_partner": partner,
            "victim_charged": charged,
        }
        case = open_case(people[opener], facts=facts)
        case_update_facts(
            actor=people[opener], case=case, facts={"victim_count": 2}, expected_version=None
        )
        on_case = set(CaseParticipant.objects.filter(case=case).values_list("agency_id", flat=True))
        tasks = list(Task.objects.filter(case=case))
        assert all(t.owner_agency_id in on_case for t in tasks)
        keys = Counter((t.deadline_id, t.anchor_ref) for t in tasks)
        assert all(count == 1 for count in keys.values())
        if opener == "harbor":
            sectors = set(
                CaseParticipant.objects.filter(case=case).values_list("agency__sector", flat=True)
            )
            assert not sectors & {
                "law_enforcement_local",
                "law_enforcement_federal",
                "law_enforcement_state",
                "prosecution",
            }

    check()
