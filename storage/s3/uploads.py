"""Write-once uploads (只写一次): one conditional PUT, or parts and a conditional completion.

The server refuses to store a second object under a key that holds one (``If-None-Match: *``);
a multipart upload that raced another one and came second removes its own version (see
:func:`put_multipart`). Either way the loser reports False.

minio 7.2 sends no caller-chosen headers on PUT (anything unknown becomes x-amz-meta-*), so
uploads go through the client's internal request methods (_put_object, _execute and the
multipart ones), whose signatures have not changed across 7.x; the dependency is pinned below
8, and the tests against SeaweedFS exercise every one of them.
"""

from __future__ import annotations

import base64
import hashlib
import time
import xml.etree.ElementTree as ET
from contextlib import suppress
from typing import BinaryIO, Final, cast

from minio import Minio
from minio.error import S3Error
from minio.helpers import DictType
from minio.retention import Retention

from storage.blobs import CHUNK_SIZE, BlobStoreError
from storage.s3.bucket import CLIENT_ERRORS, Bucket
from storage.s3.locks import retention_headers

MIB: Final = 1024 * 1024
MIN_PART_SIZE: Final = 5 * MIB
"""The smallest part S3 accepts in a multipart upload (except for the last part)."""

DEFAULT_PART_SIZE: Final = 16 * MIB
"""Objects up to this size go up in one PUT; larger ones in parts of this size."""

RACE_SETTLE_SECONDS: Final = 0.5
"""How long a completed multipart upload waits before checking that it came first."""


class PartReader:
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


def put_single(
    bucket: Bucket, key: str, name: str, body: bytes, retention: Retention | None
) -> bool:
    """One conditional PUT, retention included: the object and its lock arrive together."""
    headers = {"Content-Type": "application/octet-stream", "If-None-Match": "*"}
    if retention is not None:
        headers |= retention_headers(retention)
    try:
        put_bytes(bucket.client, bucket=bucket.name, name=name, body=body, headers=headers)
    except S3Error as error:
        return refused_put(bucket, error, key, name)
    except CLIENT_ERRORS as error:
        raise bucket.translated(error, key) from error
    return True


def put_multipart(
    bucket: Bucket,
    key: str,
    name: str,
    first: bytes,
    parts: PartReader,
    *,
    part_size: int,
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
    client = bucket.client
    with bucket.errors(key):
        upload_id = client._create_multipart_upload(
            bucket_name=bucket.name,
            object_name=name,
            headers={"Content-Type": "application/octet-stream"},
        )
    completed = False
    try:
        etags: list[str] = []
        body = first
        while True:
            with bucket.errors(key):
                etags.append(
                    put_bytes(
                        client,
                        bucket=bucket.name,
                        name=name,
                        body=body,
                        headers={},
                        query={"partNumber": str(len(etags) + 1), "uploadId": upload_id},
                    )
                )
            if parts.exhausted():
                break
            body = parts.read(part_size)  # the source's own errors pass through
        before = {version.id for version in bucket.versions(key, name)}
        try:
            version_id = complete_if_absent(
                client, bucket=bucket.name, name=name, upload_id=upload_id, etags=etags
            )
        except S3Error as error:
            return refused_put(bucket, error, key, name)
        except CLIENT_ERRORS as error:
            raise bucket.translated(error, key) from error
        completed = True
    finally:
        if not completed:
            with suppress(*CLIENT_ERRORS):
                client._abort_multipart_upload(
                    bucket_name=bucket.name, object_name=name, upload_id=upload_id
                )
    if version_id is None:
        return True  # an unversioned bucket: If-None-Match is the only guard there
    time.sleep(RACE_SETTLE_SECONDS)  # let a racing completion become visible
    if raced_and_lost(bucket, key, name, version_id, before):
        bucket.remove_version(key, name, version_id)
        return False
    if retention is not None:
        try:
            with bucket.errors(key):
                client.set_object_retention(
                    bucket_name=bucket.name,
                    object_name=name,
                    config=retention,
                    version_id=version_id,
                )
        except BlobStoreError:
            with suppress(BlobStoreError):
                bucket.remove_version(key, name, version_id)
            raise
    return True


def raced_and_lost(
    bucket: Bucket, key: str, name: str, version_id: str, before: set[str | None]
) -> bool:
    """Whether another upload created a version meanwhile that wins over ``version_id``.

    Every racing upload sees the same new versions, so all agree on the one that stays.
    """
    new = {
        version.id
        for version in bucket.versions(key, name)
        if not version.delete_marker and version.id is not None and version.id not in before
    }
    return version_id in new and min(new) != version_id


def refused_put(bucket: Bucket, error: S3Error, key: str, name: str) -> bool:
    """False if the server refused a conditional write because the key is taken."""
    if error.code == "PreconditionFailed":
        return False
    if error.code == "ConditionalRequestConflict" and bucket.exists(key, name):
        return False  # a concurrent write to the same key won
    raise bucket.translated(error, key) from error


def put_bytes(
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


def complete_if_absent(
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
