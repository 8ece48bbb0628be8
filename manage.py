#!/usr/bin/env python
"""Django's command-line utility, kept for operators; `accord` is the friendlier door."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.dev")
    from django.core.management import execute_from_command_line

    from accord.errors import AccordError

    try:
        execute_from_command_line(sys.argv)
    except AccordError as error:  # e.g. a missing production secret: a sentence, not a traceback
        print(f"accord: {error.message}", file=sys.stderr)
        sys.exit(2)
