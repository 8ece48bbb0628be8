"""Settings: ``base`` shared, ``dev`` for the demo, ``test`` for the suite, ``production``."""
