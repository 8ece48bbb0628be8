"""The protocol core: model, loading, evaluation and DMN interchange.

Pure Python: importing it never imports Django.
"""

from __future__ import annotations

from accord.core.dmn import export_dmn, load_dmn
from accord.core.dump import dump_protocol
from accord.core.errors import (
    EvaluationError,
    FactError,
    LoadError,
    LoadIssue,
    ProtocolError,
    UnsupportedDMNError,
)
from accord.core.evaluate import (
    DecisionResult,
    ProtocolEvaluation,
    evaluate_decision,
    evaluate_protocol,
    validate_facts,
)
from accord.core.load import load_protocol, load_protocol_file, parse_condition
from accord.core.model import (
    ANY,
    COMMON_QUESTIONS,
    UNKNOWN,
    Aggregation,
    Condition,
    Deadline,
    Decision,
    Domain,
    Factor,
    FactorKind,
    HitPolicy,
    Interval,
    OutputDef,
    OutputKind,
    Protocol,
    Rule,
    SharingRule,
)

__all__ = [
    "ANY",
    "COMMON_QUESTIONS",
    "UNKNOWN",
    "Aggregation",
    "Condition",
    "Deadline",
    "Decision",
    "DecisionResult",
    "Domain",
    "EvaluationError",
    "FactError",
    "Factor",
    "FactorKind",
    "HitPolicy",
    "Interval",
    "LoadError",
    "LoadIssue",
    "OutputDef",
    "OutputKind",
    "Protocol",
    "ProtocolError",
    "ProtocolEvaluation",
    "Rule",
    "SharingRule",
    "UnsupportedDMNError",
    "dump_protocol",
    "evaluate_decision",
    "evaluate_protocol",
    "export_dmn",
    "load_dmn",
    "load_protocol",
    "load_protocol_file",
    "parse_condition",
    "validate_facts",
]
