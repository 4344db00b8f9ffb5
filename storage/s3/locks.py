"""Object Lock (对象锁定): the retention and legal hold of an object's versions.

A bucket created with Object Lock lets the server refuse to delete a version under retention
(保管期限) or a legal hold (冻结); these read what the server keeps, with its answers for "no
lock here" read as none.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from minio.retention import Retention

from storage.blobs import BlobNotFoundError
from storage.s3.bucket import LOCK_UNSUPPORTED, NO_LOCK, Bucket


def has_object_lock(bucket: Bucket) -> bool:
    """Whether the bucket has Object Lock enabled."""

    def config() -> bool:
        bucket.client.get_object_lock_config(bucket_name=bucket.name)
        return True

    return bucket.answer(None, config, absent=NO_LOCK | LOCK_UNSUPPORTED, default=False)


def retained_until(
    bucket: Bucket, key: str, name: str, version_id: str | None = None
) -> datetime | None:
    """Until when the version is retained, or None when it has no retention."""
    retention = bucket.answer(
        key,
        lambda: bucket.client.get_object_retention(
            bucket_name=bucket.name, object_name=name, version_id=version_id
        ),
        absent=NO_LOCK,
        default=None,
    )
    if retention is None or retention.mode is None:
        return None
    return retention.retain_until_date


def under_legal_hold(bucket: Bucket, key: str, name: str, version_id: str | None) -> bool:
    return bucket.answer(
        key,
        lambda: bucket.client.is_object_legal_hold_enabled(
            bucket_name=bucket.name, object_name=name, version_id=version_id
        ),
        absent=NO_LOCK,
        default=False,
    )


def lock_reason(bucket: Bucket, key: str, name: str, version_id: str | None) -> str | None:
    """Why the version may not be deleted now (retention, legal hold), or None."""
    try:
        until = retained_until(bucket, key, name, version_id)
        if until is not None and until > datetime.now(UTC):
            return f"under retention until {until.isoformat()}"
        if under_legal_hold(bucket, key, name, version_id):
            return "under a legal hold"
    except BlobNotFoundError:
        return None  # removed meanwhile
    return None


def whole_second_utc(moment: datetime) -> datetime:
    """``moment`` in UTC, rounded up to the whole second (servers keep whole seconds)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"retention needs a timezone-aware datetime, not {moment!r}")
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def retention_headers(retention: Retention) -> dict[str, str]:
    """The headers that put a new object under ``retention`` as it is written."""
    return {
        "x-amz-object-lock-mode": retention.mode,
        "x-amz-object-lock-retain-until-date": retention.retain_until_date.strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        ),
    }
