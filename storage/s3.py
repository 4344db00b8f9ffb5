"""S3 blob store (对象存储): documents in an S3 bucket, through the minio SDK.

The bucket is meant to be versioned with Object Lock (``ensure_bucket`` creates it so), which
lets the server itself refuse to delete a document under retention (保管期限) or a legal hold
(冻结). A server or bucket without Object Lock still works, versioned only; retention and holds
are then left to the domain, as with local files.

Write once: ``put`` sends ``If-None-Match: *`` (on the single PUT, or on the request that
completes a multipart upload), so the server refuses to store a second object under a key that
holds one, even when two uploads race; the loser gets False. Because SeaweedFS lets racing
multipart completions through, a multipart upload then also checks that its version is the
oldest of the key, and removes it and reports False if not. A server that ignores the header
would let a later single PUT win as a new version; the store checks for an existing object
first, so only a true race could do that there.

``delete`` removes every version of the key, so the bytes are really gone rather than hidden
behind a delete marker. It first checks each version for retention and a legal hold and refuses
(BlobLockedError) before removing anything.

Every failure surfaces as a BlobStoreError subclass; no minio or urllib3 exception escapes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, Final, Literal, cast

from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED, GOVERNANCE
from minio.error import MinioException, S3Error
from minio.helpers import DictType, check_bucket_name
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig
from urllib3.exceptions import HTTPError, MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse

from storage.blobs import (
    CHUNK_SIZE,
    BlobLockedError,
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    check_key,
    is_valid_key,
)

MIB: Final = 1024 * 1024
MIN_PART_SIZE: Final = 5 * MIB
"""The smallest part S3 accepts in a multipart upload (except for the last part)."""

DEFAULT_PART_SIZE: Final = 16 * MIB
"""Objects up to this size go up in one PUT; larger ones in parts of this size."""

RACE_SETTLE_SECONDS: Final = 0.5
"""How long a completed multipart upload waits before checking that it came first."""

RetentionMode = Literal["COMPLIANCE", "GOVERNANCE"]

_NOT_FOUND: Final = frozenset({"NoSuchKey", "NoSuchVersion"})
# What servers answer when an object, or its bucket, has no retention or legal hold to report.
_NO_LOCK: Final = frozenset(
    {
        "NoSuchObjectLockConfiguration",
        "ObjectLockConfigurationNotFoundError",
        "NoSuchObjectLegalHold",
    }
)
# What a server may answer to a bucket creation asking for Object Lock when it cannot do it.
_LOCK_UNSUPPORTED: Final = frozenset(
    {"NotImplemented", "InvalidRequest", "InvalidArgument", "InvalidBucketState"}
)
_CLIENT_ERRORS: Final = (MinioException, HTTPError)


class S3BlobStore(BlobStore):
    """Blobs as objects in one S3 bucket (对象存储): key ``a/b`` is the object ``<prefix>a/b``.

    ``prefix`` (a key-shaped path, optionally ending in ``/``) lets several stores share a
    bucket. ``retention_mode`` is the Object Lock mode used for ``retain_until`` and
    ``set_retention``: COMPLIANCE (nobody, not even the root account, can shorten or remove
    it) by default, or GOVERNANCE (users with the bypass permission can). ``part_size`` bounds
    the memory an upload uses: the stream is read in ``CHUNK_SIZE`` chunks into parts of that
    size.

    Known server limits (SeaweedFS 4.48): a conditional PUT into a versioned bucket fails with
    an internal error when the last segment of the object name is longer than 246 characters
    (the server names an entry ``<segment>.versions``); document keys end in a 64-character
    hash, far below that. Racing uploads of one key wait on each other for a second or two.
    """

    def __init__(
        self,
        client: Minio,
        bucket: str,
        *,
        prefix: str = "",
        retention_mode: RetentionMode = "COMPLIANCE",
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        check_bucket_name(bucket_name=bucket, strict=True)
        prefix = prefix.rstrip("/")
        if prefix and not is_valid_key(prefix):
            raise ValueError(f"invalid prefix {prefix!r}: it must be shaped like a blob key")
        if retention_mode not in (COMPLIANCE, GOVERNANCE):
            raise ValueError(
                f"retention_mode must be COMPLIANCE or GOVERNANCE, not {retention_mode!r}"
            )
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes")
        self._client = client
        self._bucket = bucket
        self._prefix = f"{prefix}/" if prefix else ""
        self._retention_mode: RetentionMode = retention_mode
        self._part_size = part_size
        self._object_lock: bool | None = None

    @classmethod
    def connect(
        cls,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = True,
        region: str | None = None,
        prefix: str = "",
        retention_mode: RetentionMode = "COMPLIANCE",
    ) -> S3BlobStore:
        """A store on ``bucket`` at ``endpoint`` (``host[:port]``, no scheme).

        Nothing is sent to the server yet; call ``ensure_bucket`` to create the bucket.
        """
        client = Minio(
            endpoint=endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
        )
        return cls(client, bucket, prefix=prefix, retention_mode=retention_mode)

    @property
    def client(self) -> Minio:
        return self._client

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def prefix(self) -> str:
        """What every object name starts with: ``""`` or a path ending in ``/``."""
        return self._prefix

    @property
    def retention_mode(self) -> RetentionMode:
        return self._retention_mode

    @property
    def object_lock(self) -> bool:
        """Whether the bucket has Object Lock enabled (asked of the server once, then kept)."""
        if self._object_lock is None:
            self._object_lock = self._detect_object_lock()
        return self._object_lock

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist, with Object Lock (and so versioning).

        If the server refuses Object Lock the bucket is created without it. Either way, a
        bucket without Object Lock gets versioning turned on. ``object_lock`` tells the outcome.
        """
        with self._s3():
            exists = self._client.bucket_exists(bucket_name=self._bucket)
        if not exists:
            try:
                self._client.make_bucket(bucket_name=self._bucket, object_lock=True)
            except S3Error as error:
                if error.code == "BucketAlreadyOwnedByYou":
                    pass  # created meanwhile by another process of ours
                elif error.code in _LOCK_UNSUPPORTED:
                    with self._s3():
                        self._client.make_bucket(bucket_name=self._bucket)
                else:
                    raise self._translated(error, None) from error
            except _CLIENT_ERRORS as error:
                raise self._translated(error, None) from error
        self._object_lock = self._detect_object_lock()
        if not self._object_lock:
            with self._s3():
                versioning = self._client.get_bucket_versioning(bucket_name=self._bucket)
                if versioning.status != ENABLED:
                    self._client.set_bucket_versioning(
                        bucket_name=self._bucket, config=VersioningConfig(status=ENABLED)
                    )

    # -- the port ---------------------------------------------------------------------------

    def put(self, key: str, data: BinaryIO, *, retain_until: datetime | None = None) -> bool:
        """Store the stream unless the key holds an object; True if this call created it.

        ``retain_until`` puts the new object under Object Lock retention (``retention_mode``)
        until then, rounded up to the whole second; a time already past, or a bucket without
        Object Lock, stores it without retention. Either the object is stored with its
        retention or the call raises.
        """
        name = self._name(key)
        retention: Retention | None = None
        if retain_until is not None:
            until = _whole_second_utc(retain_until)
            if until > datetime.now(UTC) and self.object_lock:
                retention = Retention(mode=self._retention_mode, retain_until_date=until)
        if self.exists(key):
            return False  # a cheap early answer; If-None-Match below is the real guard
        parts = _PartReader(data)
        first = parts.read(self._part_size)
        if parts.exhausted():
            return self._put_single(key, name, first, retention)
        return self._put_multipart(key, name, first, parts, retention)

    def open(self, key: str) -> BinaryIO:
        """Return a stream of the object; closing it hands the connection back to the pool."""
        name = self._name(key)
        with self._s3(key):
            response = self._client.get_object(bucket_name=self._bucket, object_name=name)
        return cast(BinaryIO, _ObjectStream(response, key))

    def exists(self, key: str) -> bool:
        name = self._name(key)
        try:
            self._client.stat_object(bucket_name=self._bucket, object_name=name)
        except S3Error as error:
            if error.code in _NOT_FOUND:
                return False
            raise self._translated(error, key) from error
        except _CLIENT_ERRORS as error:
            raise self._translated(error, key) from error
        return True

    def modified(self, key: str) -> datetime:
        name = self._name(key)
        with self._s3(key):
            stat = self._client.stat_object(bucket_name=self._bucket, object_name=name)
        if stat.last_modified is None:
            raise BlobStoreError(f"the server gave no modification time for {key!r}")
        return stat.last_modified.astimezone(UTC)

    def delete(self, key: str) -> None:
        """Remove every version of the object (and any delete marker over it).

        BlobNotFoundError if no version holds bytes; BlobLockedError, before anything is
        removed, if retention or a legal hold protects any version. Versions hidden behind a
        delete marker that another S3 client left are removed too.
        """
        name = self._name(key)
        versions = self._versions(key, name)
        if not any(not version.delete_marker for version in versions):
            raise BlobNotFoundError(f"no blob under key {key!r}")
        if self.object_lock:
            for version in versions:
                if not version.delete_marker and (
                    reason := self._lock_reason(key, name, version.id)
                ):
                    raise BlobLockedError(f"blob {key!r} cannot be deleted: {reason}")
        for version in versions:
            try:
                self._client.remove_object(
                    bucket_name=self._bucket, object_name=name, version_id=version.id
                )
            except S3Error as error:
                # A hold or retention set since the check above.
                if error.code == "AccessDenied" and (
                    reason := self._lock_reason(key, name, version.id)
                ):
                    raise BlobLockedError(f"blob {key!r} cannot be deleted: {reason}") from error
                raise self._translated(error, key) from error
            except _CLIENT_ERRORS as error:
                raise self._translated(error, key) from error

    def keys(self) -> Iterator[str]:
        objects = self._client.list_objects(
            bucket_name=self._bucket, prefix=self._prefix, recursive=True
        )
        while True:
            with self._s3():
                item = next(objects, None)
            if item is None:
                return
            name = item.object_name
            if item.is_dir or name is None or not name.startswith(self._prefix):
                continue
            key = name[len(self._prefix) :]
            if is_valid_key(key):
                yield key

    def set_retention(self, key: str, until: datetime) -> None:
        """Keep the object (its current version) until at least ``until``, never shortening.

        If the object is already retained until then or later, or ``until`` has passed, nothing
        changes. BlobNotFoundError if there is no object; BlobLockedError if the server refuses
        (a retention in another mode that cannot be changed). Without Object Lock, a no-op.
        """
        name = self._name(key)
        until = _whole_second_utc(until)
        if not self.object_lock:
            return
        current = self._retention(key, name)
        if (current is not None and current >= until) or until <= datetime.now(UTC):
            return
        try:
            self._client.set_object_retention(
                bucket_name=self._bucket,
                object_name=name,
                config=Retention(mode=self._retention_mode, retain_until_date=until),
            )
        except S3Error as error:
            if error.code == "AccessDenied":
                raise BlobLockedError(
                    f"the retention of blob {key!r} cannot be changed to {self._retention_mode} "
                    f"until {until.isoformat()}"
                ) from error
            raise self._translated(error, key) from error
        except _CLIENT_ERRORS as error:
            raise self._translated(error, key) from error

    def set_legal_hold(self, key: str, on: bool) -> None:
        """Put on or release the legal hold of the object's current version.

        BlobNotFoundError if there is no object. Without Object Lock, a no-op.
        """
        name = self._name(key)
        if not self.object_lock:
            return
        if not self.exists(key):  # SeaweedFS answers a hold on a missing object with a 500
            raise BlobNotFoundError(f"no blob under key {key!r}")
        with self._s3(key):
            if on:
                self._client.enable_object_legal_hold(bucket_name=self._bucket, object_name=name)
            else:
                self._client.disable_object_legal_hold(bucket_name=self._bucket, object_name=name)

    def legal_hold(self, key: str) -> bool:
        """Whether the object's current version is under a legal hold (False without Object Lock)."""
        name = self._name(key)
        if not self.object_lock:
            return False
        return self._legal_hold(key, name, None)

    # -- helpers ----------------------------------------------------------------------------

    def _name(self, key: str) -> str:
        return self._prefix + check_key(key)

    def _detect_object_lock(self) -> bool:
        try:
            self._client.get_object_lock_config(bucket_name=self._bucket)
        except S3Error as error:
            if error.code in _NO_LOCK or error.code in _LOCK_UNSUPPORTED:
                return False
            raise self._translated(error, None) from error
        except _CLIENT_ERRORS as error:
            raise self._translated(error, None) from error
        return True

    def _put_single(self, key: str, name: str, body: bytes, retention: Retention | None) -> bool:
        """One conditional PUT, retention included: the object and its lock arrive together."""
        headers = {"Content-Type": "application/octet-stream", "If-None-Match": "*"}
        if retention is not None:
            headers |= _retention_headers(retention)
        try:
            _put_bytes(self._client, bucket=self._bucket, name=name, body=body, headers=headers)
        except S3Error as error:
            return self._refused_put(error, key)
        except _CLIENT_ERRORS as error:
            raise self._translated(error, key) from error
        return True

    def _put_multipart(
        self,
        key: str,
        name: str,
        first: bytes,
        parts: _PartReader,
        retention: Retention | None,
    ) -> bool:
        """Parts, then a conditional completion, then a check for a racing upload.

        SeaweedFS 4.48 does not serialize conditional completions of one key in a versioned
        bucket: two racing uploads can both complete. So the versions of the key are listed
        before completing, and again ``RACE_SETTLE_SECONDS`` after (time for a racing
        completion to become visible). Of the versions that appeared in between, the one with
        the smallest version id stays; every other upload removes its own version and reports
        False. (Age cannot decide: SeaweedFS lists versions in no reliable order, with
        timestamps in whole seconds.) A version must still be removable then, so retention is
        set only after the check, and the version is removed again if that fails, so that a
        retry starts afresh.
        """
        with self._s3(key):
            upload_id = self._client._create_multipart_upload(
                bucket_name=self._bucket,
                object_name=name,
                headers={"Content-Type": "application/octet-stream"},
            )
        completed = False
        try:
            etags: list[str] = []
            body = first
            while True:
                with self._s3(key):
                    etags.append(
                        _put_bytes(
                            self._client,
                            bucket=self._bucket,
                            name=name,
                            body=body,
                            headers={},
                            query={"partNumber": str(len(etags) + 1), "uploadId": upload_id},
                        )
                    )
                if parts.exhausted():
                    break
                body = parts.read(self._part_size)  # the source's own errors pass through
            before = {version.id for version in self._versions(key, name)}
            try:
                version_id = _complete_if_absent(
                    self._client, bucket=self._bucket, name=name, upload_id=upload_id, etags=etags
                )
            except S3Error as error:
                return self._refused_put(error, key)
            except _CLIENT_ERRORS as error:
                raise self._translated(error, key) from error
            completed = True
        finally:
            if not completed:
                with suppress(*_CLIENT_ERRORS):
                    self._client._abort_multipart_upload(
                        bucket_name=self._bucket, object_name=name, upload_id=upload_id
                    )
        if version_id is None:
            return True  # an unversioned bucket: If-None-Match is the only guard there
        time.sleep(RACE_SETTLE_SECONDS)  # let a racing completion become visible
        if self._raced_and_lost(key, name, version_id, before):
            self._remove_version(key, name, version_id)
            return False
        if retention is not None:
            try:
                with self._s3(key):
                    self._client.set_object_retention(
                        bucket_name=self._bucket,
                        object_name=name,
                        config=retention,
                        version_id=version_id,
                    )
            except BlobStoreError:
                with suppress(BlobStoreError):
                    self._remove_version(key, name, version_id)
                raise
        return True

    def _raced_and_lost(
        self, key: str, name: str, version_id: str, before: set[str | None]
    ) -> bool:
        """Whether another upload created a version meanwhile that wins over ``version_id``.

        Every racing upload sees the same new versions, so all agree on the one that stays.
        """
        new = {
            version.id
            for version in self._versions(key, name)
            if not version.delete_marker and version.id is not None and version.id not in before
        }
        return version_id in new and min(new) != version_id

    def _remove_version(self, key: str, name: str, version_id: str) -> None:
        with self._s3(key):
            self._client.remove_object(
                bucket_name=self._bucket, object_name=name, version_id=version_id
            )

    def _refused_put(self, error: S3Error, key: str) -> bool:
        """False if the server refused a conditional write because the key is taken."""
        if error.code == "PreconditionFailed":
            return False
        if error.code == "ConditionalRequestConflict" and self.exists(key):
            return False  # a concurrent write to the same key won
        raise self._translated(error, key) from error

    def _versions(self, key: str, name: str) -> list[_Version]:
        listing = self._client.list_objects(
            bucket_name=self._bucket, prefix=name, include_version=True
        )
        versions: list[_Version] = []
        with self._s3(key):
            for item in listing:
                if item.object_name == name and not item.is_dir:
                    versions.append(
                        _Version(id=item.version_id, delete_marker=item.is_delete_marker)
                    )
        return versions

    def _lock_reason(self, key: str, name: str, version_id: str | None) -> str | None:
        """Why the version may not be deleted now (retention, legal hold), or None."""
        try:
            until = self._retention(key, name, version_id)
            if until is not None and until > datetime.now(UTC):
                return f"under retention until {until.isoformat()}"
            if self._legal_hold(key, name, version_id):
                return "under a legal hold"
        except BlobNotFoundError:
            return None  # removed meanwhile
        return None

    def _retention(self, key: str, name: str, version_id: str | None = None) -> datetime | None:
        try:
            retention = self._client.get_object_retention(
                bucket_name=self._bucket, object_name=name, version_id=version_id
            )
        except S3Error as error:
            if error.code in _NO_LOCK:
                return None
            raise self._translated(error, key) from error
        except _CLIENT_ERRORS as error:
            raise self._translated(error, key) from error
        if retention is None or retention.mode is None:
            return None
        return retention.retain_until_date

    def _legal_hold(self, key: str, name: str, version_id: str | None) -> bool:
        try:
            return self._client.is_object_legal_hold_enabled(
                bucket_name=self._bucket, object_name=name, version_id=version_id
            )
        except S3Error as error:
            if error.code in _NO_LOCK:
                return False
            raise self._translated(error, key) from error
        except _CLIENT_ERRORS as error:
            raise self._translated(error, key) from error

    @contextmanager
    def _s3(self, key: str | None = None) -> Iterator[None]:
        """Turn minio and urllib3 errors raised inside into BlobStoreError subclasses."""
        try:
            yield
        except _CLIENT_ERRORS as error:
            raise self._translated(error, key) from error

    def _translated(self, error: Exception, key: str | None) -> BlobStoreError:
        where = f"bucket {self._bucket!r}" + (f", key {key!r}" if key is not None else "")
        if isinstance(error, S3Error):
            if error.code in _NOT_FOUND and key is not None:
                return BlobNotFoundError(f"no blob under key {key!r}")
            if error.code == "NoSuchBucket":
                return BlobStoreError(f"the S3 bucket {self._bucket!r} does not exist")
            return BlobStoreError(f"S3 refused ({error.code}: {error.message}; {where})")
        if isinstance(error, MinioException):
            return BlobStoreError(f"bad answer from the S3 server ({error}; {where})")
        if isinstance(error, MaxRetryError) and isinstance(error.reason, ResponseError):
            return BlobStoreError(f"the S3 server keeps failing ({error.reason}; {where})")
        return BlobStoreError(
            f"cannot reach the S3 server ({type(error).__name__}: {error}; {where})"
        )


