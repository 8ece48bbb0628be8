"""Task boards (mine, my agency's, the task force's), acting on a task, and the coordinator's
list of unanswered questions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts.access import member, member_user
from accord.accounts.models import Agency, Role
from accord.errors import NotFound
from accord.sharing import door

from . import services
from .views_base import CASE_ROLES, _int, _page_url


@member(*CASE_ROLES)
def my_tasks(request: HttpRequest) -> HttpResponse:
    return _board_page(request, "mine", None, "My tasks")


@member(*CASE_ROLES)
def agency_tasks(request: HttpRequest) -> HttpResponse:
    """The agency's tasks; a coordinator may ask for another agency's (``?agency=<id>``) or the
    whole task force's (``?agency=all``), as the dashboard's counts link them."""
    user = request.user
    wanted = request.GET.get("agency", "")
    if user.has_role(Role.COORDINATOR) and wanted:  # type: ignore[union-attr]
        agency_id = None if wanted == "all" else _int(wanted)
        agency = (
            Agency.objects.filter(pk=agency_id, task_force_id=user.task_force_id).first()  # type: ignore[union-attr]
            if agency_id is not None
            else None
        )
        if agency_id is not None and agency is None:
            raise NotFound(_("No such agency."))
        title = f"Tasks of {agency.name}" if agency else "Open tasks of the task force"
        return _board_page(request, "task force", agency_id, title)
    return _board_page(request, "agency", None, f"Tasks of {user.agency.name}")  # type: ignore[union-attr]


#: The words a filtered board's heading adds, per filter parameter value.
TASK_FILTER_WORDS = {
    "today": "due today",
    "overdue": "overdue",
    "unassigned": "not taken by anyone",
    "escalated": "escalated",
}


def _board_page(
    request: HttpRequest, which: str, agency_id: int | None, title: str
) -> HttpResponse:
    """A page of a task board (50 open tasks), narrowed by the dashboard's filters (``due``,
    ``assigned=none``, ``escalated=1``) with the same predicate the dashboard counts with;
    ``after`` continues after the last task of the previous page."""
    due = request.GET.get("due", "")
    task_filter = door.TaskFilter(
        due=due if due in ("today", "overdue") else "",
        unassigned=request.GET.get("assigned") == "none",
        escalated=request.GET.get("escalated") == "1",
    )
    zone = door.local_zone(request.user.agency.task_force)  # type: ignore[union-attr]
    after = request.GET.get("after", "")
    board = door.filtered_board(
        viewer=request.user,  # type: ignore[arg-type]
        which=which,
        task_filter=task_filter,
        zone=zone,
        after=after,
        agency_id=agency_id,
    )
    words = [TASK_FILTER_WORDS[task_filter.due]] if task_filter.due else []
    words += ["not taken by anyone"] if task_filter.unassigned else []
    words += ["escalated"] if task_filter.escalated else []
    return render(
        request,
        "cases/board.html",
        {
            "board": board,
            "title": title + (f": {', '.join(words)}" if words else ""),
            "filtered": task_filter.active,
            "zone": zone,
            "first_page": _page_url(request, ""),
            "next_page": _page_url(request, board.next_after) if board.next_after else "",
            "later_page": bool(after),
        },
    )


@member(*CASE_ROLES)
@require_POST
def task_act(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    version = _int(request.POST.get("lock_version"))
    if action == "take":
        task = services.task_take(
            actor=member_user(request), task_id=task_id, expected_version=version
        )
    elif action == "complete":
        task = services.task_complete(
            actor=member_user(request), task_id=task_id, expected_version=version
        )
    else:
        raise NotFound(_("No such action."))
    messages.success(
        request,
        _("Task %(status)s: %(title)s")
        % {"status": task.get_status_display().lower(), "title": task.title},
    )
    target = request.POST.get("next", "")
    return redirect(
        target
        if target.split("?")[0] in ("/cases/tasks/mine/", "/cases/tasks/agency/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
        else "cases:my_tasks"
    )


@member(Role.COORDINATOR)
def unanswered_questions(request: HttpRequest) -> HttpResponse:
    """Open cases whose plan could not answer a question: someone must decide by hand."""
    after = request.GET.get("after", "")
    page = door.unanswered_questions(viewer=request.user, after=after)  # type: ignore[arg-type]
    return render(
        request,
        "cases/unanswered.html",
        {
            "rows": page.rows,
            "first_page": _page_url(request, ""),
            "next_page": _page_url(request, page.next_after) if page.next_after else "",
            "later_page": bool(after),
        },
    )
