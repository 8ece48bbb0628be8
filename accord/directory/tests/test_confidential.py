"""A confidential shelter address never leaks: every page, export and command is searched."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accord.directory.models import Location, Organization, Service
from accord.directory.selectors import Operator, location_address_visible
from accord.directory.services import location_disclose

from .conftest import verified_client

pytestmark = pytest.mark.django_db

#: The invented safe-house address in examples/directory/example-county.json.
SECRETS = ("417 Wren Hollow Road", "Wren Hollow", "Cedar Hollow", "99987")


def every_output(client, user) -> dict[str, str]:
    """Render every directory page (and the export, for coordinators) as this client."""
    outputs: dict[str, str] = {}
    urls = [
        reverse("directory:search"),
        reverse("directory:search") + "?service_type=emergency_shelter&age=30&gender=female"
        "&near_misses=on",
        reverse("directory:search") + "?q=Harbor&near_misses=on",
        reverse("directory:organizations"),
    ]
    urls += [reverse("directory:organization", args=[o.pk]) for o in Organization.objects.all()]
    urls += [reverse("directory:service", args=[s.pk]) for s in Service.objects.all()]
    if user.has_role("coordinator"):
        urls += [reverse("directory:upkeep"), reverse("directory:import")]
        session = client.session
        session["accord_reauth_at"] = time.time()
        session.save()
        urls.append(reverse("directory:export"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        outputs[url] = response.content.decode()
    # Editing pages: only maintainers (and, for disclosures, the provider) get them at all.
    editing = [reverse("directory:service_edit", args=[s.pk]) for s in Service.objects.all()]
    editing += [
        reverse(name, args=[o.pk])
        for o in Organization.objects.all()
        for name in ("directory:organization_reach", "directory:service_create")
    ]
    editing += [
        reverse("directory:location_disclosures", args=[loc.pk]) for loc in Location.objects.all()
    ]
    if user.has_role("coordinator"):
        editing.append(reverse("directory:organization_create"))
    for url in editing:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        if response.status_code == 200:
            outputs[url] = response.content.decode()
    return outputs


def leaks(outputs: dict[str, str]) -> list[str]:
    return [
        f"{secret} in {url}"
        for url, text in outputs.items()
        for secret in SECRETS
        if secret in text
    ]


@pytest.mark.parametrize("roles", [(), ("coordinator",), ("investigator", "auditor")])
def test_outsiders_never_see_the_safe_house_address(demo, make_user, roles):
    user = make_user("outsider", agency=demo["new-dawn"], roles=roles)
    assert leaks(every_output(verified_client(user), user)) == []


def test_the_provider_sees_its_own_address(demo, make_user):
    user = make_user("advocate", agency=demo["harbor-light"], roles=("advocate", "coordinator"))
    outputs = every_output(verified_client(user), user)
    safe_house = Service.objects.get(slug="harbor-light-safe-house")
    assert "417 Wren Hollow Road" in outputs[reverse("directory:service", args=[safe_house.pk])]
    assert "417 Wren Hollow Road" in outputs[reverse("directory:export")]


def test_an_agency_the_provider_names_sees_it(demo, make_user):
    provider = make_user("provider", agency=demo["harbor-light"])
    outsider = make_user("detective", agency=demo["ecso"])
    location = Location.objects.get(is_confidential=True)
    assert not location_address_visible(viewer=outsider, location=location).visible
    location_disclose(actor=provider, location=location, agency=demo["ecso"])
    visibility = location_address_visible(
        viewer=outsider, location=Location.objects.get(pk=location.pk)
    )
    assert visibility.visible and "disclosed" in visibility.reason
    outputs = every_output(verified_client(outsider), outsider)
    assert any("417 Wren Hollow Road" in text for text in outputs.values())


def test_everyone_still_sees_the_24_7_phone(demo, make_user):
    user = make_user("outsider", agency=demo["new-dawn"])
    safe_house = Service.objects.get(slug="harbor-light-safe-house")
    page = verified_client(user).get(reverse("directory:service", args=[safe_house.pk]))
    text = page.content.decode()
    assert "address withheld" in text
    harbor = Organization.objects.get(slug="harbor-light")
    hotline = harbor.phones.get(is_24_7=True)
    assert hotline.number in text


def test_command_line_export_leaves_it_out_unless_asked(demo):
    out = StringIO()
    call_command("directory_export", stdout=out, stderr=StringIO())
    assert not [s for s in SECRETS if s in out.getvalue()]
    assert json.loads(out.getvalue())
    out = StringIO()
    call_command("directory_export", "--include-confidential", stdout=out, stderr=StringIO())
    assert "417 Wren Hollow Road" in out.getvalue()


def test_operator_visibility_needs_the_flag(demo):
    location = Location.objects.get(is_confidential=True)
    assert not location_address_visible(viewer=Operator(), location=location).visible
    assert location_address_visible(
        viewer=Operator(include_confidential=True), location=location
    ).visible
