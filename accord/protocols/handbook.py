"""The handbook: the version in force as the document members print.

One combined handbook, or one per sector (that sector's full duties, the other
sectors' basics). Sections, in order: title page (task force, version,
effective date, signatories), responsibilities, the questions and their
tables, deadlines, information sharing, escalation, training, guidelines,
directory contacts (24/7 phones only; confidential addresses never appear: no
address is printed at all).

The PDF is made by weasyprint with a URL fetcher that refuses every URL (S21):
the stylesheet is passed as a string and nothing else is loaded.
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from accord.accounts.models import User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import Decision, FactorKind, Protocol, Sector
from accord.errors import ValidationError
from accord.ui import labels

from .models import ProtocolVersion
from .selectors import signatures
from .situations import describe_values, factor_label, format_value, protocol_names

STYLESHEET = pathlib.Path(__file__).parent / "static" / "protocols" / "handbook.css"

#: Section titles, in order; the PDF test checks every one is in the document.
SECTION_TITLES: tuple[str, ...] = (
    "Responsibilities",
    "The questions and their answers",
    "Deadlines",
    "Information sharing",
    "Escalation ladder",
    "Training requirements",
    "Guidelines",
    "Directory contacts",
)


class FetchRefused(ValueError):
    """The handbook renderer never loads anything from a URL (S21)."""


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise FetchRefused(f"the handbook renderer fetches no URL (asked for {url[:80]!r})")


def refusing_fetcher() -> Any:
    """A weasyprint URL fetcher whose every fetch is refused (and so nothing is loaded)."""
    from weasyprint.urls import URLFetcher

    class RefusingURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            return refuse_fetch(url)

    return RefusingURLFetcher(allowed_protocols=(), allow_redirects=False)


def sector_label(sector: str | None) -> str:
    return (sector or "task force").replace("_", " ").capitalize()


@dataclass(frozen=True)
class TableView:
    decision: Decision
    headers: tuple[str, ...]
    output_headers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...]  # id, cells, outs, how


@dataclass(frozen=True)
class Contact:
    organization: str
    name: str
    phones: tuple[str, ...] = ()
    website: str = ""
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Handbook:
    version: ProtocolVersion
    protocol: Protocol
    sector: str | None
    signatures: Sequence[Any]
    responsibilities_full: Sequence[Any]
    responsibilities_basic: Sequence[Any]
    tables: Sequence[TableView]
    deadlines: Sequence[Mapping[str, str]]
    sharing: Sequence[Mapping[str, str]]
    contacts: Sequence[Contact]
    generated_at: Any = field(default=None)
    section_titles: tuple[str, ...] = SECTION_TITLES
    #: (level name, who decides in words, hours) for the conflict-resolution ladder
    escalation: Sequence[tuple[str, str, int]] = ()


def _cell(protocol: Protocol, factor_id: str, rule: Any) -> str:
    condition = rule.condition(factor_id)
    if condition.is_any:
        return "any"
    factor = protocol.factors.get(factor_id)
    if condition.values is not None:
        if factor is not None and factor.domain.kind == FactorKind.BOOLEAN:
            return describe_values(factor, tuple(condition.values))
        ordered = [v for v in (factor.domain.values if factor else ()) if v in condition.values]
        return describe_values(factor, tuple(ordered or condition.values))
    if condition.intervals is not None:
        return " or ".join(describe_values(factor, interval) for interval in condition.intervals)
    return condition.text


def _table(protocol: Protocol, decision: Decision) -> TableView:
    names = protocol_names(protocol)
    rows = []
    for rule in decision.rules:
        cells = tuple(_cell(protocol, factor_id, rule) for factor_id in decision.inputs)
        outs = tuple(format_value(rule.outputs.get(o.name), names) for o in decision.outputs)
        rows.append((rule.id, cells, outs, rule.how))
    return TableView(
        decision=decision,
        headers=tuple(factor_label(protocol, f) for f in decision.inputs),
        output_headers=tuple((o.label or o.name).replace("_", " ") for o in decision.outputs),
        rows=tuple(rows),
    )


def _duration(minutes: int) -> str:
    value = abs(minutes)
    if value % 1440 == 0:
        text = f"{value // 1440} day{'s' if value != 1440 else ''}"
    elif value % 60 == 0:
        text = f"{value // 60} hour{'s' if value != 60 else ''}"
    else:
        text = f"{value} minutes"
    return text


def _deadlines(protocol: Protocol, sector: str | None) -> list[dict[str, str]]:
    rows = []
    names = protocol_names(protocol)
    for deadline in protocol.deadlines:
        if sector and deadline.owner_sector and str(deadline.owner_sector) != sector:
            continue
        when = "; ".join(_when_text(protocol, f, c) for f, c in deadline.when.items())
        when_output = "; ".join(
            f"{_output_words(protocol, k)} is {format_value(v, names)}"
            for k, v in deadline.when_output.items()
        )
        timing = (
            f"{_duration(deadline.offset_minutes)} before {deadline.anchor.replace('_', ' ')}"
            if deadline.offset_minutes < 0
            else f"within {_duration(deadline.offset_minutes)} of {deadline.anchor.replace('_', ' ')}"
        )
        owner = ", ".join(
            part
            for part in (
                sector_label(deadline.owner_sector) if deadline.owner_sector else "",
                deadline.owner_role.replace("_", " "),
                names.get(deadline.owner_organization or "", deadline.owner_organization or ""),
            )
            if part
        )
        rows.append(
            {
                "task": _PLACEHOLDER.sub(lambda m: _placeholder_words(protocol, m), deadline.task),
                "owner": owner,
                "timing": timing,
                "when": " and ".join(part for part in (when, when_output) if part) or "always",
            }
        )
    return rows


_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+(?:\.[a-z0-9_]+)?)\}")


def _output_words(protocol: Protocol, reference: str) -> str:
    """ "operation_coordination.coordinate" as "coordinate (operation coordination)"."""
    decision_id, _, output_name = reference.partition(".")
    decision = protocol.decisions.get(decision_id)
    output = (
        next((o for o in decision.outputs if o.name == output_name), None) if decision else None
    )
    what = (output.label if output and output.label else output_name).replace("_", " ")
    return f"{what} ({decision_id.replace('_', ' ')})" if decision_id else what


def _placeholder_words(protocol: Protocol, match: re.Match[str]) -> str:
    """A task's ``{decision.output}`` placeholder as the handbook reader should read it."""
    reference = match.group(1)
    if reference == "victim":
        return "the potential victim"
    if "." not in reference:
        return reference.replace("_", " ")
    return "the " + _output_words(protocol, reference).split(" (")[0] + " the plan names"


