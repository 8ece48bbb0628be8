"""Pages: uploads checked and served safely, sessions, attendance, compliance, calendar."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accord.audit.events import AuditEventType
from accord.audit.testing import assert_audited
from accord.training.models import Certificate, CourseMaterial, TrainingSession
from accord.training.services import session_create, session_register
from conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def _client(user) -> Client:
    return sign_in(Client(), user)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_material_upload_checks_type_and_size_and_serves_as_attachment(
    coordinator, catalog, settings, make_member
):
    course = catalog["care"]
    client = _client(coordinator)
    url = reverse("training:material_upload", args=[course.pk])
    # a PDF name around HTML content: refused
    fake = SimpleUploadedFile("handout.pdf", b"<script>alert(1)</script>", "application/pdf")
    response = client.post(url, {"file": fake})
    assert response.status_code == 400
    assert "does not contain what its .pdf name says" in response.content.decode()
    # a wrong type: refused
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "application/octet-stream")
    assert "not an accepted type" in client.post(url, {"file": exe}).content.decode()
    # too large: refused, with the limit
    settings.ACCORD_TRAINING_MATERIAL_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 2048, "application/pdf")
    assert "the limit is" in client.post(url, {"file": big}).content.decode()
    assert CourseMaterial.objects.count() == 0
    # a real docx: accepted, stored under a random name, served as an attachment
    handout = _docx()  # built once: a zip records the second it was written
    good = SimpleUploadedFile("Trauma handout.docx", handout, "application/octet-stream")
    assert client.post(url, {"file": good}).status_code == 302
    material = CourseMaterial.objects.get()
    assert material.kind == "docx" and "Trauma" not in (material.file.name or "")
    assert_audited(
        AuditEventType.TRAINING_MATERIAL_UPLOADED,
        object_type="training.material",
        object_id=material.pk,
        actor=coordinator,
    )
    advocate = make_member("adv", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    download = _client(advocate).get(reverse("training:material_download", args=[material.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == handout


def test_other_task_force_gets_404_for_materials_and_sessions(
    coordinator, catalog, make_member, django_user_model
):
    from accord.accounts.models import TaskForce

    other_tf = TaskForce.objects.create(slug="other", name="Other Task Force")
    stranger = make_member(
        "stranger", roles=["coordinator"], agency_slug="x", task_force_obj=other_tf
    )
    start = timezone.now() + timedelta(days=5)
    session = session_create(
        actor=coordinator,
        course=catalog["care"],
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Riverton",
    )
    client = _client(stranger)
    assert client.get(reverse("training:session", args=[session.pk])).status_code == 404
    assert client.get(reverse("training:session_ics", args=[session.pk])).status_code == 404
    assert client.get(reverse("training:course", args=[catalog["care"].pk])).status_code == 404


def test_session_form_in_the_past_without_attendance_keeps_input(coordinator, catalog):
    client = _client(coordinator)
    start = timezone.now() - timedelta(days=2)
    response = client.post(
        reverse("training:session_new"),
        {
            "course": catalog["care"].pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "place": "Lakeside Community Hall",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "record who attended" in text
    assert "A training session can&#x27;t be scheduled in the past (it is now" in text
    assert "Lakeside Community Hall" in text
    assert TrainingSession.objects.count() == 0


def test_recording_attendance_changes_the_compliance_page(coordinator, catalog, make_member):
    from accord.accounts.models import Agency

    advocate = make_member("adv", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    Agency.objects.filter(pk=advocate.agency_id).update(lead=advocate)
    earlier = timezone.now() - timedelta(days=2)
    session = session_create(
        actor=coordinator,
        course=catalog["care"],
        starts_at=earlier + timedelta(hours=1),
        ends_at=earlier + timedelta(hours=4),
        place="Riverton",
        now=earlier,
    )
    session_register(actor=advocate, session=session, user=advocate, now=earlier)
    page_url = reverse("training:compliance_agency", args=["vsp"])
    before = _client(coordinator).get(page_url).content.decode()
    assert "not compliant" in before
    response = _client(coordinator).post(
        reverse("training:session_attendance", args=[session.pk]), {"attended": [advocate.pk]}
    )
    assert response.status_code == 302
    after = _client(coordinator).get(page_url).content.decode()
    assert "not compliant" not in after and "compliant" in after
    assert Certificate.objects.filter(user=advocate).count() == 1
    # the person sees their own page; another advocate (not lead) gets 404 for it
    own = _client(advocate).get(reverse("training:compliance_person", args=[advocate.pk]))
    assert own.status_code == 200
    colleague = make_member("adv2", roles=["advocate"], agency_slug="other-vsp")
    assert (
        _client(colleague)
        .get(reverse("training:compliance_person", args=[advocate.pk]))
        .status_code
        == 404
    )
    assert _client(colleague).get(page_url).status_code == 404


def test_attendance_with_nobody_ticked_is_refused(coordinator, catalog, make_member):
    advocate = make_member("adv", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    earlier = timezone.now() - timedelta(days=2)
    session = session_create(
        actor=coordinator,
        course=catalog["care"],
        starts_at=earlier + timedelta(hours=1),
        ends_at=earlier + timedelta(hours=4),
        place="Riverton",
        now=earlier,
    )
    session_register(actor=advocate, session=session, user=advocate, now=earlier)
    response = _client(coordinator).post(
        reverse("training:session_attendance", args=[session.pk]), {}
    )
    assert response.status_code == 400
    assert "at least one person" in response.content.decode()
    # an advocate who is not a trainer cannot record attendance
    assert (
        _client(advocate)
        .post(
            reverse("training:session_attendance", args=[session.pk]), {"attended": [advocate.pk]}
        )
        .status_code
        == 404
    )


def test_calendar_feed_lists_upcoming_sessions_as_icalendar(coordinator, catalog, make_member):
    start = timezone.now() + timedelta(days=7)
    session_create(
        actor=coordinator,
        course=catalog["interviewing"],
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        place="Example State Police Academy",
        trainer_names="Pat Quill",
    )
    investigator = make_member("inv", roles=["investigator"], agency_slug="pd")
    response = _client(investigator).get(reverse("training:calendar_ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Victim-centered interviewing"]
    assert str(events[0]["LOCATION"]) == "Example State Police Academy"


def test_anonymous_calendar_is_refused(client):
    response = client.get(reverse("training:calendar_ics"))
    assert response.status_code in (302, 401)
