"""One S3 bucket through one minio client: failures translated, versions listed, bodies read.

Every minio or urllib3 exception raised here becomes a BlobStoreError subclass naming the
bucket and the key.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, TypeVar

from minio import Minio
from minio.error import MinioException, S3Error
from urllib3.exceptions import HTTPError, MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse

from storage.blobs import BlobNotFoundError, BlobStoreError

NOT_FOUND: Final = frozenset({"NoSuchKey", "NoSuchVersion"})
# What servers answer when an object, or its bucket, has no retention or legal hold to report.
NO_LOCK: Final = frozenset(
    {
        "NoSuchObjectLockConfiguration",
        "ObjectLockConfigurationNotFoundError",
        "NoSuchObjectLegalHold",
    }
)
# What a server may answer to a bucket creation asking for Object Lock when it cannot do it.
LOCK_UNSUPPORTED: Final = frozenset(
    {"NotImplemented", "InvalidRequest", "InvalidArgument", "InvalidBucketState"}
)
CLIENT_ERRORS: Final = (MinioException, HTTPError)

T = TypeVar("T")


@dataclass(frozen=True)
class Version:
    """One version of an object, or a delete marker."""

    id: str | None
    delete_marker: bool


@dataclass(frozen=True)
class Bucket:
    """The bucket ``name`` as ``client`` reaches it."""

    client: Minio
    name: str

    @contextmanager
    def errors(self, key: str | None = None) -> Iterator[None]:
        """Turn minio and urllib3 errors raised inside into BlobStoreError subclasses."""
        try:
            yield
        except CLIENT_ERRORS as error:
            raise self.translated(error, key) from error

    def answer(
        self, key: str | None, call: Callable[[], T], *, absent: Collection[str], default: T
    ) -> T:
        """What ``call`` returns, or ``default`` where the server's error code is one of
        ``absent`` (no such object, no lock to report); any other failure translated."""
        try:
            return call()
        except S3Error as error:
            if error.code in absent:
                return default
            raise self.translated(error, key) from error
        except CLIENT_ERRORS as error:
            raise self.translated(error, key) from error

    def translated(self, error: Exception, key: str | None) -> BlobStoreError:
        where = f"bucket {self.name!r}" + (f", key {key!r}" if key is not None else "")
        if isinstance(error, S3Error):
            if error.code in NOT_FOUND and key is not None:
                return BlobNotFoundError(f"no blob under key {key!r}")
            if error.code == "NoSuchBucket":
                return BlobStoreError(f"the S3 bucket {self.name!r} does not exist")
            return BlobStoreError(f"S3 refused ({error.code}: {error.message}; {where})")
        if isinstance(error, MinioException):
            return BlobStoreError(f"bad answer from the S3 server ({error}; {where})")
        if isinstance(error, MaxRetryError) and isinstance(error.reason, ResponseError):
            return BlobStoreError(f"the S3 server keeps failing ({error.reason}; {where})")
        return BlobStoreError(
            f"cannot reach the S3 server ({type(error).__name__}: {error}; {where})"
        )

    def exists(self, key: str, name: str) -> bool:
        """Whether the object ``name`` (the blob ``key``) exists."""

        def stat() -> bool:
            self.client.stat_object(bucket_name=self.name, object_name=name)
            return True

        return self.answer(key, stat, absent=NOT_FOUND, default=False)

    def versions(self, key: str, name: str) -> list[Version]:
        """Every version and delete marker of the object ``name``."""
        listing = self.client.list_objects(bucket_name=self.name, prefix=name, include_version=True)
        versions: list[Version] = []
        with self.errors(key):
            for item in listing:
                if item.object_name == name and not item.is_dir:
                    versions.append(
                        Version(id=item.version_id, delete_marker=item.is_delete_marker)
                    )
        return versions

    def remove_version(self, key: str, name: str, version_id: str) -> None:
        with self.errors(key):
            self.client.remove_object(
                bucket_name=self.name, object_name=name, version_id=version_id
            )


class ObjectStream(io.RawIOBase):
    """An object's body as a raw stream; ``close`` releases the HTTP connection."""

    def __init__(self, response: BaseHTTPResponse, key: str) -> None:
        self._response = response
        self._key = key
        self._at_end = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self._read(None)

    def _read(self, size: int | None) -> bytes:
        if self.closed:
            raise ValueError("I/O operation on closed stream")
        try:
            data = self._response.read(amt=size)
        except CLIENT_ERRORS as error:
            raise BlobStoreError(
                f"reading blob {self._key!r} from the S3 server failed ({error})"
            ) from error
        if size is None or (size > 0 and not data):
            self._at_end = True
        return data

    def close(self) -> None:
        if self.closed:
            return
        try:
            if not self._at_end:
                self._response.close()  # unread bytes left: the connection cannot be reused
            self._response.release_conn()
        finally:
            super().close()