def _sharing(protocol: Protocol) -> list[dict[str, str]]:
    return [
        {
            "id": rule.id,
            "what": str(labels.FIELD_CLASSES.get(str(rule.field_class), str(rule.field_class)))
            + (
                f" ({', '.join(sorted(c.replace('_', ' ') for c in rule.categories))})"
                if rule.categories
                else ""
            ),
            "from": ", ".join(sorted(sector_label(s) for s in rule.from_sectors)),
            "to": ", ".join(sorted(sector_label(s) for s in rule.to_sectors)),
            "stages": ", ".join(sorted(str(s) for s in rule.stages)),
            "audience": str(rule.audience).replace("_", " "),
            "conditions": "; ".join(
                text
                for flag, text in (
                    (rule.requires_consent, "victim's written release naming the recipient"),
                    (rule.authorized_only, "specially authorized users only (8 U.S.C. 1367)"),
                )
                if flag
            ),
            "note": rule.note,
        }
        for rule in protocol.sharing
    ]


def _contacts(version: ProtocolVersion, protocol: Protocol, sector: str | None) -> list[Contact]:
    """Directory contacts: name, 24/7 phones and website; never an address."""
    from accord.directory.models import Organization
    from accord.directory.selectors import organization_24_7_phones

    wanted: list[str] = []
    sectors_of: dict[str, list[str]] = {}
    for responsibility in protocol.responsibilities:
        for org in responsibility.contacts:
            wanted.append(org)
            sectors_of.setdefault(org, []).append(sector_label(str(responsibility.sector)))
    for reference in protocol.directory.values():
        wanted.append(
            reference.id if reference.kind == "organization" else reference.organization or ""
        )
    ids = [org for org in dict.fromkeys(wanted) if org]
    stored = {
        org.slug: org
        for org in Organization.objects.filter(task_force=version.task_force, slug__in=ids)
    }
    contacts = []
    for org_id in ids:
        if org_id not in protocol.directory and org_id not in stored:
            continue
        organization = stored.get(org_id)
        name = organization.name if organization else protocol.directory[org_id].name
        phones = (
            tuple(str(phone) for phone in organization_24_7_phones(organization))
            if organization
            else ()
        )
        contacts.append(
            Contact(
                organization=org_id,
                name=name,
                phones=phones,
                website=organization.website if organization else "",
                sectors=tuple(sectors_of.get(org_id, ())),
            )
        )
    return contacts


