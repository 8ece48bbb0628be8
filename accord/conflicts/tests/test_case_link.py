"""A disagreement about a case shows the case only as the sharing layer releases it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.cases.tests.conftest import county, open_case, people  # noqa: F401 - fixtures
from accord.conflicts.services import PartyPosition, disagreement_raise
from accord.errors import ValidationError
from conftest import sign_in

pytestmark = pytest.mark.django_db


def test_case_details_follow_the_sharing_layer(people):  # noqa: F811
    case = open_case(people["rpd"])
    disagreement = disagreement_raise(
        actor=people["rpd"],
        question="May the investigator hold a second interview this week?",
        parties=[
            PartyPosition(agency_id=people["rpd"].agency_id, position="Needed for the timeline."),
            PartyPosition(
                agency_id=people["legal"].agency_id, position="Not before a forensic interview."
            ),
        ],
        case_id=case.pk,
    )
    url = reverse("conflicts:detail", args=[disagreement.pk])
    on_case = sign_in(Client(), people["rpd"]).get(url).content.decode()
    assert case.number in on_case
    # legal aid is a party to the disagreement but not on the case: the door hides it
    from accord.errors import NotFound
    from accord.sharing.door import case_access

    with pytest.raises(NotFound):
        case_access(viewer=people["legal"], case_id=case.pk)
    party_page = sign_in(Client(), people["legal"]).get(url).content.decode()
    assert "Not before a forensic interview." in party_page  # the disagreement itself: yes
    assert case.number not in party_page and case.title not in party_page
    assert "shown only to members the sharing rules allow" in party_page
    assert "Canary Legalname" not in on_case and "Canary Legalname" not in party_page


def test_a_case_the_raiser_cannot_see_cannot_be_linked(people):  # noqa: F811
    case = open_case(people["rpd"])
    from accord.errors import NotFound
    from accord.sharing.door import case_access

    with pytest.raises(NotFound):
        case_access(viewer=people["legal"], case_id=case.pk)
    with pytest.raises(ValidationError, match="No case with that id"):
        disagreement_raise(
            actor=people["legal"],
            question="Who pays the interpreter?",
            parties=[
                PartyPosition(agency_id=people["legal"].agency_id, position="The court."),
                PartyPosition(agency_id=people["rpd"].agency_id, position="The agency."),
            ],
            case_id=case.pk,
        )
