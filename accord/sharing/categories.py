"""The data categories a release can name (the categories of vsp-confidential fields).

Mirrors the categories used in ``accord.cases.fields.REGISTRY`` for victim
service records; a release naming an unknown category is refused, so a typo
can never silently release nothing (or something else).
"""

from __future__ import annotations

from collections.abc import Mapping

CONSENT_CATEGORIES: Mapping[str, str] = {
    "identity": "Identity: legal name, date of birth",
    "contact": "Contact details",
    "location": "Where the person stays (placement, shelter)",
    "needs": "Needs and services received",
    "safety": "Safety assessment and safety plan",
}
