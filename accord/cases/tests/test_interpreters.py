"""Interpreters from the plan: the protocol names the payer; the booking records whether the
interpreter holds the certification required; the conflict attestation is taken only where the
suspects' names can be seen, otherwise the investigating agency confirms it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent, AuditReadEvent
from accord.cases.models import CaseEvent, InterpreterRequest
from accord.cases.services import (
    SuspectInput,
    interpreter_assign,
    interpreter_attestation_confirm,
    interpreter_request_create,
    suspect_add,
)
from accord.cases.services._common import participant_ensure
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.sharing.door import suspects_for_attestation
from conftest import sign_in

from .conftest import open_case

SUSPECT = "Canary Suspectname"


@pytest.fixture
def case(people):
    case = open_case(people["rpd"])
    suspect_add(actor=people["rpd"], case=case, data=SuspectInput(name=SUSPECT))
    return case


def _request(people, case, proceeding="arraignment") -> InterpreterRequest:
    return interpreter_request_create(
        actor=people["rpd"],
        case=case,
        proceeding=proceeding,
        language="Tigrinya",
        scheduled_for=timezone.now() + timedelta(days=2),
    )


def _page(user, case) -> str:
    return sign_in(Client(), user).get(reverse("cases:detail", args=[case.pk])).content.decode()


@pytest.mark.parametrize(
    ("proceeding", "payer", "words", "court"),
    [
        ("arraignment", "court", "the court", True),
        ("court_hearing", "court", "the court", True),
        ("victim_interview", "investigating_agency", "the investigating agency", False),
        ("service_meeting", "serving_provider", "the serving provider", False),
    ],
)
def test_the_payer_is_the_protocols_answer_for_the_proceeding(
    people, case, proceeding, payer, words, court
):
    request = _request(people, case, proceeding)
    assert request.payer == payer and request.court_certified_required is court
    assert AuditEvent.objects.filter(
        event=AuditEventType.INTERPRETER_REQUESTED, object_id=str(request.pk)
    ).exists()
    summary = (
        CaseEvent.objects.filter(case=case, kind="interpreter_requested").order_by("pk").last()
    ).summary  # intake made the first (the victim's Tigrinya interview); this is ours
    assert f"paid by {words}" in summary


def test_a_user_who_sees_the_suspects_takes_the_attestation_at_booking(people, case):
    request = _request(people, case)
    client = sign_in(Client(), people["rpd"])
    url = reverse("cases:interpreter_book", args=[request.pk])
    page = client.get(url)
    assert SUSPECT in page.content.decode() and "knows_no_suspect" in page.context["form"].fields
    released = AuditReadEvent.objects.filter(
        event=AuditEventType.CASE_FIELD_RELEASED, purpose="interpreter conflict attestation"
    )
    assert any("suspect.name" in event.fields for event in released)  # S15
    with pytest.raises(ValidationError) as refused:
        interpreter_assign(
            actor=people["rpd"],
            request_id=request.pk,
            interpreter_name="A. Tesfaye",
            interpreter_certified=True,
            expected_version=1,
        )
    assert refused.value.data["field"] == "knows_no_suspect"
    assert InterpreterRequest.objects.get(pk=request.pk).status == "requested"
    booked = interpreter_assign(
        actor=people["rpd"],
        request_id=request.pk,
        interpreter_name="A. Tesfaye",
        interpreter_certified=True,
        attestation_text="I know none of the people named to me.",
        knows_no_suspect=True,
        expected_version=1,
    )
    assert booked.conflict_attested and booked.attested_by == people["rpd"]
    audit = AuditEvent.objects.get(event=AuditEventType.INTERPRETER_BOOKED)
    assert audit.detail == {"attestation_taken": True}
    assert "conflict attestation recorded" in _page(people["rpd"], case)


def test_the_interpreter_coordinator_books_without_the_names_and_the_attestation_waits(
    people, case
):
    request = _request(people, case)
    assert suspects_for_attestation(viewer=people["interp"], case_id=case.pk) is None
    client = sign_in(Client(), people["interp"])
    page = client.get(reverse("cases:interpreter_book", args=[request.pk]))
    assert SUSPECT not in page.content.decode()
    assert "knows_no_suspect" not in page.context["form"].fields
    with pytest.raises(ValidationError) as refused:  # an attestation against no names
        interpreter_assign(
            actor=people["interp"],
            request_id=request.pk,
            interpreter_name="A. Tesfaye",
            interpreter_certified=True,
            attestation_text="I know none of them.",
            knows_no_suspect=True,
            expected_version=1,
        )
    assert refused.value.data["field"] == "knows_no_suspect"
    assert InterpreterRequest.objects.get(pk=request.pk).status == "requested"
    booked = interpreter_assign(
        actor=people["interp"],
        request_id=request.pk,
        interpreter_name="A. Tesfaye",
        interpreter_certified=True,
        expected_version=1,
    )
    assert booked.status == "booked" and not booked.conflict_attested
    assert AuditEvent.objects.get(event=AuditEventType.INTERPRETER_BOOKED).detail == {
        "attestation_taken": False
    }
    text = _page(people["rpd"], case)
    assert "attestation pending: the investigating agency confirms it" in text
    assert reverse("cases:interpreter_attest", args=[request.pk]) in text


def _booked_pending(people, case) -> InterpreterRequest:
    request = _request(people, case)
    return interpreter_assign(
        actor=people["interp"],
        request_id=request.pk,
        interpreter_name="A. Tesfaye",
        interpreter_certified=True,
        expected_version=1,
    )


def test_an_investigator_of_the_law_enforcement_participant_confirms_the_attestation(
    people, county, case
):
    request = _booked_pending(people, case)
    participant_ensure(case=case, agency=county["harbor-light"], now=case.opened_at)
    participant_ensure(case=case, agency=county["da-example"], now=case.opened_at)
    confirm = {"knows_no_suspect": True, "attestation_text": "I know none of them."}
    for wrong in ("harbor", "da"):  # an advocate, a prosecutor: not the investigating agency
        with pytest.raises(PermissionDenied, match="investigator") as refused:
            interpreter_attestation_confirm(
                actor=people[wrong], request=request, expected_version=2, **confirm
            )
        assert refused.value.data["field"] == "attested_by"
    with pytest.raises((NotFound, PermissionDenied)):  # law enforcement not on the case
        interpreter_attestation_confirm(
            actor=people["ecso"], request=request, expected_version=2, **confirm
        )
    with pytest.raises(ValidationError) as unattested:
        interpreter_attestation_confirm(
            actor=people["rpd"],
            request=request,
            expected_version=2,
            knows_no_suspect=False,
            attestation_text="",
        )
    assert unattested.value.data["field"] == "knows_no_suspect"
    with pytest.raises(ConflictError):  # S23
        interpreter_attestation_confirm(
            actor=people["rpd"], request=request, expected_version=1, **confirm
        )
    assert not InterpreterRequest.objects.get(pk=request.pk).conflict_attested
    confirmed = interpreter_attestation_confirm(
        actor=people["rpd"], request=request, expected_version=2, **confirm
    )
    assert confirmed.conflict_attested and confirmed.attested_by == people["rpd"]
    assert AuditEvent.objects.filter(
        event=AuditEventType.INTERPRETER_ATTESTATION_CONFIRMED, object_id=str(request.pk)
    ).exists()
    with pytest.raises(ConflictError, match="no attestation waiting"):
        interpreter_attestation_confirm(
            actor=people["rpd"], request=request, expected_version=3, **confirm
        )


def test_the_attestation_page_shows_the_suspects_to_the_investigator(people, case):
    request = _booked_pending(people, case)
    client = sign_in(Client(), people["rpd"])
    url = reverse("cases:interpreter_attest", args=[request.pk])
    assert SUSPECT in client.get(url).content.decode()
    done = client.post(
        url,
        {"lock_version": 2, "knows_no_suspect": "on", "attestation_text": "I know none."},
    )
    assert done.status_code == 302
    assert InterpreterRequest.objects.get(pk=request.pk).conflict_attested


def test_a_lapsed_cjis_record_hides_the_suspects_so_no_attestation_is_taken(people, case):
    User.objects.filter(pk=people["rpd"].pk).update(cjis_training_on=None)
    rpd = User.objects.get(pk=people["rpd"].pk)
    assert suspects_for_attestation(viewer=rpd, case_id=case.pk) is None


@pytest.mark.parametrize(
    ("certified", "shown"),
    [(True, "Tesfaye, certified;"), (False, "not certified — required")],
)
def test_the_booking_records_the_certification_required_in_words(people, case, certified, shown):
    request = _request(people, case)
    with pytest.raises(ValidationError) as missing:
        interpreter_assign(
            actor=people["interp"],
            request_id=request.pk,
            interpreter_name="A. Tesfaye",
            expected_version=1,
        )
    assert missing.value.data["field"] == "interpreter_certified"
    interpreter_assign(
        actor=people["interp"],
        request_id=request.pk,
        interpreter_name="A. Tesfaye",
        interpreter_certified=certified,
        expected_version=1,
    )
    assert InterpreterRequest.objects.get(pk=request.pk).interpreter_certified is certified
    assert shown in _page(people["rpd"], case)
