"""Intake asks where the crime took place once: as the protocol's place fact, which both drives
the plan and becomes the case's jurisdiction."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accord.cases.models import Case

from .test_views import INTAKE, client_for

pytestmark = pytest.mark.django_db


def test_the_intake_page_asks_the_place_once_in_the_incident(people):
    html = client_for(people["rpd"]).get(reverse("cases:open")).content.decode()
    assert html.count("Where the crime took place") == 1
    assert 'name="jurisdiction"' not in html
    assert len(re.findall(r'name="fact_jurisdiction"', html)) == 1
    incident = html.split("<legend>The incident</legend>", 1)[1].split("</fieldset>", 1)[0]
    assert 'name="fact_jurisdiction"' in incident


def test_the_place_answered_once_is_the_case_s_jurisdiction_and_its_fact(people):
    client = client_for(people["rpd"])
    token = client.get(reverse("cases:open")).context["form"].initial["intake_token"]
    data = {k: v for k, v in INTAKE.items() if k != "jurisdiction"}
    data["fact_jurisdiction"] = "lakeside"
    response = client.post(reverse("cases:open"), {**data, "intake_token": token})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.facts["jurisdiction"] == "lakeside"
    assert case.jurisdiction == "Lakeside"
    assert (
        "<dt>Jurisdiction</dt><dd>Lakeside</dd>"
        in client.get(response["Location"]).content.decode()
    )


def test_an_unknown_place_leaves_the_jurisdiction_empty(people):
    client = client_for(people["rpd"])
    token = client.get(reverse("cases:open")).context["form"].initial["intake_token"]
    data = {k: v for k, v in INTAKE.items() if k != "jurisdiction"}
    data["fact_jurisdiction"] = "unknown"
    assert client.post(reverse("cases:open"), {**data, "intake_token": token}).status_code == 302
    assert Case.objects.get().jurisdiction == ""
