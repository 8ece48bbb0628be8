"""Several potential victims at intake, one plan each, and every actionable answer as work.

The issue's case: local police open a case with three potential victims (two adult foreign
nationals, one 17-year-old). Each is answered from her own facts; the case calls the agencies
any victim brings in; each answer that asks for action becomes a task with an owner; each
language gets an interpreter request; the minor brings child protection and the HHS
notification, also when she is added later.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.cases.models import Case, CaseParticipant, InterpreterRequest, PotentialVictim, Task
from accord.cases.selectors import answer_tasks
from accord.cases.services import (
    VictimInput,
    case_open,
    plan_generate,
    victim_add,
    victim_remove,
    victim_update,
)
from accord.errors import ValidationError
from accord.sharing.door import case_detail

from .test_views import client_for

pytestmark = pytest.mark.django_db

CASE_FACTS = {
    "imminent_danger": False,
    "trafficking_type": "labor",
    "trafficker_foreign_national": False,
    "victim_count": 3,
    "jurisdiction": "riverton",
    "operation_planned": False,
}
UNKNOWN_FACTS = {
    f"fact_{k}": "unknown" for k in ("trafficker_intimate_partner", "proceeding", "stage")
}
THREE = [
    VictimInput(
        pseudonym="V-1", age=34, gender="female", citizenship="foreign_national", language="Spanish"
    ),
    VictimInput(
        pseudonym="V-2", age=29, gender="male", citizenship="foreign_national", language="Tigrinya"
    ),
    VictimInput(
        pseudonym="V-3",
        age=17,
        gender="female",
        citizenship="foreign_national",
        language="Spanish, English",
    ),
]


def _open(people, victims=THREE, **kwargs):
    return case_open(
        actor=people["rpd"],
        title="Greenhouse workers",
        incident_kind="victim_ready",
        facts=CASE_FACTS,
        intake_token=uuid.uuid4().hex,
        victims=victims,
        **kwargs,
    )


def _tasks(case, deadline_id):
    return {t.anchor_ref: t for t in Task.objects.filter(case=case, deadline_id=deadline_id)}


def _victim(case, pseudonym):
    return case.potentialvictims.get(pseudonym=pseudonym)


def test_each_victim_gets_her_own_answers(people):
    case = _open(people)
    plan = case.responseplans.first()
    placements = {a["victim"]: a["rows"] for a in plan.answers if a["decision"] == "placement"}
    assert placements == {
        "V-1": [{"service": "harbor-light-safe-house"}],
        "V-2": [{"service": "new-dawn-housing"}],
        "V-3": [{"service": "riverside-youth-shelter"}],
    }
    (contacts,) = [a for a in plan.answers if a["decision"] == "law_enforcement_contact"]
    assert contacts["victim_id"] is None  # a question about the case, answered once
    assert {"riverton-pd", "hsi-riverton", "dol-oig"} <= set(r["agency"] for r in contacts["rows"])


def test_every_actionable_answer_becomes_a_task_with_an_owner(people):
    case = _open(people)
    v1, v2, v3 = (_victim(case, p) for p in ("V-1", "V-2", "V-3"))
    calls = _tasks(case, "call-law-enforcement")
    assert set(calls) == {"|hsi-riverton", "|dol-oig"}  # not Riverton PD: it opened the case
    assert calls["|hsi-riverton"].title.startswith("Call Homeland Security Investigations")
    assert all(t.owner_agency.slug == "riverton-pd" for t in calls.values())
    referrals = _tasks(case, "refer-now")
    assert set(referrals) == {
        f"victim:{v1.pk}|new-dawn-case-management,immediately",
        f"victim:{v2.pk}|new-dawn-case-management,immediately",
        f"victim:{v3.pk}|cac-forensic-interview,immediately",
    }
    assert set(_tasks(case, "refer-within-a-day")) == {
        f"victim:{v.pk}|legal-aid-immigration,within_24h" for v in (v1, v2, v3)
    }
    assert set(_tasks(case, "continued-presence-request")) == {
        f"victim:{v.pk}" for v in (v1, v2, v3)
    }
    # the minor only: child protection (who joins the case) and HHS within 24 hours
    (report,) = _tasks(case, "child-protection-report").values()
    assert report.anchor_ref == f"victim:{v3.pk}" and report.owner_agency.slug == "cps-example"
    assert CaseParticipant.objects.filter(case=case, agency__slug="cps-example").exists()
    (hhs,) = _tasks(case, "hhs-notification").values()
    assert hhs.anchor_ref == f"victim:{v3.pk}"
    assert (hhs.due_at - case.opened_at).total_seconds() == 24 * 3600
    assert "V-3" in hhs.title
    assert not Task.objects.filter(case=case, owner_agency__isnull=True).exists()


def test_an_interpreter_request_for_each_language(people):
    case = _open(people)
    requests = InterpreterRequest.objects.filter(case=case)
    assert sorted(r.language for r in requests) == ["Spanish", "Tigrinya"]  # English needs none
    assert {r.payer for r in requests} == {"investigating_agency"}
    assert {r.proceeding for r in requests} == {"victim_interview"}


def test_a_minor_added_later_brings_child_protection_and_hhs(people):
    adults = THREE[:2]
    case = _open(people, victims=adults)
    assert not _tasks(case, "child-protection-report") and not _tasks(case, "hhs-notification")
    minor = victim_add(
        actor=people["rpd"],
        case=case,
        data=VictimInput(pseudonym="V-9", age=15, gender="male", citizenship="foreign_national"),
    )
    assert set(_tasks(case, "child-protection-report")) == {f"victim:{minor.pk}"}
    assert set(_tasks(case, "hhs-notification")) == {f"victim:{minor.pk}"}
    plan = case.responseplans.first()
    duties = [c["after"] for c in plan.changes if c.get("kind") == "duty"]
    assert any("HHS is notified about V-9" in d for d in duties)
    assert any(c["question"].endswith("(for V-9)") for c in plan.changes)
    assert AuditEvent.objects.filter(event="victim_added", object_id=minor.pk).exists()


def test_correcting_her_age_moves_her_duties(people):
    case = _open(people)
    v3 = _victim(case, "V-3")
    victim_update(actor=people["rpd"], victim_id=v3.pk, changes={"age": 19}, expected_version=1)
    assert _tasks(case, "hhs-notification")[f"victim:{v3.pk}"].status == "cancelled"
    assert AuditEvent.objects.filter(event="victim_updated", object_id=v3.pk).exists()


def test_regenerating_never_duplicates_a_task(people):
    case = _open(people)
    before = Task.objects.filter(case=case).count()
    plan_generate(actor=people["rpd"], case=case)
    victim_update(
        actor=people["rpd"],
        victim_id=_victim(case, "V-1").pk,
        changes={"needs": "(invented) shelter"},
        expected_version=1,
    )
    victim_add(actor=people["rpd"], case=case, data=VictimInput(pseudonym="V-4"))
    assert Task.objects.filter(case=case).count() == before  # V-4's facts settle nothing yet


def test_removing_a_victim_cancels_her_duties_and_keeps_the_others(people):
    case = _open(people)
    v3 = _victim(case, "V-3")
    victim_remove(actor=people["rpd"], victim_id=v3.pk, reason="recorded twice", expected_version=1)
    assert not PotentialVictim.objects.filter(pk=v3.pk).exists()
    assert _tasks(case, "child-protection-report")[f"victim:{v3.pk}"].status == "cancelled"
    assert all(
        t.status == "open"
        for ref, t in _tasks(case, "continued-presence-request").items()
        if ref != f"victim:{v3.pk}"
    )
    assert AuditEvent.objects.filter(event="victim_removed", object_id=case.pk).exists()
    with pytest.raises(ValidationError, match="Say why"):
        victim_remove(
            actor=people["rpd"],
            victim_id=_victim(case, "V-1").pk,
            reason=" ",
            expected_version=1,
        )


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"age": 130}, "victims-1-age"),
        ({"gender": "unicorn"}, "victims-1-gender"),
        ({"citizenship": "martian"}, "victims-1-citizenship"),
        ({"age_low": 17, "age_high": 15}, "victims-1-age_low"),
    ],
)
def test_a_victim_fact_outside_the_protocol_is_named_and_nothing_is_stored(people, bad, field):
    victims = [THREE[0], VictimInput(pseudonym="V-2", **bad)]
    with pytest.raises(ValidationError) as error:
        _open(people, victims=victims)
    assert field in error.value.data["errors"]
    assert not Case.objects.exists() and not PotentialVictim.objects.exists()


def test_an_age_range_of_minors_is_answered_as_a_minor(people):
    case = _open(people, victims=[VictimInput(pseudonym="V-1", age_low=14, age_high=16)])
    (placement,) = [a for a in case.responseplans.first().answers if a["decision"] == "placement"]
    assert placement["rows"] == [{"service": "riverside-youth-shelter"}]


def test_the_plan_shows_which_answers_became_which_tasks(people):
    case = _open(people)
    view = case_detail(viewer=people["rpd"], case_id=case.pk)
    became = answer_tasks(view, view.protocol)
    v3 = _victim(case, "V-3")
    assert became[f"service_referral:{v3.pk}"] == [
        "Refer V-3 to Forensic interview, minors 0-17",
        "Refer V-3 to T/U visa and Continued Presence help",
    ]
    assert len(became["law_enforcement_contact:"]) == 2


def test_the_intake_page_takes_several_victims(people):
    client = client_for(people["rpd"])
    token = client.get(reverse("cases:open")).context["form"].initial["intake_token"]
    form = {
        "title": "Greenhouse workers",
        "incident_kind": "victim_ready",
        "intake_token": token,
        **{f"fact_{k}": str(v).lower() for k, v in CASE_FACTS.items()},
        **UNKNOWN_FACTS,
        "victims-TOTAL_FORMS": "1",
        "victims-INITIAL_FORMS": "0",
        "victims-0-pseudonym": "V-1",
        "victims-0-age": "34",
    }
    more = client.post(reverse("cases:open"), {**form, "add_victim": "1"})
    assert more.status_code == 200 and not Case.objects.exists()
    assert 'name="victims-1-pseudonym"' in more.content.decode()
    form |= {
        "victims-TOTAL_FORMS": "2",
        "victims-1-pseudonym": "V-2",
        "victims-1-age_low": "15",
        "victims-1-age_high": "17",
        "victims-1-charged": "True",
    }
    opened = client.post(reverse("cases:open"), form)
    assert opened.status_code == 302, opened.content.decode()[-3000:]
    case = Case.objects.get()
    assert list(case.potentialvictims.values_list("pseudonym", "age_low", "charged")) == [
        ("V-1", None, None),
        ("V-2", 15, True),
    ]
    page = client.get(opened["Location"]).content.decode()
    assert "For V-2" in page and "Became" in page


def test_a_bad_victim_fact_is_shown_next_to_her_field(people):
    client = client_for(people["rpd"])
    response = client.post(
        reverse("cases:open"),
        {
            "title": "x",
            "incident_kind": "victim_ready",
            "intake_token": "t-bad",
            **{f"fact_{k}": str(v).lower() for k, v in CASE_FACTS.items()},
            **UNKNOWN_FACTS,
            "victims-TOTAL_FORMS": "1",
            "victims-INITIAL_FORMS": "0",
            "victims-0-pseudonym": "V-1",
            "victims-0-age": "17",
            "victims-0-age_low": "15",
        },
    )
    assert response.status_code == 200 and not Case.objects.exists()
    assert "exact age or a range" in response.content.decode()


def test_a_plan_read_back_with_its_keys_reordered_shows_no_change():
    """PostgreSQL's jsonb returns a stored row's keys in its own order: that is not a change
    (and a yes/no output reads yes/no, never True/False)."""
    from accord.cases.plan import plan_changes

    before = [
        {
            "decision": "operation_coordination",
            "question": "Coordinated?",
            "answered": True,
            "rows": [{"notify": "victim_services_committee", "coordinate": True}],
        }
    ]
    after = [{**before[0], "rows": [{"coordinate": True, "notify": "victim_services_committee"}]}]
    assert plan_changes(before, after) == []
    moved = [{**before[0], "rows": [{"coordinate": False, "notify": None}]}]
    (change,) = plan_changes(before, moved)
    assert change["after"] == "coordinate: no" and "True" not in change["before"]
