"""Documents encrypted at rest (加密存储): each dossier's data key, and a blob store that uses it.

``Envelope`` finds or creates a dossier's data key in the key store and unwraps it with the
master key. ``EncryptingBlobStore`` wraps any BlobStore: what it stores under
``<dossier-uuid>/<sha256-hex>`` is that document encrypted under that dossier's data key, so
deleting the key from the key store (crypto-shredding) leaves ciphertext nobody can read. Data
keys are never cached: once deleted, a key is gone for every later read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO, cast
from uuid import UUID

from storage.blobs import BlobStore, InvalidBlobKeyError
from storage.crypto import (
    CryptoError,
    DataKey,
    EncryptingReader,
    MasterKey,
    MasterKeyError,
    decrypt_stream,
    unwrap_data_key,
    wrap_data_key,
)
from storage.keystore import KeyStore

_DOCUMENT_KEY = re.compile(
    r"(?P<dossier>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(?P<sha>[0-9a-f]{64})"
    r"(?P<derived>\.text)?"
)
DERIVED_SUFFIX = ".text"
"""Objects derived from a document (its extracted text), kept and destroyed with it."""


def _associated_sha(sha256: str, derived: str | None) -> str:
    """The hash bound into the ciphertext: the document's, or a distinct one for derivations.

    A derived object must not decrypt as its document (nor the reverse), so its
    associated data differs; its content is not checked against a hash.
    """
    if not derived:
        return sha256
    return hashlib.sha256(f"{sha256}{derived}".encode()).hexdigest()


SEARCH_INDEX_KEY_ID = UUID("5ea7c400-0000-4000-8000-000000000001")
"""Where the key store keeps the search index key (检索索引密钥): the key of the document search's
blind index, which hashes the terms of every document's text. No dossier has this id (theirs are
name-based, version 5); it is wrapped under the master key like a dossier's key, rotated and
backed up with them, and never stored in the register database."""


class DataKeyNotFoundError(CryptoError):
    """The key store holds no data key for the dossier, and none was ever destroyed."""


class KeyDestroyedError(DataKeyNotFoundError):
    """The dossier's data key was destroyed: its documents can no longer be read or added."""


def parse_document_key(key: str) -> tuple[UUID, str]:
    """Split a blob key ``<dossier-uuid>/<sha256-hex>`` (lower case) into its two parts.

    InvalidBlobKeyError for any other shape.
    """
    match = _DOCUMENT_KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        shown = repr(key) if len(repr(key)) <= 80 else repr(key)[:77] + "..."
        raise InvalidBlobKeyError(
            f"invalid document key {shown}: expected <dossier-uuid>/<sha256-hex>, lower case"
        )
    return UUID(match["dossier"]), _associated_sha(match["sha"], match["derived"])


class Envelope:
    """Data keys of dossiers (数据密钥), kept wrapped in ``keys`` under ``master``."""

    def __init__(self, keys: KeyStore, master: MasterKey) -> None:
        self._keys = keys
        self._master = master

    @property
    def keys(self) -> KeyStore:
        return self._keys

    @property
    def master_key_id(self) -> str:
        return self._master.key_id

    def check(self) -> None:
        """Unwrap one stored key, if there is any: WrongMasterKeyError at start, not at first read."""
        for wrapped in self._keys.all():
            unwrap_data_key(self._master, wrapped)
            return

    def data_key(self, dossier_id: UUID, *, create: bool) -> DataKey:
        """The dossier's data key; with ``create``, a new one is made and stored when it has none.

        If another writer stores a key for the dossier first, that key is returned. Raise
        KeyDestroyedError if the dossier's key was destroyed, DataKeyNotFoundError if it has
        none and ``create`` is false, WrongMasterKeyError if it is wrapped under another master.
        """
        wrapped = self._keys.get(dossier_id)
        if wrapped is None and create and not self._keys.is_destroyed(dossier_id):
            fresh = DataKey.generate()
            if self._keys.add(wrap_data_key(self._master, dossier_id, fresh)):
                return fresh
            wrapped = self._keys.get(dossier_id)
        if wrapped is None:
            raise self._missing(dossier_id)
        return unwrap_data_key(self._master, wrapped)

    def search_index_key(self) -> bytes:
        """The search index key: 32 random bytes, made and stored on first use."""
        return self.data_key(SEARCH_INDEX_KEY_ID, create=True).secret

    def _missing(self, dossier_id: UUID) -> DataKeyNotFoundError:
        if self._keys.is_destroyed(dossier_id):
            return KeyDestroyedError(
                f"档案 {dossier_id} 的数据密钥已销毁，其文档不可再读取或添加 "
                f"(the data key of dossier {dossier_id} was destroyed: its documents can no "
                "longer be read or added)"
            )
        return DataKeyNotFoundError(
            f"密钥库中没有档案 {dossier_id} 的数据密钥 (no data key for dossier {dossier_id} in "
            "the key store: is this the key store that belongs to these documents?)"
        )


