"""The case team's pages (issue 11): the team in words, errors by their fields, the lead's
posts, the prosecution page. Each test asserts what a user would notice."""

from __future__ import annotations

import pytest

from accord.cases.models import Case, Task
from accord.errors import ValidationError

from .conftest import open_case
from .team_helpers import COUNTY_SEX, team

# --- pages ---------------------------------------------------------------------------------


def client_for(user):
    from django.test import Client

    from conftest import sign_in

    return sign_in(Client(), user)


def test_the_case_page_lists_the_team_in_words(people, county):
    from django.urls import reverse

    case = open_case(people["rpd"])
    html = client_for(people["rpd"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Case team" in html
    assert "Lead agency" in html and "Opened the case" in html
    assert "Given a task" in html  # HSI joined by its Continued Presence task
    section = html[html.index('id="team-h"') : html.index("</section>", html.index('id="team-h"'))]
    assert "Given a task" in section
    for code in ("joined_via", "serving_provider", "investigating", "law_enforcement"):
        assert code not in section
    assert "Child protection must be told (mandatory reporting)" in html
    assert "Manage the case team" in html
    assert reverse("cases:prosecution", args=[case.pk]) in html
    hsi_html = client_for(people["hsi"]).get(reverse("cases:detail", args=[case.pk])).content
    assert b"Manage the case team" not in hsi_html
    assert reverse("cases:prosecution", args=[case.pk]).encode() not in hsi_html


def test_adding_an_agency_twice_shows_the_error_by_the_field_and_keeps_the_input(people, county):
    from django.urls import reverse

    case = open_case(people["rpd"])
    url = reverse("cases:team", args=[case.pk])
    rpd = client_for(people["rpd"])
    data = {
        "action": "add",
        "agency": county["legal-aid"].pk,
        "part": "legal_services",
        "reason": "Vacatur help",
    }
    assert rpd.post(url, data).status_code == 302
    assert "legal-aid" in team(case)
    response = rpd.post(url, {**data, "agency": county["hsi-riverton"].pk, "reason": "Typed words"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "already on the case" not in html  # HSI is not offered: it is on the case already
    assert "Select a valid choice" in html
    assert "Typed words" in html
    # no reason: the error stands by the reason field, nothing stored
    response = rpd.post(url, {**data, "agency": county["ecso"].pk, "reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert "ecso" not in team(case)


def test_removal_leaving_tasks_ownerless_is_refused_on_the_page(people, county):
    from django.urls import reverse

    case = open_case(people["rpd"])
    url = reverse("cases:team", args=[case.pk])
    response = client_for(people["rpd"]).post(
        url, {"action": "remove", "agency": county["hsi-riverton"].pk, "reason": "Done"}
    )
    assert response.status_code == 200
    assert "open task(s)" in response.content.decode()
    assert "hsi-riverton" in team(case)


def test_hand_off_to_an_agency_that_is_not_a_member_is_refused_on_the_page(people, county):
    from django.urls import reverse

    case = open_case(people["rpd"])
    url = reverse("cases:team", args=[case.pk])
    response = client_for(people["rpd"]).post(
        url,
        {
            "action": "hand_off",
            "agency": 424_242,
            "reason": "Because",
            "expected_version": case.lock_version,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Case.objects.get(pk=case.pk).lead_agency.slug == "riverton-pd"
    stale = client_for(people["rpd"]).post(
        url,
        {
            "action": "hand_off",
            "agency": county["ecso"].pk,
            "reason": "Because",
            "expected_version": case.lock_version + 3,
        },
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.content.decode()
    assert Case.objects.get(pk=case.pk).lead_agency.slug == "riverton-pd"


def test_only_the_lead_posts_to_the_team_page(people, county):
    from django.urls import reverse

    case = open_case(people["rpd"])
    url = reverse("cases:team", args=[case.pk])
    hsi = client_for(people["hsi"])
    assert hsi.get(url).status_code == 200
    response = hsi.post(
        url,
        {
            "action": "add",
            "agency": county["legal-aid"].pk,
            "part": "legal_services",
            "reason": "x",
        },
    )
    assert response.status_code == 403
    assert "legal-aid" not in team(case)
    assert client_for(people["da"]).get(url).status_code == 404  # not on the case


def test_the_lead_gives_a_task_to_another_participant_on_the_page(people, county):
    from django.urls import reverse

    case = open_case(people["rpd"])
    task = Task.objects.filter(case=case, owner_agency=county["hsi-riverton"]).first()
    url = reverse("cases:team", args=[case.pk])
    response = client_for(people["rpd"]).post(
        url,
        {
            "action": "reassign",
            "task": task.pk,
            "agency": county["riverton-pd"].pk,
            "lock_version": task.lock_version,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner_agency == county["riverton-pd"]


def test_the_prosecution_page_proposes_the_office_and_asks_why_for_another(people, county, usao):
    from django.urls import reverse

    case = open_case(people["rpd"], facts=COUNTY_SEX)
    url = reverse("cases:prosecution", args=[case.pk])
    rpd = client_for(people["rpd"])
    html = rpd.get(url).content.decode()
    assert "The protocol proposes <strong>DA-EXAMPLE</strong>" in html
    assert "Within the county the District Attorney prosecutes" in html
    response = rpd.post(
        url,
        {"office": county["usao-example"].pk, "reason": "", "expected_version": case.lock_version},
    )
    assert response.status_code == 200
    assert "say why USAO-EXAMPLE takes the case instead" in response.content.decode()
    assert Case.objects.get(pk=case.pk).stage == "referral"
    response = rpd.post(
        url,
        {
            "office": county["usao-example"].pk,
            "reason": "Federal firearms charges",
            "expected_version": case.lock_version,
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).stage == "prosecution"
    assert client_for(usao).get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client_for(people["hsi"]).get(url).status_code in (403, 404)


def test_a_provider_cannot_open_a_case_led_by_law_enforcement_without_a_release(people, county):
    with pytest.raises(ValidationError) as refused:
        open_case(people["harbor"], lead_agency=county["riverton-pd"], title="Walk-in")
    assert refused.value.code == "held_back"
    assert not Case.objects.filter(title="Walk-in").exists()
