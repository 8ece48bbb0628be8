"""WSGI entry point: `accord serve` runs it under gunicorn (accord/runtime.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.dev")
application = get_wsgi_application()
