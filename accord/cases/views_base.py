"""What the case views share: the roles that see a case, reading a number, a refusal shown on
a form, a list's page address."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.accounts.models import Role
from accord.errors import ConflictError, ValidationError
from accord.sharing import door

CASE_ROLES = tuple(sorted(door.CASE_ROLES))
INTAKE_ROLES = (Role.INVESTIGATOR, Role.ADVOCATE, Role.COORDINATOR, Role.PROSECUTOR)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _form_error(form: Any, error: ValidationError | ConflictError) -> None:
    field = error.data.get("field") if isinstance(error, ValidationError) else None
    if isinstance(field, str) and f"fact_{field}" in form.fields:
        form.add_error(f"fact_{field}", error.message)
    elif isinstance(field, str) and field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


def _page_url(request: HttpRequest, after: str) -> str:
    """This list's address with its filters, at the page starting after ``after``."""
    query = request.GET.copy()
    query.pop("after", None)
    if after:
        query["after"] = after
    encoded = query.urlencode()
    return request.path + (f"?{encoded}" if encoded else "")
