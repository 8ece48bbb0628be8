"""One door for reads (DESIGN.md section 3): display code never imports case models.

An AST scan of every module that renders or sends case data (views, API modules,
exports, reports, notifications, template tags, context processors, feeds) fails on
any import of a case-data model (a model the field registry classifies, or the case
participants) outside ``accord/cases/selectors.py`` and ``accord/sharing/``. Choice
enums (``IncidentKind``...) are fine; a model named only in type annotations is fine.
Services (writes), migrations and tests are not display code and are not scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

from accord.cases.fields import REGISTRY

ROOT = Path(__file__).resolve().parents[2]  # the accord package
CASE_DATA_MODELS = {name for name in REGISTRY} | {"caseparticipant"}
DISPLAY_NAMES = ("views.py", "notifications.py", "context_processors.py", "feeds.py")
DISPLAY_PARTS = ("views", "api", "exports", "reports", "templatetags")


def display_modules() -> list[Path]:
    found = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        parts = relative.parts
        if "migrations" in parts or "tests" in parts or parts[0] == "sharing":
            continue
        if relative == Path("cases/selectors.py"):
            continue
        stem = path.name
        if (
            stem in DISPLAY_NAMES
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


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(ROOT.parent)}:{line} imports {name}"
        for name, line in _imports_case_models(tree, path)
        if not _only_in_annotations(tree, name)
    ]


def test_display_code_reads_case_data_only_through_the_door() -> None:
    modules = display_modules()
    assert any(p.name == "views.py" and p.parent.name == "cases" for p in modules)
    found = [v for path in modules for v in violations(path)]
    assert not found, (
        "Display code must read case data through accord.cases.selectors:\n" + "\n".join(found)
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
