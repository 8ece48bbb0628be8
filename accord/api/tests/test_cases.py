"""GET /cases and /cases/{id}: through the read door only; hidden values are absent from the JSON,
withheld fields travel as names with reason codes, invisible cases are 404 (S8, S9)."""

from __future__ import annotations

import pytest

from accord.accounts.models import Role
from accord.audit.models import AuditReadEvent
from accord.cases.tests.conftest import open_case
from accord.sharing.door import case_detail

from .conftest import get, signed_in

pytestmark = pytest.mark.django_db

LEGAL_NAME = "Canary Legalname1"
CANARIES = (LEGAL_NAME, "canary-phone-555", "canary-motel-room-9")


@pytest.fixture
def case(people):
    return open_case(people["hsi"])


def test_the_opening_agency_sees_the_case_and_the_victim(case, people):
    """The positive control: the canaries are in the JSON for a viewer the door releases them to."""
    response = get(signed_in(people["hsi"]), f"/cases/{case.pk}")
    assert response.status_code == 200
    assert LEGAL_NAME in response.content.decode()
    body = response.json()
    assert body["case"]["values"]["number"] == case.number
    assert body["sections"]["victims"][0]["values"]["legal_name"] == LEGAL_NAME


def test_an_investigator_of_another_agency_gets_404_and_no_canary(case, people):
    client = signed_in(people["rpd"])
    response = get(client, f"/cases/{case.pk}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    listing = get(client, "/cases")
    assert listing.status_code == 200 and listing.json() == []
    for text in (response.content.decode(), listing.content.decode()):
        assert case.number not in text
        assert not any(canary in text for canary in CANARIES)


def test_a_viewer_off_the_case_sees_withheld_names_with_reasons_never_values(case, people):
    response = get(signed_in(people["coordinator"]), f"/cases/{case.pk}")
    assert response.status_code == 200
    text = response.content.decode()
    assert not any(canary in text for canary in CANARIES)
    victim = response.json()["sections"]["victims"][0]
    assert "legal_name" not in victim["values"]
    assert victim["withheld"]["legal_name"] == "not_on_case"
    assert victim["values"]["pseudonym"] == "V-1"


@pytest.mark.parametrize(
    "key", ["hsi", "rpd", "ecso", "da", "harbor", "legal", "interp", "coordinator"]
)
def test_the_json_releases_exactly_what_the_read_door_releases(case, people, key):
    """Whatever the sharing layer decides, the API adds nothing to it: a victim field's value is
    in the JSON if and only if ``case_detail`` released it to this viewer."""
    viewer = people[key]
    response = get(signed_in(viewer), f"/cases/{case.pk}")
    text = response.content.decode()
    if response.status_code == 404:
        assert not any(canary in text for canary in CANARIES)
        return
    door = case_detail(viewer=viewer, case_id=case.pk)
    released = {name: value for v in door.victims for name, value in v.values.items()}
    for name, canary in (
        ("legal_name", LEGAL_NAME),
        ("contact", CANARIES[1]),
        ("current_location", CANARIES[2]),
    ):
        assert (canary in text) == (name in released), (key, name)


def test_another_task_forces_member_gets_404(case, make_member):
    from accord.accounts.models import TaskForce

    elsewhere = TaskForce.objects.create(slug="tf-elsewhere", name="Elsewhere Task Force")
    outsider = make_member(
        "olga.elsewhere", roles=[Role.COORDINATOR], agency_slug="ecso", task_force_obj=elsewhere
    )
    client = signed_in(outsider)
    response = get(client, f"/cases/{case.pk}")
    assert response.status_code == 404
    assert get(client, "/cases").json() == []
    assert case.number not in response.content.decode()


def test_a_missing_case_looks_exactly_like_a_hidden_one(case, people):
    client = signed_in(people["rpd"])
    hidden, missing = get(client, f"/cases/{case.pk}"), get(client, "/cases/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_the_case_list_shows_the_visible_cases(case, people):
    listing = get(signed_in(people["hsi"]), "/cases").json()
    assert [c["number"] for c in listing] == [case.number]
    assert set(listing[0]) == {
        "id",
        "number",
        "title",
        "stage",
        "incident_kind",
        "lead_agency",
        "opened_at",
    }
    assert get(signed_in(people["hsi"]), "/cases", stage="closed").json() == []


def test_reading_a_case_is_audited_with_field_names_only(case, people):
    get(signed_in(people["hsi"]), f"/cases/{case.pk}")
    event = AuditReadEvent.objects.filter(
        event="case_field_released", purpose="api case read"
    ).get()
    assert "potentialvictim.legal_name" in event.fields
    assert LEGAL_NAME not in str(event.detail)
