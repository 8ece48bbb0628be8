"""Who may prepare, request, sign, withdraw and record the outcome of each kind of immigration
relief: one table, fixed by the law, consulted by every relief service before it writes.

The law, not the task force's protocol, says who may do these things, so the table lives in
code (a protocol cannot widen it). Each row names the sectors and roles that may act, whether
the person must be a *designated certifying official* of the agency, and whether their agency
must be *working the case* (a participant). A refusal names who may do it.

Sources (docstrings of ``RELIEF_RULES`` cite them row by row):

- Continued Presence (CP): 22 U.S.C. 7105(c)(3) and 28 C.F.R. 1100.35 — a temporary
  immigration status that only *federal* law enforcement may request, through the DHS (HSI)
  Center for Countering Human Trafficking. Advocates and legal services cannot file it; they
  ask the federal partner, who prepares and submits it.
- T visa law enforcement declaration, Form I-914 Supplement B: 8 U.S.C. 1101(a)(15)(T) and
  8 C.F.R. 214.11(d)(3) — optional evidence, signed by a supervising official of *any*
  federal, state, local, tribal or territorial law enforcement agency that detects,
  investigates or prosecutes trafficking; the agency may withdraw (disavow) it later.
- U visa certification, Form I-918 Supplement B: 8 U.S.C. 1184(p)(1) and 8 C.F.R.
  214.14(a)(2), (a)(3) and (c)(2)(i) — required, signed only by the *certifying official* of a
  *certifying agency*: the head of the agency or a supervisor the head designated. Certifying
  agencies are federal, state, local, tribal and territorial law enforcement agencies,
  prosecutors, judges, and other authorities that detect, investigate or prosecute the
  qualifying crime (child protective services, the EEOC, the Department of Labor ...). The
  certifying official may withdraw or disavow it (8 C.F.R. 214.14(h)(2)(ii)). Accord's sectors
  cover law enforcement (local, state, federal: tribal and territorial police are entered as
  local or state agencies; DOL-OIG as federal), prosecution and child protection; judges and
  the EEOC are not task-force members in Accord, so no row names them.
- HHS letters: 22 U.S.C. 7105(b)(1) — HHS's Office on Trafficking in Persons issues an
  *Eligibility Letter* to a foreign-national minor (22 U.S.C. 7105(b)(1)(G)) and a
  *Certification Letter* to an adult once DHS has granted CP or a (bona fide) T visa
  (22 U.S.C. 7105(b)(1)(E)). By HHS practice the minor's Request for Assistance may be
  submitted by anyone who meets the child (federal, state or local officials must notify HHS
  within 24 hours: 22 U.S.C. 7105(b)(1)(G)(iv)); in a task force the federal partner or the
  provider serving the victim (victim services, legal services, child protection) files it, so
  those are the rows. The adult's letter follows from DHS's grant: the provider or the
  federal partner sends HHS the proof. Preparing either is the providers' and legal services'
  work.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from accord.core.model import Sector

__all__ = [
    "CERTIFYING_SECTORS",
    "LAW_ENFORCEMENT",
    "RELIEF_RULES",
    "Authority",
    "Permission",
    "ReliefAction",
    "ReliefKindCode",
    "relief_permission",
]


class ReliefKindCode(enum.StrEnum):
    """The kinds of relief (the same codes as ``accord.cases.models.ReliefKind``)."""

    CONTINUED_PRESENCE = "continued_presence"
    T_VISA_DECLARATION = "t_visa_declaration"
    U_VISA_CERTIFICATION = "u_visa_certification"
    HHS_ELIGIBILITY_LETTER = "hhs_eligibility_letter"
    HHS_CERTIFICATION_LETTER = "hhs_certification_letter"


class ReliefAction(enum.StrEnum):
    """What a person does with a relief record."""

    PREPARE = "prepare"  # open a draft, fill it in
    REQUEST = "request"  # submit the request (CP, HHS) or ask the agency for its signature (T, U)
    SIGN = "sign"  # sign the declaration or certification (T, U only)
    WITHDRAW = "withdraw"  # withdraw a request, or disavow a signed declaration/certification
    RECORD_OUTCOME = "record_outcome"  # granted, denied, expired: what the deciding office said


LAW_ENFORCEMENT: frozenset[Sector] = frozenset(
    {Sector.LAW_ENFORCEMENT_LOCAL, Sector.LAW_ENFORCEMENT_STATE, Sector.LAW_ENFORCEMENT_FEDERAL}
)
#: Certifying agencies of 8 C.F.R. 214.14(a)(2) among Accord's sectors.
CERTIFYING_SECTORS: frozenset[Sector] = LAW_ENFORCEMENT | {
    Sector.PROSECUTION,
    Sector.CHILD_PROTECTION,
}
PROVIDERS: frozenset[Sector] = frozenset(
    {Sector.VICTIM_SERVICES, Sector.LEGAL_SERVICES, Sector.CHILD_PROTECTION}
)
PREPARERS: frozenset[Sector] = frozenset({Sector.VICTIM_SERVICES, Sector.LEGAL_SERVICES})


@dataclass(frozen=True)
class Authority:
    """Who may take one action on one kind of relief, and the words that say so."""

    sectors: frozenset[Sector]
    roles: frozenset[str]
    who: str  # "a federal law enforcement investigator working the case"
    designated: bool = False  # must be a designated certifying official of their agency
    working_case: bool = True  # their agency must be on the case

    def allows(
        self, *, sector: str, roles: frozenset[str], designated: bool, working_case: bool
    ) -> bool:
        return (
            sector in self.sectors
            and bool(roles & self.roles)
            and (designated or not self.designated)
            and (working_case or not self.working_case)
        )


INVESTIGATOR = frozenset({"investigator"})
ADVOCATE = frozenset({"advocate"})
CERTIFIER_ROLES = frozenset({"investigator", "prosecutor", "advocate"})

_FEDERAL_LE = Authority(
    frozenset({Sector.LAW_ENFORCEMENT_FEDERAL}),
    INVESTIGATOR,
    "a federal law enforcement investigator working the case",
)
_ANY_LE = Authority(
    LAW_ENFORCEMENT,
    INVESTIGATOR,
    "a law enforcement investigator (local, state, tribal or federal) working the case",
)
_PREPARER = Authority(
    LAW_ENFORCEMENT | PREPARERS | {Sector.PROSECUTION},
    frozenset({"investigator", "prosecutor", "advocate"}),
    "law enforcement, prosecutors, advocates or legal services working the case",
)
_APPLICANT_SIDE = Authority(
    PREPARERS,
    ADVOCATE,
    "an advocate or legal services working the case (on the victim's behalf)",
)
_CERTIFIER = Authority(
    CERTIFYING_SECTORS,
    CERTIFIER_ROLES,
    "the designated certifying official of a certifying agency (law enforcement, "
    "prosecution, child protection) working the case",
    designated=True,
)
_HHS_REQUESTER = Authority(
    frozenset({Sector.LAW_ENFORCEMENT_FEDERAL}) | PROVIDERS,
    frozenset({"investigator", "advocate"}),
    "the federal law enforcement partner or the victim's provider (victim services, legal "
    "services, child protection) working the case",
)
_HHS_PREPARER = Authority(
    frozenset({Sector.LAW_ENFORCEMENT_FEDERAL}) | PROVIDERS,
    frozenset({"investigator", "advocate"}),
    "advocates, legal services, child protection or the federal partner working the case",
)

#: kind -> action -> who may do it. An action missing from a kind's row is never allowed.
RELIEF_RULES: Mapping[ReliefKindCode, Mapping[ReliefAction, Authority]] = MappingProxyType(
    {
        # 22 U.S.C. 7105(c)(3); 28 C.F.R. 1100.35: only federal law enforcement requests CP
        # (decided by HSI's Center for Countering Human Trafficking); not signed by anyone.
        ReliefKindCode.CONTINUED_PRESENCE: MappingProxyType(
            {
                ReliefAction.PREPARE: _FEDERAL_LE,
                ReliefAction.REQUEST: _FEDERAL_LE,
                ReliefAction.WITHDRAW: _FEDERAL_LE,
                ReliefAction.RECORD_OUTCOME: _FEDERAL_LE,
            }
        ),
        # 8 C.F.R. 214.11(d)(3): any law enforcement agency's official signs Supplement B and
        # may withdraw it; the victim's side (advocates, legal services) asks for it. What USCIS
        # decided is a fact anyone preparing the record may enter (no legal act).
        ReliefKindCode.T_VISA_DECLARATION: MappingProxyType(
            {
                ReliefAction.PREPARE: _PREPARER,
                ReliefAction.REQUEST: _APPLICANT_SIDE,
                ReliefAction.SIGN: _ANY_LE,
                ReliefAction.WITHDRAW: _ANY_LE,
                ReliefAction.RECORD_OUTCOME: _PREPARER,
            }
        ),
        # 8 U.S.C. 1184(p)(1); 8 C.F.R. 214.14(a)(2),(a)(3),(c)(2)(i),(h)(2)(ii): only the
        # certifying official (head or designee) of a certifying agency signs or withdraws.
        ReliefKindCode.U_VISA_CERTIFICATION: MappingProxyType(
            {
                ReliefAction.PREPARE: _PREPARER,
                ReliefAction.REQUEST: _APPLICANT_SIDE,
                ReliefAction.SIGN: _CERTIFIER,
                ReliefAction.WITHDRAW: _CERTIFIER,
                ReliefAction.RECORD_OUTCOME: _PREPARER,
            }
        ),
        # 22 U.S.C. 7105(b)(1)(G): HHS eligibility letter for a foreign-national minor; by HHS
        # practice anyone meeting the child may file the request for assistance.
        ReliefKindCode.HHS_ELIGIBILITY_LETTER: MappingProxyType(
            {
                ReliefAction.PREPARE: _HHS_PREPARER,
                ReliefAction.REQUEST: _HHS_REQUESTER,
                ReliefAction.WITHDRAW: _HHS_REQUESTER,
                ReliefAction.RECORD_OUTCOME: _HHS_REQUESTER,
            }
        ),
        # 22 U.S.C. 7105(b)(1)(E): HHS certifies an adult after DHS grants CP or a T visa; the
        # provider or the federal partner sends the proof.
        ReliefKindCode.HHS_CERTIFICATION_LETTER: MappingProxyType(
            {
                ReliefAction.PREPARE: _HHS_PREPARER,
                ReliefAction.REQUEST: _HHS_REQUESTER,
                ReliefAction.WITHDRAW: _HHS_REQUESTER,
                ReliefAction.RECORD_OUTCOME: _HHS_REQUESTER,
            }
        ),
    }
)

_KIND_WORDS: Mapping[str, str] = {
    ReliefKindCode.CONTINUED_PRESENCE: "Continued Presence",
    ReliefKindCode.T_VISA_DECLARATION: "a T visa declaration (I-914 Supplement B)",
    ReliefKindCode.U_VISA_CERTIFICATION: "a U visa certification (I-918 Supplement B)",
    ReliefKindCode.HHS_ELIGIBILITY_LETTER: "an HHS eligibility letter (minor)",
    ReliefKindCode.HHS_CERTIFICATION_LETTER: "an HHS certification letter (adult)",
}
_ACTION_WORDS: Mapping[str, str] = {
    ReliefAction.PREPARE: "prepare",
    ReliefAction.REQUEST: "request",
    ReliefAction.SIGN: "sign",
    ReliefAction.WITHDRAW: "withdraw",
    ReliefAction.RECORD_OUTCOME: "record the outcome of",
}


@dataclass(frozen=True)
class Permission:
    """The table's answer: allowed or not, and a sentence naming who may do it."""

    allowed: bool
    message: str


def relief_permission(
    kind: str,
    action: str,
    *,
    sector: str,
    roles: frozenset[str],
    designated: bool,
    working_case: bool,
) -> Permission:
    """May a person of ``sector`` holding ``roles`` (a designated certifying official or not,
    of an agency working the case or not) take ``action`` on relief of ``kind``?"""
    try:
        row = RELIEF_RULES[ReliefKindCode(kind)]
    except ValueError:
        return Permission(False, f"Unknown kind of immigration relief {kind!r}.")
    what = _KIND_WORDS[kind]
    try:
        authority = row[ReliefAction(action)]
    except (ValueError, KeyError):
        doing = _ACTION_WORDS.get(action, str(action))
        return Permission(False, f"Nobody may {doing} {what}: the law provides no such step.")
    doing = _ACTION_WORDS[action]
    allowed = authority.allows(
        sector=sector, roles=roles, designated=designated, working_case=working_case
    )
    if allowed:
        return Permission(True, f"You may {doing} {what}.")
    return Permission(False, f"Only {authority.who} may {doing} {what}.")
