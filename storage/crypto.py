"""Envelope encryption (信封加密): master key, per-dossier data keys, streamed document ciphertext.

A random 256-bit **master key** (key-encryption key) comes from a file or the environment, never
from the database. Each dossier has its own random 256-bit **data key**, stored only wrapped
(AES-256-GCM) under the master key, so deleting the wrapped key makes that dossier's documents
unreadable everywhere, copies and backups of the documents included (crypto-shredding); the key
store's own backups must therefore expire.

A document is encrypted in segments so that memory stays bounded whatever its size (the STREAM
construction of Hoang, Reyhanitabar, Rogaway and Vizár)::

    header   = b"DSR1" ‖ version (1 byte) ‖ segment size (4 bytes, big-endian) ‖ prefix (8 bytes)
    segment  = AES-256-GCM(data key, nonce_i, plaintext_i, header ‖ dossier id ‖ sha256)
    nonce_i  = prefix ‖ uint32_be(i | 0x80000000 if the segment is the last one else i)

Every plaintext segment but the last is exactly ``segment size`` bytes; the last may be shorter
or empty (an empty document is one empty final segment). Because each segment's nonce carries
its position and whether it is the last, and every segment authenticates the header, the dossier
id and the document hash, an altered, truncated, extended or reordered ciphertext, or one that
is presented as another dossier's or another document's, fails authentication.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.files import MAX_KEY_FILE_SIZE, decode_base64, read_key_file, write_new_file

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

KEY_SIZE = 32
"""Bytes in a master key and in a data key (AES-256)."""
MAGIC = b"DSR1"
FORMAT_VERSION = 1
SEGMENT_SIZE = 64 * 1024
"""Plaintext bytes per segment unless the caller chooses otherwise."""
MIN_SEGMENT_SIZE = 16
MAX_SEGMENT_SIZE = 16 * 1024 * 1024
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 8
MAX_SEGMENTS = 0x8000_0000
_LAST = 0x8000_0000
_HEADER = struct.Struct(">4sBI8s")
HEADER_SIZE = _HEADER.size
_WRAP_VERSION = b"\x01"
_WRAP_NONCE_SIZE = 12


class CryptoError(Exception):
    """Base class of the errors raised by envelope encryption."""


class MasterKeyError(CryptoError):
    """The master key is missing, malformed, or cannot be written. Never carries key material."""


class WrongMasterKeyError(MasterKeyError):
    """A data key was wrapped under a different master key than the one given."""


class CiphertextIntegrityError(CryptoError):
    """Ciphertext failed authentication: altered, truncated, reordered or not the one asked for."""


class PlaintextHashMismatchError(CryptoError, ValueError):
    """The bytes being encrypted do not have the SHA-256 they were announced with."""


@dataclass(frozen=True, repr=False)
class MasterKey:
    """The key-encryption key (主密钥). ``key_id`` is safe to print; ``secret`` is not."""

    secret: bytes
    key_id: str = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) != KEY_SIZE:
            raise MasterKeyError(f"a master key is exactly {KEY_SIZE} bytes")
        object.__setattr__(self, "key_id", hashlib.sha256(self.secret).hexdigest()[:16])

    @classmethod
    def generate(cls) -> MasterKey:
        """A new random master key."""
        return cls(os.urandom(KEY_SIZE))

    def to_base64(self) -> str:
        """The key as URL-safe base64, the form ``load_master_key`` reads."""
        return base64.urlsafe_b64encode(self.secret).decode("ascii")

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self.key_id!r})"


@dataclass(frozen=True, repr=False)
class DataKey:
    """One dossier's document key (数据密钥). Held in memory only; stored only wrapped."""

    secret: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) != KEY_SIZE:
            raise ValueError(f"a data key is exactly {KEY_SIZE} bytes")

    @classmethod
    def generate(cls) -> DataKey:
        """A new random data key."""
        return cls(os.urandom(KEY_SIZE))

    def __repr__(self) -> str:
        return "DataKey(<secret>)"


