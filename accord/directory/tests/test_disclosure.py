"""The provider shows its confidential address to a named agency, and takes it back.

After a disclosure the named agency's users see the address on the organization
page; after the withdrawal they no longer do, anywhere; other users never do.
Every page, search and export is searched for the address (see test_confidential).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.directory.models import Location, LocationDisclosure, Organization
from accord.directory.services import location_disclosure_withdraw
from accord.errors import PermissionDenied

from .test_confidential import every_output, leaks

pytestmark = pytest.mark.django_db

ADDRESS = "417 Wren Hollow Road"


@pytest.fixture
def safe_house(demo) -> Location:
    return Location.objects.get(is_confidential=True)


@pytest.fixture
def people(demo, make_user, client_for):
    """Clients of the provider, of the agency it will name, and of agencies it will not."""
    users = {
        "provider": make_user("harbor.advocate", agency=demo["harbor-light"]),
        "detective": make_user("ecso.detective", agency=demo["ecso"]),
        "outsider": make_user("new.dawn", agency=demo["new-dawn"]),
        "coordinator": make_user("legal.coord", agency=demo["legal-aid"], roles=("coordinator",)),
    }
    return {name: (user, client_for(user)) for name, user in users.items()}


def organization_page(client, location: Location) -> str:
    url = reverse("directory:organization", args=[location.organization_id])
    return client.get(url).content.decode()


def test_disclose_then_withdraw_from_the_page(demo, people, safe_house):
    provider, provider_client = people["provider"]
    detective, detective_client = people["detective"]
    url = reverse("directory:location_disclosures", args=[safe_house.pk])

    assert url in organization_page(provider_client, safe_house)
    page = provider_client.get(url).content.decode()
    assert "Harbor Light Survivor Services" in page and "runs this location" in page
    assert ADDRESS not in organization_page(detective_client, safe_house)

    response = provider_client.post(url, {"agency": demo["ecso"].pk})
    assert response.status_code == 302
    page = provider_client.get(url).content.decode()
    audience = page.split('id="address-audience"')[1].split("</table>")[0]
    assert demo["ecso"].name in audience and "named by the provider" in audience
    disclosed = AuditEvent.objects.get(event=AuditEventType.DIRECTORY_LOCATION_DISCLOSED)
    assert (disclosed.actor_id, disclosed.subject_agency_id) == (provider.pk, demo["ecso"].pk)
    assert disclosed.fields == ["address"]
    assert ADDRESS in organization_page(detective_client, safe_house)

    withdraw = reverse(
        "directory:location_disclosure_withdraw", args=[safe_house.pk, demo["ecso"].pk]
    )
    assert provider_client.post(withdraw).status_code == 302
    assert not LocationDisclosure.objects.filter(location=safe_house).exists()
    withdrawn = AuditEvent.objects.filter(object_type="directory.location").latest("pk")
    assert withdrawn.detail == {"action": "disclosure_withdrawn", "agency": "ecso"}
    assert withdrawn.subject_agency_id == demo["ecso"].pk
    assert ADDRESS not in organization_page(detective_client, safe_house)
    assert leaks(every_output(detective_client, detective)) == []


def test_agencies_never_named_never_see_it_while_another_is(demo, people, safe_house):
    _, provider_client = people["provider"]
    url = reverse("directory:location_disclosures", args=[safe_house.pk])
    provider_client.post(url, {"agency": demo["ecso"].pk})
    for name in ("outsider", "coordinator"):
        user, client = people[name]
        assert leaks(every_output(client, user)) == [], name


def test_only_the_providers_users_reach_the_disclosure_pages(demo, people, safe_house):
    url = reverse("directory:location_disclosures", args=[safe_house.pk])
    withdraw = reverse(
        "directory:location_disclosure_withdraw", args=[safe_house.pk, demo["ecso"].pk]
    )
    LocationDisclosure.objects.create(location=safe_house, agency=demo["ecso"])
    for name in ("detective", "outsider", "coordinator"):
        user, client = people[name]
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"agency": user.agency_id}).status_code == 404, name
        assert client.post(withdraw).status_code == 404, name
        assert url not in organization_page(client, safe_house)
    assert list(LocationDisclosure.objects.values_list("agency_id", flat=True)) == [demo["ecso"].pk]
    detective, _ = people["detective"]
    with pytest.raises(PermissionDenied):
        location_disclosure_withdraw(actor=detective, location=safe_house, agency=demo["ecso"])


def test_an_agency_outside_the_task_force_cannot_be_named(
    demo, people, safe_house, make_agency, other_task_force
):
    far = make_agency("far-away", tf=other_task_force)
    _, provider_client = people["provider"]
    url = reverse("directory:location_disclosures", args=[safe_house.pk])
    response = provider_client.post(url, {"agency": far.pk})
    assert response.status_code == 400
    assert 'id="id_agency_error"' in response.content.decode()
    assert not LocationDisclosure.objects.exists()
    assert not AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_LOCATION_DISCLOSED).exists()


def test_the_page_offers_only_agencies_not_yet_seeing_it(demo, people, safe_house):
    _, provider_client = people["provider"]
    LocationDisclosure.objects.create(location=safe_house, agency=demo["ecso"])
    page = provider_client.get(
        reverse("directory:location_disclosures", args=[safe_house.pk])
    ).content.decode()
    options = page.split('name="agency"')[1].split("</select>")[0]
    assert demo["new-dawn"].name in options
    assert demo["ecso"].name not in options and demo["harbor-light"].name not in options
    assert Organization.objects.get(slug="harbor-light").agency == demo["harbor-light"]
