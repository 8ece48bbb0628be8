"""Every message a person reads from Python goes through Django's translation machinery.

The template test (``test_translation_marks.py``) covers the pages' fixed words; this one scans
the Python of ``accord/`` with :mod:`ast` and fails on a user-facing literal that no
``gettext`` (or ``gettext_lazy``, ``ngettext``, ``pgettext``, ``_``) carries:

- the message of an Accord error (``accord.errors.AccordError`` and its subclasses, wherever
  they are declared) or of Django's ``ValidationError``;
- the message of ``messages.success/info/warning/error/debug/add_message``;
- ``label=``, ``help_text=``, ``empty_label=``, ``verbose_name=``, ``verbose_name_plural=``
  and the values of ``error_messages=`` in any call, and ``verbose_name`` in a model's ``Meta``.

Left out, on purpose: ``accord/core/`` (pure Python, no Django: its findings stay English,
see docs/translation.md), tests, migrations, management commands (their output is for the
operator at a console), ``accord/settings/`` and ``ConfigurationError`` (raised while the
process starts, before translations can load: the operator reads it in a log).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the accord package

GETTEXT = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
    }
)
#: Errors whose message is for the operator starting the process, not for a person at a page.
OPERATOR_ERRORS = frozenset({"ConfigurationError"})
BASE_ERRORS = frozenset(
    {"AccordError", "ValidationError", "DjangoValidationError", "FormValidationError"}
)
MESSAGE_FUNCTIONS = frozenset({"success", "info", "warning", "error", "debug", "add_message"})
TEXT_KEYWORDS = frozenset(
    {"label", "help_text", "empty_label", "verbose_name", "verbose_name_plural"}
)


def scanned_modules() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {"core", "settings"} or "tests" in parts or "migrations" in parts:
            continue
        if "management" in parts:
            continue
        found.append(path)
    return found


def error_classes(trees: list[ast.Module]) -> frozenset[str]:
    """The names of every Accord error class: the base ones and any class declared on them."""
    names = set(BASE_ERRORS) | {
        "PermissionDenied",
        "NotFound",
        "ConflictError",
        "AuditUnavailable",
    }
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {_name(base) for base in node.bases}
                    if bases & names:
                        names.add(node.name)
                        changed = True
    return frozenset(names - OPERATOR_ERRORS)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_text(value: str) -> bool:
    return any(ch.isalpha() for ch in value)


def untranslated(node: ast.AST | None) -> bool:
    """Whether ``node`` is words a person would read that no gettext call carries."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and _is_text(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and _is_text(str(part.value)) for part in node.values
        )
    if isinstance(node, ast.BinOp):
        # "..." % values, "..." + x: the left side decides; _("...") % {...} is fine.
        return untranslated(node.left) or (
            isinstance(node.op, ast.Add) and untranslated(node.right)
        )
    if isinstance(node, ast.IfExp):
        return untranslated(node.body) or untranslated(node.orelse)
    if isinstance(node, ast.Call):
        if _name(node.func) in GETTEXT:
            return False
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return untranslated(node.func.value)  # "...".format(...)
        return False
    return False


