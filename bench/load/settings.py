"""Settings for the load test's server: the demo's settings on SQLite or, with DATABASE_URL, on
PostgreSQL (connections kept 60 s, as in production). Never for real data: the demo's keys."""

from __future__ import annotations

import os

import dj_database_url

from accord.settings.dev import *  # noqa: F403

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
