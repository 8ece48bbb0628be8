"""Pages: who sees a disagreement, the coordinator's overview, refused input kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.conflicts.services import PartyPosition, disagreement_raise
from conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def disagreement(people, protocol_in_force):
    return disagreement_raise(
        actor=people["investigator"],
        question="May the investigator hold a second interview this week?",
        parties=[
            PartyPosition(agency_id=people["le"].pk, position="Needed for the timeline."),
            PartyPosition(agency_id=people["vsp"].pk, position="Victim needs rest first."),
        ],
        protocol_version=protocol_in_force,
    )


def _client(user):
    from django.test import Client

    return sign_in(Client(), user)


def test_parties_and_coordinators_see_it_others_get_404(people, disagreement):
    url = reverse("conflicts:detail", args=[disagreement.pk])
    for name in ("investigator", "vsp_lead", "coordinator"):
        response = _client(people[name]).get(url)
        assert response.status_code == 200, name
        assert b"Victim needs rest first." in response.content
    # the executive committee lead decides only at level 3: not yet involved
    assert _client(people["exec_lead"]).get(url).status_code == 404
    assert _client(people["outsider"]).get(url).status_code == 404
    listing = _client(people["outsider"]).get(reverse("conflicts:index"))
    assert b"second interview" not in listing.content


def test_a_decider_of_a_later_level_sees_it_once_it_reaches_them(people, disagreement):
    disagreement.current_level = 3
    disagreement.save()
    url = reverse("conflicts:detail", args=[disagreement.pk])
    assert _client(people["exec_lead"]).get(url).status_code == 200


def test_coordinator_overview_groups_open_by_level_and_shows_overdue(people, disagreement):
    disagreement.due_at = timezone.now() - timedelta(hours=1)
    disagreement.save()
    response = _client(people["coordinator"]).get(reverse("conflicts:index"))
    text = response.content.decode()
    assert "Level 1 — Agency leads" in text
    assert "overdue" in text


def test_raise_form_without_parties_explains_and_keeps_the_text(people, protocol_in_force):
    client = _client(people["investigator"])
    response = client.post(
        reverse("conflicts:raise"),
        {
            "question": "Who interviews the minor first?",
            "subject_kind": "protocol",
            "protocol_version": protocol_in_force.pk,
            "party_1": people["le"].pk,
            "position_1": "We do.",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "at least two party agencies" in text
    assert "Who interviews the minor first?" in text
    assert "We do." in text


def test_raise_form_creates_and_redirects(people, protocol_in_force):
    client = _client(people["investigator"])
    response = client.post(
        reverse("conflicts:raise"),
        {
            "question": "Who interviews the minor first?",
            "subject_kind": "protocol",
            "protocol_version": protocol_in_force.pk,
            "protocol_reference": "placement/R1",
            "party_1": people["le"].pk,
            "position_1": "We do.",
            "party_2": people["vsp"].pk,
            "position_2": "The children's advocacy center does.",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"children&#x27;s advocacy center does." in page.content


def test_decide_through_the_page(people, disagreement):
    client = _client(people["vsp_lead"])
    response = client.post(
        reverse("conflicts:decide", args=[disagreement.pk]),
        {"decision": "Interview Tuesday.", "reason": "", "lock_version": disagreement.lock_version},
    )
    assert response.status_code == 400
    assert b"Interview Tuesday." in response.content  # kept
    response = client.post(
        reverse("conflicts:decide", args=[disagreement.pk]),
        {
            "decision": "Interview Tuesday.",
            "reason": "Both agree.",
            "lock_version": disagreement.lock_version,
        },
    )
    assert response.status_code == 302
    disagreement.refresh_from_db()
    assert disagreement.status == "resolved"