@dataclass(frozen=True)
class _Version:
    id: str | None
    delete_marker: bool


class _PartReader:
    """Reads a stream ``CHUNK_SIZE`` bytes at a time and hands it out in parts."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._pending = b""
        self._eof = False

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream."""
        buffer = bytearray(self._pending)
        self._pending = b""
        while len(buffer) < size and not self._eof:
            chunk = self._source.read(min(CHUNK_SIZE, size - len(buffer)))
            if chunk:
                buffer += chunk
            else:
                self._eof = True
        return bytes(buffer)

    def exhausted(self) -> bool:
        """Whether the stream has no bytes left (reads ahead one chunk to find out)."""
        if not self._pending and not self._eof:
            chunk = self._source.read(CHUNK_SIZE)
            if chunk:
                self._pending = bytes(chunk)
            else:
                self._eof = True
        return not self._pending


class _ObjectStream(io.RawIOBase):
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
        except _CLIENT_ERRORS as error:
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


# minio 7.2 sends no caller-chosen headers on PUT (anything unknown becomes x-amz-meta-*), so
# uploads go through the client's internal request methods (_put_object, _execute and the
# multipart ones), whose signatures have not changed across 7.x; the dependency is pinned
# below 8, and the tests against SeaweedFS exercise every one of them.


