"""The demo has open disagreements at different levels and decided ones."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_demo_disagreements_span_levels_and_outcomes():
    from accord.conflicts.models import Disagreement
    from accord.demo import load_demo

    load_demo()
    rows = list(Disagreement.objects.filter(task_force__slug="example-county"))
    open_levels = sorted(d.current_level for d in rows if d.status == "open")
    assert open_levels == [1, 2, 3]
    assert {d.status for d in rows} == {"open", "resolved", "withdrawn"}
    resolved = [d for d in rows if d.status == "resolved"]
    assert sorted(d.decided_at_level or 0 for d in resolved) == [1, 2]
    assert any(d.amendment_id for d in resolved)
    assert all(d.events.exists() for d in rows)