@dataclass(frozen=True)
class WrappedKey:
    """A dossier's data key encrypted under the master key ``master_key_id``.

    ``blob`` is ``0x01 ‖ nonce (12 bytes) ‖ AES-256-GCM ciphertext and tag (48 bytes)``.
    """

    dossier_id: UUID
    master_key_id: str
    blob: bytes = field(repr=False)


def _wrap_ad(dossier_id: UUID, master_key_id: str) -> bytes:
    return b"dossier-data-key:" + dossier_id.bytes + master_key_id.encode("ascii")


def wrap_data_key(master: MasterKey, dossier_id: UUID, data_key: DataKey) -> WrappedKey:
    """Encrypt ``data_key`` under ``master``, bound to ``dossier_id``."""
    nonce = os.urandom(_WRAP_NONCE_SIZE)
    sealed = AESGCM(master.secret).encrypt(
        nonce, data_key.secret, _wrap_ad(dossier_id, master.key_id)
    )
    return WrappedKey(dossier_id, master.key_id, _WRAP_VERSION + nonce + sealed)


def unwrap_data_key(master: MasterKey, wrapped: WrappedKey) -> DataKey:
    """Decrypt a wrapped data key.

    WrongMasterKeyError if it was wrapped under another master key; CiphertextIntegrityError if
    the stored bytes were altered or belong to another dossier.
    """
    if wrapped.master_key_id != master.key_id:
        raise WrongMasterKeyError(
            f"wrong master key (主密钥不匹配): the data key of dossier {wrapped.dossier_id} is "
            f"wrapped under master key {wrapped.master_key_id}, but the master key given is "
            f"{master.key_id}"
        )
    blob = wrapped.blob
    if len(blob) != 1 + _WRAP_NONCE_SIZE + KEY_SIZE + TAG_SIZE or blob[:1] != _WRAP_VERSION:
        raise CiphertextIntegrityError(
            f"the wrapped data key of dossier {wrapped.dossier_id} is malformed"
        )
    nonce, sealed = blob[1 : 1 + _WRAP_NONCE_SIZE], blob[1 + _WRAP_NONCE_SIZE :]
    try:
        secret = AESGCM(master.secret).decrypt(
            nonce, sealed, _wrap_ad(wrapped.dossier_id, master.key_id)
        )
    except InvalidTag:
        raise CiphertextIntegrityError(
            f"the wrapped data key of dossier {wrapped.dossier_id} failed authentication: "
            "it was altered or belongs to another dossier"
        ) from None
    return DataKey(secret)


def load_master_key(*, file: Path | None, value: str | None) -> MasterKey:
    """Read the master key from an environment value or a file: base64 of exactly 32 bytes.

    Standard and URL-safe base64 are accepted, with or without padding, surrounded by
    whitespace. Raise MasterKeyError when neither or both are given or the content is wrong;
    the message never contains key material.
    """
    if value is not None and file is not None:
        raise MasterKeyError(
            "master key set twice (主密钥重复配置): set DOSSIER_MASTER_KEY or "
            "DOSSIER_MASTER_KEY_FILE, not both"
        )
    if value is not None:
        secret = _decode_key(value)
        if secret is None:
            raise MasterKeyError("DOSSIER_MASTER_KEY is not 32 bytes of base64 (主密钥格式错误)")
        return MasterKey(secret)
    if file is not None:
        content = read_key_file(file, MasterKeyError, "master key file", "主密钥文件")
        secret = None if len(content) > MAX_KEY_FILE_SIZE else _decode_key(content)
        if secret is None:
            raise MasterKeyError(
                f"master key file {file} is not 32 bytes of base64 (主密钥文件格式错误)"
            )
        return MasterKey(secret)
    raise MasterKeyError(
        "master key missing (缺少主密钥): set DOSSIER_MASTER_KEY or DOSSIER_MASTER_KEY_FILE"
    )


