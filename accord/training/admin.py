"""No admin: django.contrib.admin is not installed, and every change of the catalog,
sessions, attendance or certificates goes through ``accord.training.services``."""