def _message_argument(call: ast.Call, position: int) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == "message":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def findings(tree: ast.Module, errors: frozenset[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = _name(node.func)
            if called in errors and untranslated(_message_argument(node, 0)):
                yield node.lineno, f"{called}(...) message"
            if (
                isinstance(node.func, ast.Attribute)
                and _name(node.func.value) == "messages"
                and called in MESSAGE_FUNCTIONS
            ):
                position = 2 if called == "add_message" else 1
                if untranslated(_message_argument(node, position)):
                    yield node.lineno, f"messages.{called}(...)"
            for keyword in node.keywords:
                if keyword.arg in TEXT_KEYWORDS and untranslated(keyword.value):
                    yield node.lineno, f"{keyword.arg}="
                if (
                    keyword.arg == "error_messages"
                    and isinstance(keyword.value, ast.Dict)
                    and any(untranslated(value) for value in keyword.value.values)
                ):
                    yield node.lineno, "error_messages="
        elif isinstance(node, ast.ClassDef) and node.name == "Meta":
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(_name(t) in TEXT_KEYWORDS for t in statement.targets)
                    and untranslated(statement.value)
                ):
                    yield statement.lineno, "Meta verbose_name"


def violations(sources: dict[str, str]) -> list[str]:
    trees = {name: ast.parse(source, filename=name) for name, source in sources.items()}
    errors = error_classes(list(trees.values()))
    return [
        f"{name}:{line}: {what} is not wrapped in gettext"
        for name, tree in trees.items()
        for line, what in findings(tree, errors)
    ]


def test_every_message_a_person_reads_from_python_is_marked_for_translation() -> None:
    modules = scanned_modules()
    assert any(p.parts[-2:] == ("cases", "views_records.py") for p in modules)
    assert not any(p.relative_to(ROOT).parts[0] == "core" for p in modules)
    found = violations({str(p.relative_to(ROOT.parent)): p.read_text() for p in modules})
    assert not found, "Wrap these in gettext / gettext_lazy:\n" + "\n".join(found)


BAD = """
from django.contrib import messages
from django import forms
from accord.errors import AccordError, PermissionDenied, ConfigurationError

class Busy(AccordError):
    pass

class Later(Busy):
    pass

def act(request, case):
    raise PermissionDenied("Only coordinators may do this.")

def act2(case):
    raise Later(f"Case {case.number} is busy.", data={})

def act3(request, case):
    messages.success(request, "Case %(n)s was closed." % {"n": case.number})

def act4(case):
    raise ValidationError(message="Choose a date.")

class F(forms.Form):
    when = forms.DateField(label="When", help_text=f"In {1} zone")
    who = forms.CharField(error_messages={"required": "Say who."})

class M:
    class Meta:
        verbose_name = "case"
"""

GOOD = """
from django.contrib import messages
from django import forms
from django.utils.translation import gettext as _, gettext_lazy, ngettext
from accord.errors import AccordError, PermissionDenied, ConfigurationError

class Busy(AccordError):
    pass

def act(request, case, message):
    raise PermissionDenied(_("Only coordinators may do this."))

def act2(case):
    raise Busy(_("Case %(number)s is busy.") % {"number": case.number}, data={})

def act3(request, case, n):
    messages.success(request, ngettext("%(n)s case", "%(n)s cases", n) % {"n": n})
    messages.info(request, message)  # a variable: worded where it was made
    raise Busy(str(case))

def act4():
    raise ConfigurationError("ACCORD_SECRET_KEY is not set.")  # for the operator, at start-up

class F(forms.Form):
    when = forms.DateField(label=gettext_lazy("When"), help_text="")
    who = forms.CharField(error_messages={"required": gettext_lazy("Say who.")})

class M:
    class Meta:
        verbose_name = gettext_lazy("case")
"""


def test_the_scan_finds_every_kind_of_unmarked_message() -> None:
    """The scan can fail: each kind of unmarked message in a small source is reported,
    including an error declared on an error declared on AccordError."""
    found = violations({"bad.py": BAD})
    kinds = sorted(line.split(": ", 1)[1] for line in found)
    assert kinds == sorted(
        [
            "PermissionDenied(...) message is not wrapped in gettext",
            "Later(...) message is not wrapped in gettext",
            "messages.success(...) is not wrapped in gettext",
            "ValidationError(...) message is not wrapped in gettext",
            "label= is not wrapped in gettext",
            "help_text= is not wrapped in gettext",
            "error_messages= is not wrapped in gettext",
            "Meta verbose_name is not wrapped in gettext",
        ]
    )


def test_the_scan_passes_marked_messages_variables_and_operator_errors() -> None:
    assert violations({"good.py": GOOD}) == []
