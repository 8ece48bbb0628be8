"""A disagreement's link to a case, shown only through the sharing layer (the one read door).

This module never queries case models. It asks ``accord.cases.selectors`` for the
case *as the viewer may see it*; whatever that door withholds is absent here too.
When the door is not available (or refuses), the page shows only that a case is
linked, never its details.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from accord.accounts.models import User
from accord.errors import AccordError

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


def _door() -> Any | None:
    try:
        return importlib.import_module("accord.cases.selectors")
    except ImportError:
        return None


def case_glimpse(*, viewer: User, case_id: int) -> CaseGlimpse:
    """The linked case as ``viewer`` may see it (nothing when the sharing layer says no).

    Asks the door for the viewer's standing on the case (``case_access`` answers
    NotFound when the viewer may not see it at all) and releases the case record
    through the door's ``release``: only released values reach the page.
    """
    hidden = CaseGlimpse(
        case_id=case_id,
        visible=False,
        label="A linked case",
        reason="The case's details are shown only to members the sharing rules allow.",
    )
    door = _door()
    if door is None or not hasattr(door, "case_access") or not hasattr(door, "release"):
        return hidden
    try:
        case, access = door.case_access(viewer=viewer, case_id=case_id)
        released = door.release(access, case)
    except AccordError:
        return hidden
    values = released.values
    label = str(values.get("number") or f"Case {case_id}")
    fields = tuple(
        (name.replace("_", " ").capitalize(), str(values[name]))
        for name in SHOWN_FIELDS
        if name in values and values[name] not in (None, "")
    )
    try:
        url = reverse("cases:detail", args=[case_id])
    except NoReverseMatch:
        url = ""
    return CaseGlimpse(case_id=case_id, visible=True, label=label, fields=fields, url=url)


def case_linkable(*, viewer: User, case_id: int) -> bool:
    """May ``viewer`` link this case? Only a case the viewer can see through the door."""
    return case_glimpse(viewer=viewer, case_id=case_id).visible
