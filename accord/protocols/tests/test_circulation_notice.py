"""Circulating a version tells every member agency's signatory: in-app at once, by e-mail once
the circulation is committed (django-tasks); a refused circulation tells nobody."""

from __future__ import annotations

import pytest
from django.core import mail

from accord.accounts.models import Role
from accord.cases.models import Notification
from accord.errors import ValidationError
from accord.protocols import services

from .conftest import with_gap

pytestmark = pytest.mark.django_db


def test_signatories_are_told_when_a_version_is_circulated(
    task_force,
    coordinator,
    signatories,
    make_member,
    example_text,
    django_capture_on_commit_callbacks,
):
    investigator = make_member(
        "investigator.rpd", roles=[Role.INVESTIGATOR], agency_slug="riverton-pd"
    )
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.protocol_version_circulate(actor=coordinator, version=version)
    told = Notification.objects.filter(kind="protocol_circulated")
    assert sorted(n.user_id for n in told) == sorted(s.pk for s in signatories)
    assert not told.filter(user__in=[coordinator, investigator]).exists()
    assert all(f"version {version.number}" in n.subject for n in told)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in signatories)
    assert all("sign-off" in m.body for m in mail.outbox)


def test_a_refused_circulation_tells_nobody(
    task_force, coordinator, signatories, example_text, django_capture_on_commit_callbacks
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.protocol_version_circulate(actor=coordinator, version=version)
    assert not Notification.objects.filter(kind="protocol_circulated").exists()
    assert mail.outbox == []
