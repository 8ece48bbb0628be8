"""Every word a template shows goes through Django's translation machinery.

Each template is split with Django's own template ``Lexer``; the text between template tags
is scanned as HTML. Visible text (letters outside HTML tags, and the values of the
``placeholder``, ``title``, ``aria-label`` and ``alt`` attributes) must sit inside
``{% translate %}`` or ``{% blocktranslate %}`` (so must ``data-confirm``, the question
accord.js asks before a destructive button); any other template tag or variable stands
for a value (a name, a date, a label from a table) and is not text of the template.
Text inside ``<script>``, ``<style>``, HTML comments and ``{% comment %}`` is not shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.template.base import Lexer, Token, TokenType

ACCORD = Path(__file__).resolve().parents[2]
#: Template folders other helpers are marking (issue #13); removed from here as they land.
PENDING_DIRS: tuple[str, ...] = ()
#: Attributes whose values a person reads or hears (data-confirm: accord.js asks with it).
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "data-confirm")

LETTER = re.compile(r"[^\W\d_]")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_SHOWN = "|".join(SHOWN_ATTRIBUTES)
ATTRIBUTE = re.compile(rf"""(?<![\w-])({_SHOWN})\s*=\s*(?:"([^"]*)"|'([^']*)')""")
RAW_ELEMENTS = ("script", "style")


@dataclass(frozen=True)
class Span:
    """A stretch of the template, by offsets into its source."""

    start: int
    end: int


def skeleton(source: str) -> str:
    """The template with every tag, variable and comment blanked out (same length, same
    lines), and with the insides of ``blocktranslate`` and ``comment`` blanked too: what is
    left is the HTML the template writes itself."""
    out: list[str] = []
    skip_until: str | None = None
    for token in Lexer(source).tokenize():
        raw = _raw(token)
        blank = re.sub(r"[^\n]", " ", raw)
        if skip_until is not None:
            out.append(blank)
            if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == [skip_until]:
                skip_until = None
            continue
        if token.token_type == TokenType.TEXT:
            out.append(raw)
            continue
        out.append(blank)
        if token.token_type == TokenType.BLOCK:
            word = (token.contents.split() or [""])[0]
            if word in {"blocktranslate", "blocktrans"}:
                skip_until = "end" + word
            elif word == "comment":
                skip_until = "endcomment"
    return "".join(out)


def _raw(token: Token) -> str:
    contents, kind = token.contents, token.token_type
    if kind == TokenType.TEXT:
        return contents
    if kind == TokenType.VAR:
        return "{{ " + contents + " }}"
    if kind == TokenType.BLOCK:
        return "{% " + contents + " %}"
    return "{# " + contents + " #}"


def html_parts(text: str) -> tuple[list[Span], list[Span]]:
    """(data, tags): the stretches of ``text`` outside any HTML tag, and the tags themselves;
    comments and the insides of script and style are neither."""
    data: list[Span] = []
    tags: list[Span] = []
    i, n, start = 0, len(text), 0
    while i < n:
        if text.startswith("<!--", i):
            data.append(Span(start, i))
            end = text.find("-->", i)
            i = start = n if end < 0 else end + 3
            continue
        if text[i] == "<" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] in "/!"):
            data.append(Span(start, i))
            j, quote = i + 1, ""
            while j < n and (quote or text[j] != ">"):
                if quote and text[j] == quote:
                    quote = ""
                elif not quote and text[j] in "\"'":
                    quote = text[j]
                j += 1
            tags.append(Span(i, j + 1))
            name = re.match(r"<\s*([A-Za-z]+)", text[i : j + 1])
            i = start = j + 1
            if name and name.group(1).lower() in RAW_ELEMENTS:
                close = text.lower().find(f"</{name.group(1).lower()}", i)
                i = start = n if close < 0 else close
            continue
        i += 1
    data.append(Span(start, n))
    return [s for s in data if s.end > s.start], tags


def has_words(text: str) -> bool:
    return bool(LETTER.search(ENTITY.sub(" ", text)))


@dataclass(frozen=True)
class Unmarked:
    line: int
    text: str


def unmarked_text(source: str) -> list[Unmarked]:
    """The visible text of a template that no translate tag carries."""
    text = skeleton(source)
    data, tags = html_parts(text)
    found: list[tuple[int, str]] = []
    for span in data:
        if has_words(text[span.start : span.end]):
            found.append((span.start, " ".join(text[span.start : span.end].split())))
    for span in tags:
        for match in ATTRIBUTE.finditer(text, span.start, span.end):
            value = match.group(2) if match.group(2) is not None else match.group(3)
            if has_words(value):
                found.append((match.start(), f'{match.group(1)}="{" ".join(value.split())}"'))
    return [Unmarked(source.count("\n", 0, at) + 1, shown) for at, shown in sorted(found)]


def templates() -> Iterator[Path]:
    for path in sorted(ACCORD.glob("*/templates/**/*.html")):
        relative = "/" + path.relative_to(ACCORD).as_posix()
        if not any(f"/{pending}/" in relative for pending in PENDING_DIRS):
            yield path


TEMPLATES = list(templates())


def test_the_scan_sees_the_templates_of_every_app() -> None:
    apps = {path.relative_to(ACCORD).parts[0] for path in TEMPLATES}
    every_app = {path.parent.name for path in ACCORD.glob("*/templates")}
    assert {"web", "accounts", "cases", "sharing", "duties", "trail"} <= every_app
    assert apps == every_app


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ACCORD)))
def test_every_visible_word_of_the_template_is_marked_for_translation(path: Path) -> None:
    found = unmarked_text(path.read_text(encoding="utf-8"))
    assert not found, "text not inside {% translate %} / {% blocktranslate %}:\n" + "\n".join(
        f"  line {item.line}: {item.text}" for item in found
    )


def test_the_scan_finds_unmarked_text_and_passes_marked_text() -> None:
    bad = (
        '{% extends "web/base.html" %}{% load i18n %}\n'
        '<h1 title="Case list">Cases of {{ agency }}</h1>\n'
        "{% if x %}<p>Nothing yet</p>{% endif %}\n"
        '<input placeholder="{% translate "Search" %}" aria-label="Search cases">\n'
    )
    assert unmarked_text(bad) == [
        Unmarked(2, 'title="Case list"'),
        Unmarked(2, "Cases of"),
        Unmarked(3, "Nothing yet"),
        Unmarked(4, 'aria-label="Search cases"'),
    ]
    good = (
        '{% extends "web/base.html" %}{% load i18n %}\n'
        '<h1 title="{% translate "Case list" %}">'
        "{% blocktranslate with name=agency %}Cases of {{ name }}{% endblocktranslate %}</h1>\n"
        "{% if x %}<p>{% translate 'Nothing yet' %}</p>{% endif %} &middot; {{ count }}\n"
        "<!-- a note for developers -->{% comment %}Not shown{% endcomment %}\n"
        "<script>const words = 'not shown';</script><style>p { color: red }</style>\n"
        '<svg viewBox="0 0 24 24"><path d="M12 22a2.5"/></svg>\n'
    )
    assert unmarked_text(good) == []
