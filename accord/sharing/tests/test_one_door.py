"""One door for reads (DESIGN.md section 3): display code never reads case models itself.

An AST scan of every module that renders or sends case data (views, API modules, exports,
reports, notifications, template tags, context processors, feeds, selectors) and of the whole
sharing app outside the door fails on
- any import of a case-data model (a model the field registry classifies, or the case
  participants): choice enums (``IncidentKind``...) are fine, and so is a model named only in
  type annotations;
- any ``.values()``, ``.values_list()``, ``.raw()`` or ``.extra()`` over case data (the
  receiver or the arguments name a case model, a relation to one or a ``case__`` lookup), and
  any SQL (``connection.cursor``, ``RawSQL``).
Only ``accord/sharing/door/`` reads case models. Services (writes), migrations and tests are
not display code and are not scanned.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from accord.cases.fields import REGISTRY

ROOT = Path(__file__).resolve().parents[2]  # the accord package
CASE_DATA_MODELS = {name for name in REGISTRY} | {"caseparticipant"}
DISPLAY_NAMES = (
    "views.py",
    "notifications.py",
    "context_processors.py",
    "feeds.py",
    "selectors.py",
)
DISPLAY_PARTS = ("views", "api", "exports", "reports", "templatetags")


def display_modules() -> list[Path]:
    found = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        parts = relative.parts
        if "migrations" in parts or "tests" in parts or parts[:2] == ("sharing", "door"):
            continue
        stem = path.name
        if (
            parts[0] == "sharing"
            or stem in DISPLAY_NAMES
            or stem.startswith("views_")
            or stem.endswith("_views.py")
            or any(part in DISPLAY_PARTS for part in parts[:-1])
            or stem.startswith(("export", "report"))
        ):
            found.append(path)
    return found


def _imports_case_models(node: ast.AST, path: Path) -> list[tuple[str, int]]:
    """(imported name, line) for each import of the case models module or a case-data model."""
    hits: list[tuple[str, int]] = []
    in_cases = path.relative_to(ROOT).parts[0] == "cases"
    for item in ast.walk(node):
        if isinstance(item, ast.Import):
            hits += [(a.name, item.lineno) for a in item.names if a.name == "accord.cases.models"]
        elif isinstance(item, ast.ImportFrom):
            module = item.module or ""
            relative_models = in_cases and item.level >= 1 and module in ("models", "")
            if module == "accord.cases.models" or relative_models:
                hits += [
                    (a.asname or a.name, item.lineno)
                    for a in item.names
                    if a.name.lower() in CASE_DATA_MODELS or a.name == "models"
                ]
            elif module in ("accord.cases",) or (in_cases and item.level == 1 and not module):
                hits += [
                    (a.asname or a.name, item.lineno) for a in item.names if a.name == "models"
                ]
    return hits


def _only_in_annotations(tree: ast.AST, name: str) -> bool:
    annotation_ids: set[int] = set()
    for item in ast.walk(tree):
        annotations = []
        if (isinstance(item, ast.arg) and item.annotation is not None) or isinstance(
            item, ast.AnnAssign
        ):
            annotations.append(item.annotation)
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.returns:
            annotations.append(item.returns)
        for annotation in annotations:
            annotation_ids.update(id(n) for n in ast.walk(annotation))
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
    return all(id(n) in annotation_ids for n in uses)


#: Names that mark a query as one over case data: the models, their relations, lookups.
CASE_TOKENS = re.compile(
    r"\b(?:"
    + "|".join(
        sorted(
            {kind for kind in REGISTRY}
            | {f"{kind}s" for kind in REGISTRY}
            | {"participants", "case", "cases", "case_id"}
        )
    )
    + r")\b|case__|\bCase\w*|PotentialVictim|Suspect|Task\b|Referral|Operation|Placement|"
    r"InterpreterRequest|ImmigrationRelief|ChargingRecord|SafetyAssessment|ResponsePlan",
    re.IGNORECASE,
)
BULK_READS = frozenset({"values", "values_list", "raw", "extra"})


def _raw_reads(tree: ast.AST) -> list[tuple[str, int]]:
    """(what, line) for each bulk read over case data and each piece of SQL."""
    hits: list[tuple[str, int]] = []
    for item in ast.walk(tree):
        if not isinstance(item, ast.Call):
            continue
        func = item.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("cursor", "RawSQL"):
            hits.append((f"SQL ({name})", item.lineno))
        elif isinstance(func, ast.Attribute) and name in BULK_READS:
            text = ast.unparse(func.value) + " " + " ".join(ast.unparse(a) for a in item.args)
            if CASE_TOKENS.search(text):
                hits.append((f".{name}() over case data", item.lineno))
    return hits


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(ROOT.parent)
    return [
        f"{where}:{line} imports {name}"
        for name, line in _imports_case_models(tree, path)
        if not _only_in_annotations(tree, name)
    ] + [f"{where}:{line} reads {what}" for what, line in _raw_reads(tree)]


def test_display_code_reads_case_data_only_through_the_door() -> None:
    modules = display_modules()
    assert any(p.name == "views.py" and p.parent.name == "cases" for p in modules)
    # the case views are split by concept (views_records.py, views_tasks.py ...): each is scanned
    assert any(p.name == "views_records.py" and p.parent.name == "cases" for p in modules)
    assert any(p.parent.name == "sharing" and p.name == "selectors.py" for p in modules)
    assert not any("door" in p.parts for p in modules)
    found = [v for path in modules for v in violations(path)]
    assert not found, "Display code must read case data through accord.sharing.door:\n" + "\n".join(
        found
    )


def test_the_scan_catches_a_view_querying_case_models(tmp_path) -> None:
    """The scan can fail: a view importing a case model is reported."""
    fake = ROOT / "cases" / "views.py"
    source = "from .models import PotentialVictim\n\ndef page(r):\n    return PotentialVictim.objects.all()\n"
    tree = ast.parse(source)
    hits = [n for n, _ in _imports_case_models(tree, fake) if not _only_in_annotations(tree, n)]
    assert hits == ["PotentialVictim"]
    absolute = ast.parse("from accord.cases.models import Case\nx: Case\n")
    assert [
        n
        for n, _ in _imports_case_models(absolute, ROOT / "web" / "views.py")
        if not _only_in_annotations(absolute, n)
    ] == []


def test_the_scan_catches_bulk_reads_and_sql_over_case_data() -> None:
    """The scan can fail: values(), values_list(), raw() and SQL over case data are reported;
    a bulk read of something else (the directory) is not."""
    source = """
def labels(viewer, ids):
    rows = visible(viewer).filter(potentialvictims__pk__in=ids).values_list("number")
    other = case.participants.values("agency_id")
    raw = Case.objects.raw("select * from cases_case")
    with connection.cursor() as cursor:
        pass
    fine = Service.objects.filter(slug="x").values_list("pk", flat=True)
    return rows, other, raw, fine
"""
    hits = [what for what, _ in _raw_reads(ast.parse(source))]
    assert hits == [
        ".values_list() over case data",
        ".values() over case data",
        ".raw() over case data",
        "SQL (cursor)",
    ]
