"""Document blob store (文档存储): the port, its local-file adapter and an in-memory fake.

Documents are stored before the event that cites them, under keys such as
``<dossier-uuid>/<sha256-hex>``. A stored object is never overwritten: ``put`` on a key that
already holds an object keeps the original and returns False, so a retried upload is harmless.

Retention and legal holds (保管期限与冻结) are part of the port so that a store able to enforce
them (S3 Object Lock) does; the local and in-memory stores accept and ignore them, and there the
domain alone keeps a document from being destroyed too early or while a hold is on.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from storage.files import fsync_directory

CHUNK_SIZE = 1024 * 1024
"""How many bytes a store reads from an incoming stream at a time."""

MAX_KEY_LENGTH = 255

# A segment may not begin with a dot: that refuses "." and "..", hidden files, and names the
# local store keeps for itself (its ".staging" directory).
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class BlobStoreError(Exception):
    """Raised when a blob store cannot carry out an operation."""


class BlobNotFoundError(BlobStoreError):
    """Raised when no object is stored under the requested key."""


class InvalidBlobKeyError(BlobStoreError):
    """Raised when a key is not 1..255 characters of safe segments separated by single '/'."""


class BlobLockedError(BlobStoreError):
    """Raised when an object cannot be deleted because of retention or a legal hold."""


def is_valid_key(key: object) -> bool:
    """Tell whether ``key`` is acceptable as a blob key."""
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH:
        return False
    return all(_SEGMENT.fullmatch(segment) for segment in key.split("/"))


def check_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid blob key; else raise InvalidBlobKeyError.

    A key is 1..255 characters: segments of ``[A-Za-z0-9._-]`` joined by single slashes, with
    no leading or trailing slash and no segment that begins with a dot.
    """
    if not is_valid_key(key):
        shown = repr(key) if len(repr(key)) <= 80 else repr(key)[:77] + "..."
        raise InvalidBlobKeyError(f"invalid blob key {shown}")
    return key


