"""A disagreement's link to a case, shown only through the sharing layer (the one read door).

This module never queries case models and never holds one: it asks
``accord.sharing.door.case_glimpse`` for the case-basic fields *as the viewer may see
them*; whatever that door withholds is absent here too. When the door refuses (the viewer may
not see the case), the page shows only that a case is linked, never its details.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.errors import AccordError
from accord.sharing.door import case_glimpse as case_basic_glimpse

#: Case-basic fields shown beside a disagreement (whatever the door releases of them).
SHOWN_FIELDS = ("number", "title", "stage", "lead_agency")


@dataclass(frozen=True)
class CaseGlimpse:
    """What a viewer sees of a linked case: a label, released fields, and why not more."""

    case_id: int
    visible: bool
    label: str
    fields: tuple[tuple[str, str], ...] = ()
    url: str = ""
    reason: str = ""


def case_glimpse(*, viewer: User, case_id: int) -> CaseGlimpse:
    """The linked case as ``viewer`` may see it (nothing when the sharing layer says no)."""
    try:
        released = case_basic_glimpse(viewer=viewer, case_id=case_id)
    except AccordError:
        return CaseGlimpse(
            case_id=case_id,
            visible=False,
            label=_("A linked case"),
            reason="The case's details are shown only to members the sharing rules allow.",
        )
    values = released.values
    label = str(values.get("number") or f"Case {case_id}")
    fields = tuple(
        (name.replace("_", " ").capitalize(), str(values[name]))
        for name in SHOWN_FIELDS
        if name in values and values[name] not in (None, "")
    )
    try:
        url = reverse("cases:detail", args=[released.id])
    except NoReverseMatch:
        url = ""
    return CaseGlimpse(case_id=case_id, visible=True, label=label, fields=fields, url=url)


def case_linkable(*, viewer: User, case_id: int) -> bool:
    """May ``viewer`` link this case? Only a case the viewer can see through the door."""
    return case_glimpse(viewer=viewer, case_id=case_id).visible
