"""Witnesses (见证): copies of every checkpoint where the database administrator cannot rewrite them.

A checkpoint kept only in the database can be rolled back with it, so the sealer also hands
each one to a witness:

- ``FileWitness``: an append-only JSON-lines file (the embedded mode, ``var/checkpoints.jsonl``
  unless ``DOSSIER_WITNESS_FILE`` puts it on another disk), one line per checkpoint, fsynced
  before ``publish`` returns, each line hash-chained to the one before (``CHAIN_FIELD``).
- ``S3Witness``: one object per checkpoint, ``checkpoints/<tree_size, 20 digits>.json``, put
  under Object Lock retention in COMPLIANCE mode until far in the future, which not even the
  bucket's root account can shorten or lift.

Neither ever overwrites: publishing a checkpoint of a tree size the witness already holds is
ignored when the two are identical (a retry, or two sealers publishing the same row) and
refused with ``WitnessConflictError`` when they differ. ``dossier verify`` compares ``read()``
with the checkpoint table.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, Protocol

from canonical import canonical_json
from storage.blobs import BlobStoreError
from storage.checkpoints import Checkpoint, CheckpointFormatError
from storage.files import fsync_directory
from storage.s3.store import S3BlobStore

WITNESS_PREFIX: Final = "checkpoints"
"""The folder of an S3 witness's objects (below the blob store's own prefix)."""
WITNESS_RETENTION: Final = timedelta(days=100 * 365)
"""How long an S3 witness keeps each checkpoint under COMPLIANCE retention by default."""

CHAIN_FIELD: Final = "prev"
"""The field of a file witness's line that holds SHA-256 (hex) of the line before it, without
its newline (of nothing, for the first line). Lines of earlier releases have none: the chain
starts at the first line that has one, and every line after it must have one."""

_WITNESS_KEY = re.compile(WITNESS_PREFIX + r"/(\d{20})\.json")


class WitnessError(Exception):
    """Raised when a witness cannot store or read checkpoints."""


class WitnessConflictError(WitnessError):
    """Raised when a witness already holds a different checkpoint of the same tree size."""


class Witness(Protocol):
    """Somewhere outside the database that keeps every checkpoint, append-only."""

    def publish(self, checkpoint: Checkpoint) -> bool:
        """Keep ``checkpoint``; True if stored now, False if the identical one was there."""
        ...

    def read(self) -> list[Checkpoint]:
        """Every checkpoint kept."""
        ...


class FileWitness:
    """An append-only JSON-lines file of checkpoints (``var/checkpoints.jsonl``).

    ``publish`` appends one line under an exclusive ``flock`` (so processes sharing the file
    take turns), fsyncs it (and the directory when it creates the file) before returning. A
    final line without its newline is a write cut short by a crash, never acknowledged: ``read``
    ignores it and the next ``publish`` cuts it off before appending. Nothing else in the file
    is ever rewritten.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._known: dict[int, Checkpoint] = {}
        self._offset = 0  # how much of the file ``_known`` covers
        self._last = _EMPTY  # SHA-256 of the last line read or written

    def publish(self, checkpoint: Checkpoint) -> bool:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
            except OSError as error:
                raise WitnessError(f"cannot open checkpoint file {self.path}: {error}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._catch_up(fd)
                existing = self._known.get(checkpoint.tree_size)
                if existing is not None:
                    if existing == checkpoint:
                        return False
                    raise WitnessConflictError(
                        f"{self.path} already holds another checkpoint of size "
                        f"{checkpoint.tree_size}"
                    )
                line = _chained(checkpoint, self._last)
                _write_all(fd, line)
                os.fsync(fd)
                self._offset += len(line)
                self._last = hashlib.sha256(line[:-1]).hexdigest()
                self._known[checkpoint.tree_size] = checkpoint
            except OSError as error:
                raise WitnessError(f"cannot append to {self.path}: {error}") from None
            finally:
                os.close(fd)  # releases the flock
            if created:
                fsync_directory(self.path.parent)
        return True

    def read(self) -> list[Checkpoint]:
        """Every checkpoint in the file, in the order written; WitnessError on a bad line."""
        try:
            content = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as error:
            raise WitnessError(f"cannot read {self.path}: {error}") from None
        complete = content[: content.rfind(b"\n") + 1]
        checkpoints = []
        previous, chained = _EMPTY, False
        for number, line in enumerate(complete.splitlines(), start=1):
            try:
                checkpoints.append(Checkpoint.from_json_text(line))
                link = json.loads(line).get(CHAIN_FIELD)
            except CheckpointFormatError as error:
                raise WitnessError(f"{self.path}, line {number}: {error}") from None
            if link is not None or chained:
                chained = True
                if link != previous:
                    raise WitnessError(
                        f"{self.path}, line {number}: the hash chain is broken there — the line "
                        "does not commit to the line before it (a line was removed, inserted or "
                        "altered) (见证文件哈希链在此行断开)"
                    )
            previous = hashlib.sha256(line).hexdigest()
        return checkpoints

    def _catch_up(self, fd: int) -> None:
        """Index what other writers appended since this object last looked; cut a torn tail."""
        size = os.fstat(fd).st_size
        if size < self._offset:  # the file was replaced or cut: start over
            self._known.clear()
            self._offset = 0
            self._last = _EMPTY
        os.lseek(fd, self._offset, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        new = b"".join(chunks)
        end = new.rfind(b"\n") + 1
        if end < len(new):
            os.ftruncate(fd, self._offset + end)
        for line in new[:end].splitlines():
            self._last = hashlib.sha256(line).hexdigest()
            try:
                checkpoint = Checkpoint.from_json_text(line)
            except CheckpointFormatError:
                continue  # ``read`` reports it; appending stays possible
            self._known.setdefault(checkpoint.tree_size, checkpoint)
        self._offset += end


class S3Witness:
    """One object per checkpoint in an S3 bucket with Object Lock, under COMPLIANCE retention.

    Give it a store of its own prefix (``S3BlobStore(client, bucket, prefix="integrity")``) so
    that ``read`` lists only checkpoints, not every document. ``retain_for`` is how long each
    object stays undeletable; with ``require_object_lock`` (the default) a bucket without Object
    Lock is refused rather than written to without protection.
    """

    def __init__(
        self,
        store: S3BlobStore,
        *,
        retain_for: timedelta = WITNESS_RETENTION,
        require_object_lock: bool = True,
    ) -> None:
        if store.retention_mode != "COMPLIANCE":
            raise ValueError("an S3 witness needs a store whose retention mode is COMPLIANCE")
        if retain_for <= timedelta(0):
            raise ValueError("retain_for must be positive")
        self.store = store
        self.retain_for = retain_for
        self.require_object_lock = require_object_lock

    @staticmethod
    def key_of(tree_size: int) -> str:
        """The object key of the checkpoint of ``tree_size`` leaves."""
        return f"{WITNESS_PREFIX}/{tree_size:020d}.json"

    def publish(self, checkpoint: Checkpoint) -> bool:
        key = self.key_of(checkpoint.tree_size)
        body = (checkpoint.to_json_text() + "\n").encode("utf-8")
        try:
            if self.require_object_lock and not self.store.object_lock:
                raise WitnessError(
                    f"bucket {self.store.bucket!r} has no Object Lock: checkpoints there could "
                    "be deleted or replaced"
                )
            until = datetime.now(UTC) + self.retain_for
            if self.store.put(key, io.BytesIO(body), retain_until=until):
                return True
            existing = Checkpoint.from_json_text(self.store.get(key))
        except BlobStoreError as error:
            raise WitnessError(f"cannot publish checkpoint {key}: {error}") from error
        except CheckpointFormatError as error:
            raise WitnessConflictError(f"{key} holds something unreadable: {error}") from None
        if existing != checkpoint:
            raise WitnessConflictError(
                f"{key} already holds another checkpoint of size {checkpoint.tree_size}"
            )
        return False

    def read(self) -> list[Checkpoint]:
        """Every checkpoint object, by tree size; WitnessError on an unreadable one."""
        try:
            stored = self.store.keys()  # an iterator over the bucket, not a mapping
            keys = sorted(key for key in stored if _WITNESS_KEY.fullmatch(key))
            checkpoints = []
            for key in keys:
                try:
                    checkpoint = Checkpoint.from_json_text(self.store.get(key))
                except CheckpointFormatError as error:
                    raise WitnessError(f"{key}: {error}") from None
                if self.key_of(checkpoint.tree_size) != key:
                    raise WitnessError(f"{key} holds the checkpoint of size {checkpoint.tree_size}")
                checkpoints.append(checkpoint)
        except BlobStoreError as error:
            raise WitnessError(f"cannot read the checkpoints: {error}") from error
        return checkpoints


_EMPTY: Final = hashlib.sha256(b"").hexdigest()


def _chained(checkpoint: Checkpoint, previous: str) -> bytes:
    """The checkpoint's line (with its newline), committing to the line before it."""
    return (canonical_json({**checkpoint.to_json(), CHAIN_FIELD: previous}) + "\n").encode()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