def _responsibility(responsibility: Any) -> dict[str, Any]:
    return {
        "label": sector_label(str(responsibility.sector)),
        "summary": responsibility.summary,
        "duties": responsibility.duties,
    }


def _when_text(protocol: Protocol, factor_id: str, condition: Any) -> str:
    factor = protocol.factors.get(factor_id)
    if condition.values is not None:
        text = describe_values(factor, tuple(condition.values))
    elif condition.intervals:
        text = " or ".join(describe_values(factor, interval) for interval in condition.intervals)
    else:
        text = condition.text
    return f"{factor_label(protocol, factor_id)}: {text}"


def build_handbook(*, version: ProtocolVersion, sector: str | None = None) -> Handbook:
    protocol = version.protocol
    if sector and sector not in {s.value for s in Sector}:
        raise ValidationError(gettext("No such sector."), data={"field": "sector"})
    full = [
        _responsibility(r)
        for r in protocol.responsibilities
        if not sector or str(r.sector) == sector
    ]
    basic = [
        _responsibility(r) for r in protocol.responsibilities if sector and str(r.sector) != sector
    ]
    return Handbook(
        version=version,
        protocol=protocol,
        sector=sector,
        signatures=signatures(version=version),
        responsibilities_full=full,
        responsibilities_basic=basic,
        tables=[_table(protocol, d) for d in protocol.decisions.values()],
        deadlines=_deadlines(protocol, sector),
        sharing=_sharing(protocol),
        contacts=_contacts(version, protocol, sector),
        generated_at=timezone.now(),
        escalation=[
            (
                level.name,
                protocol_names(protocol).get(level.decided_by) or labels.label(level.decided_by),
                level.time_limit_hours,
            )
            for level in protocol.escalation
        ],
    )


def render_handbook_html(handbook: Handbook, *, standalone: bool) -> str:
    """The handbook's HTML: the page body (``standalone=False``) or a whole document for PDF."""
    return render_to_string(
        "protocols/handbook_document.html",
        {
            "handbook": handbook,
            "standalone": standalone,
            "sector_label": sector_label(handbook.sector) if handbook.sector else "",
        },
    )


def render_handbook_pdf(handbook: Handbook) -> bytes:
    from weasyprint import CSS, HTML

    fetcher = refusing_fetcher()
    html = HTML(string=render_handbook_html(handbook, standalone=True), url_fetcher=fetcher)
    stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)
    return html.write_pdf(stylesheets=[stylesheet])


def handbook_export(*, actor: User, version: ProtocolVersion, sector: str | None = None) -> bytes:
    """The handbook PDF, audited as an export (S15)."""
    handbook = build_handbook(version=version, sector=sector)
    pdf = render_handbook_pdf(handbook)
    audit_record(
        event=AuditEventType.EXPORTED,
        actor=actor,
        object_type="protocol_handbook",
        object_id=version.pk,
        purpose="handbook PDF",
        detail={"number": version.number, "sector": sector or "all", "bytes": len(pdf)},
        task_force_id=version.task_force_id,
    )
    return pdf


def handbook_view_record(*, actor: User, version: ProtocolVersion, sector: str | None) -> None:
    """The printable HTML view is audited as a print (S15)."""
    audit_record(
        event=AuditEventType.PRINTED,
        actor=actor,
        object_type="protocol_handbook",
        object_id=version.pk,
        purpose="handbook HTML",
        detail={"number": version.number, "sector": sector or "all"},
        task_force_id=version.task_force_id,
    )
