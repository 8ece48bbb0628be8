"""Accord's REST API (``/api/v1/``): thin JSON operations over the same selectors and services
as the pages, signed in with the same session (password and second factor, S1)."""
