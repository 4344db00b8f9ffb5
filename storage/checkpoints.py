"""Signed checkpoints (签名检查点) of the Merkle log: C2SP signed notes, and the format before them.

A checkpoint commits to the first ``tree_size`` leaves of the log. Checkpoints are written as a
C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) inside a C2SP signed note
(https://c2sp.org/signed-note), so that standard tools (Go's ``golang.org/x/mod/sumdb/note``,
witnesses) read them; every line ends in ``\\n``::

    <origin>
    <tree_size>
    <root_hash, standard padded base64>
    time <timestamp, RFC 3339 UTC in whole seconds, e.g. 2026-11-22T23:50:00Z>

    — <origin> <base64(key hash (4 bytes) ‖ Ed25519 signature (64 bytes))>

The four lines before the blank line are the note text, which the Ed25519 signature covers;
the fourth is an extension line carrying the time of signing. The key name is the origin; the
key hash is the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key), and the verifier
key string (what ``note.NewVerifier`` takes) is ``<name>+<key hash hex>+<base64(0x01 ‖ public
key)>``.

Checkpoints signed by earlier releases (``LEGACY_FORMAT``) signed instead the body::

    dossier-checkpoint/v1
    <origin>
    <tree_size>
    <root_hash>
    <timestamp>

and they stay readable and verifiable: a checkpoint without a key hash is one of them.

Both are stored or exported as JSON: ``{"key_id", "origin", "root_hash", "signature",
"timestamp", "tree_size"}``, plus ``"note"`` (the whole signed note) for a note, written
canonically here (keys sorted, no whitespace, UTF-8).

Where copies of checkpoints are kept outside the database: ``storage.witness``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

from canonical import canonical_json
from storage.cosignatures import Cosignature, CosignatureError
from storage.merkle import HASH_SIZE
from storage.signing import SIGNATURE_SIZE, BadSignatureError, PublicKey, Signer, SigningKeyError

LEGACY_FORMAT: Final = "dossier-checkpoint/v1"
"""The first line of the body earlier releases signed: checkpoints of that format have no
key hash."""
NOTE_FORMAT: Final = "c2sp.org/tlog-checkpoint"
"""The format of the checkpoints signed now: a tlog-checkpoint in a signed note."""
BODY_HEADER: Final = LEGACY_FORMAT
TIME_EXTENSION: Final = "time "
"""What the note's extension line begins with, before the timestamp."""
ED25519_TYPE: Final = 0x01
"""The signed-note signature type of Ed25519."""
KEY_HASH_SIZE: Final = 4
SIGNATURE_LINE_PREFIX: Final = "\u2014 "
"""Em dash and space: how every signature line of a note begins."""

TIMESTAMP_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_KEY_HASH = re.compile(r"[0-9a-f]{8}")
_VERIFIER_KEY = re.compile(r"[^+\s]+\+[0-9a-f]{8}\+\S+")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")
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
    """The exact bytes an earlier release's checkpoint signature covers (``LEGACY_FORMAT``)."""
    lines = (
        BODY_HEADER,
        origin,
        str(tree_size),
        base64.b64encode(root_hash).decode("ascii"),
        format_timestamp(timestamp),
    )
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def note_body(origin: str, tree_size: int, root_hash: bytes, timestamp: datetime) -> bytes:
    """The text of a checkpoint note: the bytes its Ed25519 signature covers."""
    lines = (
        origin,
        str(tree_size),
        base64.b64encode(root_hash).decode("ascii"),
        TIME_EXTENSION + format_timestamp(timestamp),
    )
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def key_hash_of(name: str, public_key: bytes) -> str:
    """The signed-note key hash of an Ed25519 key named ``name``: 4 bytes, in hex."""
    material = name.encode("utf-8") + b"\n" + bytes([ED25519_TYPE]) + public_key
    return hashlib.sha256(material).digest()[:KEY_HASH_SIZE].hex()


def verifier_key(name: str, key: PublicKey) -> str:
    """The signed-note verifier key string of ``key`` under ``name``, as Go's
    ``note.NewVerifier`` reads it: ``<name>+<key hash hex>+<base64(0x01 ‖ public key)>``."""
    check_key_name(name)
    encoded = base64.b64encode(bytes([ED25519_TYPE]) + key.raw).decode("ascii")
    return f"{name}+{key_hash_of(name, key.raw)}+{encoded}"


