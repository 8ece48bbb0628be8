"""Referrals, task boards and escalation, operations, placement, interpreters, relief, charging, safety."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import models
from django.utils import timezone

from accord.cases import models as case_models
from accord.cases.fields import BOOKKEEPING, REGISTRY
from accord.cases.models import Notification, Task
from accord.cases.services import (
    EXAMPLE_INSTRUMENT,
    certifying_official_designate,
    charging_record,
    immigration_relief_create,
    immigration_relief_update,
    interpreter_assign,
    interpreter_request_create,
    operation_exception_record,
    operation_mark_ready,
    operation_notify_committee,
    operation_plan,
    placement_record,
    referral_accept,
    referral_decline,
    referral_send,
    safety_assessment_record,
    safety_instrument_save,
    task_complete,
    task_take,
    tasks_escalate_overdue,
)
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.sharing.door import case_detail, case_timeline, tasks_for_agency, tasks_for_user

from .conftest import LABOR_MINOR, open_case

NON_CASE_MODELS = {"certifyingofficial", "safetyinstrument", "notification"}


def test_every_case_model_field_is_classified():
    unclassified = []
    for model in (
        m for m in vars(case_models).values() if isinstance(m, type) and issubclass(m, models.Model)
    ):
        if (
            model._meta.abstract
            or model._meta.model_name in NON_CASE_MODELS
            or model._meta.app_label != "cases"
        ):
            continue
        classified = REGISTRY.get(model._meta.model_name, {})
        for f in model._meta.concrete_fields:
            if f.name not in classified and f.name not in BOOKKEEPING:
                unclassified.append(f"{model._meta.model_name}.{f.name}")
    assert unclassified == []


@pytest.fixture
def case(people):
    return open_case(people["rpd"])


def _referral(people, case, to="new-dawn"):
    return referral_send(
        actor=people["rpd"],
        case=case,
        victim_id=case.potentialvictims.first().pk,
        to_agency_slug=to,
        message="Meet at the station",
    )


def test_referral_accept_makes_provider_serving_and_records_time_to_match(people, case):
    referral = _referral(people, case)
    assert "pseudonym" in referral.shared_fields and "legal_name" not in referral.shared_fields
    later = timezone.now() + timedelta(hours=3)
    referral = referral_accept(
        actor=people["newdawn"], referral_id=referral.pk, expected_version=1, now=later
    )
    assert referral.minutes_to_accept is not None and referral.minutes_to_accept >= 179
    view = case_detail(viewer=people["newdawn"], case_id=case.pk)
    assert view.victims[0].values["legal_name"] == "Canary Legalname1"
    assert Task.objects.filter(
        case=case, deadline_id="advocate-contact", owner_agency__slug="new-dawn"
    ).exists()


def test_only_the_receiving_advocate_accepts(people, case):
    referral = _referral(people, case)
    with pytest.raises(NotFound):  # not on the case: it does not exist for them
        referral_accept(actor=people["harbor"], referral_id=referral.pk, expected_version=1)
    with pytest.raises(PermissionDenied):
        referral_accept(actor=people["rpd"], referral_id=referral.pk, expected_version=1)


def test_referral_to_an_agency_that_declined_or_is_not_in_directory_is_refused(people, case):
    referral = _referral(people, case)
    referral_decline(
        actor=people["newdawn"], referral_id=referral.pk, reason="No capacity", expected_version=1
    )
    with pytest.raises(ValidationError, match="declined"):
        _referral(people, case)
    with pytest.raises(ValidationError, match="directory"):
        _referral(people, case, to="no-such-agency")
    with pytest.raises(ValidationError):
        _referral(people, case, to="ecso")  # not a provider
    assert case.referrals.count() == 1


def test_concurrent_accept_and_decline_second_is_a_conflict(people, case):
    referral = _referral(people, case)
    referral_accept(actor=people["newdawn"], referral_id=referral.pk, expected_version=1)
    with pytest.raises(ConflictError):
        referral_decline(
            actor=people["newdawn"], referral_id=referral.pk, reason="x", expected_version=1
        )


def test_tasks_show_on_user_and_agency_boards_and_overdue_escalates_once(
    people, case, django_capture_on_commit_callbacks
):
    referral = _referral(people, case)
    referral_accept(actor=people["newdawn"], referral_id=referral.pk, expected_version=1)
    board = tasks_for_user(viewer=people["newdawn"])
    assert [t.title for t in board.due] == [
        "The provider's advocate contacts the victim (V-1)",
        "Make a safety plan with V-1",
    ]
    hsi_board = tasks_for_agency(viewer=people["hsi"])
    assert {t.title for t in hsi_board.due} >= {
        "The federal partner requests Continued Presence for V-1"
    }
    later = timezone.now() + timedelta(hours=3)
    assert tasks_for_user(viewer=people["newdawn"], now=later).overdue
    with django_capture_on_commit_callbacks(execute=True):
        escalated = tasks_escalate_overdue(now=later)
    assert "advocate-contact" in [t.deadline_id for t in escalated]
    recipients = set(
        Notification.objects.filter(
            kind="task_escalated", body__contains="advocate contacts"
        ).values_list("user__username", flat=True)
    )
    assert recipients == {"advocate.newdawn", "coordinator"}  # agency lead and the coordinator
    assert any("Overdue task" in m.subject for m in mail.outbox)
    assert tasks_escalate_overdue(now=later) == []  # once


def test_take_and_complete_by_owner_only(people, case):
    task = Task.objects.get(case=case, deadline_id="continued-presence-request")
    with pytest.raises(NotFound):  # an immigration-relief task rpd may not know of (issue 12)
        task_take(actor=people["rpd"], task_id=task.pk, expected_version=1)
    hhs = Task.objects.get(case=case, deadline_id="hhs-notification")
    with pytest.raises(PermissionDenied):  # a task rpd sees, owned by another agency
        task_take(actor=people["rpd"], task_id=hhs.pk, expected_version=1)
    task = task_take(actor=people["hsi"], task_id=task.pk, expected_version=1)
    assert any(t.id == task.pk and t.assignee for t in tasks_for_user(viewer=people["hsi"]).due)
    task_complete(actor=people["hsi"], task_id=task.pk, expected_version=task.lock_version)
    assert tasks_for_agency(viewer=people["hsi"]).done


def test_field_classes_are_released_per_viewer(people, case):
    from accord.cases.services import SuspectInput, sensitive_material_add, suspect_add

    suspect_add(actor=people["rpd"], case=case, data=SuspectInput(name="Canary Suspect"))
    sensitive_material_add(
        actor=people["rpd"], case=case, kind="wiretap", description="Canary wiretap"
    )
    _referral(people, case)
    rpd = case_detail(viewer=people["rpd"], case_id=case.pk)
    assert rpd.suspects[0].values["name"] == "Canary Suspect"
    assert rpd.sensitive and rpd.victims[0].values["legal_name"]
    hsi = case_detail(viewer=people["hsi"], case_id=case.pk)
    assert hsi.suspects and not hsi.sensitive  # never-shared stays with the producing agency
    assert "legal_name" in hsi.victims[0].withheld
    newdawn = case_detail(viewer=people["newdawn"], case_id=case.pk)  # referred, not yet accepted
    assert newdawn.suspects == [] and "suspects" in newdawn.withheld_sections
    assert newdawn.victims[0].values["pseudonym"] == "V-1"
    assert "legal_name" not in newdawn.victims[0].values
    with pytest.raises(NotFound):
        case_detail(viewer=people["harbor"], case_id=case.pk)  # not on the case
    assert case_detail(viewer=people["coordinator"], case_id=case.pk).victims[0].values["pseudonym"]


def test_cji_needs_current_training(people, case):
    from accord.cases.services import SuspectInput, suspect_add

    suspect_add(actor=people["rpd"], case=case, data=SuspectInput(name="Canary Suspect"))
    people["hsi"].cjis_training_on = date(2020, 1, 1)
    people["hsi"].save()
    assert case_detail(viewer=people["hsi"], case_id=case.pk).suspects == []


def test_other_task_force_sees_not_found(people, case, make_member):
    from accord.accounts.models import TaskForce

    other = TaskForce.objects.create(slug="other", name="Other")
    stranger = make_member("stranger", roles=["coordinator"], agency_slug="x", task_force_obj=other)
    with pytest.raises(NotFound):
        case_detail(viewer=stranger, case_id=case.pk)


def test_timeline_hides_events_of_classes_the_viewer_may_not_see(people, case):
    from accord.cases.services import note_add

    note_add(actor=people["rpd"], case=case, text="Canary note")
    _referral(people, case)
    _, rpd_events = case_timeline(viewer=people["rpd"], case_id=case.pk)
    _, nd_events = case_timeline(viewer=people["newdawn"], case_id=case.pk)
    assert "note_added" in [e["kind"] for e in rpd_events]
    assert "note_added" not in [e["kind"] for e in nd_events]
    assert "referral_sent" in [e["kind"] for e in nd_events]


def test_operation_needs_coordination_before_ready_and_committee_gets_minimal_facts(
    people, case, django_capture_on_commit_callbacks
):
    start = timezone.now() + timedelta(days=3)
    operation = operation_plan(
        actor=people["rpd"],
        case=case,
        name="Op Orchard",
        window_start=start,
        window_end=start + timedelta(hours=6),
        estimated_victims=4,
        genders=["male"],
        languages=["Tigrinya"],
        minors_expected=True,
        location="Canary Farm Road 12",
        targets="Canary Target",
    )
    assert operation.coordination_required
    with pytest.raises(ValidationError, match="coordination"):
        operation_mark_ready(actor=people["rpd"], operation_id=operation.pk, expected_version=1)
    with pytest.raises(NotFound):
        operation_notify_committee(actor=people["newdawn"], operation_id=operation.pk)
    with django_capture_on_commit_callbacks(execute=True):
        operation_notify_committee(actor=people["rpd"], operation_id=operation.pk)
    committee_mail = [m for m in mail.outbox if "minimal facts" in m.subject]
    assert committee_mail and all("Canary" not in m.body for m in committee_mail)
    assert "Estimated number of potential victims: 4" in committee_mail[0].body
    operation_mark_ready(actor=people["rpd"], operation_id=operation.pk, expected_version=1)


def test_operation_exception_allows_ready(people, case):
    start = timezone.now() + timedelta(days=3)
    operation = operation_plan(
        actor=people["rpd"],
        case=case,
        name="Op",
        window_start=start,
        window_end=start + timedelta(hours=2),
        estimated_victims=1,
    )
    operation_exception_record(
        actor=people["rpd"],
        operation_id=operation.pk,
        reason="Exigent: victims at risk tonight",
        expected_version=1,
    )
    assert (
        operation_mark_ready(
            actor=people["rpd"], operation_id=operation.pk, expected_version=2
        ).status
        == "ready"
    )


def test_placement_follows_protocol_and_reserves_a_bed(people, case):
    from accord.directory.models import Service

    victim = case.potentialvictims.first()
    placement = placement_record(actor=people["rpd"], victim_id=victim.pk, kind="shelter")
    assert placement.service == "riverside-youth-shelter" and placement.bed_reserved
    assert Service.objects.get(slug="riverside-youth-shelter").beds_available == 2
    with pytest.raises(NotFound):
        placement_record(actor=people["interp"], victim_id=victim.pk, kind="shelter")


def test_placement_refused_when_no_bed(people, case):
    from accord.directory.models import Service

    Service.objects.filter(slug="riverside-youth-shelter").update(beds_available=0)
    with pytest.raises(ValidationError, match="No bed"):
        placement_record(
            actor=people["rpd"], victim_id=case.potentialvictims.first().pk, kind="shelter"
        )
    assert not case.placements.exists()


def test_interpreter_request_payer_and_conflict_attestation(people, case):
    request = interpreter_request_create(
        actor=people["rpd"],
        case=case,
        proceeding="arraignment",
        language="Tigrinya",
        scheduled_for=timezone.now() + timedelta(days=2),
    )
    assert request.payer == "court" and request.court_certified_required
    assert request.service == "court-interpreter-office"
    with pytest.raises(ValidationError, match="attest"):
        interpreter_assign(
            actor=people["rpd"],
            request_id=request.pk,
            interpreter_name="A. Tesfaye",
            interpreter_certified=True,
            attestation_text="",
            knows_no_suspect=False,
            expected_version=1,
        )
    booked = interpreter_assign(
        actor=people["rpd"],
        request_id=request.pk,
        interpreter_name="A. Tesfaye",
        interpreter_certified=True,
        attestation_text="I do not know the named suspects.",
        knows_no_suspect=True,
        expected_version=1,
    )
    assert booked.status == "booked" and booked.conflict_attested


def test_immigration_relief_roles(people, case):
    victim = case.potentialvictims.first()
    with pytest.raises(PermissionDenied, match="federal"):
        people["rpd"].immigration_relief_authorized = True
        immigration_relief_create(
            actor=people["rpd"], victim_id=victim.pk, kind="continued_presence"
        )
    cp = immigration_relief_create(
        actor=people["hsi"], victim_id=victim.pk, kind="continued_presence"
    )
    assert Task.objects.get(case=case, deadline_id="continued-presence-request").status == "done"
    u = immigration_relief_create(
        actor=people["hsi"], victim_id=victim.pk, kind="u_visa_certification"
    )
    with pytest.raises(PermissionDenied, match="certifying official"):
        immigration_relief_update(
            actor=people["hsi"], relief_id=u.pk, status="signed", expected_version=1
        )
    assert u.__class__.objects.get(pk=u.pk).status == "draft"
    certifying_official_designate(
        actor=people["coordinator"], agency=people["hsi"].agency, user=people["hsi"]
    )
    immigration_relief_update(
        actor=people["hsi"], relief_id=u.pk, status="signed", expected_version=1
    )
    immigration_relief_update(
        actor=people["hsi"],
        relief_id=cp.pk,
        status="granted",
        expected_version=1,
        expires_on=date.today() + timedelta(days=700),
    )
    renewal = Task.objects.get(case=case, deadline_id="relief-renewal")
    assert renewal.visibility_class == "immigration-1367"
    assert [t.title for t in tasks_for_agency(viewer=people["rpd"]).due if "Renew" in t.title] == []
    assert case_detail(viewer=people["hsi"], case_id=case.pk).immigration
    rpd = people["rpd"]
    rpd.immigration_relief_authorized = True
    rpd.save(update_fields=["immigration_relief_authorized"])
    rpd = rpd.__class__.objects.get(pk=rpd.pk)
    # authorized, but no sharing rule passes HSI's relief records to local police: told why
    authorized = case_detail(viewer=rpd, case_id=case.pk)
    assert authorized.immigration == []
    assert "no_sharing_rule" in authorized.withheld_sections["immigration relief"]
    rpd.immigration_relief_authorized = False
    rpd.save(update_fields=["immigration_relief_authorized"])
    rpd = rpd.__class__.objects.get(pk=rpd.pk)
    unauthorized = case_detail(viewer=rpd, case_id=case.pk)
    assert unauthorized.immigration == []
    assert "immigration relief" not in unauthorized.withheld_sections  # not even that it exists


def test_unauthorized_user_cannot_see_or_create_relief(people, case):
    victim = case.potentialvictims.first()
    immigration_relief_create(actor=people["hsi"], victim_id=victim.pk, kind="t_visa_declaration")
    view = case_detail(viewer=people["rpd"], case_id=case.pk)
    # no trace: no row, and no "withheld" note betraying that a relief record exists (S11)
    assert view.immigration == [] and "immigration relief" not in view.withheld_sections
    with pytest.raises(PermissionDenied):
        immigration_relief_create(
            actor=people["rpd"], victim_id=victim.pk, kind="t_visa_declaration"
        )


def test_charging_guidance_and_remedy_tasks(people, case):
    victim = case.potentialvictims.first()
    with pytest.raises(ValidationError, match="Safe Harbor"):
        charging_record(
            actor=people["rpd"],
            victim_id=victim.pk,
            arrested=True,
            charged=True,
            decision="charged",
            charge_category="prostitution",
        )
    record = charging_record(
        actor=people["rpd"],
        victim_id=victim.pk,
        arrested=True,
        charged=True,
        decision="dismissal_sought",
        charge_category="other_offense",
        charge_description="Trespass",
        identified_after_charges=True,
    )
    assert record.remedies == ["motion_to_dismiss", "vacatur"]
    owners = dict(
        Task.objects.filter(case=case, anchor="charges_filed").values_list(
            "deadline_id", "owner_agency__slug"
        )
    )
    assert owners == {"remedy-motion_to_dismiss": "da-example", "remedy-vacatur": "legal-aid"}
    with pytest.raises(NotFound):
        charging_record(
            actor=people["newdawn"],
            victim_id=victim.pk,
            arrested=False,
            charged=False,
            decision="not_charged",
        )


def test_safety_assessment_by_serving_advocate_completes_task(people):
    case = open_case(people["rpd"], facts=dict(LABOR_MINOR, trafficker_intimate_partner=True))
    # no victim service provider on the case yet: the advocate's task waits for one (issue 11)
    assert not Task.objects.filter(case=case, deadline_id="danger-assessment").exists()
    instrument = safety_instrument_save(actor=people["coordinator"], **EXAMPLE_INSTRUMENT)
    victim = case.potentialvictims.first()
    referral = referral_send(
        actor=people["rpd"], case=case, victim_id=victim.pk, to_agency_slug="new-dawn"
    )
    task = Task.objects.get(case=case, deadline_id="danger-assessment")
    assert task.owner_agency.slug == "new-dawn"
    with pytest.raises(PermissionDenied):
        safety_assessment_record(
            actor=people["rpd"], victim_id=victim.pk, instrument_id=instrument.pk, answers={}
        )
    referral_accept(actor=people["newdawn"], referral_id=referral.pk, expected_version=1)
    assessment = safety_assessment_record(
        actor=people["newdawn"],
        victim_id=victim.pk,
        instrument_id=instrument.pk,
        answers={"threats": True, "weapon": True, "knows_where": True},
    )
    assert assessment.score == 8 and assessment.above_threshold
    assert Task.objects.get(case=case, deadline_id="danger-assessment").status == "done"
    assert case_detail(viewer=people["rpd"], case_id=case.pk).safety[0].values == {}


def test_escalation_command_with_a_frozen_clock(people, case):
    import time_machine
    from django.core.management import call_command

    referral = _referral(people, case)
    referral_accept(actor=people["newdawn"], referral_id=referral.pk, expected_version=1)
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1), tick=False):
        from io import StringIO

        out = StringIO()
        call_command("tasks_escalate", stdout=out)
    assert "advocate contacts the victim" in out.getvalue()
    assert Task.objects.get(deadline_id="advocate-contact").escalated_at is not None


def test_escalation_command_reads_a_now_without_zone_as_utc(people, case):
    """A drill's ``--now`` without a zone is taken as UTC (it once crashed on that input)."""
    from io import StringIO

    from django.core.management import call_command

    referral = _referral(people, case)
    referral_accept(actor=people["newdawn"], referral_id=referral.pk, expected_version=1)
    later = timezone.now() + timedelta(hours=2, minutes=1)
    out = StringIO()
    call_command("tasks_escalate", "--now", later.replace(tzinfo=None).isoformat(), stdout=out)
    assert "advocate contacts the victim" in out.getvalue()
    assert Task.objects.get(deadline_id="advocate-contact").escalated_at is not None


