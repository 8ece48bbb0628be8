"""Checking course material uploads (S21): extension AND content, and size.

A file is accepted only when its extension is on the list and its first bytes
(or, for Office files, its zip directory) match that extension. The size limit is
the setting ``ACCORD_TRAINING_MATERIAL_MAX_BYTES`` (default 10 MB).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from accord.errors import ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

#: extension -> (checked kind, content type served on download)
ALLOWED: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "png": ("png", "image/png"),
    "jpg": ("jpg", "image/jpeg"),
    "jpeg": ("jpg", "image/jpeg"),
    "txt": ("txt", "text/plain; charset=utf-8"),
}

CONTENT_TYPES = {kind: content_type for kind, content_type in ALLOWED.values()}


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    original_name: str
    size: int


def max_bytes() -> int:
    return int(getattr(settings, "ACCORD_TRAINING_MATERIAL_MAX_BYTES", DEFAULT_MAX_BYTES))


def _zip_has(data: bytes, prefix: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(name.startswith(prefix) for name in names)


def _content_matches(kind: str, data: bytes) -> bool:
    if kind == "pdf":
        return data.startswith(b"%PDF-")
    if kind == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpg":
        return data.startswith(b"\xff\xd8\xff")
    if kind == "docx":
        return data.startswith(b"PK\x03\x04") and _zip_has(data, "word/")
    if kind == "pptx":
        return data.startswith(b"PK\x03\x04") and _zip_has(data, "ppt/")
    if kind == "txt":
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return False


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Accept the upload or raise a ``ValidationError`` that says what is wrong with it."""
    name = PurePath(upload.name or "").name[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(human)s; the limit is %(human2)s.")
            % {"name": name, "human": _human(upload.size or 0), "human2": _human(limit)},
            data={"field": "file", "limit": limit},
        )
    if extension not in ALLOWED:
        raise ValidationError(
            _(
                "“%(name)s” is not an accepted type. Accepted: PDF, Word (.docx), "
                "PowerPoint (.pptx), PNG, JPEG, plain text."
            )
            % {"name": name},
            data={"field": "file"},
        )
    kind = ALLOWED[extension][0]
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not _content_matches(kind, data):
        raise ValidationError(
            _("“%(name)s” does not contain what its .%(extension)s name says; it was refused.")
            % {"name": name, "extension": extension},
            data={"field": "file"},
        )
    return CheckedUpload(kind=kind, original_name=name, size=len(data))