def iter_chunks(data: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read ``data`` to its end, ``size`` bytes at a time."""
    while chunk := data.read(size):
        yield chunk


class BlobStore(ABC):
    """Port for document bytes (文档存储), addressed by key and written once."""

    @abstractmethod
    def put(self, key: str, data: BinaryIO, *, retain_until: datetime | None = None) -> bool:
        """Store the stream under ``key`` atomically, reading it in chunks.

        Return True if this call created the object, False if an object already existed under
        ``key``; an existing object is never overwritten (nor is its retention changed).

        ``retain_until`` (a timezone-aware datetime, UTC) asks a store that can enforce
        retention to refuse deleting the new object before then. Stores that cannot enforce it
        accept and ignore it; see ``set_retention``.
        """

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Return a readable stream of the object; BlobNotFoundError if there is none."""

    def get(self, key: str) -> bytes:
        """Return the whole object; BlobNotFoundError if there is none."""
        with self.open(key) as stream:
            return stream.read()

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under ``key``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; BlobNotFoundError if there is none."""

    @abstractmethod
    def keys(self) -> Iterator[str]:
        """Yield the key of every stored object."""

    def count(self) -> int:
        """Return how many objects are stored."""
        return sum(1 for _ in self.keys())

    def set_retention(self, key: str, until: datetime) -> None:
        """Keep the object from deletion until at least ``until`` (timezone-aware, UTC).

        A store that enforces retention refuses ``delete`` (BlobLockedError) before then. This
        default does nothing: a store without object lock (local files, memory) leaves
        retention to the domain, which does not destroy a document before its retention ends.
        """
        check_key(key)

    def set_legal_hold(self, key: str, on: bool) -> None:
        """Put a legal hold on the object (``on=True``) or release it (``on=False``).

        A store that enforces holds refuses ``delete`` (BlobLockedError) while one is on. This
        default does nothing: without object lock the domain's dossier holds are the only guard.
        """
        check_key(key)

    def legal_hold(self, key: str) -> bool:
        """Tell whether the store holds the object under a legal hold (default: False)."""
        check_key(key)
        return False

    @abstractmethod
    def modified(self, key: str) -> datetime:
        """When the object was stored (UTC); BlobNotFoundError if there is none."""

    def check(self) -> None:  # noqa: B027 - a store in memory has nothing to reach
        """Raise BlobStoreError if the store cannot be reached now (readiness); reads no object.

        This default has nothing to reach (a store in memory).
        """


class InMemoryBlobStore(BlobStore):
    """Blob store held in a dict (内存存储), for fast unit tests."""

    def __init__(self) -> None:
        self._objects: dict[str, bytes] = {}
        self._stored_at: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def put(self, key: str, data: BinaryIO, *, retain_until: datetime | None = None) -> bool:
        """Store the stream; ``retain_until`` is accepted and ignored (no retention in memory)."""
        check_key(key)
        content = b"".join(iter_chunks(data))
        with self._lock:
            if key in self._objects:
                return False
            self._objects[key] = content
            self._stored_at[key] = datetime.now(UTC)
            return True

    def modified(self, key: str) -> datetime:
        check_key(key)
        with self._lock:
            stored_at = self._stored_at.get(key) if key in self._objects else None
        if stored_at is None:
            raise BlobNotFoundError(f"no blob under key {key!r}")
        return stored_at

    def open(self, key: str) -> BinaryIO:
        check_key(key)
        with self._lock:
            content = self._objects.get(key)
        if content is None:
            raise BlobNotFoundError(f"no blob under key {key!r}")
        return io.BytesIO(content)

    def exists(self, key: str) -> bool:
        check_key(key)
        with self._lock:
            return key in self._objects

    def delete(self, key: str) -> None:
        check_key(key)
        with self._lock:
            if self._objects.pop(key, None) is None:
                raise BlobNotFoundError(f"no blob under key {key!r}")

    def keys(self) -> Iterator[str]:
        with self._lock:
            return iter(sorted(self._objects))


class LocalBlobStore(BlobStore):
    """Blobs as files under ``root`` (本地文件存储): key ``a/b`` is the file ``root/a/b``.

    ``put`` writes the stream to a temporary file in ``root/.staging``, fsyncs it, then
    hard-links it into place and fsyncs the directory. The link either creates the whole
    object or fails because the key is taken, so concurrent puts of one key are safe and a
    crash never leaves a partial object under a key. Staging lives inside ``root`` so the link
    never crosses file systems; the file system must support hard links.

    A key cannot also be a directory of other keys (``a`` beside ``a/b``): such a put raises
    BlobStoreError. Directories emptied by ``delete`` are kept, because removing them could
    race with a concurrent put into the same directory.
    """

    STAGING_DIR = ".staging"

    def __init__(self, root: Path) -> None:
        self._root = Path(root)
        self._staging = self._root / self.STAGING_DIR
        self._staging.mkdir(parents=True, exist_ok=True)

    @property
    def root(self) -> Path:
        """The directory that holds the objects."""
        return self._root

    def put(self, key: str, data: BinaryIO, *, retain_until: datetime | None = None) -> bool:
        """Store the stream as a file.

        ``retain_until`` is accepted and ignored: a local file cannot refuse its own deletion,
        so retention of local documents is enforced by the domain only.
        """
        target = self._path(key)
        if target.is_file():
            return False  # a cheap early answer; the hard link below is the real guard
        fd, staged_name = tempfile.mkstemp(dir=self._staging, prefix="put-")
        staged = Path(staged_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter_chunks(data):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            self._make_parents(key)
            try:
                os.link(staged, target)
            except FileExistsError:
                if target.is_dir():
                    raise BlobStoreError(f"blob key {key!r} is a directory of other keys") from None
                return False
            fsync_directory(target.parent)
            return True
        finally:
            staged.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFoundError(f"no blob under key {key!r}") from None

    def modified(self, key: str) -> datetime:
        try:
            mtime = self._path(key).stat().st_mtime
        except FileNotFoundError:
            raise BlobNotFoundError(f"no blob under key {key!r}") from None
        return datetime.fromtimestamp(mtime, UTC)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def check(self) -> None:
        """The root and its staging directory are directories this process may write into."""
        for directory in (self._root, self._staging):
            if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
                raise BlobStoreError(f"{directory} is not a writable directory")

    def delete(self, key: str) -> None:
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFoundError(f"no blob under key {key!r}")
        try:
            path.unlink()
        except FileNotFoundError:
            raise BlobNotFoundError(f"no blob under key {key!r}") from None
        fsync_directory(path.parent)

    def keys(self) -> Iterator[str]:
        for directory, dirnames, filenames in os.walk(self._root):
            # Pruning names that cannot be key segments also skips the staging directory.
            dirnames[:] = sorted(name for name in dirnames if _SEGMENT.fullmatch(name))
            relative = Path(directory).relative_to(self._root)
            for name in sorted(filenames):
                key = (relative / name).as_posix()
                if is_valid_key(key) and (Path(directory) / name).is_file():
                    yield key

    def _path(self, key: str) -> Path:
        return self._root.joinpath(*check_key(key).split("/"))

    def _make_parents(self, key: str) -> None:
        """Create the directories above the object, fsyncing each parent that gains one."""
        directory = self._root
        for segment in key.split("/")[:-1]:
            parent, directory = directory, directory / segment
            try:
                directory.mkdir()
            except FileExistsError:
                if not directory.is_dir():
                    raise BlobStoreError(
                        f"blob key {key!r} runs through the object {segment!r}"
                    ) from None
            else:
                fsync_directory(parent)
