"""The garbage collector of a serving process: the objects of start-up frozen.

Python's cyclic garbage collector now and then walks every tracked object of the process
(a full collection). After Django starts, a web process holds about 115,000 such objects
(modules, classes, URL patterns, translations) that live as long as the process; walking
them cost 120-160 ms of CPU and fell on about one in seven of the guided editor's saves
(``bench/bench_editor.py``). :func:`prepare_to_serve`, called once
after start-up and before the first request, does what Instagram's write-up on Django
under uWSGI/gunicorn describes:

- it loads what the first request would load anyway (the URL patterns, and with them every
  view module), then ``gc.freeze()`` moves every object alive at that moment into a
  permanent generation the collector never walks again (``ACCORD_GC_FREEZE``). Under
  gunicorn with ``--preload`` this runs in the master before it forks its workers, so the
  workers inherit the frozen generation and do not write to those pages (copy on write);
- it sets the collector's thresholds when ``ACCORD_GC_THRESHOLD`` gives them (three
  numbers, as for ``gc.set_threshold``). By default Python's own are kept: on the guided
  editor's save a larger young generation (2,000 to 50,000 objects instead of 700) made the
  request itself slower (the young objects no longer fit the processor's caches) and its
  occasional collections longer, while the frozen start-up objects already took most of
  the full collections' cost away (docs/performance.md).

Objects made after start-up are collected as before. A frozen object is still freed when
its last reference goes; only a reference cycle among frozen objects would stay (start-up
objects live as long as the process, and garbage is collected once before freezing).
Both settings are read from the environment (``docs/operations.md``);
``ACCORD_GC_FREEZE=false`` leaves the collector as Python starts it.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass


@dataclass(frozen=True)
class Collector:
    """What :func:`prepare_to_serve` did: objects frozen and the thresholds now in force."""

    frozen: int
    threshold: tuple[int, int, int]


def prepare_to_serve() -> Collector:
    """Freeze the objects of start-up and set the collector's thresholds, as configured.

    Call it once Django is set up (``django.setup()``, as the WSGI module does), before the
    first request: in ``accord/wsgi.py`` for the web server.
    """
    from django.conf import settings
    from django.urls import get_resolver

    # What the first request would import (every view module, through the URL patterns).
    get_resolver().url_patterns  # noqa: B018  # loading them is the point
    threshold = settings.ACCORD_GC_THRESHOLD
    if threshold:
        gc.set_threshold(*threshold)
    if settings.ACCORD_GC_FREEZE:
        gc.collect()  # what is garbage now is not frozen for the life of the process
        gc.freeze()
    return Collector(frozen=gc.get_freeze_count(), threshold=gc.get_threshold())