@dataclass(frozen=True)
class TrustedKey:
    """A key the bank published as its own: checkpoints signed by others are not believed."""

    name: str | None
    """The key name of its verifier key string (None: given as a bare base64 public key)."""
    key: PublicKey

    @property
    def key_id(self) -> str:
        return self.key.key_id

    def describe(self) -> str:
        """The key as a finding names it: key id, and the note's key hash when it has a name."""
        if self.name is None:
            return f"key {self.key_id}"
        return f"key {self.key_id} ({self.name}+{key_hash_of(self.name, self.key.raw)})"


def parse_verifier_key(text: str) -> TrustedKey:
    """A verifier key string ``<name>+<key hash hex>+<base64(0x01 ‖ public key)>`` (as
    ``dossier signing-key public --vkey`` prints it), or base64 of a raw public key;
    CheckpointFormatError if it is neither, or if its key hash is not its key's."""
    text = text.strip()
    if not _VERIFIER_KEY.fullmatch(text):
        try:
            return TrustedKey(None, PublicKey.from_base64(text))
        except SigningKeyError:
            raise CheckpointFormatError(
                f"trusted key {text[:60]!r} is neither a verifier key string "
                "<name>+<hash>+<base64> nor base64 of an Ed25519 public key (可信公钥格式错误)"
            ) from None
    name, key_hash, encoded = text.split("+", 2)
    check_key_name(name)
    raw = _b64(encoded, "the verifier key")
    if len(raw) != 1 + 32 or raw[0] != ED25519_TYPE:
        raise CheckpointFormatError(
            f"verifier key {name}+{key_hash} is not an Ed25519 key (可信公钥不是 Ed25519 公钥)"
        )
    try:
        key = PublicKey(raw[1:])
    except SigningKeyError as error:
        raise CheckpointFormatError(f"verifier key {name}+{key_hash}: {error}") from None
    if key_hash_of(name, key.raw) != key_hash:
        raise CheckpointFormatError(
            f"verifier key {name}+{key_hash}: its key hash is not that of its key "
            f"({key_hash_of(name, key.raw)}) (可信公钥的密钥哈希不符)"
        )
    return TrustedKey(name, key)


def parse_trusted_keys(text: str) -> list[TrustedKey]:
    """Verifier key strings separated by spaces, commas or lines (``#`` begins a comment)."""
    keys = []
    for line in text.splitlines():
        for word in re.split(r"[\s,]+", line.split("#", 1)[0]):
            if word:
                keys.append(parse_verifier_key(word))
    return keys


def check_origin(origin: str) -> str:
    """``origin`` unchanged if it can be a log's name (one printable line); else an error."""
    if not isinstance(origin, str) or not origin or not origin.isprintable():
        raise CheckpointFormatError(f"origin {origin!r} must be a non-empty printable line")
    if origin != origin.strip():
        raise CheckpointFormatError(f"origin {origin!r} must not begin or end with spaces")
    return origin


