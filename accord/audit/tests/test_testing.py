"""``assert_audited`` finds the event a test names and, when it is missing, says what was written."""

from __future__ import annotations

import pytest

from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.audit.testing import assert_audited, audit_mark

pytestmark = pytest.mark.django_db


def test_it_returns_the_newest_matching_event():
    audit_record(event=AuditEventType.RECORD_CREATED, object_type="thing", object_id=1)
    audit_record(
        event=AuditEventType.RECORD_UPDATED, object_type="thing", object_id=1, fields=("b", "a")
    )
    event = assert_audited(
        AuditEventType.RECORD_UPDATED, object_type="thing", object_id=1, fields=["a", "b"]
    )
    assert event.event == "record_updated" and event.object_id == "1"


@pytest.mark.parametrize(
    "criteria",
    [
        {"object_type": "other"},
        {"object_id": 2},
        {"fields": ["a"]},
        {"outcome": "denied"},
        {"actor": 99},
    ],
)
def test_each_criterion_must_match_and_the_failure_lists_what_exists(criteria):
    audit_record(
        event=AuditEventType.RECORD_UPDATED, object_type="thing", object_id=1, fields=("a", "b")
    )
    with pytest.raises(AssertionError) as caught:
        assert_audited(AuditEventType.RECORD_UPDATED, **criteria)
    assert "record_updated object=thing:1" in str(caught.value)


def test_since_ignores_events_written_before_the_mark():
    audit_record(event=AuditEventType.RECORD_CREATED, object_type="thing", object_id=1)
    mark = audit_mark()
    with pytest.raises(AssertionError) as caught:
        assert_audited(AuditEventType.RECORD_CREATED, since=mark)
    assert "(none)" in str(caught.value)
    audit_record(event=AuditEventType.RECORD_CREATED, object_type="thing", object_id=2)
    assert assert_audited(AuditEventType.RECORD_CREATED, since=mark).object_id == "2"
