"""Reading DMN XML safely: encodings, no DTD, bounded size and depth.

A DMN file's bytes are decoded by their byte order mark or XML declaration,
scanned once with expat to refuse a ``<!DOCTYPE>`` and over-deep nesting
(naming the line), then parsed with defusedxml: no entities, no external
references (:mod:`accord.core.limits` sets the bounds).
"""

from __future__ import annotations

import codecs
import pathlib
import re
import xml.etree.ElementTree as ET  # the element type only; parsing uses defusedxml
from xml.parsers import expat

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from accord.core.errors import LoadError, LoadIssue, UnsupportedDMNError
from accord.core.limits import InputLimits, too_deep_message, too_large_message
from accord.core.load import read_source

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
DMN15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"
FEEL15 = "https://www.omg.org/spec/DMN/20230324/FEEL/"

_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def local_name(tag: str) -> str:
    """An element's tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _read_xml_file(path: pathlib.Path, filename: str | None, *, max_bytes: int) -> tuple[str, str]:
    """A DMN file's text decoded by its byte order mark or XML declaration (UTF-8 by default).

    DMN tools write ISO-8859-1, windows-1252 or UTF-16 as well as UTF-8; the declaration
    says which. An unknown encoding or bytes that do not decode name the line.
    """
    name = filename or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                [LoadIssue(name, 1, 1, too_large_message(size, max_bytes), "a smaller file")],
                code="input_too_large",
            )
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(
            [LoadIssue(name, 1, 1, f"cannot read the file: {error}", "a readable DMN file")],
            code="protocol_unreadable",
        ) from error
    encoding = "utf-8"
    for bom, bom_encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            encoding = bom_encoding
            break
    else:
        declared = _XML_ENCODING.match(data)
        if declared:
            encoding = declared.group(1).decode("ascii")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise LoadError(
            [
                LoadIssue(
                    name,
                    1,
                    1,
                    f"the XML declaration names the encoding {encoding!r}, which is not known",
                    "UTF-8, UTF-16, ISO-8859-1, windows-1252 or another standard encoding",
                )
            ]
        ) from None
    try:
        return data.decode(encoding), name
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LoadError(
            [
                LoadIssue(
                    name,
                    line,
                    1,
                    f"the bytes at line {line} are not {encoding} text, as the file declares",
                    "the file saved in the encoding its XML declaration names",
                )
            ]
        ) from error


def _redeclare_utf8(text: str) -> str:
    """``text`` with its XML declaration's encoding, if any, replaced by UTF-8."""
    text = text.removeprefix("\ufeff")
    if not text.startswith("<?xml"):
        return text
    end = text.find("?>")
    if end < 0:
        return text
    declaration = re.sub(
        r"""encoding\s*=\s*["'][^"']*["']""", 'encoding="UTF-8"', text[:end], count=1
    )
    return declaration + text[end:]


class _Refused(Exception):
    def __init__(self, line: int, column: int, message: str, expected: str) -> None:
        super().__init__(message)
        self.issue = (line, column, message, expected)


def _prescan(data: bytes, *, name: str, max_depth: int) -> None:
    """Refuse a DTD and over-deep nesting before the tree is built, naming the line.

    A streaming pass with expat: no tree, no recursion; it stops at the
    ``<!DOCTYPE`` (before any entity is declared) or at the first element
    deeper than ``max_depth``. Malformed XML is left to the real parse to describe.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def doctype(doctype_name: str, *_ignored: object) -> None:
        raise _Refused(
            parser.CurrentLineNumber,
            1,
            f"a DTD (<!DOCTYPE {doctype_name}>) is refused: DMN files carry no DTD, "
            "entities or external references",
            "plain DMN XML without <!DOCTYPE>",
        )

    def start(tag: str, _attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise _Refused(
                parser.CurrentLineNumber,
                parser.CurrentColumnNumber + 1,
                f"<{local_name(tag)}> is {too_deep_message(max_depth)}",
                f"at most {max_depth} levels of elements",
            )

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        line, column, message, expected = refused.issue
        raise UnsupportedDMNError([LoadIssue(name, line, column, message, expected)]) from None
    except expat.ExpatError:
        return  # the parse below reports malformed XML with its position


def read_dmn_xml(
    source: str | pathlib.Path, *, filename: str | None, limits: InputLimits
) -> tuple[str, str, ET.Element]:
    """(decoded text, file name for messages, root element) of a DMN file or DMN XML text.

    Raises :class:`UnsupportedDMNError` for a DTD or over-deep nesting,
    :class:`LoadError` for an unreadable, too large or malformed file.
    """
    if isinstance(source, pathlib.Path):
        text, name = _read_xml_file(source, filename, max_bytes=limits.max_bytes)
    else:
        text, name = read_source(source, filename, max_bytes=limits.max_bytes, kind="DMN")
    # The text is decoded now: say so, or the parser would decode UTF-8 bytes as declared.
    data = _redeclare_utf8(text).encode("utf-8")
    _prescan(data, name=name, max_depth=limits.max_depth)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except ET.ParseError as error:
        line, column = getattr(error, "position", (1, 0))
        raise LoadError(
            [LoadIssue(name, line, column + 1, f"malformed XML: {error}", "well-formed DMN XML")]
        ) from error
    except DefusedXmlException as error:
        raise UnsupportedDMNError(
            [
                LoadIssue(
                    name,
                    1,
                    1,
                    f"unsupported DMN construct: {type(error).__name__} (DTDs and entities are refused)",
                    "plain DMN XML",
                )
            ]
        ) from error
    if local_name(root.tag) != "definitions":
        raise LoadError(
            [
                LoadIssue(
                    name, 1, 1, f"the root element is <{local_name(root.tag)}>", "<definitions>"
                )
            ]
        )
    return text, name, root


__all__ = ["DMN15", "DMN_NAMESPACES", "FEEL15", "local_name", "read_dmn_xml"]
