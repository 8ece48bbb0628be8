"""Task boards decide visibility through the sharing policy; the interpreter coordinator's board
shows interpreter requests and nothing of the victim; a linked case is glimpsed, not opened."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Agency, Role, TaskForce
from accord.cases.models import InterpreterRequest, Task
from accord.cases.services import (
    immigration_relief_create,
    immigration_relief_update,
    interpreter_request_create,
)
from accord.errors import NotFound, PermissionDenied
from accord.sharing.door import (
    case_detail,
    case_glimpse,
    interpreter_board,
    tasks_for_agency,
    tasks_for_user,
)
from conftest import sign_in

from .conftest import open_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    return sign_in(Client(), user)


def _titles(board) -> set[str]:
    return {row.title for row in (*board.overdue, *board.due, *board.done)}


# --- task boards ------------------------------------------------------------------------------


def test_immigration_task_is_absent_from_a_non_authorized_users_board(people, make_member):
    """A renewal task of the T declaration's agency: its authorized investigator sees it, a
    colleague of the same agency who is not authorized (S11) does not, on board or case page."""
    case = open_case(people["rpd"])
    authorized = make_member(
        "investigator.rpd2", roles=[Role.INVESTIGATOR], agency_slug="riverton-pd"
    )
    authorized.immigration_relief_authorized = True
    authorized.cjis_training_on = authorized.background_check_passed_on = timezone.localdate()
    authorized.save()
    relief = immigration_relief_create(
        actor=authorized, victim_id=case.potentialvictims.get().pk, kind="t_visa_declaration"
    )
    immigration_relief_update(
        actor=authorized,
        relief_id=relief.pk,
        status="granted",
        expected_version=1,
        expires_on=date.today() + timedelta(days=400),
    )
    renewal = Task.objects.get(case=case, deadline_id="relief-renewal")
    assert renewal.owner_agency_id == people["rpd"].agency_id
    assert renewal.title in _titles(tasks_for_agency(viewer=authorized))
    assert renewal.title not in _titles(tasks_for_agency(viewer=people["rpd"]))
    assert renewal.title not in _titles(tasks_for_user(viewer=people["rpd"]))
    shown = client_for(people["rpd"]).get(reverse("cases:agency_tasks")).content.decode()
    assert "Renew" not in shown
    assert "Renew" in client_for(authorized).get(reverse("cases:agency_tasks")).content.decode()


def test_boards_list_no_task_the_case_page_hides(people):
    """Board and case page answer through the same policy: for every user, the tasks a board
    lists of a case are exactly the tasks that user's case page shows among theirs."""
    case = open_case(people["rpd"])
    rpd_agency, legal_agency = people["rpd"].agency_id, people["legal"].agency_id
    # a confidential task owned by the police, produced by HSI: the protocol's rules decide
    Task.objects.filter(case=case, deadline_id="continued-presence-request").update(
        owner_agency_id=rpd_agency, visibility_class="vsp-confidential"
    )
    # an immigration task owned by legal aid, which is authorized but not on the case
    Task.objects.filter(case=case, deadline_id="hhs-notification").update(
        owner_agency_id=legal_agency, owner_role="advocate", visibility_class="immigration-1367"
    )
    listed_somewhere = 0
    for user in people.values():
        try:
            on_page = {t.id for t in case_detail(viewer=user, case_id=case.pk).tasks}
        except NotFound:
            on_page = set()
        for board in (tasks_for_user(viewer=user), tasks_for_agency(viewer=user)):
            rows = (*board.overdue, *board.due, *board.done)
            listed = {r.id for r in rows if r.case_id == case.pk}
            assert listed <= on_page, user.username
            listed_somewhere += len(listed)
    assert listed_somewhere  # the property is not vacuous
    assert not _titles(tasks_for_agency(viewer=people["legal"]))  # off the case: nothing


# --- interpreter board ------------------------------------------------------------------------


@pytest.fixture
def interpreter_request(people) -> InterpreterRequest:
    """An arraignment interpreter (the interview one intake made for Tigrinya is set aside)."""
    case = open_case(people["rpd"])
    InterpreterRequest.objects.filter(case=case).update(status="cancelled")
    return interpreter_request_create(
        actor=people["rpd"],
        case=case,
        proceeding="arraignment",
        language="Tigrinya",
        scheduled_for=timezone.now() + timedelta(days=2),
        victim_id=case.potentialvictims.get().pk,
    )


