"""Every training and conflicts page renders for the demo's coordinator and an advocate."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import sign_in

pytestmark = pytest.mark.django_db


def test_pages_render_on_the_demo_data():
    from accord.accounts.models import User
    from accord.conflicts.models import Disagreement
    from accord.demo import load_demo
    from accord.training.models import Course, TrainingSession

    load_demo()
    coordinator = User.objects.get(username="coordinator")
    advocate = User.objects.get(username="advocate.harbor")
    urls = [
        reverse("training:index"),
        reverse("training:course_new"),
        reverse("training:session_new"),
        reverse("training:compliance"),
        reverse("training:compliance_agency", args=["harbor-light"]),
        reverse("training:compliance_person", args=[advocate.pk]),
        reverse("training:calendar_ics"),
        reverse("conflicts:index"),
        reverse("conflicts:raise"),
    ]
    urls += [reverse("training:course", args=[c.pk]) for c in Course.objects.all()]
    urls += [reverse("training:session", args=[s.pk]) for s in TrainingSession.objects.all()]
    urls += [reverse("conflicts:detail", args=[d.pk]) for d in Disagreement.objects.all()]
    client = sign_in(Client(), coordinator)
    for url in urls:
        assert client.get(url).status_code == 200, url
    as_advocate = sign_in(Client(), advocate)
    assert as_advocate.get(reverse("training:index")).status_code == 200
    # an advocate who is not their agency's lead is sent to their own page
    response = as_advocate.get(reverse("training:compliance"))
    assert response.status_code in (200, 302)
    assert as_advocate.get(reverse("training:course_new")).status_code == 403


def test_commands_run(capsys):
    call_command("conflicts_escalate")
    call_command("training_expiry_notify")
    out = capsys.readouterr().out
    assert "escalated" in out and "notices sent" in out
