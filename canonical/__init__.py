"""Canonical JSON: the one place the archive turns an object into the bytes it hashes or signs.

Three forms, because three kinds of bytes were already hashed or stored before this module
existed and must keep their hashes. All three sort keys and keep non-ASCII characters as
themselves (UTF-8), never as ``\\u`` escapes:

``canonical_json``
    No whitespace. The form a rule set is hashed and recorded in (its ``version`` is the
    SHA-256 of this text) and a checkpoint is written in. Values JSON has no type for raise
    ``TypeError``; a float NaN or infinity is written ``NaN`` / ``Infinity``, as the standard
    library writes it, because a rule set holding one was hashed that way.
``bundle_json``
    The same bytes wherever ``canonical_json`` accepts the object, encoded as UTF-8: the files of
    an audit bundle (``docs/integrity.md``). An auditor's JSON reader may refuse ``NaN``, so it
    is refused here; any other value JSON lacks (a UUID, a date, a Decimal) is written as its
    ``str()``.
``fingerprint_json``
    Keys sorted but with the standard library's default spacing (``", "`` and ``": "``), values
    JSON lacks as ``str()``: the text an idempotency receipt's fingerprint hashes. Receipts
    recorded in the log hold those hashes, and a client retrying a request after an upgrade
    must still be recognised, so this form cannot lose its spaces.

The standalone verifier (``dossier_verify``) never writes JSON, only reads it, so it needs no
copy of this module: it imports nothing of the project by design.

Standard library only; imports nothing of the project, so every layer may use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

COMPACT = (",", ":")
"""Separators of the compact forms: no whitespace anywhere."""

SPACED = (", ", ": ")
"""Separators of ``fingerprint_json``: the standard library's default."""


def _dumps(
    obj: Any,
    *,
    separators: tuple[str, str],
    default: Callable[[Any], Any] | None,
    allow_nan: bool,
) -> str:
    return json.dumps(
        obj,
        sort_keys=True,
        separators=separators,
        ensure_ascii=False,
        allow_nan=allow_nan,
        default=default,
    )


def canonical_json(obj: Any) -> str:
    """Keys sorted, no whitespace, UTF-8 text: the form rule sets and checkpoints are kept in."""
    return _dumps(obj, separators=COMPACT, default=None, allow_nan=True)


def bundle_json(obj: Any) -> bytes:
    """``canonical_json`` as UTF-8 bytes, refusing NaN and writing other non-JSON values as text."""
    return _dumps(obj, separators=COMPACT, default=str, allow_nan=False).encode("utf-8")


def fingerprint_json(obj: Any) -> str:
    """Keys sorted, default spacing, non-JSON values as text: what a request fingerprint hashes."""
    return _dumps(obj, separators=SPACED, default=str, allow_nan=True)


__all__ = ["bundle_json", "canonical_json", "fingerprint_json"]
