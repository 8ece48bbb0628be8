"""Building the policy's ``Viewer`` from a signed-in user (once per request)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from .policy import Viewer

if TYPE_CHECKING:
    from accord.accounts.models import User

#: S14: CJIS security awareness training is valid for 12 months.
CJIS_TRAINING_VALID = timedelta(days=365)


def _as_date(value: date | str | None) -> date | None:
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


def cji_cleared(user: User, *, on: date) -> bool:
    """A CJIS training within 12 months of ``on`` and a passed background check (S14)."""
    trained = _as_date(user.cjis_training_on)
    checked = _as_date(user.background_check_passed_on)
    return bool(trained and checked and trained <= on and on - trained <= CJIS_TRAINING_VALID)


def viewer_for(user: User, *, on: date | None = None) -> Viewer | None:
    """The policy's view of ``user``; None for a user of no agency (they see no case)."""
    if not user.is_authenticated or user.agency_id is None:
        return None
    on = on or timezone.localdate()
    cached = getattr(user, "_accord_policy_viewer", None)
    if cached is not None and cached[0] == on:  # one request's user object, keyed on the day
        return cached[1]
    agency = user.agency
    if agency is None:
        return None
    viewer = Viewer(
        user_id=user.pk,
        agency_id=agency.pk,
        sector=agency.sector,
        roles=frozenset(user.role_set),
        task_force_id=agency.task_force_id,
        committees=frozenset(agency.committees.values_list("slug", flat=True)),
        immigration_authorized=bool(user.immigration_relief_authorized),
        cji_cleared=cji_cleared(user, on=on),
    )
    user._accord_policy_viewer = (on, viewer)  # type: ignore[attr-defined]
    return viewer
