"""Joint training journey: the coordinator records attendance, the compliance page changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_records_attendance_and_the_advocate_becomes_compliant(
    page, make_member, task_force
):
    from django.utils import timezone

    from accord.accounts.models import Agency
    from accord.protocols.models import ProtocolVersion
    from accord.training.services import course_create, session_create, session_register
    from accord.training.tests.conftest import protocol_text

    ProtocolVersion.objects.create(
        task_force=task_force,
        number=1,
        title="Testville protocol",
        yaml_text=protocol_text(),
        status="in_force",
    )
    coordinator = make_member("dana.coordinator", roles=["coordinator"], agency_slug="tf-office")
    advocate = make_member(
        "rosa.advocate", roles=["advocate"], agency_slug="harbor", sector="victim_services"
    )
    Agency.objects.filter(pk=advocate.agency_id).update(lead=advocate)
    course = course_create(
        actor=coordinator,
        code="tic",
        title="Trauma-informed care for advocates",
        provider="Harbor Survivor Services",
        duration_minutes=180,
        topics=["trauma_informed_care"],
        renew_months=24,
        requirement_ids=["trauma-informed-care"],
    )
    earlier = timezone.now() - timedelta(days=3)
    session = session_create(
        actor=coordinator,
        course=course,
        starts_at=earlier + timedelta(days=1),
        ends_at=earlier + timedelta(days=1, hours=3),
        place="Riverton Public Library, room 2",
        now=earlier,
    )
    session_register(actor=advocate, session=session, user=advocate, now=earlier)

    sign_in_as(page, coordinator, path="/training/compliance/agency/harbor/")
    page.goto("/training/compliance/agency/harbor/")
    row = page.locator(f"#person-{advocate.pk}")
    assert "not compliant" in row.inner_text()
    assert "missing" in row.inner_text()
    assert_accessible(page)
    screenshot(page, "training-01-compliance-before")

    page.goto(f"/training/sessions/{session.pk}/")
    assert page.get_by_role("heading", name="Trauma-informed care for advocates").is_visible()
    # Submitting with nobody ticked is refused with a clear message; nothing is recorded.
    page.get_by_role("button", name="Record attendance").click()
    assert "at least one person" in page.get_by_role("alert").first.inner_text()
    screenshot(page, "training-02-attendance-refused")
    page.get_by_label(f"{advocate} (Harbor)").check()
    assert_accessible(page)
    page.get_by_role("button", name="Record attendance").click()
    assert "1 certificate(s) issued" in page.locator(".messages").inner_text()
    screenshot(page, "training-03-attendance-recorded")

    page.goto("/training/compliance/agency/harbor/")
    row = page.locator(f"#person-{advocate.pk}")
    assert "not compliant" not in row.inner_text()
    assert "compliant" in row.inner_text() and "met" in row.inner_text()
    assert_accessible(page)
    screenshot(page, "training-04-compliance-after")
