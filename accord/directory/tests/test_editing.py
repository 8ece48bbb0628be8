"""Editing the directory from its pages: services, organizations, phones and contacts.

Every form carries the version it was read at: a stale save is refused with a
conflict and the typed input kept (S23); bad input names the field and changes
nothing (S24); every change is audited (S15); only maintainers may edit (S8).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.directory.models import Organization, Phone, Service
from accord.directory.search import SearchQuery, directory_search, open_now
from accord.directory.selectors import (
    service_jurisdictions,
    service_languages,
    service_schedule_notes,
)
from accord.directory.services import (
    ContactEntry,
    PhoneEntry,
    organization_create,
    organization_reach_update,
    service_update,
)
from accord.errors import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelter(demo) -> Service:
    return Service.objects.get(slug="riverside-youth-shelter")


@pytest.fixture
def staff(demo, make_user):
    return make_user("riverside.staff", agency=demo["riverside-youth"])


@pytest.fixture
def coordinator(demo, make_user):
    return make_user("ecso.coord", agency=demo["ecso"], roles=("coordinator",))


def service_post(service: Service, **overrides: object) -> dict[str, object]:
    """The edit form as the page fills it for ``service``, with some fields changed."""
    data: dict[str, object] = {
        "version": service.version,
        "name": service.name,
        "description": service.description,
        "service_types": sorted(service.service_type_set),
        "languages": ", ".join(service_languages(service)),
        "minimum_age": "" if service.minimum_age is None else service.minimum_age,
        "maximum_age": "" if service.maximum_age is None else service.maximum_age,
        "genders": sorted(service.gender_set),
        "citizenship": sorted(service.citizenship_set),
        "trafficking_types": sorted(service.trafficking_type_set),
        "eligibility_description": service.eligibility_description,
        "jurisdictions": list(service_jurisdictions(service)),
        "new_jurisdictions": "",
        "schedule_notes": service_schedule_notes(service),
        "status": service.status,
    }
    if service.is_24_7:
        data["is_24_7"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def languages_of(service: Service) -> tuple[str, ...]:
    return service_languages(Service.objects.get(pk=service.pk))


# --- editing a service ----------------------------------------------------------------------


def test_a_maintainer_edits_languages_area_hours_and_status(staff, shelter, client_for):
    client = client_for(staff)
    url = reverse("directory:service_edit", args=[shelter.pk])
    page = client.get(url).content.decode()
    assert 'value="en, es, tl"' in page and 'name="version"' in page
    response = client.post(
        url,
        service_post(
            shelter,
            languages="en es tl VI fre",
            new_jurisdictions="north-shore",
            schedule_notes="Intake by phone at any hour.",
            status="inactive",
        ),
    )
    assert response.status_code == 302
    stored = Service.objects.get(pk=shelter.pk)
    assert service_languages(stored) == ("en", "es", "fr", "tl", "vi")
    assert "north-shore" in service_jurisdictions(stored)
    assert service_schedule_notes(stored) == "Intake by phone at any hour."
    assert (stored.status, stored.version) == ("inactive", shelter.version + 1)
    event = AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_CHANGED).latest("pk")
    assert event.object_id == str(shelter.pk) and event.actor_id == staff.pk
    assert set(event.fields) == {"languages", "jurisdictions", "schedule_notes", "status"}
    detail = client.get(reverse("directory:service", args=[shelter.pk])).content.decode()
    assert "Vietnamese (vi)" in detail and "Intake by phone at any hour." in detail


def test_the_edited_language_changes_what_search_finds(staff, shelter, client_for):
    query = SearchQuery(service_type="emergency_shelter", language="vi")
    before = directory_search(task_force_id=shelter.task_force_id, query=query)
    assert shelter.pk not in {r.service.pk for r in before.matches}
    client_for(staff).post(
        reverse("directory:service_edit", args=[shelter.pk]),
        service_post(shelter, languages="en, es, tl, vi"),
    )
    after = directory_search(task_force_id=shelter.task_force_id, query=query)
    match = next(r for r in after.matches if r.service.pk == shelter.pk)
    assert "serves Vietnamese (vi)" in match.explanation


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"languages": "en, xx, klingon"}, "languages", "Not ISO 639 language codes: xx, klingon"),
        ({"minimum_age": 18, "maximum_age": 12}, "minimum_age", "Inverted age range"),
        ({"genders": ["boy"]}, "genders", "Select a valid choice"),
        ({"new_jurisdictions": "North Shore!"}, "new_jurisdictions", "lowercase letters"),
        ({"name": ""}, "name", "This field is required"),
        ({"status": "defunct"}, "status", "Select a valid choice"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    staff, shelter, client_for, overrides, field, message
):
    response = client_for(staff).post(
        reverse("directory:service_edit", args=[shelter.pk]),
        service_post(shelter, description="Typed but refused.", **overrides),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in page and message in page
    assert "Typed but refused." in page  # the typed input is kept
    stored = Service.objects.get(pk=shelter.pk)
    assert stored.version == shelter.version and stored.description == shelter.description
    assert not AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_CHANGED).exists()


def test_a_stale_save_is_refused_and_keeps_the_typed_input(staff, coordinator, shelter, client_for):
    url = reverse("directory:service_edit", args=[shelter.pk])
    stale = service_post(shelter, name="Riverside shelter (renamed by staff)", languages="en, vi")
    # The coordinator saves first, from a page opened at the same version.
    client_for(coordinator).post(url, service_post(shelter, languages="en, es, tl, ko"))
    response = client_for(staff).post(url, stale)
    page = response.content.decode()
    assert response.status_code == 409
    assert "was changed by someone else" in page and "Your input is kept below" in page
    assert 'value="Riverside shelter (renamed by staff)"' in page and 'value="en, vi"' in page
    assert "The entry as it is now" in page and "en, es, ko, tl" in page
    stored = Service.objects.get(pk=shelter.pk)
    assert stored.name == shelter.name and languages_of(shelter) == ("en", "es", "ko", "tl")
    # Saving again from the conflict page is a deliberate choice, made with the current version.
    again = dict(stale, version=stored.version)
    assert client_for(staff).post(url, again).status_code == 302
    assert Service.objects.get(pk=shelter.pk).name == "Riverside shelter (renamed by staff)"


def test_only_maintainers_may_edit_a_service(demo, make_user, shelter, client_for):
    outsider = make_user("new.dawn", agency=demo["new-dawn"])
    client = client_for(outsider)
    url = reverse("directory:service_edit", args=[shelter.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, service_post(shelter, name="Hijacked")).status_code == 403
    assert Service.objects.get(pk=shelter.pk).name == shelter.name
    service_page = client.get(reverse("directory:service", args=[shelter.pk])).content.decode()
    assert url not in service_page


def test_another_task_force_cannot_find_the_edit_pages(
    demo, make_user, make_agency, other_task_force, shelter, client_for
):
    stranger = make_user(
        "far.coord", agency=make_agency("far-away", tf=other_task_force), roles=("coordinator",)
    )
    client = client_for(stranger)
    organization = shelter.organization
    location = organization.locations.first() or Organization.objects.get(
        slug="harbor-light"
    ).locations.get(is_confidential=True)
    for url in (
        reverse("directory:service_edit", args=[shelter.pk]),
        reverse("directory:organization_reach", args=[organization.pk]),
        reverse("directory:service_create", args=[organization.pk]),
        reverse("directory:location_disclosures", args=[location.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(shelter, client):
    response = client.get(reverse("directory:service_edit", args=[shelter.pk]))
    assert response.status_code in (302, 401)


def test_schedule_notes_do_not_open_a_service(staff, shelter):
    drop_in = Service.objects.get(slug="riverside-youth-drop-in")
    before = open_now(drop_in, now=_a_monday_at(3))
    service_update(
        actor=staff,
        service=drop_in,
        expected_version=drop_in.version,
        changes={"schedule_notes": "Closed on public holidays."},
    )
    after = open_now(Service.objects.get(pk=drop_in.pk), now=_a_monday_at(3))
    assert after == before


def _a_monday_at(hour: int):
    from datetime import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime(2025, 3, 3, hour, 0))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    low=st.one_of(st.none(), st.integers(0, 120)),
    high=st.one_of(st.none(), st.integers(0, 120)),
    languages=st.lists(st.sampled_from(["en", "es", "tl", "vi", "xx", "zz9", "spa"]), max_size=4),
)
def test_age_range_and_languages_are_stored_exactly_or_refused_whole(
    staff, shelter, low, high, languages
):
    current = Service.objects.get(pk=shelter.pk)
    before = (current.minimum_age, current.maximum_age, service_languages(current))
    changes = {"minimum_age": low, "maximum_age": high, "languages": languages}
    inverted = low is not None and high is not None and low > high
    unknown = {"xx", "zz9"} & set(languages)
    if inverted or unknown:
        with pytest.raises(ValidationError) as refused:
            service_update(
                actor=staff, service=current, expected_version=current.version, changes=changes
            )
        assert refused.value.data["field"] in ("minimum_age", "languages")
        stored = Service.objects.get(pk=shelter.pk)
        assert (stored.minimum_age, stored.maximum_age, service_languages(stored)) == before
    else:
        service_update(
            actor=staff, service=current, expected_version=current.version, changes=changes
        )
        stored = Service.objects.get(pk=shelter.pk)
        expected = tuple(sorted({"es" if code == "spa" else code for code in languages}))
        assert (stored.minimum_age, stored.maximum_age) == (low, high)
        assert service_languages(stored) == expected


# --- organizations, phones and contacts -----------------------------------------------------


def reach_post(organization: Organization, *, phones: list[dict], contacts: list[dict]) -> dict:
    data: dict[str, object] = {
        "version": organization.version,
        "phones-TOTAL_FORMS": len(phones),
        "phones-INITIAL_FORMS": sum(1 for p in phones if p.get("id")),
        "contacts-TOTAL_FORMS": len(contacts),
        "contacts-INITIAL_FORMS": sum(1 for c in contacts if c.get("id")),
    }
    for prefix, rows in (("phones", phones), ("contacts", contacts)):
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
    return data


def test_a_coordinator_adds_an_organization_with_a_24_7_phone_and_a_service(
    coordinator, demo, client_for
):
    client = client_for(coordinator)
    assert "Add an organization" in client.get(reverse("directory:organizations")).content.decode()
    data = reach_post(
        Organization(version=1),
        phones=[
            {"number": "+1-555-0190", "type": "voice", "is_24_7": "on", "description": "Crisis"},
            {"number": "", "type": ""},
        ],
        contacts=[{"name": "Mara Quill", "title": "Director", "email": "mq@example.invalid"}],
    )
    data.pop("version")
    data.update({"slug": "willow-house", "name": "Willow House", "description": "Respite beds."})
    response = client.post(reverse("directory:organization_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    willow = Organization.objects.get(slug="willow-house")
    assert [(p.number, p.is_24_7) for p in willow.phones.all()] == [("+1-555-0190", True)]
    assert willow.contacts.get().name == "Mara Quill"
    event = AuditEvent.objects.filter(object_type="directory.organization").latest("pk")
    assert event.detail["action"] == "create" and {"phones", "contacts"} <= set(event.fields)
    upkeep = client.get(reverse("directory:upkeep")).content.decode()
    missing_24_7 = upkeep.split('id="missing"')[1].split('id="stale"')[0]
    assert "Lakeside Food Pantry" in missing_24_7 and "Willow House" not in missing_24_7

    service_data = {
        "slug": "willow-respite",
        "name": "Willow respite beds",
        "service_types": ["emergency_shelter"],
        "languages": "en, es",
        "minimum_age": 18,
        "is_24_7": "on",
        "status": "active",
    }
    response = client.post(reverse("directory:service_create", args=[willow.pk]), service_data)
    assert response.status_code == 302
    service = Service.objects.get(slug="willow-respite")
    assert service.organization == willow and service_languages(service) == ("en", "es")
    found = directory_search(
        task_force_id=willow.task_force_id,
        query=SearchQuery(service_type="emergency_shelter", language="es", age=30),
    )
    assert service.pk in {r.service.pk for r in found.matches}


def test_organization_creation_refuses_bad_input_and_creates_nothing(coordinator, client_for):
    client = client_for(coordinator)
    before = Organization.objects.count()
    data = reach_post(
        Organization(version=1),
        phones=[{"number": "call us", "is_24_7": "on"}],
        contacts=[{"email": "not-an-address"}],
    )
    data.update({"slug": "harbor-light", "name": "Duplicate"})
    response = client.post(reverse("directory:organization_create"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Not a phone number" in page and "Give a name, a title or a department" in page
    assert 'value="call us"' in page
    assert Organization.objects.count() == before
    data = reach_post(Organization(version=1), phones=[], contacts=[])
    data.update({"slug": "harbor-light", "name": "Duplicate"})
    page = client.post(reverse("directory:organization_create"), data).content.decode()
    assert "An organization with id &#x27;harbor-light&#x27; exists." in page
    assert 'id="id_slug_error"' in page


def test_only_coordinators_add_organizations_and_services(staff, shelter, client_for):
    client = client_for(staff)
    assert client.get(reverse("directory:organization_create")).status_code == 403
    create = reverse("directory:service_create", args=[shelter.organization_id])
    assert client.get(create).status_code == 403
    with pytest.raises(PermissionDenied):
        organization_create(
            actor=staff, task_force=shelter.organization.task_force, slug="x", name="X"
        )


def test_maintainers_edit_phones_and_contacts(staff, shelter, client_for):
    organization = shelter.organization
    client = client_for(staff)
    url = reverse("directory:organization_reach", args=[organization.pk])
    page = client.get(url).content.decode()
    phones = list(organization.phones.order_by("-is_24_7", "pk"))
    assert all(f'value="{phone.number}"' in page for phone in phones)
    rows = [
        {"id": phones[0].pk, "number": "+1-555-0111", "type": "voice", "is_24_7": "on"},
        {"id": phones[1].pk, "number": phones[1].number, "DELETE": "on"},
        {"number": "+1-555-0122", "extension": "4", "description": "Youth line"},
    ]
    response = client.post(
        url, reach_post(organization, phones=rows, contacts=[{"name": "Ada Finch"}])
    )
    assert response.status_code == 302
    stored = Organization.objects.get(pk=organization.pk)
    assert [(p.number, p.extension, p.is_24_7) for p in stored.phones.all()] == [
        ("+1-555-0111", "", True),
        ("+1-555-0122", "4", False),
    ]
    assert [c.name for c in stored.contacts.all()] == ["Ada Finch"]
    assert stored.version == organization.version + 1
    event = AuditEvent.objects.filter(object_type="directory.organization").latest("pk")
    assert set(event.fields) == {"phones", "contacts"} and event.actor_id == staff.pk
    assert "+1-555-0111" not in str(event.detail)  # names and counts, never the numbers


def test_a_stale_phone_edit_is_refused_and_keeps_the_typed_rows(
    staff, coordinator, shelter, client_for
):
    organization = shelter.organization
    url = reverse("directory:organization_reach", args=[organization.pk])
    phone = organization.phones.order_by("-is_24_7", "pk").first()
    first = reach_post(
        organization, phones=[{"id": phone.pk, "number": "+1-555-0133"}], contacts=[]
    )
    second = reach_post(
        organization, phones=[{"id": phone.pk, "number": "+1-555-0144"}], contacts=[]
    )
    assert client_for(coordinator).post(url, first).status_code == 302
    response = client_for(staff).post(url, second)
    page = response.content.decode()
    assert response.status_code == 409 and "was changed by someone else" in page
    assert 'value="+1-555-0144"' in page and "+1-555-0133" in page  # typed, and current
    assert Phone.objects.get(pk=phone.pk).number == "+1-555-0133"


def test_a_phone_of_another_organization_cannot_be_edited_through_this_one(staff, shelter):
    other_phone = Organization.objects.get(slug="new-dawn").phones.first()
    organization = shelter.organization
    with pytest.raises(ValidationError, match="not one of this organization's phones"):
        organization_reach_update(
            actor=staff,
            organization=organization,
            expected_version=organization.version,
            phones=[PhoneEntry(id=other_phone.pk, number="+1-555-0100")],
            contacts=[ContactEntry(name="X")],
        )
    assert Phone.objects.get(pk=other_phone.pk).number == other_phone.number
    assert Organization.objects.get(pk=organization.pk).version == organization.version


def test_fixing_a_refused_form_still_meets_the_conflict(staff, coordinator, shelter, client_for):
    """A 400 keeps the version the page was opened at, so a later save cannot overwrite silently."""
    url = reverse("directory:service_edit", args=[shelter.pk])
    opened_at = shelter.version
    client_for(coordinator).post(url, service_post(shelter, description="Coordinator's words."))
    client = client_for(staff)
    refused = client.post(url, service_post(shelter, languages="en, xx"))
    assert refused.status_code == 400
    assert f'name="version" value="{opened_at}"' in refused.content.decode()
    fixed = client.post(url, service_post(shelter, languages="en, vi"))
    assert fixed.status_code == 409
    assert Service.objects.get(pk=shelter.pk).description == "Coordinator's words."
