"""Template filters that show codes as words (``accord.ui.labels``); loaded as builtins.

``{{ code|label }}`` a role, sector, part, enum value or yes/no; ``{{ code|reason }}`` a
withheld field's reason as a sentence; ``{{ codes|reasons }}`` a comma-separated list of
them; ``{{ code|event }}`` an audit event type.
"""

from __future__ import annotations

from typing import Any

from django import template

from accord.audit.events import event_label
from accord.protocols.words import ProtocolWords
from accord.ui import labels

register = template.Library()


@register.filter(name="label")
def label(value: Any) -> str:
    return labels.label(value)


@register.filter(name="reason")
def reason(value: Any) -> str:
    return labels.reason_sentence(value)


@register.filter(name="reasons")
def reasons(value: Any) -> str:
    codes = [c.strip() for c in str(value or "").split(",") if c.strip()]
    return " ".join(labels.reason_sentence(code) for code in codes)


@register.filter(name="event")
def event(value: Any) -> str:
    return event_label(value)


@register.filter(name="labels")
def labels_of(values: Any) -> str:
    """A list of codes as words, comma-separated."""
    return ", ".join(labels.label(v) for v in values or ())


def _words(context: template.Context) -> ProtocolWords:
    """The viewer's task force's names and protocol in force, looked up once per request."""
    request = context.get("request")
    agency = getattr(getattr(request, "user", None), "agency", None)
    if request is None or agency is None:
        return ProtocolWords()
    words = getattr(request, "_accord_words", None)
    if words is None:
        from accord.protocols.selectors import protocol_in_force

        version = protocol_in_force(task_force=agency.task_force)
        words = ProtocolWords.for_task_force(
            agency.task_force_id, version.protocol if version else None
        )
        request._accord_words = words
    return words


@register.simple_tag(takes_context=True)
def name(context: template.Context, slug: Any) -> str:
    """The name of a directory entry, agency or committee of the viewer's task force, by slug;
    a protocol factor's label; any other code as words."""
    words = _words(context)
    if isinstance(slug, str) and slug in getattr(words.protocol, "factors", {}):
        return words.factor(slug)
    if isinstance(slug, str) and slug in getattr(words.protocol, "decisions", {}):
        return str(words.protocol.decisions[slug].question)
    return words.value(slug)


@register.simple_tag(takes_context=True)
def sentence(context: template.Context, text: Any) -> str:
    """A sentence the protocol core wrote with ids (an explanation), in words."""
    return _words(context).sentence(str(text or ""))


@register.simple_tag(takes_context=True)
def names(context: template.Context, slugs: Any, empty: str = "") -> str:
    """Several slugs or codes as names, comma-separated (``empty`` when there are none)."""
    return ", ".join(name(context, slug) for slug in slugs or ()) or empty
