"""The coordinator's user list: search by name, filter by agency and role (issue 13)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.models import Role

from .factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(agency, shelter, coordinator, user, other_task_force_user):
    """alex.rivera (investigator, bay-police), casey.moreno (coordinator, bay-police),
    sam.okafor (advocate, harbor-shelter) and, elsewhere, jordan.pike."""
    advocate = make_user(shelter, "sam.okafor", roles=(Role.ADVOCATE,))
    advocate.display_name = "Samira Okafor"
    advocate.save(update_fields=["display_name"])
    return {"advocate": advocate}


def usernames(client, **params) -> set[str]:
    response = client.get(reverse("accounts:user_list"), params)
    assert response.status_code == 200
    return {row["user"].username for row in response.context["rows"]}


def test_search_matches_user_name_and_display_name(coordinator_client, staff):
    assert usernames(coordinator_client, q="RIVERA") == {"alex.rivera"}
    assert usernames(coordinator_client, q="samira") == {"sam.okafor"}
    assert usernames(coordinator_client, q="nobody-like-this") == set()


def test_filters_by_agency_and_role(coordinator_client, staff, shelter, agency):
    assert usernames(coordinator_client, agency=shelter.pk) == {"sam.okafor"}
    assert usernames(coordinator_client, agency=agency.pk) == {"alex.rivera", "casey.moreno"}
    assert usernames(coordinator_client, role=Role.COORDINATOR) == {"casey.moreno"}
    assert usernames(coordinator_client, agency=agency.pk, role=Role.ADVOCATE) == set()


def test_search_never_finds_another_task_forces_users(coordinator_client, staff):
    assert usernames(coordinator_client, q="jordan") == set()
    assert "jordan.pike" not in usernames(coordinator_client)


def test_another_task_forces_agency_is_not_a_choice(
    coordinator_client, staff, other_task_force_user
):
    """Asking for the other task force's agency is an invalid choice: the list is unfiltered
    and still holds only the coordinator's own task force."""
    found = usernames(coordinator_client, agency=other_task_force_user.agency_id)
    assert "jordan.pike" not in found and "sam.okafor" in found
