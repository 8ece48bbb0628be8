"""The label tables: every code a page shows has words, and the words read as a person expects."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from accord.audit.events import EVENTS, AuditEventType
from accord.core.model import Audience, FieldClass, Sector
from accord.protocols.words import ProtocolWords
from accord.sharing.policy import Reason
from accord.ui import labels


def test_every_audit_event_type_has_a_label():
    missing = [e.value for e in AuditEventType if e.value not in EVENTS]
    assert not missing, f"audit event types without a label in accord/audit/events.py: {missing}"


def test_the_audit_filter_lists_event_types_in_words():
    from accord.trail.forms import AuditFilterForm

    shown = [text for value, text in AuditFilterForm().fields["event"].choices if value]
    assert len(shown) == len(AuditEventType)
    assert "Case opened" in shown
    assert not [text for text in shown if "_" in text]


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (labels.REASONS, Reason),
        (labels.SECTORS, Sector),
        (labels.FIELD_CLASSES, FieldClass),
        (labels.AUDIENCES, Audience),
    ],
)
def test_every_code_of_an_enum_has_words(table, codes):
    assert {c.value for c in codes} <= set(table)


def test_a_reason_code_becomes_a_sentence():
    assert labels.reason_sentence("no_consent") == (
        "Not shared: no release names your agency for this."
    )
    assert "not_immigration_authorized" not in labels.reason_sentence("not_immigration_authorized")


def test_booleans_and_codes_read_as_words():
    assert labels.label(False) == "no" and labels.label(True) == "yes"
    assert labels.label("federal_case_agent") == "the federal case agent"
    assert labels.label("serving_provider") == "the serving provider"
    assert labels.label("interpreter_coordinator") == "Interpreter coordinator"
    assert labels.label("potentialvictim.legal_name") == "potential victim legal name"
    assert labels.label("Plain words stay") == "Plain words stay"


def _protocol():
    factor = SimpleNamespace(label="Citizenship or immigration status of the victim")
    decision = SimpleNamespace(
        outputs=(SimpleNamespace(name="agency", label=""), SimpleNamespace(name="by", label=""))
    )
    return SimpleNamespace(factors={"victim_citizenship": factor}, decisions={"lec": decision})


def test_a_plan_answer_names_agencies_and_speaks_of_yes_and_no():
    words = ProtocolWords(protocol=_protocol(), names={"riverton-pd": "Riverton Police Department"})
    answer = words.answer(
        {
            "decision": "lec",
            "rows": [{"agency": "riverton-pd", "by": "federal_case_agent", "coordinate": False}],
            "explanation": "Rule L5: victim_citizenship is foreign_national → riverton-pd",
            "needs": ["victim_citizenship"],
            "how": ["Call riverton-pd; coordinate: false"],
        }
    )
    assert answer["pairs"] == [
        [
            ("Agency", "Riverton Police Department"),
            ("By", "the federal case agent"),
            ("Coordinate", "no"),
        ]
    ]
    assert answer["explanation"] == (
        "Rule L5: Citizenship or immigration status of the victim is foreign national → "
        "Riverton Police Department"
    )
    assert answer["needs_labels"] == ["Citizenship or immigration status of the victim"]
    assert answer["how"] == ["Call Riverton Police Department; coordinate: no"]


def test_an_audience_reads_as_who_gets_it():
    words = ProtocolWords()
    assert words.row("x", {"audience": "serving_provider"}) == [
        ("Audience", "the serving provider only")
    ]
