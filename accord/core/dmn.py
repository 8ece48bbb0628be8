"""DMN 1.3-1.5 decisions in and out, so tables can be edited in DMN tools.

Import reads decision tables whose cells are simple unary tests (the same
grammar the YAML format uses), input and output values, item definitions
with allowed values, default output entries and every hit policy; decisions
whose logic is a literal expression in a FEEL subset (:mod:`accord.core.feel`);
and information requirements, so decisions may read other decisions' answers.
Anything else (contexts, business knowledge models, decision services,
structured inputs, FEEL beyond the subset, decisions requiring each other in a
ring) is refused with an issue naming the construct. XML is parsed with defusedxml: no DTD (a
``<!DOCTYPE>`` of any kind is refused, naming its line), no entities, no
external references; the file's size and element depth are limited
(:mod:`accord.core.limits`).

Export writes DMN 1.5 XML that this importer (and DMN modelers) read back.

The work is split by concept: :mod:`accord.core.dmn_read` (safe XML reading),
:mod:`accord.core.dmn_tables` (decision tables into the model),
:mod:`accord.core.dmn_literal` (literal expressions and requirements) and
:mod:`accord.core.dmn_export` (the model out as DMN); this module keeps the
public names.
"""

from __future__ import annotations

import pathlib

from accord.core.dmn_export import condition_to_feel, export_dmn
from accord.core.dmn_read import DMN15, DMN_NAMESPACES, FEEL15, read_dmn_xml
from accord.core.dmn_tables import DMNImporter
from accord.core.errors import LoadError, UnsupportedDMNError
from accord.core.limits import InputLimits
from accord.core.model import Protocol


def load_dmn(
    source: str | pathlib.Path,
    *,
    filename: str | None = None,
    limits: InputLimits | None = None,
) -> Protocol:
    """Import the decision tables of a DMN file (path) or DMN XML text.

    The eight-common-questions requirement does not apply: a DMN file holds
    decision tables and literal-expression decisions only. Raises :class:`UnsupportedDMNError` naming any
    construct Accord does not interpret (a DTD among them), :class:`LoadError`
    otherwise. ``limits`` bounds the file's size and element depth (default:
    the environment's, see :mod:`accord.core.limits`).
    """
    limits = limits or InputLimits.from_environ()
    text, name, root = read_dmn_xml(source, filename=filename, limits=limits)
    importer = DMNImporter(text, name)
    importer.ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    protocol = importer.definitions(root)
    if importer.issues or protocol is None:
        error_type = UnsupportedDMNError if importer.unsupported else LoadError
        raise error_type(importer.issues)
    return protocol


__all__ = [
    "DMN15",
    "DMN_NAMESPACES",
    "FEEL15",
    "condition_to_feel",
    "export_dmn",
    "load_dmn",
]