class EncryptingBlobStore(BlobStore):
    """A BlobStore that encrypts each document under its dossier's data key.

    Keys must be ``<dossier-uuid>/<sha256-hex>``. ``put`` streams ciphertext into ``inner``,
    checking on the way (unless ``check_sha256`` is false) that the plaintext has the SHA-256
    the key names, so a mismatched document is never stored. ``open`` returns a stream that
    decrypts as it is read and raises CiphertextIntegrityError on tampering. Everything else
    (exists, delete, keys, count, retention, legal holds) is the inner store's.
    """

    def __init__(self, inner: BlobStore, envelope: Envelope, *, check_sha256: bool = True) -> None:
        self._inner = inner
        self._envelope = envelope
        self._check_sha256 = check_sha256

    @property
    def inner(self) -> BlobStore:
        """The store that holds the ciphertext."""
        return self._inner

    @property
    def envelope(self) -> Envelope:
        return self._envelope

    def put(self, key: str, data: BinaryIO, **kw: Any) -> bool:
        """Encrypt and store; extra keyword arguments go to the inner store's ``put``."""
        dossier_id, sha256 = parse_document_key(key)
        if self._inner.exists(key):
            return False  # a cheap early answer; the inner store's put is the real guard
        data_key = self._envelope.data_key(dossier_id, create=True)
        derived = key.endswith(DERIVED_SUFFIX)
        reader = EncryptingReader(
            data_key, dossier_id, sha256, data, check_sha256=self._check_sha256 and not derived
        )
        with reader:
            return self._inner.put(key, cast(BinaryIO, reader), **kw)

    def open(self, key: str) -> BinaryIO:
        dossier_id, sha256 = parse_document_key(key)
        stream = self._inner.open(key)
        try:
            data_key = self._envelope.data_key(dossier_id, create=False)
        except BaseException:
            stream.close()
            raise
        return decrypt_stream(data_key, dossier_id, sha256, stream)

    def exists(self, key: str) -> bool:
        return self._inner.exists(key)

    def delete(self, key: str) -> None:
        self._inner.delete(key)

    def keys(self) -> Iterator[str]:
        return self._inner.keys()

    def count(self) -> int:
        return self._inner.count()

    # Retention and holds concern the stored object, so they go to the inner store: the
    # defaults inherited from BlobStore would silently do nothing.
    def set_retention(self, key: str, until: datetime) -> None:
        self._inner.set_retention(key, until)

    def set_legal_hold(self, key: str, on: bool) -> None:
        self._inner.set_legal_hold(key, on)

    def check(self) -> None:
        self._inner.check()

    def legal_hold(self, key: str) -> bool:
        return self._inner.legal_hold(key)

    def modified(self, key: str) -> datetime:
        return self._inner.modified(key)


def rotate_master_key(keys: KeyStore, old: MasterKey, new: MasterKey) -> int:
    """Re-wrap every data key from ``old`` to ``new`` in one transaction; return how many.

    Documents are not touched. Keys already under ``new`` are skipped, so a rotation that was
    interrupted, or that missed keys added meanwhile by a process still on ``old``, can simply
    be run again.
    """
    if old.key_id == new.key_id:
        raise MasterKeyError(
            f"新旧主密钥相同 (the new master key is the old one, {old.key_id}): generate a new key"
        )
    return keys.rewrap_all(old, new)