def _put_bytes(
    client: Minio,
    *,
    bucket: str,
    name: str,
    body: bytes,
    headers: dict[str, str],
    query: DictType | None = None,
) -> str:
    """PUT an object or a part with ``headers`` and a Content-MD5; return the ETag."""
    md5 = hashlib.md5(body, usedforsecurity=False).digest()
    result = client._put_object(
        bucket_name=bucket,
        object_name=name,
        data=body,
        headers={**headers, "Content-MD5": base64.b64encode(md5).decode()},
        query_params=query,
    )
    return cast(str, result.etag)


def _complete_if_absent(
    client: Minio, *, bucket: str, name: str, upload_id: str, etags: list[str]
) -> str | None:
    """Complete a multipart upload, refused (412) if the key holds an object.

    Return the version the upload created (None in an unversioned bucket).
    """
    element = ET.Element("CompleteMultipartUpload")
    for number, etag in enumerate(etags, start=1):
        part = ET.SubElement(element, "Part")
        ET.SubElement(part, "PartNumber").text = str(number)
        ET.SubElement(part, "ETag").text = f'"{etag}"'
    body = ET.tostring(element)
    md5 = hashlib.md5(body, usedforsecurity=False).digest()
    response = client._execute(
        "POST",
        bucket_name=bucket,
        object_name=name,
        body=body,
        headers={
            "Content-Type": "application/xml",
            "Content-MD5": base64.b64encode(md5).decode(),
            "If-None-Match": "*",
        },
        query_params={"uploadId": upload_id},
    )
    # S3 may report a failure of CompleteMultipartUpload in a 200 response.
    if b"<Error>" in response.data:
        raise BlobStoreError(
            f"completing the upload of {name!r} failed: {response.data[:500].decode(errors='replace')}"
        )
    return response.headers.get("x-amz-version-id")


def _whole_second_utc(moment: datetime) -> datetime:
    """``moment`` in UTC, rounded up to the whole second (servers keep whole seconds)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"retention needs a timezone-aware datetime, not {moment!r}")
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def _retention_headers(retention: Retention) -> dict[str, str]:
    return {
        "x-amz-object-lock-mode": retention.mode,
        "x-amz-object-lock-retain-until-date": retention.retain_until_date.strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        ),
    }
