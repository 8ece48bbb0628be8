"""Writes to the directory: validate, change in one transaction, audit.

Edits carry the ``version`` the editor read; a stale version is refused with a
conflict (S23). A failed import changes nothing (S24).

Split by concept: :mod:`.organizations` (an organization and how to reach it),
:mod:`.offerings` (the services it offers), :mod:`.capacity` (beds), :mod:`.upkeep`
(verification, address disclosure) and :mod:`.exchange` (HSDS import and export).
"""

from __future__ import annotations

from .capacity import bed_release, bed_reserve, capacity_update
from .exchange import ImportSource, directory_export, directory_import
from .offerings import SERVICE_CHILD_CHANGES, SERVICE_TEXT_FIELDS, service_create, service_update
from .organizations import (
    PHONE_TYPES,
    ContactEntry,
    PhoneEntry,
    organization_create,
    organization_reach_update,
)
from .upkeep import entry_verify, location_disclose, location_disclosure_withdraw

__all__ = [
    "PHONE_TYPES",
    "SERVICE_CHILD_CHANGES",
    "SERVICE_TEXT_FIELDS",
    "ContactEntry",
    "ImportSource",
    "PhoneEntry",
    "bed_release",
    "bed_reserve",
    "capacity_update",
    "directory_export",
    "directory_import",
    "entry_verify",
    "location_disclose",
    "location_disclosure_withdraw",
    "organization_create",
    "organization_reach_update",
    "service_create",
    "service_update",
]
