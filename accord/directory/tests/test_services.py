"""Writes: capacity and verification are audited, version-checked and permission-checked."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accord.accounts.access import access_of
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.testing import assert_audited, audit_mark
from accord.directory.models import Organization, Service
from accord.directory.services import bed_reserve, capacity_update, entry_verify, service_update
from accord.errors import ConflictError, PermissionDenied, ValidationError

from .conftest import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelter(demo) -> Service:
    return Service.objects.get(slug="riverside-youth-shelter")


def test_capacity_update_is_stamped_and_audited(demo, make_user, shelter):
    staff = make_user("staff", agency=demo["riverside-youth"])
    updated = capacity_update(
        actor=staff, service=shelter, expected_version=shelter.version, beds_available=7
    )
    assert (updated.beds_available, updated.capacity_updated_by) == (7, staff)
    event = assert_audited(
        AuditEventType.DIRECTORY_CAPACITY_UPDATED,
        object_type="directory.service",
        object_id=shelter.pk,
        actor=staff,
        fields=["beds_available", "beds_total"],
    )
    assert event.detail["beds_available"] == 7
    assert AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_CAPACITY_UPDATED).count() == 1


def test_a_stale_save_is_refused_with_a_conflict(demo, make_user, shelter):
    staff = make_user("staff", agency=demo["riverside-youth"])
    read_version = shelter.version
    capacity_update(actor=staff, service=shelter, expected_version=read_version, beds_available=5)
    mark = audit_mark()
    with pytest.raises(ConflictError, match="changed by someone else"):
        capacity_update(
            actor=staff, service=shelter, expected_version=read_version, beds_available=9
        )
    assert Service.objects.get(pk=shelter.pk).beds_available == 5
    assert not AuditEvent.objects.filter(seq__gt=mark).exists()


def test_other_agencies_may_not_change_an_entry(demo, make_user, shelter):
    outsider = make_user("outsider", agency=demo["new-dawn"])
    with pytest.raises(PermissionDenied):
        capacity_update(
            actor=outsider, service=shelter, expected_version=shelter.version, beds_available=1
        )
    assert not AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_CAPACITY_UPDATED).exists()
    coordinator = make_user("coord", agency=demo["ecso"], roles=("coordinator",))
    entry_verify(actor=coordinator, record=shelter, expected_version=shelter.version)
    assert AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_ENTRY_VERIFIED).count() == 1
    assert_audited(
        AuditEventType.DIRECTORY_ENTRY_VERIFIED,
        object_type="directory.service",
        object_id=shelter.pk,
        actor=coordinator,
        fields=["last_verified_at", "last_verified_by"],
    )


def test_service_update_refuses_inverted_ages_and_unknown_codes(demo, make_user, shelter):
    staff = make_user("staff", agency=demo["riverside-youth"])
    with pytest.raises(ValidationError, match="Inverted age range"):
        service_update(
            actor=staff,
            service=shelter,
            expected_version=shelter.version,
            changes={"minimum_age": 18},
        )
    with pytest.raises(ValidationError, match="Unknown genders: boy"):
        service_update(
            actor=staff,
            service=shelter,
            expected_version=shelter.version,
            changes={"genders": ["boy"]},
        )
    assert not AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_CHANGED).exists()
    updated = service_update(
        actor=staff, service=shelter, expected_version=shelter.version, changes={"maximum_age": 18}
    )
    assert updated.maximum_age == 18 and updated.version == shelter.version + 1
    assert_audited(
        AuditEventType.DIRECTORY_CHANGED,
        object_type="directory.service",
        object_id=shelter.pk,
        actor=staff,
        fields=["maximum_age"],
    )


def test_reserving_a_bed_takes_one_and_audits_the_change(demo, make_user, shelter):
    staff = make_user("staff", agency=demo["riverside-youth"])
    capacity_update(
        actor=staff, service=shelter, expected_version=shelter.version, beds_available=1
    )
    investigator = make_user("inv", agency=demo["ecso"], roles=("investigator",))
    after = bed_reserve(actor=investigator, service=shelter, purpose="placement of a minor")
    assert after.beds_available == 0
    reserved = assert_audited(
        AuditEventType.DIRECTORY_CAPACITY_UPDATED,
        object_type="directory.service",
        object_id=shelter.pk,
        actor=investigator,
        fields=["beds_available"],
    )
    assert reserved.purpose == "placement of a minor" and reserved.detail["change"] == -1
    mark = audit_mark()
    with pytest.raises(ValidationError, match="No bed is free"):
        bed_reserve(actor=investigator, service=shelter, purpose="placement of a minor")
    assert Service.objects.get(pk=shelter.pk).beds_available == 0
    assert not AuditEvent.objects.filter(seq__gt=mark).exists()


def test_capacity_form_conflict_message_on_the_page(demo, make_user, shelter, client_for):
    client = client_for(make_user("staff", agency=demo["riverside-youth"]))
    url = reverse("directory:service_capacity", args=[shelter.pk])
    client.post(url, {"version": shelter.version, "beds_available": 3, "beds_total": 12})
    page = client.post(url, {"version": shelter.version, "beds_available": 8}, follow=True)
    assert "was changed by someone else" in page.content.decode()
    assert Service.objects.get(pk=shelter.pk).beds_available == 3


def test_other_task_force_objects_are_404(demo, make_user, make_agency, other_task_force):
    stranger = make_user(
        "stranger", agency=make_agency("far-away", tf=other_task_force), roles=("coordinator",)
    )
    client = verified_client(stranger)
    shelter = Service.objects.get(slug="riverside-youth-shelter")
    org = shelter.organization
    assert client.get(reverse("directory:service", args=[shelter.pk])).status_code == 404
    assert client.get(reverse("directory:organization", args=[org.pk])).status_code == 404
    response = client.post(
        reverse("directory:service_capacity", args=[shelter.pk]),
        {"version": shelter.version, "beds_available": 0},
    )
    assert response.status_code == 404
    assert "Riverside" not in client.get(reverse("directory:organizations")).content.decode()


def test_upkeep_lists_stale_entries_and_missing_24_7(demo, make_user):
    coordinator = make_user("coord", agency=demo["ecso"], roles=("coordinator",))
    page = verified_client(coordinator).get(reverse("directory:upkeep")).content.decode()
    assert "Lakeside Food Pantry" in page  # verified 2025-02-03, no 24/7 line
    assert "Job readiness and placement" in page
    assert "no 24/7 phone recorded" in page
    advocate = make_user("advocate", agency=demo["new-dawn"])
    assert verified_client(advocate).get(reverse("directory:upkeep")).status_code == 403


def test_web_import_refuses_bad_files_and_names_the_problem(demo, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    coordinator = make_user("coord", agency=demo["ecso"], roles=("coordinator",))
    before = Organization.objects.count()
    bad = [{"id": "not-a-uuid", "name": "X", "description": "", "email": "nope"}]
    response = verified_client(coordinator).post(
        reverse("directory:import"),
        {"file": SimpleUploadedFile("bad.json", json.dumps(bad).encode())},
    )
    text = response.content.decode()
    assert response.status_code == 400 and "nothing was changed" in text
    assert "id: schema:" in text and "email: schema:" in text
    assert Organization.objects.count() == before


def test_commands_import_and_report(task_force, tmp_path):
    from .conftest import DEMO_FILE

    out, err = StringIO(), StringIO()
    call_command(
        "directory_import", str(DEMO_FILE), "--task-force", "example-county", stdout=out, stderr=err
    )
    assert "27 organization(s) created" in out.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": ')
    with pytest.raises(CommandError, match="malformed JSON"):
        call_command("directory_import", str(bad), stdout=StringIO(), stderr=StringIO())
    target = tmp_path / "out.json"
    call_command("directory_export", "-o", str(target), stdout=StringIO(), stderr=StringIO())
    assert len(json.loads(target.read_text())) == 27
    out = StringIO()
    call_command("directory_stale", stdout=out)
    assert "lakeside-food-pantry" in out.getvalue()


def test_every_directory_view_declares_its_access():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    views = [
        (path, view)
        for path, view in walk(get_resolver().url_patterns)
        if path.startswith("directory/")
    ]
    assert len(views) >= 10
    assert [path for path, view in views if access_of(view) is None] == []
