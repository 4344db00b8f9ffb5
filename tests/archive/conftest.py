"""The application scenarios use the ``app`` and ``staff`` fixtures of tests/conftest.py."""
