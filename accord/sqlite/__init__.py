"""Django's SQLite backend, with writers queued in turn inside one process (issue 15)."""
