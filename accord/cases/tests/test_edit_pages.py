"""The pages that change records: a potential victim, the case stage, an operation's plan.

Each page offers only what the viewer may see and change (S9), refuses the others (S8: 404 off
the case, 403 on it), keeps what was typed when someone else saved first (S23) and names the
field of a bad value while storing nothing (S24).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.cases.models import (
    Case,
    CaseParticipant,
    Notification,
    Operation,
    PotentialVictim,
    Task,
)
from accord.cases.services import (
    operation_notify_committee,
    operation_plan,
    referral_accept,
    referral_send,
    victim_update,
)
from accord.errors import PermissionDenied
from conftest import sign_in

from .conftest import open_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    return sign_in(Client(), user)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def case(people) -> Case:
    return open_case(people["rpd"])


@pytest.fixture
def victim(case) -> PotentialVictim:
    return case.potentialvictims.get()


def _serving(people, case, victim) -> None:
    """New Dawn accepts a referral: it becomes the victim's serving provider."""
    referral = referral_send(
        actor=people["rpd"], case=case, victim_id=victim.pk, to_agency_slug="new-dawn"
    )
    referral_accept(actor=people["newdawn"], referral_id=referral.pk, expected_version=1)


# --- potential victim -------------------------------------------------------------------------


def test_producing_agency_edits_the_whole_record_from_the_case_page(people, case, victim):
    rpd = client_for(people["rpd"])
    url = reverse("cases:victim_edit", args=[victim.pk])
    assert url in page(rpd, reverse("cases:detail", args=[case.pk]))
    form = page(rpd, url)
    assert 'name="pseudonym"' in form and 'name="legal_name"' in form
    assert "Canary Legalname1" in form  # its own record: it sees and edits the confidential name
    response = rpd.post(
        url,
        {
            "expected_version": 1,
            "pseudonym": "V-1",
            "legal_name": "Canary Legalname1",
            "contact": "canary-phone-555",
            "current_location": "canary-motel-room-9",
            "language": "Tigrinya, Amharic",
            "age": "17",
            "gender": "male",
            "citizenship": "foreign_national",
        },
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.language == "Tigrinya, Amharic" and victim.lock_version == 2
    assert victim.age == 17


def test_serving_provider_edits_only_the_victim_service_fields(people, case, victim):
    _serving(people, case, victim)
    newdawn = client_for(people["newdawn"])
    url = reverse("cases:victim_edit", args=[victim.pk])
    assert url in page(newdawn, reverse("cases:detail", args=[case.pk]))
    form = page(newdawn, url)
    assert 'name="contact"' in form and 'name="language"' in form
    assert 'name="pseudonym"' not in form and 'name="age"' not in form
    version = PotentialVictim.objects.get(pk=victim.pk).lock_version
    # a hand-made change of a field the provider does not keep is refused by the service too
    with pytest.raises(PermissionDenied, match="pseudonym"):
        victim_update(
            actor=people["newdawn"],
            victim_id=victim.pk,
            changes={"pseudonym": "Renamed"},
            expected_version=version,
        )
    response = newdawn.post(
        url,
        {
            "expected_version": version,
            "legal_name": "Canary Legalname1",
            "contact": "canary-new-phone-777",
            "current_location": "canary-motel-room-9",
            "language": "Tigrinya",
            "pseudonym": "Renamed",  # not offered: ignored, never stored
        },
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.contact == "canary-new-phone-777" and victim.pseudonym == "V-1"
    assert victim.produced_by_id == people["newdawn"].agency_id  # the provider now holds it


def test_others_get_no_link_and_are_refused(people, case, victim):
    _serving(people, case, victim)
    victim_update(
        actor=people["newdawn"],
        victim_id=victim.pk,
        changes={"needs": "canary-needs-counseling"},
        expected_version=PotentialVictim.objects.get(pk=victim.pk).lock_version,
    )
    url = reverse("cases:victim_edit", args=[victim.pk])
    # harbor light is not on the case: the victim does not exist for it
    assert client_for(people["harbor"]).get(url).status_code == 404
    # HSI works the case but neither recorded the victim nor serves them
    hsi = client_for(people["hsi"])
    assert CaseParticipant.objects.filter(case=case, agency_id=people["hsi"].agency_id).exists()
    assert url not in page(hsi, reverse("cases:detail", args=[case.pk]))
    refused = hsi.get(url)
    assert refused.status_code == 403 and "canary" not in refused.content.decode().lower()
    before = PotentialVictim.objects.get(pk=victim.pk)
    posted = hsi.post(url, {"expected_version": before.lock_version, "language": "French"})
    assert posted.status_code == 403
    assert PotentialVictim.objects.get(pk=victim.pk).language == before.language
    # the prosecutor's role edits no victim record at all
    assert client_for(people["da"]).get(url).status_code == 403
    # the provider now produced the confidential details: the police no longer see or edit them
    rpd_page = client_for(people["rpd"]).get(url)
    assert rpd_page.status_code == 403 and "canary-needs" not in rpd_page.content.decode()


def test_stale_save_keeps_the_typed_input_and_stores_nothing(people, case, victim):
    rpd = client_for(people["rpd"])
    url = reverse("cases:victim_edit", args=[victim.pk])
    page(rpd, url)  # opened at version 1 ...
    victim_update(  # ... while a colleague saves first
        actor=people["rpd"], victim_id=victim.pk, changes={"language": "Arabic"}, expected_version=1
    )
    typed = {
        "expected_version": 1,
        "pseudonym": "V-1",
        "legal_name": "Canary Legalname1",
        "language": "Amharic typed by me",
        "gender": "male",
    }
    response = rpd.post(url, typed)
    body = response.content.decode()
    assert response.status_code == 409
    assert "NOT stored" in body and "Amharic typed by me" in body
    assert "Stored now: Arabic" in body
    assert PotentialVictim.objects.get(pk=victim.pk).language == "Arabic"
    # the form now carries the stored version: saving again is a deliberate choice
    assert response.context["form"]["expected_version"].value() == "2"
    again = rpd.post(url, {**typed, "expected_version": 2})
    assert again.status_code == 302
    assert PotentialVictim.objects.get(pk=victim.pk).language == "Amharic typed by me"


def test_bad_value_is_named_and_nothing_is_half_stored(people, case, victim):
    rpd = client_for(people["rpd"])
    url = reverse("cases:victim_edit", args=[victim.pk])
    response = rpd.post(
        url, {"expected_version": 1, "pseudonym": "V-1", "language": "Farsi", "age": "200"}
    )
    assert response.status_code == 200
    assert "age" in response.context["form"].errors
    assert "less than or equal to 120" in response.content.decode()
    assert 'value="Farsi"' in response.content.decode()  # what was typed is kept
    stored = PotentialVictim.objects.get(pk=victim.pk)
    assert stored.language == "Tigrinya" and stored.lock_version == 1


# --- case stage -------------------------------------------------------------------------------


def test_lead_agency_investigator_moves_the_stage(people, case):
    rpd = client_for(people["rpd"])
    url = reverse("cases:stage", args=[case.pk])
    assert url in page(rpd, reverse("cases:detail", args=[case.pk]))
    plans = case.responseplans.count()
    response = rpd.post(url, {"expected_version": case.lock_version, "stage": "investigation"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "investigation" and case.responseplans.count() == plans + 1
    assert "Investigation" in page(rpd, reverse("cases:detail", args=[case.pk]))


def test_coordinator_moves_the_stage_others_may_not(people, case, make_member):
    url = reverse("cases:stage", args=[case.pk])
    coordinator = client_for(people["coordinator"])
    assert url in page(coordinator, reverse("cases:detail", args=[case.pk]))
    hsi = client_for(people["hsi"])  # an investigator on the case, not of the lead agency
    assert url not in page(hsi, reverse("cases:detail", args=[case.pk]))
    assert hsi.get(url).status_code == 403
    assert hsi.post(url, {"expected_version": 1, "stage": "closed"}).status_code == 403
    assert (
        client_for(people["da"]).post(url, {"expected_version": 1, "stage": "closed"}).status_code
        == 403
    )
    outsider = make_member("investigator.fbi", roles=["investigator"], agency_slug="fbi-riverton")
    assert not CaseParticipant.objects.filter(case=case, agency_id=outsider.agency_id).exists()
    assert client_for(outsider).get(url).status_code == 404  # off the case: no such case
    assert Case.objects.get(pk=case.pk).stage == "referral"
    response = coordinator.post(
        url, {"expected_version": case.lock_version, "stage": "prosecution"}
    )
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).stage == "prosecution"


def test_stale_stage_change_is_refused_with_the_choice_kept(people, case):
    rpd = client_for(people["rpd"])
    url = reverse("cases:stage", args=[case.pk])
    version = case.lock_version
    assert rpd.post(url, {"expected_version": version, "stage": "investigation"}).status_code == 302
    response = rpd.post(url, {"expected_version": version, "stage": "closed"})
    assert response.status_code == 409
    assert response.context["form"]["stage"].value() == "closed"
    assert "Stored now: investigation" in response.content.decode()
    assert Case.objects.get(pk=case.pk).stage == "investigation"
    unknown = rpd.post(url, {"expected_version": version + 1, "stage": "archived"})
    assert unknown.status_code == 200 and "stage" in unknown.context["form"].errors


# --- operation plan ---------------------------------------------------------------------------


@pytest.fixture
def operation(people, case) -> Operation:
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    return operation_plan(
        actor=people["rpd"],
        case=case,
        name="Orchard",
        window_start=start,
        window_end=start + timedelta(hours=4),
        estimated_victims=4,
        genders=["male"],
        languages=["Tigrinya"],
        location="canary-location-dock-7",
        targets="canary-target-crew-boss",
    )


def _plan_form(operation: Operation, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "expected_version": operation.lock_version,
        "window_start": f"{operation.window_start:%Y-%m-%d %H:%M}",
        "window_end": f"{operation.window_end:%Y-%m-%d %H:%M}",
        "estimated_victims": operation.estimated_victims,
        "genders": operation.genders,
        "languages": operation.languages,
        "location": operation.location,
        "targets": operation.targets,
    }
    data.update(changes)
    return data


def test_planning_agency_changes_the_plan_and_tasks_and_committee_follow(people, case, operation):
    rpd = client_for(people["rpd"])
    url = reverse("cases:operation_edit", args=[operation.pk])
    assert url in page(rpd, reverse("cases:detail", args=[case.pk]))
    assert "canary-location-dock-7" in page(rpd, url)
    operation_notify_committee(actor=people["rpd"], operation_id=operation.pk)
    operation.refresh_from_db()
    told = Notification.objects.filter(kind="operation_minimal_facts").count()
    tasks_before = {
        t.pk: t.due_at for t in Task.objects.filter(operation=operation, anchor="operation_start")
    }
    later = operation.window_start + timedelta(hours=2)
    response = rpd.post(
        url,
        _plan_form(
            operation,
            window_start=f"{later:%Y-%m-%d %H:%M}",
            window_end=f"{later + timedelta(hours=4):%Y-%m-%d %H:%M}",
            estimated_victims=6,
            location="canary-location-pier-2",
        ),
    )
    assert response.status_code == 302
    operation.refresh_from_db()
    assert operation.estimated_victims == 6 and operation.location == "canary-location-pier-2"
    assert operation.window_start == later
    for task in Task.objects.filter(pk__in=list(tasks_before), status__in=["open", "taken"]):
        assert task.due_at == tasks_before[task.pk] + timedelta(hours=2)
    retold = Notification.objects.filter(kind="operation_minimal_facts")
    assert retold.count() > told
    newest = retold.order_by("-pk").first()
    assert "Estimated number of potential victims: 6" in newest.body
    assert all("canary" not in n.body for n in Notification.objects.all())


def test_plan_refusals_errors_and_conflicts(people, case, operation):
    url = reverse("cases:operation_edit", args=[operation.pk])
    hsi = client_for(people["hsi"])  # law enforcement on the case, but did not plan it
    assert url not in page(hsi, reverse("cases:detail", args=[case.pk]))
    assert hsi.get(url).status_code == 403
    assert hsi.post(url, _plan_form(operation, estimated_victims=9)).status_code == 403
    newdawn = client_for(people["newdawn"])
    refused = newdawn.get(url)
    assert refused.status_code == 403 and "canary" not in refused.content.decode()
    assert client_for(people["harbor"]).get(url).status_code in (403, 404)
    rpd = client_for(people["rpd"])
    backwards = rpd.post(
        url,
        _plan_form(
            operation, window_end=f"{operation.window_start - timedelta(hours=1):%Y-%m-%d %H:%M}"
        ),
    )
    assert backwards.status_code == 200
    assert "window_end" in backwards.context["form"].errors
    assert Operation.objects.get(pk=operation.pk).lock_version == operation.lock_version
    assert rpd.post(url, _plan_form(operation, estimated_victims=5)).status_code == 302
    stale = rpd.post(url, _plan_form(operation, estimated_victims=12))
    assert stale.status_code == 409 and 'value="12"' in stale.content.decode()
    assert "Stored now: 5" in stale.content.decode()
    assert Operation.objects.get(pk=operation.pk).estimated_victims == 5
