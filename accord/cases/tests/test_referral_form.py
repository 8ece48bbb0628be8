"""The referral form pre-selects the plan's provider and service for the victim, and offers
directory services by name, grouped by organization (never an id to type)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accord.cases.models import Referral
from accord.cases.services import VictimInput, victim_add
from conftest import sign_in

from .conftest import LABOR_MINOR, open_case

pytestmark = pytest.mark.django_db

LABOR_ADULT = {**LABOR_MINOR, "victim_age": 34, "victim_citizenship": "us_citizen"}
SEX_ADULT = {**LABOR_ADULT, "trafficking_type": "sex", "victim_gender": "female"}


def _form(user, case, query: str = "") -> str:
    url = reverse("cases:referral_new", args=[case.pk]) + query
    response = sign_in(Client(), user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def _selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(0))


@pytest.mark.parametrize(
    ("facts", "agency", "service"),
    [
        (LABOR_ADULT, "new-dawn", "new-dawn-case-management"),
        (SEX_ADULT, "harbor-light", "harbor-light-case-management"),
    ],
)
def test_the_plan_s_provider_and_service_are_pre_selected(people, facts, agency, service):
    case = open_case(people["rpd"], facts=facts)
    html = _form(people["rpd"], case)
    assert _selected(html, "to_agency") == [agency]
    assert _selected(html, "to_service") == [service]


def test_services_are_chosen_by_name_grouped_by_organization(people):
    case = open_case(people["rpd"], facts=LABOR_ADULT)
    html = _form(people["rpd"], case)
    select = re.search(r'<select name="to_service".*?</select>', html, re.S)
    assert select is not None
    assert '<optgroup label="Org new-dawn">' in select.group(0)
    # each option names its agency, so the page offers only the chosen agency's services
    assert 'value="new-dawn-housing" data-agency="new-dawn"' in select.group(0)
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))
    assert "Service new-dawn-case-management" in labels
    # the label is the directory's name only: the organization is the group, no slug shown
    assert all(label == "No particular service" or label.startswith("Service ") for label in labels)
    assert 'type="text" name="to_service"' not in html


def test_the_chosen_victim_s_own_answer_is_pre_selected(people):
    """A case about a 17-year-old (the plan names the Children's Advocacy Center, not a member
    here) and, added later, a 34-year-old citizen: the form opened for her (``?victim=``)
    pre-selects her own provider, and the default (the first person) none."""
    case = open_case(people["rpd"], facts=LABOR_MINOR)
    first = case.potentialvictims.get()
    second = victim_add(
        actor=people["rpd"],
        case=case,
        data=VictimInput(pseudonym="V-2", age=34, citizenship="us_citizen"),
    )
    html = _form(people["rpd"], case)
    assert _selected(html, "victim") == [str(first.pk)]
    assert _selected(html, "to_agency") == []
    html = _form(people["rpd"], case, f"?victim={second.pk}")
    assert _selected(html, "victim") == [str(second.pk)]
    assert _selected(html, "to_agency") == ["new-dawn"]
    assert _selected(html, "to_service") == ["new-dawn-case-management"]
    assert (
        f"?victim={second.pk}"
        in sign_in(Client(), people["rpd"])
        .get(reverse("cases:detail", args=[case.pk]))
        .content.decode()
    )


def test_a_plan_naming_no_member_agency_pre_selects_nothing(people):
    """A minor's plan names the Children's Advocacy Center, which is not a member agency here:
    nothing is pre-selected rather than a wrong provider."""
    case = open_case(people["rpd"], facts=LABOR_MINOR)
    html = _form(people["rpd"], case)
    assert _selected(html, "to_agency") == []
    assert _selected(html, "to_service") in ([], [""])  # "No particular service"


def test_the_pre_selected_referral_is_sent_as_shown(people):
    case = open_case(people["rpd"], facts=SEX_ADULT)
    victim = case.potentialvictims.get()
    response = sign_in(Client(), people["rpd"]).post(
        reverse("cases:referral_new", args=[case.pk]),
        {
            "victim": victim.pk,
            "to_agency": "harbor-light",
            "to_service": "harbor-light-case-management",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    assert referral.to_agency.slug == "harbor-light"
