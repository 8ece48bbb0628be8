"""Alerts on disclosures that the law wants watched (S11: every immigration-relief disclosure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accord.accounts.models import User
from accord.mail import email_on_commit


def immigration_disclosure_alert(*, viewer: User, case: Any, fields: Sequence[str]) -> None:
    """E-mail the auditors of the viewer's agency: who saw which immigration-relief fields
    (names only, never values) of which case, by the django-tasks worker after commit."""
    if viewer.agency_id is None:  # no agency, no auditors to tell (and no case shown)
        return
    auditors = User.objects.filter(
        agency_id=viewer.agency_id, is_active=True, role_grants__role="auditor"
    ).values_list("email", flat=True)
    email_on_commit(
        subject=f"Immigration-relief record shown: case {case.number}",
        body=(
            f"{viewer.get_username()} was shown immigration-relief fields of case {case.number} "
            "(8 U.S.C. 1367).\n"
            f"Fields: {', '.join(sorted(fields))}\n"
            "The audit trail holds the event (immigration_record_disclosed) with the request id.\n"
        ),
        emails=list(auditors),
    )
