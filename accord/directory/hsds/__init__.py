"""Open Referral HSDS 3.0 interchange: read, check, write and export directory documents.

Import accepts the shapes of the HSDS examples: a single organization, a single
service (with its ``organization`` nested or an ``organization_id``), a list of
either, or a paged list (``{"contents": [...]}``). A document is first checked
completely (JSON syntax, the official compiled schema, then Accord's own rules:
ISO 639 language codes, age ranges, duplicate ids, Accord vocabularies) and only
a clean document is written, inside one transaction (S24).

Accord keeps what HSDS has no field for (slug, service types, eligibility by
gender, citizenship and trafficking type, 24/7 lines, shelter capacity,
confidential locations, verification of organizations, jurisdictions) as HSDS
``attributes`` whose taxonomy term is in the ``accord`` taxonomy, so an export
re-imports without loss. HSDS fields Accord does not model are counted and
reported, never silently dropped.

The package, by step: ``schema`` (the official schema, Accord's attribute taxonomy, limits,
stable ids, an import's problems and report), ``reading``, ``checking``, ``writing`` and
``exporting``. The names the directory app uses are importable from here.
"""

from .checking import check_document
from .exporting import ExportSummary, export_organizations
from .reading import ParsedDocument, read_bytes, read_path
from .schema import (
    DirectoryImportError,
    ImportReport,
    import_limits,
    schema_errors,
    stable_id,
)
from .writing import WriteContext, write_items

__all__ = [
    "DirectoryImportError",
    "ExportSummary",
    "ImportReport",
    "ParsedDocument",
    "WriteContext",
    "check_document",
    "export_organizations",
    "import_limits",
    "read_bytes",
    "read_path",
    "schema_errors",
    "stable_id",
    "write_items",
]
