"""Who acts on a protocol's owner role: the protocol names roles in its own words
(``case_agent``, ``federal_case_agent``), accounts hold a fixed set of roles."""

from __future__ import annotations

from collections.abc import Mapping

from accord.accounts.models import Role

#: Protocol owner roles -> the account role that acts on them.
OWNER_ROLES: Mapping[str, str] = {
    "case_agent": Role.INVESTIGATOR,
    "investigator": Role.INVESTIGATOR,
    "federal_case_agent": Role.INVESTIGATOR,
    "investigating_officer": Role.INVESTIGATOR,
    "advocate": Role.ADVOCATE,
    "case_manager": Role.ADVOCATE,
    "prosecutor": Role.PROSECUTOR,
    "coordinator": Role.COORDINATOR,
    "interpreter_coordinator": Role.INTERPRETER_COORDINATOR,
}


def account_role(owner_role: str) -> str:
    return OWNER_ROLES.get(owner_role, owner_role)
