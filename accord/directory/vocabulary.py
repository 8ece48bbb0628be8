"""The controlled words of the directory: service types, eligibility values, languages.

Eligibility values use the same words as the example protocol's factors
(``victim_gender``, ``victim_citizenship``, ``trafficking_type``) so that the
protocol check compares like with like. Languages are ISO 639 codes, checked
against the list ``pycountry`` ships (no network).
"""

from __future__ import annotations

from collections.abc import Iterable

import pycountry

SERVICE_TYPES: dict[str, str] = {
    "emergency_shelter": "Emergency shelter",
    "transitional_housing": "Transitional housing",
    "emergency_placement": "Emergency foster placement",
    "case_management": "Case management",
    "forensic_interview": "Forensic interview",
    "legal_immigration": "Immigration legal help (T/U visa, Continued Presence)",
    "legal_vacatur": "Criminal record relief (vacatur)",
    "legal_services": "Legal services",
    "interpreting": "Interpreting",
    "emergency_dispatch": "Emergency dispatch (911)",
    "emergency_medical": "Emergency medical care",
    "medical": "Medical care",
    "mental_health": "Mental health and counseling",
    "hotline": "Hotline",
    "law_enforcement": "Law enforcement",
    "prosecution": "Prosecution",
    "eligibility_letter": "Eligibility letters",
    "child_protection": "Child protection",
    "food": "Food and basic needs",
    "employment": "Employment help",
    "other": "Other",
}

GENDERS: tuple[str, ...] = ("female", "male", "nonbinary")
CITIZENSHIP: tuple[str, ...] = ("us_citizen", "permanent_resident", "foreign_national")
TRAFFICKING_TYPES: tuple[str, ...] = ("sex", "labor", "both")
AGE_DOMAIN: tuple[int, int] = (0, 120)


def pack(codes: Iterable[str]) -> str:
    """Store a set of codes as ``,a,b,`` so one indexed LIKE finds a member."""
    unique = sorted({code.strip() for code in codes if code and code.strip()})
    return f",{','.join(unique)}," if unique else ""


def unpack(packed: str) -> frozenset[str]:
    return frozenset(code for code in (packed or "").split(",") if code)


def language_name(code: str) -> str | None:
    """The English name of an ISO 639-1 or 639-3 code, or None when it is not one."""
    normal = normalize_language(code)
    if normal is None:
        return None
    record = (
        pycountry.languages.get(alpha_2=normal)
        if len(normal) == 2
        else pycountry.languages.get(alpha_3=normal)
    )
    return record.name if record else None


def normalize_language(code: str) -> str | None:
    """ISO 639-1 when the language has one, else ISO 639-3; None when unknown.

    ``tgl`` and ``tl`` both become ``tl``, so a search for either finds both.
    """
    value = (code or "").strip().lower()
    if len(value) == 2:
        record = pycountry.languages.get(alpha_2=value)
    elif len(value) == 3:
        record = pycountry.languages.get(alpha_3=value)
        if record is None:  # ISO 639-2/B codes such as "fre", "ger"
            try:
                record = pycountry.languages.lookup(value)
            except LookupError:
                record = None
    else:
        record = None
    if record is None:
        return None
    return getattr(record, "alpha_2", None) or record.alpha_3
