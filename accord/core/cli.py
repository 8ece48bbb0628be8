"""``accord protocol check|eval|export|import``: work on a protocol file alone.

No database and no Django: the top-level ``accord`` command delegates here
with the arguments after the word ``protocol``. Exit codes: 0 clean / done,
1 findings (``check``), 2 unreadable or invalid file, bad facts or bad usage.
JSON output shapes are documented in docs/protocol-format.md and kept stable.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from accord.core.errors import FactError, LoadError, ProtocolError
from accord.core.grouping import group_findings
from accord.core.limits import InputLimits, json_too_deep, too_deep_message, too_large_message
from accord.core.model import FactorKind, Interval, Protocol

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_INVALID = 2


def _process_age() -> float:
    """Seconds since this process started (Linux ``/proc``; 0 where unknown)."""
    try:
        stat = pathlib.Path("/proc/self/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
        uptime = float(pathlib.Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def process_started() -> float:
    """``time.perf_counter()`` at this process's start: a command line's budget counts the
    interpreter's start-up too. For the ``accord`` entry point only; a library call (tests, a
    long-running process) counts from its own call."""
    return time.perf_counter() - _process_age()


class _UsageError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # never sys.exit from a library
        raise _UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="accord protocol", description="Work on a protocol file.")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    check = verbs.add_parser("check", help="verify a protocol or DMN file: gaps, overlaps ...")
    check.add_argument("file")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--time-budget", type=float, default=10.0, help="seconds (default 10)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    evaluate = verbs.add_parser("eval", help="answer every decision for a set of facts")
    evaluate.add_argument("file")
    evaluate.add_argument("--fact", action="append", default=[], metavar="NAME=VALUE")
    evaluate.add_argument(
        "--facts", metavar="FACTS.json", help="a JSON object: input name -> value"
    )
    evaluate.add_argument("--format", choices=("text", "json"), default="text")

    export = verbs.add_parser("export", help="write the decision tables as DMN 1.5 XML")
    export.add_argument("file")
    export.add_argument("--dmn", required=True, metavar="OUT.dmn")
    export.add_argument("--decision", action="append", default=None, metavar="ID")

    importer = verbs.add_parser("import", help="convert DMN decision tables to the YAML format")
    importer.add_argument("file")
    importer.add_argument("-o", "--output", metavar="OUT.yaml", help="default: standard output")
    return parser


def _is_dmn(path: pathlib.Path) -> bool:
    if path.suffix.lower() in (".dmn", ".xml"):
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(64).lstrip().startswith(b"<")
    except OSError:
        return False


def read_protocol(path_text: str) -> Protocol:
    """A YAML protocol (the eight common questions required) or a DMN file."""
    path = pathlib.Path(path_text)
    if _is_dmn(path):
        from accord.core.dmn import load_dmn

        return load_dmn(path)
    from accord.core.load import load_protocol

    return load_protocol(path)


# -- check ---------------------------------------------------------------------------


class _Style:
    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text


def _use_colour(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from accord.core import verify

    protocol = read_protocol(args.file)
    # The budget covers starting up and reading the file too: it is the time the user waits.
    remaining = args.time_budget - (time.perf_counter() - args.started)
    report = verify.verify_protocol(protocol, time_budget=max(remaining, 0.0))
    if args.format == "json":
        json.dump(verify.report_to_json(report), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        style = _Style(enabled=_use_colour(args.color, out))
        _write_check_text(protocol, report, out, style)
    return EXIT_FINDINGS if report.findings else EXIT_CLEAN


def _write_check_text(protocol: Protocol, report: Any, out: TextIO, style: _Style) -> None:
    by_decision: dict[str, list[Any]] = {}
    for finding in report.findings:
        by_decision.setdefault(finding.decision, []).append(finding)
    title = protocol.title or protocol.id
    count = len(protocol.decisions)
    out.write(style(f"{title}", "1") + f" — {count} decision{'s' if count != 1 else ''} checked\n")
    if not report.complete:
        out.write(
            style("incomplete: the time budget ran out", "33")
            + " (--time-budget to give it longer); what was found so far:\n"
        )
    for decision_id in list(protocol.decisions) + [
        d for d in by_decision if d not in protocol.decisions
    ]:
        findings = by_decision.get(decision_id, [])
        label = decision_id or "protocol"
        if not findings:
            out.write(f"  {style('ok', '32')}  {label}\n")
            continue
        out.write(f"  {style(str(len(findings)), '31')}   {style(label, '1')}\n")
        # Grouped by the factor values most findings share; a few of each group listed
        # (--format json gives every one).
        for group in group_findings(findings, is_whole=lambda f, v: _is_whole(protocol, f, v)):
            colour = "31" if findings[group.members[0]].severity == "error" else "33"
            kind = style(f"{group.count} {group.kind}", colour)
            where = ", ".join(f"{f} {_region_text(v)}" for f, v in group.common.items())
            out.write(
                f"    {kind}"
                + (f" — all where {where}" if where and group.count > 1 else "")
                + "\n"
            )
            for index in group.members[:GROUP_LISTED]:
                finding = findings[index]
                rules = f" [{', '.join(finding.rules)}]" if finding.rules else ""
                out.write(f"      -{rules} {finding.message}\n")
                if finding.example:
                    example = ", ".join(f"{k}={_text(v)}" for k, v in finding.example.items())
                    out.write(f"        e.g. {example}\n")
            if group.count > GROUP_LISTED:
                more = group.count - GROUP_LISTED
                out.write(f"      … and {more} more like these (--format json lists all)\n")
    if "" in by_decision and "" not in protocol.decisions:
        pass
    summary = (
        style("clean: no gaps, overlaps or dead rules", "32")
        if not report.findings
        else style(
            f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}", "31"
        )
    )
    if report.omitted:
        summary += style(
            f"; {report.omitted_count} more not listed ("
            + ", ".join(
                f"{count} {kind}{'s' if count != 1 else ''} in {decision}"
                for (decision, kind), count in report.omitted.items()
            )
            + ")",
            "31",
        )
    if not report.complete:
        summary += style(" (time budget ran out: the report is incomplete)", "33")
    out.write(summary + "\n")


#: Findings listed per group in the text report (the JSON report lists every one).
GROUP_LISTED = 5


def _is_whole(protocol: Protocol, factor_id: str, value: Any) -> bool:
    factor = protocol.factors.get(factor_id)
    if factor is None:
        return False
    domain = factor.domain
    if isinstance(value, Interval):
        return (value.low <= domain.minimum if domain.minimum is not None else True) and (
            value.high >= domain.maximum if domain.maximum is not None else True
        )
    if isinstance(value, tuple | list | frozenset | set):
        everything = (True, False) if domain.kind is FactorKind.BOOLEAN else domain.values
        return bool(everything) and set(value) >= set(everything)
    return False


def _region_text(value: Any) -> str:
    if isinstance(value, Interval):
        return f"{'(' if value.low_open else '['}{value.low}..{value.high}{')' if value.high_open else ']'}"
    if isinstance(value, tuple | list | frozenset | set):
        return "in " + ", ".join(_text(item) for item in value)
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- eval ----------------------------------------------------------------------------


def _facts(args: argparse.Namespace) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if args.facts:
        limits = InputLimits.from_environ()
        path = pathlib.Path(args.facts)
        try:
            size = path.stat().st_size
            if size > limits.max_bytes:
                raise _UsageError(f"{args.facts}: {too_large_message(size, limits.max_bytes)}")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise _UsageError(f"cannot read facts file {args.facts}: {error}") from error
        deep_line = json_too_deep(text, limits.max_depth)
        if deep_line is not None:
            raise _UsageError(f"{args.facts}:{deep_line}: {too_deep_message(limits.max_depth)}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise _UsageError(
                f"{args.facts}:{error.lineno}:{error.colno}: not JSON: {error.msg}"
            ) from error
        if not isinstance(data, dict):
            raise _UsageError(f"{args.facts}: expected a JSON object of input name -> value")
        facts.update(data)
    for item in args.fact:
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            raise _UsageError(f"--fact {item!r}: expected NAME=VALUE")
        facts[name.strip()] = value.strip()
    return facts


def _eval(args: argparse.Namespace, out: TextIO) -> int:
    from accord.core.evaluate import evaluate_protocol, json_value

    protocol = read_protocol(args.file)
    evaluation = evaluate_protocol(protocol, _facts(args))
    if args.format == "json":
        json.dump(evaluation.to_json(), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_CLEAN
    for decision_id, result in evaluation.items():
        decision = protocol.decisions[decision_id]
        out.write(f"{decision_id}: {decision.question}\n")
        if result.needs:
            out.write(f"  needs: {', '.join(result.needs)}\n")
        elif result.error:
            out.write(f"  error: {result.error}\n")
        else:
            out.write(f"  answer: {json.dumps(json_value(result.result), ensure_ascii=False)}\n")
        out.write(f"  why: {result.explanation}\n")
        for how in result.how:
            out.write(f"  how: {how}\n")
    return EXIT_CLEAN


# -- export / import -----------------------------------------------------------------


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from accord.core.dmn import export_dmn

    protocol = read_protocol(args.file)
    unknown = [d for d in args.decision or () if d not in protocol.decisions]
    if unknown:
        raise _UsageError(f"unknown decision(s): {', '.join(unknown)}")
    text = export_dmn(protocol, args.decision)
    pathlib.Path(args.dmn).write_text(text, encoding="utf-8")
    out.write(f"wrote {len(args.decision or protocol.decisions)} decision table(s) to {args.dmn}\n")
    return EXIT_CLEAN


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from accord.core.dmn import load_dmn
    from accord.core.dump import dump_protocol

    protocol = load_dmn(pathlib.Path(args.file))
    beyond_yaml = [d.id for d in protocol.decisions.values() if d.expression or d.requires]
    if beyond_yaml:  # the YAML format holds tables over the protocol's own factors only
        raise _UsageError(
            f"{args.file}: {', '.join(beyond_yaml)} "
            f"{'is a literal expression or reads' if len(beyond_yaml) == 1 else 'are literal expressions or read'}"
            " another decision, which a YAML protocol cannot hold; check and eval read the DMN file directly"
        )
    text = dump_protocol(protocol)
    if args.output:
        pathlib.Path(args.output).write_text(text, encoding="utf-8")
        out.write(f"wrote {len(protocol.decisions)} decision table(s) to {args.output}\n")
    else:
        out.write(text)
    return EXIT_CLEAN


VERBS = {"check": _check, "eval": _eval, "export": _export, "import": _import}


def main(
    argv: Sequence[str],
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    started: float | None = None,
) -> int:
    """Run ``accord protocol VERB ...``; returns the exit code, never raises.

    ``started`` (a ``time.perf_counter()`` value) is when the user started waiting: the
    ``check`` budget counts from it (default: now).
    """
    started = time.perf_counter() if started is None else started
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = _parser().parse_args(list(argv))
        args.started = started
        return VERBS[args.verb](args, out)
    except _UsageError as error:
        err.write(f"{error.message}\n")
        return EXIT_INVALID
    except LoadError as error:
        if getattr(args, "format", "text") == "json":
            json.dump({"errors": [issue.to_json() for issue in error.issues]}, out, indent=2)
            out.write("\n")
        err.write(f"{error.message}\n")
        return EXIT_INVALID
    except FactError as error:
        err.write("invalid facts:\n" + "".join(f"  {p}\n" for p in error.problems))
        return EXIT_INVALID
    except ProtocolError as error:
        err.write(f"{error.message}\n")
        return EXIT_INVALID
    except OSError as error:
        err.write(f"cannot write: {error}\n")
        return EXIT_INVALID


__all__ = ["EXIT_CLEAN", "EXIT_FINDINGS", "EXIT_INVALID", "main", "read_protocol"]
