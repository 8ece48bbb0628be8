"""The words a victim reads: the release and its revocation notice, per language.

A task force keeps, for each language, a ``ConsentText``: the release text and the revocation
notice written with placeholders (``{provider}``, ``{recipients}`` ...), the words for each data
category, and the labels of the printed signature lines. Accord ships English and Spanish
(``SHIPPED``), written in plain language (short sentences, everyday words, aimed at a sixth-grade
reading level; the measured grades are in docs/sharing.md); a coordinator adds a language from
the release wording page.

The placeholders are filled from the release itself when it is recorded or revoked, never typed:
``{provider}`` is always the agency recording the release (the advocate's own), so the text can
never name another provider. The filled text is what is stored as ``text_shown``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from django.utils import dateformat, formats, translation

from .categories import CONSENT_CATEGORIES

__all__ = [
    "NOTICE_PLACEHOLDERS",
    "RELEASE_PLACEHOLDERS",
    "SHIPPED",
    "ShippedWording",
    "category_words",
    "check_language_code",
    "check_placeholders",
    "fill",
    "local_date_words",
    "matching_language",
    "release_text",
    "revocation_notice",
]

#: Placeholders of the release text: name -> what it becomes (shown on the wording page).
RELEASE_PLACEHOLDERS: Mapping[str, str] = {
    "provider": "the name of the agency recording the release (the advocate's own)",
    "recipients": "the names of the agencies the victim chose",
    "categories": "the data categories the victim chose, in this language's words",
    "date": "the day the release ends (in the task force's time zone)",
    "advocate": "the name of the advocate recording the release (optional)",
}
#: Placeholders of the revocation notice.
NOTICE_PLACEHOLDERS: Mapping[str, str] = {
    "provider": "the name of the agency that recorded the release",
    "recipients": "the names of the agencies that no longer see the records",
    "categories": "the data categories they no longer see, in this language's words",
    "date": "the day the release was stopped (in the task force's time zone)",
    "advocate": "the name of the advocate recording the revocation (optional)",
}
OPTIONAL_PLACEHOLDERS = frozenset({"advocate"})

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
#: What a blank looks like before the advocate has chosen (the release form's preview).
BLANK = "__________"


def check_placeholders(text: str, allowed: Mapping[str, str]) -> list[str]:
    """The problems with ``text``'s placeholders (empty when it can be filled).

    Unknown names, stray braces and required placeholders that are missing are each named.
    """
    problems: list[str] = []
    names = _PLACEHOLDER.findall(text)
    unknown = sorted({name for name in names if name not in allowed})
    if unknown:
        problems.append(
            "Unknown placeholder"
            + ("s " if len(unknown) > 1 else " ")
            + ", ".join("{" + name + "}" for name in unknown)
            + ". Use only "
            + ", ".join("{" + name + "}" for name in allowed)
            + "."
        )
    rest = _PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        problems.append("A brace { or } is not closed: write placeholders as {provider}.")
    missing = [
        name for name in allowed if name not in OPTIONAL_PLACEHOLDERS and name not in set(names)
    ]
    if missing:
        problems.append(
            "Missing placeholder"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join("{" + name + "}" for name in missing)
            + ": the victim must read "
            + ("them" if len(missing) > 1 else "it")
            + "."
        )
    return problems


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each known placeholder by its value; a text without placeholders is unchanged
    (the wording recorded before placeholders existed)."""
    return _PLACEHOLDER.sub(
        lambda match: values.get(match.group(1), match.group(0)),
        text,
    )


def check_language_code(code: str) -> str | None:
    """A problem with a language code (``es``, ``vi``, ``pt-br``), or None when it is fine."""
    if not _LANGUAGE_CODE.match(code):
        return "Write the language code as two or three letters, for example es, vi or pt-br."
    return None


def local_date_words(moment: datetime | date, *, zone: tzinfo, language_code: str) -> str:
    """A day as people write it in the language ("June 5, 2027", "5 de junio de 2027"),
    for a moment taken in the task force's time zone."""
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    with translation.override(language_code):
        pattern = str(formats.get_format("DATE_FORMAT", lang=language_code))
        # "N" is the abbreviated (AP style) month; a victim reads the full name.
        return str(dateformat.format(day, pattern.replace("N", "F")))


def category_words(codes: Iterable[str], words: Mapping[str, str], *, separator: str = "; ") -> str:
    """The chosen categories in the language's words, in the fixed category order."""
    chosen = set(codes)
    return separator.join(
        words.get(code) or label for code, label in CONSENT_CATEGORIES.items() if code in chosen
    )


class Wording(Protocol):
    """What filling needs of a wording (a ``ConsentText``)."""

    text: str
    revocation_notice: str
    language_code: str
    category_words: Any


def release_text(
    wording: Wording,
    *,
    provider: str,
    recipients: Sequence[str],
    categories: Iterable[str],
    expires_at: datetime | None,
    advocate: str,
    zone: tzinfo,
) -> str:
    """The release as the victim reads it; what is not chosen yet shows as a blank line."""
    return fill(
        wording.text,
        {
            "provider": provider,
            "recipients": ", ".join(recipients) or BLANK,
            "categories": category_words(categories, wording.category_words or {}) or BLANK,
            "date": local_date_words(expires_at, zone=zone, language_code=wording.language_code)
            if expires_at is not None
            else BLANK,
            "advocate": advocate,
        },
    )


