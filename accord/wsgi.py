"""WSGI entry point: `accord serve` runs it under gunicorn (accord/runtime.py).

With gunicorn's ``--preload`` this module is imported once, in the master, before it forks
the web processes: Django is set up, then the garbage collector is prepared for serving
(``accord.memory``: the start-up objects frozen), and every web process inherits both.
"""

import os

from django.core.wsgi import get_wsgi_application

from accord import memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.dev")
application = get_wsgi_application()
collector = memory.prepare_to_serve()
