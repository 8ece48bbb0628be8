"""One answer to "may this viewer open this case" and "which cases may it open".

``CASE_POLICY.queryset`` (what lists and boards show) and ``CASE_POLICY.decision`` (what the
case page opens) must agree for every user and every case; a user of another task force, of
no case role or of no agency sees the case in neither. The grid below is exhaustive over the
users and cases it builds, not sampled.
"""

from __future__ import annotations

import pytest

from accord.accounts.models import Agency, TaskForce
from accord.accounts.tests.factories import make_user
from accord.cases.models import Case, CaseParticipant
from accord.errors import NotFound
from accord.sharing.door import CASE_POLICY, case_access
from accord.sharing.door.registry import field_specs, model_for

from .conftest import open_case


@pytest.fixture
def grid(people, task_force):
    """Cases with different teams, and users of every kind: each case role, auditors,
    signatories, no role, no agency, another task force."""
    cases = [
        open_case(people["rpd"], title="Police only"),
        open_case(people["harbor"], title="Provider only", facts=None),
        open_case(people["hsi"], title="Federal"),
    ]
    other_tf = TaskForce.objects.create(slug="tf-other", name="Other Task Force")
    other_agency = Agency.objects.create(
        task_force=other_tf, slug="other-pd", name="Other PD", sector="law_enforcement_local"
    )
    extra = [
        make_user(people["rpd"].agency, "auditor.rpd", roles=("auditor",)),
        make_user(people["rpd"].agency, "signatory.rpd", roles=("signatory",)),
        make_user(people["rpd"].agency, "norole.rpd", roles=()),
        make_user(None, "noagency", roles=("investigator",)),
        make_user(other_agency, "other.coordinator", roles=("coordinator",)),
        make_user(other_agency, "other.investigator", roles=("investigator",)),
    ]
    return cases, [*people.values(), *extra]


def test_the_list_and_the_case_page_agree_for_every_user_and_case(grid) -> None:
    cases, users = grid
    for user in users:
        listed = set(CASE_POLICY.queryset(user).values_list("pk", flat=True))
        for case in cases:
            try:
                case_access(viewer=user, case_id=case.pk)
                opens = True
            except NotFound:
                opens = False
            assert (case.pk in listed) == opens, (user.username, case.title)
        # a restricted viewer's lists start from her agency's participations: exactly hers
        agency_id = CASE_POLICY.participations_of(user)
        if agency_id is not None:
            theirs = CaseParticipant.objects.filter(agency_id=agency_id, case__in=cases)
            assert set(theirs.values_list("case_id", flat=True)) == listed, user.username


def test_the_grid_exercises_both_answers(grid, people) -> None:
    """The agreement above is not vacuous: some users open a case, others do not."""
    cases, users = grid
    police_only = cases[0]
    assert police_only.pk in set(CASE_POLICY.queryset(people["rpd"]).values_list("pk", flat=True))
    assert police_only.pk in set(
        CASE_POLICY.queryset(people["coordinator"]).values_list("pk", flat=True)
    )
    for username in ("harbor", "da", "interp"):
        assert not CASE_POLICY.queryset(people[username]).filter(pk=police_only.pk).exists()
    for user in users[-6:]:  # auditor, signatory, no role, no agency, another task force
        assert not CASE_POLICY.queryset(user).exists(), user.username


def test_every_registered_kind_resolves_to_its_model() -> None:
    assert model_for("case") is Case
    for kind in field_specs():
        assert model_for(kind)._meta.model_name == kind
    with pytest.raises(LookupError):
        model_for("release")
