"""Intake: the case, its plan from the protocol in force, its tasks; bad input stores nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from accord.audit.models import AuditEvent
from accord.cases.models import Case, PotentialVictim, ResponsePlan, Task
from accord.cases.services import SuspectInput, case_update_facts, victim_update
from accord.errors import ConflictError, PermissionDenied, ValidationError

from .conftest import LABOR_MINOR, open_case


def _answer(plan, decision):
    return next(a for a in plan.answers if a["decision"] == decision)


def test_intake_stores_plan_naming_hsi_cps_shelter_and_cp_task(people):
    case = open_case(people["rpd"])
    assert case.number.endswith("-0001")
    assert case.protocol_version.number == 1
    plan = ResponsePlan.objects.get(case=case)
    contacts = [c["slug"] for c in _answer(plan, "law_enforcement_contact")["contacts"]]
    assert "hsi-riverton" in contacts and "riverton-pd" in contacts
    assert _answer(plan, "placement")["rows"] == [{"service": "riverside-youth-shelter"}]
    assert "CPS" in " ".join(_answer(plan, "placement")["how"])
    first_contact = _answer(plan, "law_enforcement_contact")["contacts"][0]
    assert first_contact["phones"][0]["is_24_7"] is True  # 24/7 phone first
    tasks = {t.deadline_id: t for t in Task.objects.filter(case=case)}
    assert set(tasks) >= {"continued-presence-request", "hhs-notification"}
    assert tasks["continued-presence-request"].owner_agency.slug == "hsi-riverton"
    assert AuditEvent.objects.filter(event="case_opened", object_type="cases.case").exists()


def test_unanswered_questions_name_the_facts_that_would_settle_them(people):
    facts = dict(LABOR_MINOR, imminent_danger="unknown")
    case = open_case(people["rpd"], facts=facts)
    answer = _answer(ResponsePlan.objects.get(case=case), "law_enforcement_contact")
    assert answer["answered"] is False
    assert "imminent_danger" in answer["needs"]


def test_fact_outside_domain_is_refused_and_nothing_is_stored(people):
    with pytest.raises(ValidationError) as error:
        open_case(people["rpd"], facts=dict(LABOR_MINOR, victim_age=300))
    assert error.value.data["field"] == "victim_age"
    assert not Case.objects.exists() and not PotentialVictim.objects.exists()


def test_double_submission_is_refused_with_the_case_number(people):
    open_case(people["rpd"], token="same-token")
    with pytest.raises(ConflictError, match="already submitted"):
        open_case(people["rpd"], token="same-token")
    assert Case.objects.count() == 1


def test_suspects_are_for_law_enforcement_only(people):
    with pytest.raises(PermissionDenied):
        open_case(people["harbor"], suspects=[SuspectInput(name="X")])
    assert not Case.objects.exists()
    case = open_case(people["rpd"], suspects=[SuspectInput(name="Canary Suspect")])
    assert case.suspects.count() == 1


def test_interpreter_coordinator_cannot_open_a_case(people):
    with pytest.raises(PermissionDenied):
        open_case(people["interp"])


def test_changing_facts_regenerates_the_plan_showing_what_changed(people):
    """Her age is on her record: correcting it regenerates her answers; the HHS task (minors
    only) no longer applies. A case fact (the jurisdiction) changes the case's answers."""
    case = open_case(people["rpd"])
    victim = case.potentialvictims.get()
    victim_update(actor=people["rpd"], victim_id=victim.pk, changes={"age": 25}, expected_version=1)
    plan = ResponsePlan.objects.filter(case=case).first()
    changed = {(c["decision"], c["question"]) for c in plan.changes}
    assert ("placement", "Where a potential victim stays after recovery (for V-1)") in changed
    assert plan.previous is not None
    assert Task.objects.get(case=case, deadline_id="hhs-notification").status == "cancelled"
    moved = case_update_facts(
        actor=people["rpd"], case=case, facts={"jurisdiction": "lakeside"}, expected_version=1
    )
    assert "law_enforcement_contact" in {c["decision"] for c in moved.changes}


def test_a_victims_fact_is_changed_on_her_record_not_the_case(people):
    case = open_case(people["rpd"])
    with pytest.raises(ValidationError, match="fact about each potential victim") as error:
        case_update_facts(
            actor=people["rpd"], case=case, facts={"victim_age": 25}, expected_version=1
        )
    assert error.value.data["field"] == "victim_age"


def test_stale_facts_edit_is_refused_as_conflict(people):
    case = open_case(people["rpd"])
    case_update_facts(actor=people["rpd"], case=case, facts={"victim_count": 2}, expected_version=1)
    with pytest.raises(ConflictError, match="changed by someone else"):
        case_update_facts(
            actor=people["hsi"], case=case, facts={"victim_count": 3}, expected_version=1
        )
    case.refresh_from_db()
    assert case.facts["victim_count"] == 2


def test_task_owners_are_notified_by_email_through_background_work(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        open_case(people["rpd"])
    assert any("New task" in m.subject for m in mail.outbox)
    assert all("canary" not in m.body for m in mail.outbox)
