"""Signed checkpoints (签名检查点) of the Merkle log: body, signature, JSON.

A checkpoint commits to the first ``tree_size`` leaves of the log. Its body, the bytes that are
signed with Ed25519, is (``docs/integrity.md``; every line ends in ``\\n``)::

    dossier-checkpoint/v1
    <origin>
    <tree_size>
    <root_hash, standard padded base64>
    <timestamp, RFC 3339 UTC in whole seconds, e.g. 2026-11-22T23:50:00Z>

and it is stored or exported as JSON: ``{"key_id", "origin", "root_hash", "signature",
"timestamp", "tree_size"}``, written canonically here (keys sorted, no whitespace, UTF-8).

Where copies of checkpoints are kept outside the database: ``storage.witness``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from canonical import canonical_json
from storage.merkle import HASH_SIZE
from storage.signing import SIGNATURE_SIZE, PublicKey, Signer

BODY_HEADER: Final = "dossier-checkpoint/v1"
"""The first line of every checkpoint body: the format and its version."""

TIMESTAMP_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_FIELDS: Final = ("origin", "tree_size", "root_hash", "timestamp", "key_id", "signature")


class CheckpointFormatError(ValueError):
    """Raised when a checkpoint's fields or JSON are not as ``docs/integrity.md`` specifies."""


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC, whole seconds: ``2026-11-22T23:50:00Z``."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """The UTC-aware time of a timestamp written as ``format_timestamp`` writes it."""
    if not isinstance(text, str) or not _TIMESTAMP.fullmatch(text):
        raise CheckpointFormatError(
            f"timestamp {text!r} is not RFC 3339 UTC like {TIMESTAMP_FORMAT}"
        )
    try:
        return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise CheckpointFormatError(f"timestamp {text!r} is not a valid date and time") from None


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes, timestamp: datetime) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    lines = (
        BODY_HEADER,
        origin,
        str(tree_size),
        base64.b64encode(root_hash).decode("ascii"),
        format_timestamp(timestamp),
    )
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def check_origin(origin: str) -> str:
    """``origin`` unchanged if it can be a log's name (one printable line); else an error."""
    if not isinstance(origin, str) or not origin or not origin.isprintable():
        raise CheckpointFormatError(f"origin {origin!r} must be a non-empty printable line")
    if origin != origin.strip():
        raise CheckpointFormatError(f"origin {origin!r} must not begin or end with spaces")
    return origin


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the log's first ``tree_size`` leaves have root ``root_hash``."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime
    """UTC-aware, whole seconds: the body carries no fraction."""
    key_id: str
    signature: bytes

    def __post_init__(self) -> None:
        check_origin(self.origin)
        if type(self.tree_size) is not int or self.tree_size < 0:
            raise CheckpointFormatError(f"tree size {self.tree_size!r} is not a natural number")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise CheckpointFormatError(f"root hash is not {HASH_SIZE} bytes")
        moment = self.timestamp
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise CheckpointFormatError("timestamp must be a timezone-aware datetime")
        if moment.microsecond:
            raise CheckpointFormatError("timestamp must be in whole seconds")
        object.__setattr__(self, "timestamp", moment.astimezone(UTC))
        if not isinstance(self.key_id, str) or not _KEY_ID.fullmatch(self.key_id):
            raise CheckpointFormatError(f"key id {self.key_id!r} is not 16 lower-case hex digits")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise CheckpointFormatError(f"signature is not {SIGNATURE_SIZE} bytes")

    def body(self) -> bytes:
        """The signed bytes."""
        return checkpoint_body(self.origin, self.tree_size, self.root_hash, self.timestamp)

    def check(self, key: PublicKey) -> None:
        """Return if ``key`` is the checkpoint's key and its signature holds; else raise.

        ``BadSignatureError`` (from ``storage.signing``) when the signature does not verify,
        ``CheckpointFormatError`` when ``key`` has another key id.
        """
        if key.key_id != self.key_id:
            raise CheckpointFormatError(
                f"checkpoint of size {self.tree_size} is signed by key {self.key_id}, "
                f"not by key {key.key_id}"
            )
        key.check(self.body(), self.signature)

    def verify(self, key: PublicKey) -> bool:
        """Whether ``check`` accepts ``key``."""
        return self.key_id == key.key_id and key.verify(self.body(), self.signature)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``docs/integrity.md``."""
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": base64.b64encode(self.root_hash).decode("ascii"),
            "timestamp": format_timestamp(self.timestamp),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    def to_json_text(self) -> str:
        """Canonical JSON: keys sorted, no whitespace, non-ASCII kept as UTF-8."""
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        """The checkpoint of a JSON object; CheckpointFormatError if any field is wrong."""
        if not isinstance(data, Mapping):
            raise CheckpointFormatError("a checkpoint is a JSON object")
        missing = [name for name in _FIELDS if name not in data]
        if missing:
            raise CheckpointFormatError(f"checkpoint lacks {', '.join(missing)}")
        return cls(
            origin=data["origin"],
            tree_size=data["tree_size"],
            root_hash=_b64(data["root_hash"], "root_hash"),
            timestamp=parse_timestamp(data["timestamp"]),
            key_id=data["key_id"],
            signature=_b64(data["signature"], "signature"),
        )

    @classmethod
    def from_json_text(cls, text: str | bytes) -> Checkpoint:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise CheckpointFormatError("a checkpoint is not valid JSON") from None
        return cls.from_json(data)


def sign_checkpoint(
    signer: Signer, origin: str, tree_size: int, root_hash: bytes, timestamp: datetime
) -> Checkpoint:
    """A checkpoint of ``tree_size`` leaves with root ``root_hash``, signed by ``signer``.

    ``timestamp`` is cut to whole seconds (the body has no fraction).
    """
    moment = timestamp.astimezone(UTC).replace(microsecond=0)
    body = checkpoint_body(check_origin(origin), tree_size, root_hash, moment)
    return Checkpoint(origin, tree_size, root_hash, moment, signer.key_id, signer.sign(body))


def _b64(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise CheckpointFormatError(f"{name} is not a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        raise CheckpointFormatError(f"{name} is not standard base64") from None