def check_key_name(origin: str) -> str:
    """``origin`` unchanged if it can name a note's key too (the checkpoints signed now): a
    printable line with no space and no ``+`` (c2sp.org/signed-note); else an error."""
    check_origin(origin)
    if any(character.isspace() for character in origin) or "+" in origin:
        raise CheckpointFormatError(
            f"origin {origin!r} names the signing key of the checkpoint notes: it must hold no "
            "space and no '+' (检查点日志名称不得含空格或加号)"
        )
    return origin


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the log's first ``tree_size`` leaves have root ``root_hash``.

    With a ``key_hash`` it is a signed note (``NOTE_FORMAT``), the signature covering
    ``note_body``; without, a checkpoint of an earlier release (``LEGACY_FORMAT``), the
    signature covering ``checkpoint_body``.
    """

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime
    """UTC-aware, whole seconds: the body carries no fraction."""
    key_id: str
    """Which public key signed (first 8 bytes of its SHA-256, hex): the key table's key."""
    signature: bytes
    key_hash: str | None = None
    """The note's key hash (4 bytes, hex); None for a checkpoint of the earlier format."""
    cosignatures: tuple[Cosignature, ...] = field(default=(), compare=False)
    """Witnesses' cosignature lines (c2sp.org/tlog-cosignature), after the log's own
    signature in ``note()``. Not part of what the checkpoint says: two copies of one checkpoint
    with different cosignatures are equal."""

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
        if self.key_hash is not None:
            check_key_name(self.origin)
            if not isinstance(self.key_hash, str) or not _KEY_HASH.fullmatch(self.key_hash):
                raise CheckpointFormatError(
                    f"key hash {self.key_hash!r} is not 8 lower-case hex digits"
                )

    @property
    def format(self) -> str:
        """``NOTE_FORMAT``, or ``LEGACY_FORMAT`` for a checkpoint of an earlier release."""
        return LEGACY_FORMAT if self.key_hash is None else NOTE_FORMAT

    def body(self) -> bytes:
        """The signed bytes: the note's text, or the earlier format's body."""
        if self.key_hash is None:
            return checkpoint_body(self.origin, self.tree_size, self.root_hash, self.timestamp)
        return note_body(self.origin, self.tree_size, self.root_hash, self.timestamp)

    def note(self) -> str:
        """The signed note (text, blank line, signature line); CheckpointFormatError for a
        checkpoint of the earlier format, which is not a note."""
        if self.key_hash is None:
            raise CheckpointFormatError(
                f"the checkpoint of size {self.tree_size} is of the earlier format "
                f"{LEGACY_FORMAT}, not a signed note"
            )
        signature = base64.b64encode(bytes.fromhex(self.key_hash) + self.signature)
        return (
            self.body().decode("utf-8")
            + f"\n{SIGNATURE_LINE_PREFIX}{self.origin} {signature.decode('ascii')}\n"
            + "".join(cosignature.line() for cosignature in self.cosignatures)
        )

    def with_cosignatures(self, cosignatures: tuple[Cosignature, ...]) -> Checkpoint:
        """The same checkpoint carrying ``cosignatures`` (ordered by name, then key hash)."""
        ordered = tuple(sorted(cosignatures, key=lambda c: (c.name, c.key_hash)))
        return replace(self, cosignatures=ordered)

    def check(self, key: PublicKey) -> None:
        """Return if ``key`` is the checkpoint's key and its signature holds; else raise.

        ``BadSignatureError`` (from ``storage.signing``) when the signature does not verify,
        ``CheckpointFormatError`` when ``key`` has another key id, or (a note) another key hash
        under the origin.
        """
        if key.key_id != self.key_id:
            raise CheckpointFormatError(
                f"checkpoint of size {self.tree_size} is signed by key {self.key_id}, "
                f"not by key {key.key_id}"
            )
        if self.key_hash is not None and key_hash_of(self.origin, key.raw) != self.key_hash:
            raise CheckpointFormatError(
                f"checkpoint of size {self.tree_size} names key hash {self.key_hash}, but key "
                f"{key.key_id} under the name {self.origin!r} has key hash "
                f"{key_hash_of(self.origin, key.raw)}"
            )
        key.check(self.body(), self.signature)

    def verify(self, key: PublicKey) -> bool:
        """Whether ``check`` accepts ``key``."""
        try:
            self.check(key)
        except (CheckpointFormatError, BadSignatureError):
            return False
        return True

    def verifier_key(self, key: PublicKey) -> str:
        """The verifier key string that opens this checkpoint's note (``verifier_key``)."""
        return verifier_key(self.origin, key)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``docs/integrity.md``: with ``note`` for a note."""
        data = {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": base64.b64encode(self.root_hash).decode("ascii"),
            "timestamp": format_timestamp(self.timestamp),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }
        if self.key_hash is not None:
            data["note"] = self.note()
        return data

    def to_json_text(self) -> str:
        """Canonical JSON: keys sorted, no whitespace, non-ASCII kept as UTF-8."""
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        """The checkpoint of a JSON object; CheckpointFormatError if any field is wrong, or if
        its ``note`` says other than its fields."""
        if not isinstance(data, Mapping):
            raise CheckpointFormatError("a checkpoint is a JSON object")
        missing = [name for name in _FIELDS if name not in data]
        if missing:
            raise CheckpointFormatError(f"checkpoint lacks {', '.join(missing)}")
        fields = cls(
            origin=data["origin"],
            tree_size=data["tree_size"],
            root_hash=_b64(data["root_hash"], "root_hash"),
            timestamp=parse_timestamp(data["timestamp"]),
            key_id=data["key_id"],
            signature=_b64(data["signature"], "signature"),
        )
        if data.get("note") is None:
            return fields  # a checkpoint of the earlier format
        checkpoint = cls.from_note(data["note"], fields.key_id)
        if replace(checkpoint, key_hash=None) != fields:
            raise CheckpointFormatError(
                "the checkpoint's fields do not say what its signed note says"
            )
        return checkpoint

    @classmethod
    def from_json_text(cls, text: str | bytes) -> Checkpoint:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise CheckpointFormatError("a checkpoint is not valid JSON") from None
        return cls.from_json(data)

    @classmethod
    def from_note(cls, note: str, key_id: str) -> Checkpoint:
        """The checkpoint of a signed note as ``note()`` writes it, signed by the key
        ``key_id``; CheckpointFormatError if it is not exactly that form."""
        if not isinstance(note, str) or not note.endswith("\n"):
            raise CheckpointFormatError("a checkpoint note is text ending in a newline")
        text, blank, signatures = note.rpartition("\n\n")
        if not blank:
            raise CheckpointFormatError("a checkpoint note has no blank line before its signature")
        lines = (text + "\n").splitlines()
        if len(lines) != 4 or (text + "\n").count("\n") != 4:
            raise CheckpointFormatError(
                "a checkpoint note's text is four lines: origin, tree size, root hash, time"
            )
        origin, size, root, stamp = lines
        if not _TREE_SIZE.fullmatch(size):
            raise CheckpointFormatError(f"tree size {size!r} is not a decimal number")
        if not stamp.startswith(TIME_EXTENSION):
            raise CheckpointFormatError(f"the fourth line {stamp!r} is not 'time <timestamp>'")
        signature_lines = signatures.splitlines()
        if not signature_lines or signatures.count("\n") != len(signature_lines):
            raise CheckpointFormatError("a checkpoint note's signature lines end in newlines")
        name, signature = _signature_line(signature_lines[0])
        if name != origin:
            raise CheckpointFormatError(f"the note is signed by {name!r}, not by its origin")
        if any(_signature_line_name(line) == origin for line in signature_lines[1:]):
            raise CheckpointFormatError(
                "a checkpoint note carries exactly one signature line of its log; the others "
                "are witnesses' cosignatures"
            )
        try:
            cosignatures = tuple(Cosignature.from_line(line) for line in signature_lines[1:])
        except CosignatureError as error:
            raise CheckpointFormatError(f"a checkpoint note's cosignature: {error}") from None
        checkpoint = cls(
            origin=check_key_name(origin),
            tree_size=int(size),
            root_hash=_b64(root, "root_hash"),
            timestamp=parse_timestamp(stamp[len(TIME_EXTENSION) :]),
            key_id=key_id,
            signature=signature[KEY_HASH_SIZE:],
            key_hash=signature[:KEY_HASH_SIZE].hex(),
            cosignatures=cosignatures,
        )
        if checkpoint.note() != note:
            raise CheckpointFormatError("the note is not in its one canonical spelling")
        return checkpoint


def sign_checkpoint(
    signer: Signer, origin: str, tree_size: int, root_hash: bytes, timestamp: datetime
) -> Checkpoint:
    """A checkpoint note of ``tree_size`` leaves with root ``root_hash``, signed by ``signer``.

    ``timestamp`` is cut to whole seconds (the note has no fraction).
    """
    moment = timestamp.astimezone(UTC).replace(microsecond=0)
    body = note_body(check_key_name(origin), tree_size, root_hash, moment)
    return Checkpoint(
        origin,
        tree_size,
        root_hash,
        moment,
        signer.key_id,
        signer.sign(body),
        key_hash_of(origin, signer.public_key.raw),
    )


def _signature_line_name(line: str) -> str:
    """The key name a signature line names (whatever follows)."""
    return line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")[0]


def _signature_line(line: str) -> tuple[str, bytes]:
    """(key name, key hash ‖ signature) of a note's signature line."""
    if not line.startswith(SIGNATURE_LINE_PREFIX):
        raise CheckpointFormatError("a note's signature line begins with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
    raw = _b64(encoded, "the note's signature")
    if len(raw) != KEY_HASH_SIZE + SIGNATURE_SIZE:
        raise CheckpointFormatError(
            f"the note's signature is not {KEY_HASH_SIZE} + {SIGNATURE_SIZE} bytes"
        )
    return name, raw


def _b64(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise CheckpointFormatError(f"{name} is not a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        raise CheckpointFormatError(f"{name} is not standard base64") from None
