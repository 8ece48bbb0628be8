"""GET /directory/search: results with reasons; a confidential shelter's address only for those who
may see it (the demo directory's safe house at an invented address)."""

from __future__ import annotations

import pytest

from accord.accounts.models import User
from accord.directory import demo
from accord.directory.models import Location, LocationDisclosure

from .conftest import get, signed_in

pytestmark = pytest.mark.django_db

SAFE_HOUSE_CANARIES = ("Wren Hollow", "99987", "Cedar Hollow")


@pytest.fixture
def directory(task_force, make_member):
    """Agencies first (the import links organizations to them by slug), then the demo file."""
    make_member(
        "harbor.advocate", roles=["advocate"], agency_slug="harbor-light", sector="victim_services"
    )
    make_member("rita.outsider", roles=["investigator"], agency_slug="riverton-pd")
    demo.load(task_force=task_force)
    return Location.objects.get(name="Harbor Light Survivor Services safe house")


def safe_house_result(body: dict) -> dict:
    return next(r for r in body["matches"] if r["service"]["name"] == "Harbor Light safe house")


def test_an_outsider_finds_the_safe_house_but_never_its_address(directory):
    client = signed_in(User.objects.get(username="rita.outsider"))
    for params in (
        {},
        {"q": "safe house"},
        {"service_type": "emergency_shelter"},
        {"near_misses": "true"},
    ):
        response = get(client, "/directory/search", **params)
        assert response.status_code == 200, params
        text = response.content.decode()
        for canary in SAFE_HOUSE_CANARIES:
            assert canary not in text, (canary, params)
    body = get(client, "/directory/search", q="safe house").json()
    location = safe_house_result(body)["locations"][0]
    assert location["confidential"] is True and location["address_visible"] is False
    assert location["addresses"] == [] and location["latitude"] is None
    assert "confidential location" in location["reason"]


def test_the_provider_sees_its_own_safe_house_address(directory):
    """The positive control: the canary is in the data, so the test above can fail."""
    client = signed_in(User.objects.get(username="harbor.advocate"))
    body = get(client, "/directory/search", q="safe house").json()
    location = safe_house_result(body)["locations"][0]
    assert location["address_visible"] is True
    assert location["addresses"][0]["address_1"] == "417 Wren Hollow Road"


def test_an_agency_the_provider_named_sees_the_address(directory):
    outsider = User.objects.get(username="rita.outsider")
    assert outsider.agency is not None
    LocationDisclosure.objects.create(location=directory, agency=outsider.agency)
    client = signed_in(outsider)
    text = get(client, "/directory/search", q="safe house").content.decode()
    assert "Wren Hollow" in text


def test_results_explain_themselves(directory, member_client):
    client = member_client("sal.searcher", agency_slug="riverton-pd")
    body = get(client, "/directory/search", age=16, near_misses="true").json()
    assert body["total"] >= len(body["matches"]) > 0
    assert all("includes 16" in r["explanation"] for r in body["matches"])
    assert body["near_misses"], "an adult-only service should come close"
    assert all(r["is_match"] is False and r["unmatched"] for r in body["near_misses"])


def test_bad_search_parameters_name_the_field(directory, member_client):
    client = member_client("bea.bad", agency_slug="riverton-pd")
    response = get(client, "/directory/search", age="sixteen")
    assert response.status_code == 422 and response.json()["field"] == "age"
    response = get(client, "/directory/search", gender="robot")
    assert response.status_code == 400 and response.json()["field"] == "gender"
    response = get(client, "/directory/search", language="klingonese")
    assert response.status_code == 400 and response.json()["field"] == "language"
