"""Checkpoint signing keys (签名密钥): Ed25519, as ``docs/integrity.md`` specifies.

A ``Signer`` holds the private key that signs checkpoints; it comes from base64 of the 32-byte
private seed (an environment value or setting) or from a key file, or is generated into a key
file (mode 0600) on the first start of the embedded mode. The private key never goes into the
database: only the ``PublicKey`` does, in the integrity key table, so that every checkpoint ever
signed stays verifiable after the key is rotated.

``key_id`` is the first 8 bytes, in hex, of SHA-256 of the raw 32-byte public key. A public key
is exported as base64 of its raw bytes (what audit bundles and the standalone verifier read) or
as PEM (what OpenSSL and most tools read).

A key file holds base64 of the seed, on one line (as ``write_signing_key_file`` writes it), or
an unencrypted PKCS#8 PEM private key (as ``openssl genpkey -algorithm ed25519`` writes it).
Error messages never carry key material.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from storage.files import MAX_KEY_FILE_SIZE, decode_base64, read_key_file, write_new_file

SEED_SIZE = 32
"""Bytes in an Ed25519 private seed."""
PUBLIC_KEY_SIZE = 32
"""Bytes in a raw Ed25519 public key."""
SIGNATURE_SIZE = 64
"""Bytes in an Ed25519 signature."""
KEY_ID_SIZE = 8
"""Bytes of SHA-256(public key) that make up a key id (16 hex digits)."""

_PEM_MARKER = b"-----BEGIN"


class SigningKeyError(Exception):
    """Raised when a signing key is missing, malformed, or cannot be read or written."""


class BadSignatureError(Exception):
    """Raised when a signature does not verify under the public key it is checked with."""


def key_id_of(public_key: bytes) -> str:
    """The key id of a raw 32-byte public key: first 8 bytes of its SHA-256, in hex."""
    return hashlib.sha256(public_key).digest()[:KEY_ID_SIZE].hex()


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key (验签公钥), raw 32 bytes; ``key_id`` names it."""

    raw: bytes
    key_id: str = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != PUBLIC_KEY_SIZE:
            raise SigningKeyError(f"an Ed25519 public key is exactly {PUBLIC_KEY_SIZE} bytes")
        try:
            key = Ed25519PublicKey.from_public_bytes(self.raw)
        except ValueError:
            raise SigningKeyError("the bytes are not an Ed25519 public key") from None
        object.__setattr__(self, "key_id", key_id_of(self.raw))
        object.__setattr__(self, "_key", key)

    @classmethod
    def from_base64(cls, text: str) -> PublicKey:
        """The key from base64 (standard or URL-safe) of its raw 32 bytes."""
        raw = decode_base64(text)
        if raw is None or len(raw) != PUBLIC_KEY_SIZE:
            raise SigningKeyError(f"not base64 of a {PUBLIC_KEY_SIZE}-byte Ed25519 public key")
        return cls(raw)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> PublicKey:
        """The key from a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) block."""
        data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            raise SigningKeyError("not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError("the PEM public key is not an Ed25519 key")
        return cls(key.public_bytes_raw())

    def to_base64(self) -> str:
        """Standard padded base64 of the raw 32 bytes (``public-keys.json`` holds this)."""
        return base64.b64encode(self.raw).decode("ascii")

    def to_pem(self) -> str:
        """The key as a PEM ``PUBLIC KEY`` block (SubjectPublicKeyInfo)."""
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def check(self, message: bytes, signature: bytes) -> None:
        """Return if ``signature`` signs ``message`` under this key; else BadSignatureError."""
        if len(signature) != SIGNATURE_SIZE:
            raise BadSignatureError(
                f"a signature is {SIGNATURE_SIZE} bytes, not {len(signature)} (key {self.key_id})"
            )
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            raise BadSignatureError(
                f"the signature does not verify under key {self.key_id}"
            ) from None

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``check`` accepts the signature."""
        try:
            self.check(message, signature)
        except BadSignatureError:
            return False
        return True


class Signer:
    """An Ed25519 private key (签名私钥) that signs checkpoint bodies. Prints only its key id."""

    __slots__ = ("_private", "_public")

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self._public = PublicKey(private_key.public_key().public_bytes_raw())

    @classmethod
    def generate(cls) -> Signer:
        """A new random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Signer:
        """The key of a raw 32-byte private seed."""
        if not isinstance(seed, bytes) or len(seed) != SEED_SIZE:
            raise SigningKeyError(f"an Ed25519 private seed is exactly {SEED_SIZE} bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_base64(cls, text: str | bytes) -> Signer:
        """The key of base64 (standard or URL-safe, padding optional) of a 32-byte seed."""
        seed = decode_base64(text)
        if seed is None or len(seed) != SEED_SIZE:
            raise SigningKeyError(
                f"the signing key is not base64 of a {SEED_SIZE}-byte seed (签名密钥格式错误)"
            )
        return cls.from_seed(seed)

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        """The key in ``path``: base64 of the seed, or an unencrypted PKCS#8 PEM private key."""
        content = read_key_file(path, SigningKeyError, "signing key file", "签名密钥文件")
        if len(content) > MAX_KEY_FILE_SIZE:
            raise SigningKeyError(f"signing key file {path} is too large to be a key")
        if content.lstrip().startswith(_PEM_MARKER):
            return cls(_pem_private_key(content, path))
        try:
            return cls.from_base64(content)
        except SigningKeyError:
            raise SigningKeyError(
                f"signing key file {path} holds neither base64 of a {SEED_SIZE}-byte seed nor "
                "a PEM Ed25519 private key (签名密钥文件格式错误)"
            ) from None

    @classmethod
    def load_or_generate(cls, path: Path) -> tuple[Signer, bool]:
        """The key in ``path``, generated into it first if there is none (the embedded mode).

        Returns the signer and whether this call created the file. Two processes starting
        together agree on one key: the file is created whole or not at all, never overwritten.
        """
        path = Path(path)
        if not path.exists():
            try:
                write_signing_key_file(path, cls.generate())
            except FileExistsError:
                pass  # another process created it meanwhile: use theirs
            else:
                return cls.from_file(path), True
        return cls.from_file(path), False

    @property
    def public_key(self) -> PublicKey:
        return self._public

    @property
    def key_id(self) -> str:
        return self._public.key_id

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._private.sign(message)

    def seed_base64(self) -> str:
        """Base64 of the 32-byte private seed: the secret itself, for a key file or a vault."""
        seed = self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return base64.b64encode(seed).decode("ascii")

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id!r})"


def write_signing_key_file(path: Path, signer: Signer) -> None:
    """Create ``path`` (mode 0600) holding the signer's seed in base64; never overwrite.

    The key is written to a temporary file beside ``path``, fsynced, then hard-linked into
    place, so the file appears whole or not at all. FileExistsError if ``path`` exists.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_new_file(path, signer.seed_base64().encode("ascii") + b"\n")


def _pem_private_key(content: bytes, path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(content, password=None)
    except TypeError:
        raise SigningKeyError(
            f"signing key file {path} is encrypted; give an unencrypted key"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise SigningKeyError(
            f"signing key file {path} is not a readable PEM private key"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"signing key file {path} holds a key that is not Ed25519")
    return key
