"""Standalone, offline verifier of Dossier audit bundles (BagIt bags), standard library only.

An auditor receives a bag written by ``dossier bundle`` and this package, and nothing else::

    python -m dossier_verify BAG_DIRECTORY_OR_ZIP --key BANK_KEY [--json]

It checks what docs/integrity.md specifies: the bag's manifests (RFC 8493); every event's leaf
entry rebuilt from its JSON and raw state bytes, and its RFC 9162 inclusion proof against the
checkpoint's root; the checkpoint's Ed25519 signature (RFC 8032) with the key named by its
``key_id``; each document's SHA-256 against the stored state of the event that filed it; and,
from bundle version 3, the archive's signed statement under the pinned key, which shows the bag
whole: every aggregate's events 1..N, every file as issued.

It imports nothing but the standard library, and nothing of the rest of the project: it has its
own Ed25519 and Merkle code, so a bug in what wrote the bag is not repeated by what checks it.
"""

from __future__ import annotations

from dossier_verify.cli import UsageError, main, verify_path
from dossier_verify.report import Problem, Report

__all__ = ["Problem", "Report", "UsageError", "main", "verify_path"]
