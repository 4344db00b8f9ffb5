"""S3BlobStore against a real SeaweedFS: Object Lock, versions, streaming, errors.

The generic contract runs in test_blobs.py; here is what only the S3 store does, checked
against what the server itself reports. Buckets are not cleaned: objects under COMPLIANCE
retention cannot be deleted before it ends, and the server's directory goes with the session.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, cast

import pytest
import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED
from minio.error import MinioException
from urllib3.exceptions import HTTPError

from storage.blobs import (
    CHUNK_SIZE,
    BlobLockedError,
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
)
from storage.s3 import uploads
from storage.s3.store import S3BlobStore
from storage.s3.uploads import MIN_PART_SIZE
from tests.storage.seaweed import SeaweedFS, unique_bucket
from tests.storage.streams import FailingStream, GeneratedStream
from tests.storage.test_blobs import new_key

MIB = 1024 * 1024


def versions(store: S3BlobStore, key: str) -> list[tuple[str | None, bool]]:
    """Every version and delete marker the server keeps under ``key``: (version id, marker)."""
    name = store.prefix + key
    return [
        (item.version_id, item.is_delete_marker)
        for item in store.client.list_objects(
            bucket_name=store.bucket, prefix=name, include_version=True
        )
        if item.object_name == name
    ]


def pending_uploads(store: S3BlobStore) -> list[str]:
    """Names of multipart uploads begun and neither completed nor aborted."""
    result = store.client._list_multipart_uploads(bucket_name=store.bucket)
    return [cast(str, upload.object_name) for upload in result.uploads]


def in_seconds(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.2)


class TestBucket:
    def test_the_fixture_bucket_has_object_lock_and_versioning(self, s3_store: S3BlobStore) -> None:
        assert s3_store.object_lock is True
        client = s3_store.client
        client.get_object_lock_config(bucket_name=s3_store.bucket)  # raises when there is none
        assert client.get_bucket_versioning(bucket_name=s3_store.bucket).status == ENABLED

    def test_ensure_bucket_is_idempotent(self, seaweedfs: SeaweedFS) -> None:
        store = seaweedfs.store()
        store.ensure_bucket()
        assert store.object_lock is True
        again = S3BlobStore(seaweedfs.client(), store.bucket)
        again.ensure_bucket()
        assert again.object_lock is True

    def test_a_bucket_without_object_lock_is_made_versioned_and_locks_nothing(
        self, seaweedfs: SeaweedFS
    ) -> None:
        client = seaweedfs.client()
        bucket = unique_bucket()
        client.make_bucket(bucket_name=bucket)
        store = S3BlobStore(client, bucket)
        store.ensure_bucket()
        assert store.object_lock is False
        assert client.get_bucket_versioning(bucket_name=bucket).status == ENABLED

        key = new_key()
        assert store.put(key, io.BytesIO(b"no lock here"), retain_until=in_seconds(3600))
        store.set_retention(key, in_seconds(3600))
        store.set_legal_hold(key, True)
        assert store.legal_hold(key) is False
        store.delete(key)
        assert versions(store, key) == []

    def test_a_prefix_keeps_a_store_to_its_part_of_the_bucket(
        self, seaweedfs: SeaweedFS, s3_store: S3BlobStore
    ) -> None:
        tenant = S3BlobStore(seaweedfs.client(), s3_store.bucket, prefix="tenant-a/")
        s3_store.put("outside", io.BytesIO(b"not the tenant's"))
        key = new_key()
        assert tenant.put(key, io.BytesIO(b"tenant's")) is True
        stat = s3_store.client.stat_object(
            bucket_name=s3_store.bucket, object_name=f"tenant-a/{key}"
        )
        assert stat.size == len(b"tenant's")
        assert list(tenant.keys()) == [key]
        assert s3_store.exists(f"tenant-a/{key}")
        tenant.delete(key)
        assert list(s3_store.keys()) == ["outside"]


class TestWriteOnce:
    """The server refuses a second object under a key, even when the early check misses."""

    @pytest.mark.parametrize("size", [100, 11 * MIB], ids=["single-put", "multipart"])
    def test_the_server_refuses_what_the_early_check_missed(
        self, seaweedfs: SeaweedFS, monkeypatch: pytest.MonkeyPatch, size: int
    ) -> None:
        store = seaweedfs.store(part_size=MIN_PART_SIZE)
        key = new_key()
        assert store.put(key, cast(BinaryIO, GeneratedStream(size, seed=1))) is True
        original = store.get(key)
        monkeypatch.setattr(store, "exists", lambda key: False)
        assert store.put(key, cast(BinaryIO, GeneratedStream(size, seed=2))) is False
        assert store.get(key) == original
        assert len(versions(store, key)) == 1
        assert pending_uploads(store) == []

    def test_racing_multipart_uploads_leave_one_object(self, seaweedfs: SeaweedFS) -> None:
        store = seaweedfs.store(part_size=MIN_PART_SIZE)
        key = new_key()
        threads = 4
        results: list[bool | None] = [None] * threads
        barrier = threading.Barrier(threads)

        def put(index: int) -> None:
            stream = GeneratedStream(6 * MIB, seed=index)
            barrier.wait()
            results[index] = store.put(key, cast(BinaryIO, stream))

        workers = [threading.Thread(target=put, args=(index,)) for index in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert results.count(True) == 1, results
        assert results.count(False) == threads - 1, results
        winner = results.index(True)
        expected = GeneratedStream(6 * MIB, seed=winner).read(6 * MIB)
        assert store.get(key) == expected
        assert len(versions(store, key)) == 1

    def test_a_multipart_upload_that_came_second_removes_its_version(
        self, seaweedfs: SeaweedFS, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = seaweedfs.store(part_size=MIN_PART_SIZE)
        key = new_key()
        monkeypatch.setattr(uploads, "raced_and_lost", lambda *arguments: True)
        assert store.put(key, cast(BinaryIO, GeneratedStream(6 * MIB))) is False
        assert versions(store, key) == []
        assert pending_uploads(store) == []

    @pytest.mark.parametrize("size", [100, 6 * MIB], ids=["single-put", "multipart"])
    def test_a_key_whose_bytes_hide_behind_a_delete_marker_can_be_put_again(
        self, seaweedfs: SeaweedFS, size: int
    ) -> None:
        store = seaweedfs.store(part_size=MIN_PART_SIZE)
        key = new_key()
        client = store.client
        client.put_object(
            bucket_name=store.bucket, object_name=key, data=io.BytesIO(b"old"), length=3
        )
        client.remove_object(bucket_name=store.bucket, object_name=key)
        incoming = GeneratedStream(size, seed=5)
        assert store.put(key, cast(BinaryIO, incoming)) is True
        assert hashlib.sha256(store.get(key)).hexdigest() == incoming.sha256.hexdigest()

    def test_a_stream_failing_during_a_multipart_upload_leaves_no_upload_behind(
        self, seaweedfs: SeaweedFS
    ) -> None:
        store = seaweedfs.store(part_size=MIN_PART_SIZE)

        class FailsAfterSixMiB(io.RawIOBase):
            def __init__(self) -> None:
                self.sent = 0

            def readable(self) -> bool:
                return True

            def read(self, size: int | None = -1) -> bytes:
                if self.sent >= 6 * MIB:
                    raise ConnectionResetError("client went away")
                size = CHUNK_SIZE if size is None or size < 0 else size
                self.sent += size
                return b"x" * size

        key = new_key()
        with pytest.raises(ConnectionResetError):
            store.put(key, cast(BinaryIO, FailsAfterSixMiB()))
        assert not store.exists(key)
        assert pending_uploads(store) == []
        with pytest.raises(ConnectionResetError):
            store.put(key, cast(BinaryIO, FailingStream()))
        assert versions(store, key) == []


class TestRetention:
    def test_an_object_under_retention_cannot_be_deleted_and_stays_readable(
        self, s3_store: S3BlobStore
    ) -> None:
        key = new_key()
        until = in_seconds(24 * 3600)
        assert s3_store.put(key, io.BytesIO(b"loan contract"), retain_until=until) is True

        retention = s3_store.client.get_object_retention(
            bucket_name=s3_store.bucket, object_name=key
        )
        assert retention is not None
        assert retention.mode == COMPLIANCE
        assert retention.retain_until_date is not None
        assert retention.retain_until_date >= until.replace(microsecond=0)

        with pytest.raises(BlobLockedError, match="retention"):
            s3_store.delete(key)
        assert s3_store.get(key) == b"loan contract"
        assert s3_store.exists(key)
        assert [marker for _, marker in versions(s3_store, key)] == [False]

    def test_once_retention_ends_the_object_can_be_deleted(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        until = in_seconds(2)
        s3_store.put(key, io.BytesIO(b"short-lived"), retain_until=until)
        with pytest.raises(BlobLockedError):
            s3_store.delete(key)
        wait_until(until + timedelta(seconds=1))  # the server keeps whole seconds
        s3_store.delete(key)
        assert not s3_store.exists(key)
        assert versions(s3_store, key) == []

    def test_set_retention_extends_and_never_shortens(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        s3_store.put(key, io.BytesIO(b"x"))
        later = in_seconds(7200)
        s3_store.set_retention(key, later)
        s3_store.set_retention(key, in_seconds(3600))  # shorter: kept as it was
        retention = s3_store.client.get_object_retention(
            bucket_name=s3_store.bucket, object_name=key
        )
        assert retention is not None
        assert retention.mode == COMPLIANCE
        assert retention.retain_until_date is not None
        assert retention.retain_until_date >= later.replace(microsecond=0)
        with pytest.raises(BlobLockedError):
            s3_store.delete(key)

    def test_a_multipart_upload_gets_its_retention(self, seaweedfs: SeaweedFS) -> None:
        store = seaweedfs.store(part_size=MIN_PART_SIZE)
        key = new_key()
        until = in_seconds(24 * 3600)
        assert store.put(key, cast(BinaryIO, GeneratedStream(6 * MIB)), retain_until=until)
        retention = store.client.get_object_retention(bucket_name=store.bucket, object_name=key)
        assert retention is not None
        assert retention.mode == COMPLIANCE
        assert retention.retain_until_date is not None
        assert retention.retain_until_date >= until.replace(microsecond=0)
        with pytest.raises(BlobLockedError):
            store.delete(key)

    def test_a_retention_already_past_stores_without_retention(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        s3_store.put(key, io.BytesIO(b"backfilled"), retain_until=in_seconds(-3600))
        s3_store.delete(key)
        assert versions(s3_store, key) == []

    def test_a_second_put_keeps_the_retention_of_the_first(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        until = in_seconds(2)
        s3_store.put(key, io.BytesIO(b"first"), retain_until=until)
        assert s3_store.put(key, io.BytesIO(b"second"), retain_until=in_seconds(3600)) is False
        wait_until(until + timedelta(seconds=1))
        s3_store.delete(key)

    def test_retention_needs_an_aware_datetime_and_an_object(self, s3_store: S3BlobStore) -> None:
        with pytest.raises(ValueError, match="timezone"):
            s3_store.put(new_key(), io.BytesIO(b"x"), retain_until=datetime(2099, 1, 1))  # noqa: DTZ001
        with pytest.raises(BlobNotFoundError):
            s3_store.set_retention(new_key(), in_seconds(60))

    def test_governance_mode_is_a_constructor_choice(self, seaweedfs: SeaweedFS) -> None:
        store = seaweedfs.store(retention_mode="GOVERNANCE")
        key = new_key()
        store.put(key, io.BytesIO(b"x"), retain_until=in_seconds(3600))
        retention = store.client.get_object_retention(bucket_name=store.bucket, object_name=key)
        assert retention is not None
        assert retention.mode == "GOVERNANCE"
        with pytest.raises(BlobLockedError):
            store.delete(key)  # the store never asks to bypass governance retention


class TestLegalHold:
    def test_a_legal_hold_refuses_deletion_until_released(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        s3_store.put(key, io.BytesIO(b"collateral certificate"))
        assert s3_store.legal_hold(key) is False

        s3_store.set_legal_hold(key, True)
        assert s3_store.legal_hold(key) is True
        assert s3_store.client.is_object_legal_hold_enabled(
            bucket_name=s3_store.bucket, object_name=key
        )
        with pytest.raises(BlobLockedError, match="legal hold"):
            s3_store.delete(key)
        assert s3_store.get(key) == b"collateral certificate"

        s3_store.set_legal_hold(key, False)
        assert s3_store.legal_hold(key) is False
        s3_store.delete(key)
        assert not s3_store.exists(key)
        assert versions(s3_store, key) == []

    def test_holding_a_missing_object_is_not_found(self, s3_store: S3BlobStore) -> None:
        with pytest.raises(BlobNotFoundError):
            s3_store.set_legal_hold(new_key(), True)
        with pytest.raises(BlobNotFoundError):
            s3_store.legal_hold(new_key())


class TestDelete:
    def test_delete_leaves_no_version_and_no_delete_marker(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        s3_store.put(key, io.BytesIO(b"to be destroyed"))
        assert len(versions(s3_store, key)) == 1
        s3_store.delete(key)
        assert versions(s3_store, key) == []
        with pytest.raises(BlobNotFoundError):
            s3_store.delete(key)

    def test_delete_removes_every_version_others_wrote(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        client = s3_store.client
        s3_store.put(key, io.BytesIO(b"v1"))
        for body in (b"v2", b"v3"):  # plain overwrites, as another S3 client could make
            client.put_object(
                bucket_name=s3_store.bucket, object_name=key, data=io.BytesIO(body), length=2
            )
        client.remove_object(bucket_name=s3_store.bucket, object_name=key)  # a delete marker
        client.put_object(
            bucket_name=s3_store.bucket, object_name=key, data=io.BytesIO(b"v4"), length=2
        )
        assert [marker for _, marker in versions(s3_store, key)].count(False) == 4

        s3_store.delete(key)
        assert versions(s3_store, key) == []
        assert not s3_store.exists(key)

    def test_bytes_hidden_behind_a_delete_marker_are_removed_too(
        self, s3_store: S3BlobStore
    ) -> None:
        key = new_key()
        s3_store.put(key, io.BytesIO(b"hidden"))
        s3_store.client.remove_object(bucket_name=s3_store.bucket, object_name=key)
        assert not s3_store.exists(key)
        s3_store.delete(key)
        assert versions(s3_store, key) == []

    def test_a_lock_on_any_version_refuses_the_whole_delete(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        s3_store.put(key, io.BytesIO(b"held"))
        s3_store.set_legal_hold(key, True)
        s3_store.client.put_object(
            bucket_name=s3_store.bucket, object_name=key, data=io.BytesIO(b"newer"), length=5
        )
        with pytest.raises(BlobLockedError):
            s3_store.delete(key)
        assert len(versions(s3_store, key)) == 2  # nothing was removed
        held = [vid for vid, _ in versions(s3_store, key)]
        for version_id in held:
            s3_store.client.disable_object_legal_hold(
                bucket_name=s3_store.bucket, object_name=key, version_id=version_id
            )
        s3_store.delete(key)
        assert versions(s3_store, key) == []


class TestStreaming:
    @pytest.mark.parametrize("part_size", [16 * MIB, MIN_PART_SIZE], ids=["single", "multipart"])
    def test_open_streams_an_8_mib_object(self, seaweedfs: SeaweedFS, part_size: int) -> None:
        store = seaweedfs.store(part_size=part_size)
        size = 8 * MIB
        incoming = GeneratedStream(size, seed=3)
        key = new_key()
        assert store.put(key, cast(BinaryIO, incoming)) is True
        assert incoming.largest_request <= CHUNK_SIZE
        stat = store.client.stat_object(bucket_name=store.bucket, object_name=key)
        assert stat.size == size

        digest = hashlib.sha256()
        reads = 0
        with store.open(key) as stream:
            while chunk := stream.read(256 * 1024):
                assert len(chunk) <= 256 * 1024
                digest.update(chunk)
                reads += 1
        assert reads == size // (256 * 1024)
        assert digest.hexdigest() == incoming.sha256.hexdigest()
        assert stream.closed

    def test_closing_a_stream_gives_its_connection_back(self, seaweedfs: SeaweedFS) -> None:
        http = urllib3.PoolManager(maxsize=2, block=False, retries=False)
        client = Minio(
            endpoint=seaweedfs.endpoint,
            access_key=seaweedfs.access_key,
            secret_key=seaweedfs.secret_key,
            secure=False,
            http_client=http,
        )
        store = S3BlobStore(client, seaweedfs.store().bucket)
        key = new_key()
        store.put(key, cast(BinaryIO, GeneratedStream(2 * MIB)))
        for index in range(20):
            stream = store.open(key)
            if index % 2:
                assert len(stream.read(1024)) == 1024  # most of the object left unread
            else:
                stream.read()
            stream.close()
        host, port = seaweedfs.endpoint.split(":")
        pool = http.connection_from_host(host, int(port), scheme="http")
        assert pool.num_connections <= 2, "streams kept their connections"
        with store.open(key) as stream:
            stream.close()
            with pytest.raises(ValueError, match="closed"):
                stream.read(1)


class TestErrors:
    """No minio or urllib3 exception escapes: each is a BlobStoreError subclass."""

    @staticmethod
    def operations(key: str) -> dict[str, Callable[[BlobStore], object]]:
        return {
            "put": lambda store: store.put(key, io.BytesIO(b"x")),
            "open": lambda store: store.open(key),
            "get": lambda store: store.get(key),
            "exists": lambda store: store.exists(key),
            "delete": lambda store: store.delete(key),
            "keys": lambda store: list(store.keys()),
            "legal_hold": lambda store: store.legal_hold(key),
        }

    @staticmethod
    def assert_translated(error: BaseException) -> None:
        assert isinstance(error, BlobStoreError)
        assert not isinstance(error, MinioException | HTTPError)

    @pytest.mark.parametrize("operation", ["put", "open", "get", "delete", "keys", "legal_hold"])
    def test_a_missing_bucket(self, seaweedfs: SeaweedFS, operation: str) -> None:
        store = S3BlobStore(seaweedfs.client(), unique_bucket())
        with pytest.raises(BlobStoreError) as caught:
            self.operations(new_key())[operation](store)
        self.assert_translated(caught.value)
        if operation in ("put", "keys", "legal_hold"):
            assert "does not exist" in str(caught.value)

    @pytest.mark.parametrize("operation", ["put", "get", "exists", "delete", "keys"])
    def test_wrong_credentials(
        self, seaweedfs: SeaweedFS, s3_store: S3BlobStore, operation: str
    ) -> None:
        client = Minio(
            endpoint=seaweedfs.endpoint,
            access_key=seaweedfs.access_key,
            secret_key="not-the-secret",
            secure=False,
        )
        store = S3BlobStore(client, s3_store.bucket)
        with pytest.raises(BlobStoreError) as caught:
            self.operations(new_key())[operation](store)
        self.assert_translated(caught.value)
        assert not isinstance(caught.value, BlobNotFoundError)

    @pytest.mark.parametrize("operation", ["put", "open", "exists", "delete", "keys"])
    def test_an_unreachable_server(self, operation: str) -> None:
        client = Minio(
            endpoint="127.0.0.1:9",  # discard: nothing listens
            access_key="x",
            secret_key="y",
            secure=False,
            http_client=urllib3.PoolManager(retries=False, timeout=2),
        )
        store = S3BlobStore(client, "no-such-bucket")
        with pytest.raises(BlobStoreError, match="cannot reach") as caught:
            self.operations(new_key())[operation](store)
        self.assert_translated(caught.value)

    def test_not_found_and_locked_are_blob_store_errors(self, s3_store: S3BlobStore) -> None:
        key = new_key()
        for operation in ("open", "get", "delete", "legal_hold"):
            with pytest.raises(BlobNotFoundError) as caught:
                self.operations(key)[operation](s3_store)
            self.assert_translated(caught.value)
        s3_store.put(key, io.BytesIO(b"x"))
        s3_store.set_legal_hold(key, True)
        with pytest.raises(BlobLockedError) as locked:
            s3_store.delete(key)
        self.assert_translated(locked.value)
        assert issubclass(BlobLockedError, BlobStoreError)
        s3_store.set_legal_hold(key, False)

    def test_a_bad_configuration_is_refused_at_once(self, seaweedfs: SeaweedFS) -> None:
        client = seaweedfs.client()
        with pytest.raises(ValueError, match="bucket"):
            S3BlobStore(client, "Not_A_Bucket")
        with pytest.raises(ValueError, match="prefix"):
            S3BlobStore(client, "fine-bucket", prefix="../up")
        with pytest.raises(ValueError, match="retention_mode"):
            S3BlobStore(client, "fine-bucket", retention_mode="LOOSE")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="part_size"):
            S3BlobStore(client, "fine-bucket", part_size=MIB)
