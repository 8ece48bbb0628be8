"""The web server's garbage collector: start-up objects frozen before the first request."""

from __future__ import annotations

import gc
import importlib
import sys

import pytest
from django.test import override_settings

from accord import memory


@pytest.fixture
def collector_restored():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_serving_freezes_the_objects_of_start_up_and_sets_the_thresholds(collector_restored):
    with override_settings(ACCORD_GC_FREEZE=True, ACCORD_GC_THRESHOLD=(900, 11, 12)):
        prepared = memory.prepare_to_serve()
    assert prepared.frozen > 10_000 and gc.get_freeze_count() > 10_000  # Django's, Accord's
    assert gc.get_threshold() == prepared.threshold == (900, 11, 12)
    gc.unfreeze()
    with override_settings(ACCORD_GC_FREEZE=False, ACCORD_GC_THRESHOLD=None):
        untouched = memory.prepare_to_serve()
    assert untouched.frozen == gc.get_freeze_count() == 0
    assert untouched.threshold == (900, 11, 12)  # left as it was


def test_the_wsgi_application_prepares_the_collector_once_django_is_set_up(monkeypatch):
    calls: list[bool] = []

    def prepare() -> memory.Collector:
        from django.apps import apps

        calls.append(apps.ready)
        return memory.Collector(frozen=0, threshold=gc.get_threshold())

    monkeypatch.setattr(memory, "prepare_to_serve", prepare)
    monkeypatch.delitem(sys.modules, "accord.wsgi", raising=False)
    importlib.import_module("accord.wsgi")
    assert calls == [True]