def _decode_key(text: str | bytes) -> bytes | None:
    """The 32 bytes that ``text`` encodes in base64, or None."""
    secret = decode_base64(text)
    return secret if secret is not None and len(secret) == KEY_SIZE else None


def write_master_key_file(path: Path, key: MasterKey) -> None:
    """Create ``path`` (mode 0600) holding ``key`` in base64; never overwrite an existing file.

    The key is written to a temporary file beside ``path``, fsynced, then hard-linked into
    place, so the file appears whole or not at all.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_new_file(path, key.to_base64().encode("ascii") + b"\n")
    except FileExistsError:
        raise MasterKeyError(
            f"master key file {path} already exists; refusing to overwrite it (主密钥文件已存在)"
        ) from None


def encrypted_size(plaintext_size: int, segment_size: int = SEGMENT_SIZE) -> int:
    """How many bytes of ciphertext a document of ``plaintext_size`` bytes becomes."""
    segments = max(1, -(-plaintext_size // segment_size))
    return HEADER_SIZE + plaintext_size + segments * TAG_SIZE


def _document_ad(header: bytes, dossier_id: UUID, sha256: str) -> bytes:
    if len(sha256) != 64:
        raise ValueError("sha256 must be 64 hexadecimal digits")
    try:
        digest = bytes.fromhex(sha256)
    except ValueError:
        raise ValueError("sha256 must be 64 hexadecimal digits") from None
    return header + dossier_id.bytes + digest


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index | _LAST if last else index)


def _read_full(source: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the stream."""
    data = source.read(size) or b""
    if len(data) >= size or not data:
        return data
    parts, got = [data], len(data)
    while got < size:
        more = source.read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def encrypt_stream(
    key: DataKey,
    dossier_id: UUID,
    sha256: str,
    source: BinaryIO,
    *,
    segment_size: int = SEGMENT_SIZE,
    check_sha256: bool = True,
) -> Iterator[bytes]:
    """Yield the ciphertext of ``source``: the header, then one sealed segment at a time.

    ``source`` is read ``segment_size`` bytes at a time. With ``check_sha256`` the plaintext's
    SHA-256 is compared with ``sha256`` before the last segment is sealed: a mismatch raises
    PlaintextHashMismatchError, so a wrong document never yields a complete ciphertext.
    """
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise ValueError(f"segment size must be {MIN_SEGMENT_SIZE}..{MAX_SEGMENT_SIZE} bytes")
    prefix = os.urandom(NONCE_PREFIX_SIZE)
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, segment_size, prefix)
    ad = _document_ad(header, dossier_id, sha256)
    aead = AESGCM(key.secret)
    return _encrypt(aead, header, prefix, ad, sha256, source, segment_size, check_sha256)


def _encrypt(
    aead: AESGCM,
    header: bytes,
    prefix: bytes,
    ad: bytes,
    sha256: str,
    source: BinaryIO,
    segment_size: int,
    check_sha256: bool,
) -> Iterator[bytes]:
    digest = hashlib.sha256() if check_sha256 else None
    yield header
    current = _read_full(source, segment_size)
    index = 0
    while True:
        upcoming = _read_full(source, segment_size) if len(current) == segment_size else b""
        last = not upcoming
        if digest is not None:
            digest.update(current)
            if last and digest.hexdigest() != sha256.lower():
                raise PlaintextHashMismatchError(
                    f"the document's bytes do not have the SHA-256 {sha256} they were filed under"
                )
        if index >= MAX_SEGMENTS:
            raise CryptoError("document too large for one encrypted object")
        yield aead.encrypt(_nonce(prefix, index, last), current, ad)
        if last:
            return
        current, index = upcoming, index + 1


