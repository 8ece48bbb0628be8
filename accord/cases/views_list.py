"""The case list (issue 13, "lists that scale"): search, filters, sortable columns, keyset
pages and a CSV export of exactly what the viewer may see, all through the read door."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from accord.accounts.access import member
from accord.accounts.models import Role
from accord.sharing import door

from . import forms
from .exports import case_list_csv, trafficking_type

CASE_ROLES = tuple(sorted(door.CASE_ROLES))
INTAKE_ROLES = (Role.INVESTIGATOR, Role.ADVOCATE, Role.COORDINATOR, Role.PROSECUTOR)
#: Sortable columns: (sort key, heading). Other columns are not sortable.
SORTABLE = {
    "number": "Case",
    "title": "Title",
    "stage": "Stage",
    "lead": "Lead agency",
    "opened": "Opened",
}


def _without(params: QueryDict, *names: str) -> QueryDict:
    copy = params.copy()
    for name in names:
        copy.pop(name, None)
    return copy


def sort_columns(params: QueryDict, query: door.CaseQuery) -> dict[str, dict[str, str]]:
    """Each sortable heading's link (same filters, first page) and its ``aria-sort``."""
    columns = {}
    for key, label in SORTABLE.items():
        current = query.sort == key
        link = _without(params, "after", "sort", "dir")
        link["sort"] = key
        if current:
            link["dir"] = "asc" if query.descending else "desc"
        else:  # a new column starts in its natural direction: newest first for dates
            link["dir"] = "desc" if key == "opened" else "asc"
        columns[key] = {
            "label": label,
            "url": "?" + link.urlencode(),
            "aria_sort": ("descending" if query.descending else "ascending") if current else "",
        }
    return columns


def row_view(row: door.CaseWithVictims) -> dict[str, Any]:
    return {"case": row.case, "victims": row.victims, "type": trafficking_type(row.case)}


@member(*CASE_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    form = forms.CaseListForm(request.GET or None)
    query = form.query()
    after = form.cleaned_data.get("after") if form.is_bound and form.is_valid() else None
    page = door.case_list_page(viewer=request.user, query=query, after=after)  # type: ignore[arg-type]
    params = _without(request.GET, "after")
    next_params = params.copy()
    if page.next_after is not None:
        next_params["after"] = str(page.next_after)
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "rows": [row_view(row) for row in page.rows],
            "columns": sort_columns(request.GET, query),
            "next_url": "?" + next_params.urlencode() if page.next_after is not None else "",
            "first_url": "?" + params.urlencode() if after else "",
            "export_query": params.urlencode(),
            "filtered": bool(query.filter_names()),
            "may_open": request.user.has_role(*INTAKE_ROLES),  # type: ignore[union-attr]
        },
    )


@member(*CASE_ROLES, recent_auth=True)
def case_list_export(request: HttpRequest) -> HttpResponse:
    """The list as CSV with the same filters and sort, every page (S7: recent sign-in)."""
    form = forms.CaseListForm(request.GET or None)
    content = case_list_csv(viewer=request.user, query=form.query())
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = f"{timezone.localtime():%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
    return response