def test_a_task_that_requires_training_cannot_be_taken_without_the_certificate(people):
    """Issue 8: the danger assessment needs the danger-assessment course; the refusal names it."""
    from accord.training.services import course_create, session_create

    adult = dict(
        LABOR_MINOR, trafficker_intimate_partner=True, victim_age=30, trafficking_type="sex"
    )
    case = open_case(people["rpd"], facts=adult)
    task = Task.objects.get(case=case, deadline_id="danger-assessment")
    assert task.owner_agency == people["harbor"].agency  # the provider the plan refers to
    with pytest.raises(ValidationError, match="Conducting the task force danger assessment"):
        task_take(actor=people["harbor"], task_id=task.pk, expected_version=task.lock_version)
    with pytest.raises(ValidationError, match="Conducting the task force danger assessment"):
        task_complete(actor=people["harbor"], task_id=task.pk, expected_version=task.lock_version)
    assert Task.objects.get(pk=task.pk).assignee_id is None
    assert Task.objects.get(pk=task.pk).status == "open"

    course = course_create(
        actor=people["coordinator"],
        code="DA-1",
        title="Danger assessment practice",
        provider="Harbor Light",
        duration_minutes=180,
        renew_months=12,
        requirement_ids=["danger-assessment"],
    )
    yesterday = timezone.now() - timedelta(days=1)
    session_create(
        actor=people["coordinator"],
        course=course,
        starts_at=yesterday,
        ends_at=yesterday + timedelta(hours=3),
        place="Riverton library",
        attendees=[people["harbor"]],
    )
    taken = task_take(actor=people["harbor"], task_id=task.pk, expected_version=task.lock_version)
    assert taken.assignee_id == people["harbor"].pk