def _decrypt(key: DataKey, dossier_id: UUID, sha256: str, source: BinaryIO) -> Iterator[bytes]:
    header = _read_full(source, HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        raise CiphertextIntegrityError("encrypted document is truncated: incomplete header")
    magic, version, segment_size, prefix = _HEADER.unpack(header)
    if magic != MAGIC:
        raise CiphertextIntegrityError("not an encrypted document: unknown format")
    if version != FORMAT_VERSION:
        raise CiphertextIntegrityError(f"encrypted document has unknown format version {version}")
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise CiphertextIntegrityError("encrypted document header is corrupt: bad segment size")
    aead = AESGCM(key.secret)
    ad = _document_ad(header, dossier_id, sha256)
    sealed_size = segment_size + TAG_SIZE
    current = _read_full(source, sealed_size)
    index = 0
    while True:
        upcoming = _read_full(source, sealed_size) if len(current) == sealed_size else b""
        last = not upcoming
        if index >= MAX_SEGMENTS:
            raise CiphertextIntegrityError("encrypted document has too many segments")
        try:
            yield aead.decrypt(_nonce(prefix, index, last), current, ad)
        except InvalidTag:
            raise CiphertextIntegrityError(
                f"encrypted document failed authentication at segment {index} (文档密文校验失败): "
                "it was altered, truncated, extended or reordered, or it is not document "
                f"{sha256} of dossier {dossier_id} under this dossier's key"
            ) from None
        if last:
            return
        current, index = upcoming, index + 1


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte strings, drawn from ``source``.

    Once the iterator has raised, every later read raises the same error again, so a caller
    that catches it can never mistake the rest of a damaged document for its end.
    """

    def __init__(self, chunks: Iterator[bytes], source: BinaryIO, *, owns_source: bool) -> None:
        super().__init__()
        self._chunks = chunks
        self._source = source
        self._owns_source = owns_source
        self._pending = memoryview(b"")
        self._failure: Exception | None = None

    def readable(self) -> bool:
        return True

    def _next(self) -> bool:
        """Make the next non-empty chunk pending; False at the end of the stream."""
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if self._failure is not None:
            raise self._failure
        try:
            for chunk in self._chunks:
                if chunk:
                    self._pending = memoryview(chunk)
                    return True
        except Exception as error:
            self._failure = error
            raise
        return False

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        if not self._pending and not self._next():
            return 0
        count = min(len(target), len(self._pending))
        target[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        parts: list[memoryview] = []
        wanted = size
        while wanted > 0 and (self._pending or self._next()):
            part = self._pending[:wanted]
            self._pending = self._pending[len(part) :]
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def readall(self) -> bytes:
        parts: list[memoryview] = []
        while self._pending or self._next():
            parts.append(self._pending)
            self._pending = memoryview(b"")
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed:
            try:
                if self._owns_source:
                    self._source.close()
            finally:
                super().close()


class EncryptingReader(_ChunkReader):
    """A readable stream of the ciphertext of ``source`` (see ``encrypt_stream``).

    What a blob store's ``put`` consumes. ``source`` stays the caller's: closing this reader
    leaves it open.
    """

    def __init__(
        self,
        key: DataKey,
        dossier_id: UUID,
        sha256: str,
        source: BinaryIO,
        *,
        segment_size: int = SEGMENT_SIZE,
        check_sha256: bool = True,
    ) -> None:
        chunks = encrypt_stream(
            key, dossier_id, sha256, source, segment_size=segment_size, check_sha256=check_sha256
        )
        super().__init__(chunks, source, owns_source=False)


class DecryptingReader(_ChunkReader):
    """A readable stream of the plaintext of an encrypted document.

    Raises CiphertextIntegrityError when a segment that fails authentication is reached;
    closing it closes ``source``.
    """

    def __init__(self, key: DataKey, dossier_id: UUID, sha256: str, source: BinaryIO) -> None:
        _document_ad(b"", dossier_id, sha256)  # refuse a malformed hash now, not at first read
        super().__init__(_decrypt(key, dossier_id, sha256, source), source, owns_source=True)


def decrypt_stream(key: DataKey, dossier_id: UUID, sha256: str, source: BinaryIO) -> BinaryIO:
    """A readable stream of the plaintext of ``source``; see DecryptingReader."""
    return cast(BinaryIO, DecryptingReader(key, dossier_id, sha256, source))
