"""Prometheus metrics of the service, served at ``/metrics`` (text exposition format).

One registry of the service's own (not the library's global one), so every app built in a
process — the tests build many — counts into the same collectors without registering twice.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

CONSOLE_LOGIN_FAILURES = Counter(
    "dossier_console_login_failures",
    "Refused sign-ins at the web console, by reason (unknown_staff_no is recorded nowhere else).",
    labelnames=["reason"],
    registry=REGISTRY,
)
CONSOLE_LOGINS = Counter(
    "dossier_console_logins", "Sign-ins at the web console.", registry=REGISTRY
)


def exposition() -> tuple[bytes, str]:
    """The metrics as Prometheus reads them, and their content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
