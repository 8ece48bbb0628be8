"""Who the caller is: what a script checks first, and where it gets its CSRF token."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.middleware.csrf import get_token
from ninja import Router

from .schemas import Me, Named
from .security import for_members

router = Router(tags=["me"])


@router.get("/me", response=Me, summary="The signed-in member")
@for_members()
def me(request: HttpRequest) -> Me:
    user = request.user
    agency = user.agency  # type: ignore[union-attr]
    if agency is None:  # for_members() admits only members of an agency
        raise Http404
    task_force = agency.task_force
    return Me(
        username=user.get_username(),
        display_name=str(user),
        agency=Named(id=agency.pk, slug=agency.slug, name=agency.name),
        sector=agency.sector,
        roles=sorted(user.role_set),  # type: ignore[union-attr]
        task_force=Named(id=task_force.pk, slug=task_force.slug, name=task_force.name),
        csrf_token=get_token(request),
    )
