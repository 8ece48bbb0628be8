"""The words a person reads for every machine identifier: one table per kind, written once.

Codes stay codes in the database, the audit trail and the API; pages show these labels.
``label(value)`` looks a code up in every table (falling back to the code with its
underscores and hyphens turned into spaces) and ``reason_sentence`` says why a field is not
shared. Tables of codes that belong to an app are registered by it in its ``ready``
(audit events and outcomes, roles, case parts); the audit events' own words are
``accord.audit.events.event_label``, and ``accord.protocols.words.ProtocolWords`` names the
ids of one protocol version. This module imports no app.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

#: Sectors of member agencies (``accord.core.model.Sector``).
SECTORS: Mapping[str, StrPromise] = {
    "law_enforcement_local": _("Local law enforcement"),
    "law_enforcement_state": _("State law enforcement"),
    "law_enforcement_federal": _("Federal law enforcement"),
    "prosecution": _("Prosecution"),
    "victim_services": _("Victim services"),
    "legal_services": _("Legal services"),
    "child_protection": _("Child protection"),
    "health": _("Health"),
    "interpreter": _("Interpreters"),
    "other": _("Other"),
}

#: Data protection classes (``accord.core.model.FieldClass``).
FIELD_CLASSES: Mapping[str, StrPromise] = {
    "case-basic": _("basic case facts"),
    "le-sensitive": _("law enforcement sensitive information"),
    "vsp-confidential": _("victim service provider confidential information"),
    "immigration-1367": _("immigration relief records (8 U.S.C. 1367)"),
    "never-shared": _("grand jury, tax and wiretap material (never shared)"),
    "vsp-privileged": _("privileged counseling and case-management notes"),
}

#: Who a sharing rule shares with (``accord.core.model.Audience``).
AUDIENCES: Mapping[str, StrPromise] = {
    "serving_provider": _("the serving provider only"),
    "victim_services_committee": _("the whole victim services committee"),
    "case_members": _("every agency working the case"),
}

#: Why a field is not shown (``accord.sharing.policy.Reason``): a sentence each.
REASONS: Mapping[str, StrPromise] = {
    "other_task_force": _("the case belongs to another task force"),
    "no_case_role": _("none of your roles works cases"),
    "not_on_case": _("your agency is not on this case"),
    "class_never_shared": _("this kind of record never leaves law enforcement and prosecution"),
    "no_sharing_rule": _("no sharing rule of the protocol gives this to your agency's sector"),
    "stage": _("the protocol shares this only at another stage of the case"),
    "no_consent": _("no release names your agency for this"),
    "consent_not_started": _("the victim's release has not started yet"),
    "consent_expired": _("the victim's release has expired"),
    "consent_revoked": _("the victim revoked the release"),
    "consent_wrong_recipient": _("the victim's release names another agency"),
    "consent_category": _("the victim's release does not cover this kind of information"),
    "consent_guardian_missing": _("a minor's release needs a parent or guardian too"),
    "not_immigration_authorized": _(
        "only people authorized for immigration relief records (8 U.S.C. 1367) may see this"
    ),
    "cji_personnel_gate": _(
        "criminal justice information needs current CJIS training and a background check"
    ),
    "privileged": _("privileged notes stay with the provider that wrote them"),
    "unknown_class": _("this field has no protection class, so it is refused"),
    "unknown_action": _("this action is unknown, so it is refused"),
}


#: Ids a protocol uses for people and outcomes that read badly when only de-underscored.
PROTOCOL_VALUES: Mapping[str, StrPromise] = {
    "federal_case_agent": _("the federal case agent"),
    "investigating_officer": _("the investigating officer"),
    "certifying_official": _("the certifying official"),
    "investigating_agency": _("the investigating agency"),
    "serving_provider": _("the serving provider"),
    "prosecuting_office": _("the prosecuting office"),
    "requesting_agency": _("the requesting agency"),
    "continued_presence": _("Continued Presence"),
    "t_visa_declaration": _("T visa declaration (Form I-914 Supplement B)"),
    "u_visa_certification": _("U visa certification (Form I-918 Supplement B)"),
    "us_citizen": _("U.S. citizen"),
    "permanent_resident": _("permanent resident"),
    "foreign_national": _("foreign national"),
    "within_24h": _("within 24 hours"),
    "within_72h": _("within 72 hours"),
    "dismiss_and_vacate": _("dismiss and vacate"),
    "not_while_screened": _("not while being screened"),
    "multi_state": _("several states"),
    "cji_access": _("access to criminal justice information"),
    "party_leads": _("the parties' agency leads"),
}

#: Model names in audit field paths (``potentialvictim.legal_name``).
MODELS: Mapping[str, StrPromise] = {
    "potentialvictim": _("potential victim"),
    "interpreterrequest": _("interpreter request"),
    "immigrationrelief": _("immigration relief"),
    "chargingrecord": _("charging record"),
    "safetyassessment": _("safety assessment"),
    "advocatenote": _("advocate note"),
    "investigativenote": _("investigative note"),
    "sensitivematerial": _("sensitive material"),
    "responseplan": _("response plan"),
    "caseparticipant": _("case team"),
    "aggregate": _("counts"),
}

#: Case record fields whose names read badly when only de-underscored.
FIELDS: Mapping[str, StrPromise] = {
    "age_low": _("youngest likely age"),
    "age_high": _("oldest likely age"),
    "dob": _("date of birth"),
}

#: Kinds of verification report items (``accord.protocols.verification.ReportItem.kind``).
FINDING_KINDS: Mapping[str, StrPromise] = {
    "gap": _("gap"),
    "overlap": _("overlap"),
    "shadowed": _("never applies"),
    "subsumed": _("redundant"),
    "unused-value": _("unused value"),
    "unknown-reference": _("unknown name"),
    "deadline-owner": _("duty without an owner"),
    "directory-unknown_id": _("not in the directory"),
    "directory-inactive": _("inactive in the directory"),
    "directory-no_24_7_contact": _("no 24/7 contact"),
    "directory-language_not_served": _("language not served"),
    "directory-jurisdiction_not_covered": _("area not covered"),
    "directory-eligibility_mismatch": _("not eligible"),
    "law-minor-to-adult-service": _("minor to an adult service"),
    "law-continued-presence-not-federal": _("Continued Presence not federal"),
}

#: Where ``label`` looks, in order: the tables above, then those the apps register.
_TABLES: list[Mapping[str, StrPromise]] = [
    FINDING_KINDS,
    FIELDS,
    SECTORS,
    FIELD_CLASSES,
    PROTOCOL_VALUES,
]
#: Django choices (``TextChoices``) the apps register, with their values (a value reads as
#: its choice's label). The values are kept: ``TextChoices.values`` builds its list again on
#: every call, and ``label`` runs a few hundred times on a page of findings.
_CHOICES: list[tuple[Any, frozenset[str]]] = []


def register_table(table: Mapping[str, StrPromise]) -> None:
    """Let ``label`` read the codes of ``table`` (an app's own words, in its ``ready``)."""
    if all(existing is not table for existing in _TABLES):
        _TABLES.append(table)


def register_choices(*choices: Any) -> None:
    """Let ``label`` read the values of Django ``TextChoices`` as their labels."""
    for each in choices:
        if all(registered is not each for registered, _values in _CHOICES):
            _CHOICES.append((each, frozenset(str(value) for value in each.values)))


def humanize(code: str) -> str:
    """A code with its separators as spaces: the last resort when no table has it."""
    return re.sub(r"[_-]+", " ", code).strip()


def label(value: Any) -> str:
    """The words for one code, boolean or empty value, from the tables above."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    text = str(value)
    for table in _TABLES:
        if text in table:
            return str(table[text])
    for choices, values in _CHOICES:
        if text in values:
            return str(choices(text).label)
    if re.fullmatch(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+", text):  # a field path: case.facts.stage
        parts = [str(MODELS.get(part, part)) for part in text.split(".") if part != "facts"]
        return " ".join(label(part) for part in parts)
    return humanize(text) if re.fullmatch(r"[a-z0-9]+(?:[_-][a-z0-9]+)+", text) else text


def reason_sentence(reason: Any) -> str:
    """ "Not shared: no release names your agency for this." for a withheld field's code."""
    text = str(REASONS.get(str(reason), humanize(str(reason))))
    return gettext("Not shared: %(reason)s.") % {"reason": text}
