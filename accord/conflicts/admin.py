"""No admin: django.contrib.admin is not installed, and every change of a disagreement
must go through ``accord.conflicts.services`` (validation, audit, notifications)."""