def test_interpreter_coordinator_sees_requests_never_the_victim(people, interpreter_request):
    client = client_for(people["interp"])
    dashboard = client.get(reverse("web:dashboard")).content.decode()
    assert reverse("cases:interpreter_board") in dashboard  # the nav entry
    board = client.get(reverse("cases:interpreter_board"))
    body = board.content.decode()
    assert board.status_code == 200
    assert "Tigrinya" in body and "Arraignment" in body and "court" in body
    assert "required" in body  # court-certified
    for secret in ("V-1", "Canary", "canary", interpreter_request.case.title):
        assert secret not in body
    assert not hasattr(interpreter_board(viewer=people["interp"])[0], "victim")


def test_interpreter_board_is_refused_to_other_roles(people, interpreter_request):
    rpd = client_for(people["rpd"])
    assert rpd.get(reverse("cases:interpreter_board")).status_code == 403
    assert (
        reverse("cases:interpreter_board") not in rpd.get(reverse("web:dashboard")).content.decode()
    )
    with pytest.raises(PermissionDenied):
        interpreter_board(viewer=people["rpd"])


def test_book_from_the_board_with_attestation_and_conflict(people, interpreter_request):
    client = client_for(people["interp"])
    url = reverse("cases:interpreter_book", args=[interpreter_request.pk])
    assert url in client.get(reverse("cases:interpreter_board")).content.decode()
    form_page = client.get(url).content.decode()
    assert "Tigrinya" in form_page and "V-1" not in form_page
    assert "attestation is not taken here" in form_page  # no suspects' names for this user
    missing = client.post(url, {"lock_version": 1, "interpreter_name": "A. Tesfaye"})
    assert missing.status_code == 200 and "interpreter_certified" in missing.context["form"].errors
    assert 'value="A. Tesfaye"' in missing.content.decode()
    assert InterpreterRequest.objects.get(pk=interpreter_request.pk).status == "requested"
    booked = client.post(
        url,
        {"lock_version": 1, "interpreter_name": "A. Tesfaye", "interpreter_certified": "yes"},
    )
    assert booked.status_code == 302 and booked["Location"] == reverse("cases:interpreter_board")
    stored = InterpreterRequest.objects.get(pk=interpreter_request.pk)
    assert stored.status == "booked" and not stored.conflict_attested
    assert client.get(reverse("cases:interpreter_board")).context["rows"] == []
    late = client.post(
        url,
        {"lock_version": 1, "interpreter_name": "B. Other", "interpreter_certified": "yes"},
    )
    assert late.status_code == 409
    assert (
        InterpreterRequest.objects.get(pk=interpreter_request.pk).interpreter_name == "A. Tesfaye"
    )


def test_another_task_forces_interpreter_coordinator_sees_nothing(
    people, interpreter_request, make_member
):
    other = TaskForce.objects.create(slug="tf-other", name="Elsewhere")
    Agency.objects.create(task_force=other, slug="lingua", name="Lingua", sector="interpreter")
    stranger = make_member(
        "interp.other",
        roles=[Role.INTERPRETER_COORDINATOR],
        agency_slug="lingua",
        task_force_obj=other,
    )
    client = client_for(stranger)
    assert "Tigrinya" not in client.get(reverse("cases:interpreter_board")).content.decode()
    url = reverse("cases:interpreter_book", args=[interpreter_request.pk])
    assert client.get(url).status_code == 404


# --- glimpse of a case for other apps -----------------------------------------------------------


def test_case_glimpse_carries_case_basic_fields_only(people):
    case = open_case(people["rpd"], incident_summary="canary-summary-le-only")
    glimpse = case_glimpse(viewer=people["rpd"], case_id=case.pk)
    assert glimpse.values["number"] == case.number and glimpse.values["title"] == case.title
    # the police may read the incident summary on the case page, but a glimpse never carries it
    assert "incident_summary" in case_detail(viewer=people["rpd"], case_id=case.pk).case.values
    assert "incident_summary" not in glimpse.values
    assert "canary" not in repr(glimpse)
    with pytest.raises(NotFound):
        case_glimpse(viewer=people["harbor"], case_id=case.pk)


def test_conflicts_case_links_hold_no_case_model():
    import inspect

    from accord.conflicts import case_links

    source = inspect.getsource(case_links)
    assert "accord.cases.models" not in source and "case_access" not in source
    assert "case_glimpse" in source
