"""The S3 blob store (对象存储): the BlobStore port on one bucket, prefix and retention mode.

See :mod:`storage.s3` for how it keeps documents write-once and deletes every version.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO, Literal, cast

from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED, GOVERNANCE
from minio.error import S3Error
from minio.helpers import check_bucket_name
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig

from storage.blobs import (
    BlobLockedError,
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    check_key,
    is_valid_key,
)
from storage.s3.bucket import CLIENT_ERRORS, LOCK_UNSUPPORTED, Bucket, ObjectStream
from storage.s3.locks import (
    has_object_lock,
    lock_reason,
    retained_until,
    under_legal_hold,
    whole_second_utc,
)
from storage.s3.uploads import (
    DEFAULT_PART_SIZE,
    MIN_PART_SIZE,
    PartReader,
    put_multipart,
    put_single,
)

RetentionMode = Literal["COMPLIANCE", "GOVERNANCE"]


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
        self._target = Bucket(client, bucket)
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
            self._object_lock = has_object_lock(self._target)
        return self._object_lock

    def check(self) -> None:
        """The bucket answers: BlobStoreError if the server cannot be reached or it is gone."""
        with self._target.errors():
            exists = self._client.bucket_exists(bucket_name=self._bucket)
        if not exists:
            raise BlobStoreError(f"bucket {self._bucket!r} does not exist")

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist, with Object Lock (and so versioning).

        If the server refuses Object Lock the bucket is created without it. Either way, a
        bucket without Object Lock gets versioning turned on. ``object_lock`` tells the outcome.
        """
        with self._target.errors():
            exists = self._client.bucket_exists(bucket_name=self._bucket)
        if not exists:
            try:
                self._client.make_bucket(bucket_name=self._bucket, object_lock=True)
            except S3Error as error:
                if error.code == "BucketAlreadyOwnedByYou":
                    pass  # created meanwhile by another process of ours
                elif error.code in LOCK_UNSUPPORTED:
                    with self._target.errors():
                        self._client.make_bucket(bucket_name=self._bucket)
                else:
                    raise self._target.translated(error, None) from error
            except CLIENT_ERRORS as error:
                raise self._target.translated(error, None) from error
        self._object_lock = has_object_lock(self._target)
        if not self._object_lock:
            with self._target.errors():
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
            until = whole_second_utc(retain_until)
            if until > datetime.now(UTC) and self.object_lock:
                retention = Retention(mode=self._retention_mode, retain_until_date=until)
        if self.exists(key):
            return False  # a cheap early answer; If-None-Match below is the real guard
        parts = PartReader(data)
        first = parts.read(self._part_size)
        if parts.exhausted():
            return put_single(self._target, key, name, first, retention)
        return put_multipart(
            self._target, key, name, first, parts, part_size=self._part_size, retention=retention
        )

    def open(self, key: str) -> BinaryIO:
        """Return a stream of the object; closing it hands the connection back to the pool."""
        name = self._name(key)
        with self._target.errors(key):
            response = self._client.get_object(bucket_name=self._bucket, object_name=name)
        return cast(BinaryIO, ObjectStream(response, key))

    def exists(self, key: str) -> bool:
        return self._target.exists(key, self._name(key))

    def modified(self, key: str) -> datetime:
        name = self._name(key)
        with self._target.errors(key):
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
        versions = self._target.versions(key, name)
        if not any(not version.delete_marker for version in versions):
            raise BlobNotFoundError(f"no blob under key {key!r}")
        if self.object_lock:
            for version in versions:
                if not version.delete_marker and (
                    reason := lock_reason(self._target, key, name, version.id)
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
                    reason := lock_reason(self._target, key, name, version.id)
                ):
                    raise BlobLockedError(f"blob {key!r} cannot be deleted: {reason}") from error
                raise self._target.translated(error, key) from error
            except CLIENT_ERRORS as error:
                raise self._target.translated(error, key) from error

    def keys(self) -> Iterator[str]:
        objects = self._client.list_objects(
            bucket_name=self._bucket, prefix=self._prefix, recursive=True
        )
        while True:
            with self._target.errors():
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
        until = whole_second_utc(until)
        if not self.object_lock:
            return
        current = retained_until(self._target, key, name)
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
            raise self._target.translated(error, key) from error
        except CLIENT_ERRORS as error:
            raise self._target.translated(error, key) from error

    def set_legal_hold(self, key: str, on: bool) -> None:
        """Put on or release the legal hold of the object's current version.

        BlobNotFoundError if there is no object. Without Object Lock, a no-op.
        """
        name = self._name(key)
        if not self.object_lock:
            return
        if not self.exists(key):  # SeaweedFS answers a hold on a missing object with a 500
            raise BlobNotFoundError(f"no blob under key {key!r}")
        with self._target.errors(key):
            if on:
                self._client.enable_object_legal_hold(bucket_name=self._bucket, object_name=name)
            else:
                self._client.disable_object_legal_hold(bucket_name=self._bucket, object_name=name)

    def legal_hold(self, key: str) -> bool:
        """Whether the object's current version is under a legal hold (False without Object Lock)."""
        name = self._name(key)
        if not self.object_lock:
            return False
        return under_legal_hold(self._target, key, name, None)

    # -- helpers ----------------------------------------------------------------------------

    def _name(self, key: str) -> str:
        return self._prefix + check_key(key)