def revocation_notice(
    wording: Wording,
    *,
    provider: str,
    recipients: Sequence[str],
    categories: Iterable[str],
    revoked_at: datetime,
    advocate: str,
    zone: tzinfo,
) -> str:
    """The revocation notice in the release's language ("" when the wording has none)."""
    if not wording.revocation_notice:
        return ""
    return fill(
        wording.revocation_notice,
        {
            "provider": provider,
            "recipients": ", ".join(recipients),
            "categories": category_words(categories, wording.category_words or {}),
            "date": local_date_words(revoked_at, zone=zone, language_code=wording.language_code),
            "advocate": advocate,
        },
    )


def _tokens(languages: str) -> list[str]:
    parts = re.split(r"[,;/]|\band\b|\by\b", languages.lower())
    return [part.strip() for part in parts if part.strip()]


def matching_language(victim_languages: str, texts: Sequence[tuple[str, str]]) -> str | None:
    """The code of the first of the victim's recorded languages the task force has a text in.

    ``texts`` holds (code, language name) pairs; a recorded language matches a name or a code
    ("Spanish", "spanish", "es"); the victim's order is kept (the first spoken comes first).
    """
    for token in _tokens(victim_languages):
        for code, name in texts:
            if token in (code.lower(), name.lower()):
                return code
    return None


@dataclass(frozen=True)
class ShippedWording:
    """One language of the wording Accord ships."""

    code: str
    language: str
    release_text: str
    revocation_notice: str
    category_words: Mapping[str, str]
    signature_label: str
    guardian_signature_label: str
    date_label: str


ENGLISH = ShippedWording(
    code="en",
    language="English",
    release_text=(
        "My agreement to share information\n\n"
        "I agree that {provider} can share some of my information.\n\n"
        "Who can see it: {recipients}.\n\n"
        "What they can see: {categories}.\n\n"
        "This agreement ends on {date}. After that, they can not see it.\n\n"
        "I do not have to sign this. If I say no, {provider} will still help me. "
        "My services will not change.\n\n"
        "I can stop this at any time. To stop it, I tell {advocate} or anyone at {provider}. "
        "I can say it or write it. It stops right away.\n\n"
        "I can ask for a copy of this paper."
    ),
    revocation_notice=(
        "I stopped my agreement to share information\n\n"
        "On {date}, I stopped my agreement.\n\n"
        "{provider} does not share my information with {recipients} now.\n\n"
        "They can not see: {categories}.\n\n"
        "{provider} will still help me. My services will not change.\n\n"
        "If I want to share again, I can sign a new agreement."
    ),
    category_words={
        "identity": "my name and date of birth",
        "contact": "how to reach me",
        "location": "where I stay",
        "needs": "what I need and the help I get",
        "safety": "my safety plan",
    },
    signature_label="My signature",
    guardian_signature_label="Signature of my parent or guardian (if I am under 18)",
    date_label="Date",
)

SPANISH = ShippedWording(
    code="es",
    language="Spanish",
    release_text=(
        "Mi acuerdo para compartir información\n\n"
        "Acepto que {provider} comparta parte de mi información.\n\n"
        "Quién la puede ver: {recipients}.\n\n"
        "Qué pueden ver: {categories}.\n\n"
        "Este acuerdo termina el {date}. Después de ese día, ya no la pueden ver.\n\n"
        "No tengo que firmar esto. Si digo que no, {provider} me va a seguir ayudando. "
        "Mis servicios no van a cambiar.\n\n"
        "Puedo parar esto cuando quiera. Para pararlo, se lo digo a {advocate} o a otra "
        "persona de {provider}. Lo puedo decir o escribir. Se para en ese momento.\n\n"
        "Puedo pedir una copia de este papel."
    ),
    revocation_notice=(
        "Paré mi acuerdo para compartir información\n\n"
        "El {date} paré mi acuerdo.\n\n"
        "Ahora {provider} no comparte mi información con {recipients}.\n\n"
        "Ya no pueden ver: {categories}.\n\n"
        "{provider} me va a seguir ayudando. Mis servicios no van a cambiar.\n\n"
        "Si quiero compartir otra vez, puedo firmar un acuerdo nuevo."
    ),
    category_words={
        "identity": "mi nombre y mi fecha de nacimiento",
        "contact": "cómo hablar conmigo",
        "location": "dónde me quedo",
        "needs": "lo que necesito y la ayuda que recibo",
        "safety": "mi plan de seguridad",
    },
    signature_label="Mi firma",
    guardian_signature_label="Firma de mi madre, padre o tutor (si tengo menos de 18 años)",
    date_label="Fecha",
)

#: The wording every task force starts with (a data migration and the demo install it).
SHIPPED: tuple[ShippedWording, ...] = (ENGLISH, SPANISH)
#: The version name of the shipped wording (the next free number where a task force has a
#: "1" in that language already).
SHIPPED_VERSION = "1"
