"""The demo has a catalog, past sessions with attendance, upcoming ones, and gaps to show."""

from __future__ import annotations

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_demo_training_catalog_sessions_and_compliance():
    from accord.accounts.models import Agency
    from accord.demo import load_demo
    from accord.training.models import Certificate, Course, TrainingSession
    from accord.training.selectors import Status, agency_compliance

    load_demo()
    assert Course.objects.filter(task_force__slug="example-county").count() == 8
    now = timezone.now()
    past = TrainingSession.objects.filter(ends_at__lt=now)
    assert past.filter(attendance_recorded_at__isnull=False).count() >= 5
    assert TrainingSession.objects.filter(starts_at__gt=now).count() >= 4
    assert Certificate.objects.count() > 10
    statuses = set()
    for agency in Agency.objects.filter(task_force__slug="example-county"):
        for person in agency_compliance(agency=agency, on=now.date()).people:
            statuses |= {item.status for item in person.items}
    assert {Status.MET, Status.MISSING, Status.EXPIRING} <= statuses
