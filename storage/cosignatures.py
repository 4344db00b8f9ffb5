"""Cosignatures (见证联署) of checkpoints by independent witnesses: C2SP ``tlog-cosignature``.

A witness run by another department or a regulator cosigns a checkpoint note once it has
checked that the note extends the last one it cosigned for that log (``storage.tlog_witness``).
Its cosignature is one more signature line of the note (https://c2sp.org/tlog-cosignature,
``cosignature/v1``, Ed25519)::

    — <witness name> base64(key hash (4 bytes) ‖ u64be(timestamp) ‖ Ed25519 signature (64))

where the key hash is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4] and the signature covers::

    cosignature/v1
    time <timestamp, POSIX seconds, decimal>
    <the checkpoint note's text, every line, with its final newline>

A witness's verifier key string is ``<name>+<key hash hex>+<base64(0x04 ‖ public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass
from typing import Final

from storage.signing import SIGNATURE_SIZE, BadSignatureError, PublicKey, Signer, SigningKeyError

COSIGNATURE_TYPE: Final = 0x04
"""The signed-note signature type of an Ed25519 ``cosignature/v1``."""
COSIGNATURE_HEADER: Final = "cosignature/v1\n"
KEY_HASH_SIZE: Final = 4
TIMESTAMP_SIZE: Final = 8
SIGNATURE_LINE_PREFIX: Final = "\u2014 "
_U64: Final = struct.Struct(">Q")
_VERIFIER_KEY = re.compile(r"[^+\s]+\+[0-9a-f]{8}\+\S+")


class CosignatureError(ValueError):
    """Raised when a cosignature, a witness key or a witness's answer is malformed or false."""


def check_name(name: str) -> str:
    """``name`` unchanged if it can name a note's key: printable, no space, no ``+``."""
    if (
        not isinstance(name, str)
        or not name
        or not name.isprintable()
        or any(c.isspace() for c in name)
        or "+" in name
    ):
        raise CosignatureError(
            f"witness name {name!r} must be one printable word without '+' (见证名称格式错误)"
        )
    return name


def cosigner_key_hash(name: str, public_key: bytes) -> str:
    """The key hash of a witness's Ed25519 cosigning key named ``name``: 4 bytes, in hex."""
    material = name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_TYPE]) + public_key
    return hashlib.sha256(material).digest()[:KEY_HASH_SIZE].hex()


def cosigned_message(note_text: bytes, timestamp: int) -> bytes:
    """The bytes a ``cosignature/v1`` signature covers."""
    return f"{COSIGNATURE_HEADER}time {timestamp}\n".encode("ascii") + note_text


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public key under its name: what a verifier is configured with."""

    name: str
    key: PublicKey

    def __post_init__(self) -> None:
        check_name(self.name)

    @property
    def key_hash(self) -> str:
        return cosigner_key_hash(self.name, self.key.raw)

    def vkey(self) -> str:
        """``<name>+<key hash hex>+<base64(0x04 ‖ public key)>``."""
        encoded = base64.b64encode(bytes([COSIGNATURE_TYPE]) + self.key.raw).decode("ascii")
        return f"{self.name}+{self.key_hash}+{encoded}"

    def describe(self) -> str:
        return f"{self.name}+{self.key_hash}"

    @classmethod
    def parse(cls, text: str) -> CosignerKey:
        """A witness's verifier key string; CosignatureError if it is not one of type 0x04."""
        text = text.strip()
        if not _VERIFIER_KEY.fullmatch(text):
            raise CosignatureError(
                f"witness key {text[:60]!r} is not a verifier key string <name>+<hash>+<base64> "
                "(见证公钥格式错误)"
            )
        name, key_hash, encoded = text.split("+", 2)
        raw = _b64(encoded, "the witness key")
        if len(raw) != 1 + 32 or raw[0] != COSIGNATURE_TYPE:
            raise CosignatureError(
                f"witness key {name}+{key_hash} is not an Ed25519 cosignature/v1 key (type 0x04) "
                "(见证公钥不是 cosignature/v1 公钥)"
            )
        try:
            key = cls(name, PublicKey(raw[1:]))
        except SigningKeyError as error:
            raise CosignatureError(f"witness key {name}+{key_hash}: {error}") from None
        if key.key_hash != key_hash:
            raise CosignatureError(
                f"witness key {name}+{key_hash}: its key hash is not that of its key "
                f"({key.key_hash}) (见证公钥的密钥哈希不符)"
            )
        return key


@dataclass(frozen=True)
class Cosignature:
    """One witness's timestamped cosignature of a checkpoint note."""

    name: str
    key_hash: str
    timestamp: int
    """POSIX seconds when the witness cosigned."""
    signature: bytes

    def line(self) -> str:
        """The note signature line, with its newline."""
        raw = bytes.fromhex(self.key_hash) + _U64.pack(self.timestamp) + self.signature
        return f"{SIGNATURE_LINE_PREFIX}{self.name} {base64.b64encode(raw).decode('ascii')}\n"

    @classmethod
    def from_line(cls, line: str) -> Cosignature:
        """The cosignature of a signature line (with or without its newline)."""
        line = line.removesuffix("\n")
        if not line.startswith(SIGNATURE_LINE_PREFIX):
            raise CosignatureError("a cosignature line begins with an em dash and a space")
        name, _, encoded = line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
        check_name(name)
        raw = _b64(encoded, "the cosignature")
        if len(raw) != KEY_HASH_SIZE + TIMESTAMP_SIZE + SIGNATURE_SIZE:
            raise CosignatureError(
                f"the signature of {name} is not a cosignature/v1 "
                f"({KEY_HASH_SIZE} + {TIMESTAMP_SIZE} + {SIGNATURE_SIZE} bytes)"
            )
        (timestamp,) = _U64.unpack(raw[KEY_HASH_SIZE : KEY_HASH_SIZE + TIMESTAMP_SIZE])
        if timestamp >= 1 << 63:
            raise CosignatureError(f"the cosignature of {name} has a timestamp past 2^63 - 1")
        return cls(name, raw[:KEY_HASH_SIZE].hex(), timestamp, raw[KEY_HASH_SIZE + 8 :])

    def is_by(self, key: CosignerKey) -> bool:
        """Whether this line names ``key`` (its name and key hash)."""
        return self.name == key.name and self.key_hash == key.key_hash

    def check(self, key: CosignerKey, note_text: bytes) -> None:
        """Return if ``key`` cosigned ``note_text`` here; else CosignatureError."""
        if not self.is_by(key):
            raise CosignatureError(
                f"the cosignature names {self.name}+{self.key_hash}, not {key.describe()}"
            )
        try:
            key.key.check(cosigned_message(note_text, self.timestamp), self.signature)
        except BadSignatureError:
            raise CosignatureError(
                f"the cosignature of {key.describe()} does not verify (见证联署签名验证失败)"
            ) from None

    def verify(self, key: CosignerKey, note_text: bytes) -> bool:
        try:
            self.check(key, note_text)
        except CosignatureError:
            return False
        return True


def cosign(signer: Signer, name: str, note_text: bytes, timestamp: int) -> Cosignature:
    """``signer``'s cosignature, as witness ``name``, of a note's text at ``timestamp``."""
    check_name(name)
    signature = signer.sign(cosigned_message(note_text, timestamp))
    return Cosignature(name, cosigner_key_hash(name, signer.public_key.raw), timestamp, signature)


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        raise CosignatureError(f"{what} is not standard base64") from None
