"""The sealer (封存): a Merkle log over the notification log, signed checkpoints of it.

One leaf per stored event, in notification-id order, hashed from the stored record exactly as
the event store holds it (``event_entry``, ``docs/integrity.md``). The ``Sealer`` follows the
log like a projection: each ``step`` reads the notifications after the last leaf and appends
their leaves, with the frontier and the finished subtree hashes, in one transaction of the
integrity store; ``seal`` signs a checkpoint of the tree when it has grown, stores it (and the
signing key on its first use), then hands it to the witness. ``start`` runs both in a thread,
sealing every ``seal_every`` events (100) or ``seal_after`` seconds (10), whichever comes first.

Any number of sealers may run against one store: each batch, and each seal, first locks the
frontier (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so they take
turns and build one leaf sequence; leaves are keyed by index, so a writer that somehow raced
past the lock fails on the key, rolls back and reloads. A seal signs only a tree that extends
the latest checkpoint (its root at that size must match), never the same size twice.

Putting it together (the composition root does this; ``env`` is the eventsourcing env)::

    from storage.sealing import Sealer, integrity_store_beside
    from storage.signing import Signer
    from storage.witness import FileWitness              # or S3Witness(S3BlobStore(...))

    store = integrity_store_beside(app.env, data_dir)      # integrity.sqlite, or PG tables
    signer, generated = Signer.load_or_generate(data_dir / "signing.key")  # or Signer.from_base64(...)
    witness = FileWitness(data_dir / "checkpoints.jsonl")
    sealer = Sealer(app.recorder, store, signer, "dossier.example-bank", witness)
    sealer.start()          # … sealer.wake() after a save; sealer.stop(); store.close()

Proofs and checkpoints are read from the store: ``store.latest_checkpoint()``,
``store.inclusion_proof(notification_id, tree_size)``, ``store.consistency_proof(m, n)``,
``store.public_keys()``.
"""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Final
from uuid import UUID

import sqlalchemy as sa
import structlog
from eventsourcing.persistence import ApplicationRecorder, Notification

from storage.checkpoints import Checkpoint, check_origin, sign_checkpoint
from storage.cosignatures import Cosignature
from storage.integrity_store import (
    CheckpointNotFoundError,
    IntegrityStore,
    KnownKey,
    Leaf,
    LeafConflictError,
    LogMismatchError,
    NotSealedError,
    SealError,
    UnknownKeyError,
    integrity_store_beside,
)
from storage.merkle import leaf_hash
from storage.proofs import ConsistencyProof, InclusionProof
from storage.signing import Signer
from storage.tlog_witness import StaleSizeError, WitnessClient, WitnessProtocolError
from storage.witness import Witness
from storage.worker import Worker

__all__ = [
    "ENTRY_MAGIC",
    "CheckpointNotFoundError",
    "ConsistencyProof",
    "InclusionProof",
    "IntegrityStore",
    "KeyRetiredError",
    "KnownKey",
    "Leaf",
    "LeafConflictError",
    "LogMismatchError",
    "NotSealedError",
    "SealError",
    "Sealer",
    "UnknownKeyError",
    "event_entry",
    "event_leaf_hash",
    "integrity_store_beside",
]

log = structlog.get_logger("dossier.sealer")


class KeyRetiredError(SealError):
    """Raised when the sealer's key signed its own rotation or revocation: it signs no more."""


ENTRY_MAGIC: Final = b"DOSSIER-EVENT-1\n"
"""What every leaf entry begins with: the entry format and its version."""
BATCH_SIZE: Final = 500
SEAL_EVERY: Final = 100
SEAL_AFTER: Final = 10.0
_U32: Final = struct.Struct(">I")
_U64: Final = struct.Struct(">Q")


def event_entry(notification: Notification) -> bytes:
    """The leaf entry of a stored event (``docs/integrity.md``)::

    b"DOSSIER-EVENT-1\\n" ‖ u64be(notification_id) ‖ originator_id (16 bytes)
    ‖ u64be(originator_version) ‖ u32be(len(topic)) ‖ topic (UTF-8)
    ‖ u32be(len(state)) ‖ state (the stored bytes, as stored)
    """
    originator = notification.originator_id
    uuid = originator if isinstance(originator, UUID) else UUID(str(originator))
    topic = notification.topic.encode("utf-8")
    state = bytes(notification.state)
    try:
        return b"".join(
            (
                ENTRY_MAGIC,
                _U64.pack(notification.id),
                uuid.bytes,
                _U64.pack(notification.originator_version),
                _U32.pack(len(topic)),
                topic,
                _U32.pack(len(state)),
                state,
            )
        )
    except struct.error:
        raise ValueError(
            f"event {notification.id} has a position, version or size out of the entry's range"
        ) from None


def event_leaf_hash(notification: Notification) -> bytes:
    """The leaf hash of a stored event: SHA-256(0x00 ‖ event_entry)."""
    return leaf_hash(event_entry(notification))


def _now() -> datetime:
    return datetime.now(UTC)


class Sealer:
    """Follows the notification log into the Merkle log and signs checkpoints of it.

    ``witness`` receives every checkpoint this sealer makes (and, once per process, the latest
    one already stored, in case a crash came between storing and publishing it); a checkpoint
    whose publishing failed is retried at the next ``seal``. ``None`` leaves checkpoints in the
    database only, for tests and tools.

    ``cosigners`` are independent witnesses (c2sp.org/tlog-witness): each new checkpoint is
    submitted to each of them, with the consistency proof from the size it last cosigned, and
    the cosignatures they return are kept with the checkpoint. A witness that is down or
    refuses is logged and skipped — sealing never waits on it — and asked again for the latest
    checkpoint at the next seal, or after ``seal_after`` seconds when the log is quiet.
    """

    def __init__(
        self,
        recorder: ApplicationRecorder,
        store: IntegrityStore,
        signer: Signer,
        origin: str,
        witness: Witness | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        seal_every: int = SEAL_EVERY,
        seal_after: float = SEAL_AFTER,
        interval: float = 0.2,
        clock: Callable[[], datetime] = _now,
        cosigners: Sequence[WitnessClient] = (),
    ) -> None:
        if batch_size < 1 or seal_every < 1:
            raise ValueError("batch_size and seal_every must be positive")
        self.recorder = recorder
        self.store = store
        self.signer = signer
        self.origin = check_origin(origin)
        self.witness = witness
        self.batch_size = batch_size
        self.seal_every = seal_every
        self.seal_after = seal_after
        self.clock = clock
        self.cosigners = tuple(cosigners)
        self._cosigned_at: float | None = None  # when the witnesses were last asked
        self._pending: dict[int, Checkpoint] = {}  # made or found, not yet witnessed
        self._looked_for_unwitnessed = False
        self._size: int | None = None  # leaves, as of this sealer's last look
        self._sealed: int | None = None  # the largest checkpoint, as of its last look
        self._unsealed_since: float | None = None
        self._lock = threading.Lock()
        self.worker = Worker(
            "dossier-sealer",
            self._round,
            interval=interval,
            what="sealing",
            log=log,
            finish=self._last_seal,
            join_timeout=60.0,
        )
        """The thread that seals: idle polls, backoff after a failed round, its state."""

    # ------------------------------------------------------------------------------ batches
    def step(self, limit: int | None = None) -> int:
        """Append the leaves of up to ``limit`` (default ``batch_size``) events after the last
        leaf, in one transaction; return how many."""
        limit = self.batch_size if limit is None else limit
        if limit < 1:
            raise ValueError("limit must be positive")
        with self._lock:
            try:
                appended = self._step(limit)
            except LeafConflictError:
                log.info("another sealer appended first; reloading")
                appended = self._step(limit)
        if appended and self._unsealed_since is None:
            self._unsealed_since = time.monotonic()
        return appended

    def _step(self, limit: int) -> int:
        with self.store.transaction() as conn:
            frontier, last_id = self.store.lock_frontier(conn)
            notes = self.recorder.select_notifications(start=last_id + 1, limit=limit)
            if not notes:
                self._size = frontier.size
                self._check_log_not_behind(last_id)
                return 0
            grown = self.store.append_leaves(
                conn, frontier, [(note.id, event_leaf_hash(note)) for note in notes]
            )
        self._size = grown.size
        return len(notes)

    def _check_log_not_behind(self, last_id: int) -> None:
        head = self.recorder.max_notification_id() or 0
        if head < last_id:
            raise LogMismatchError(
                f"the event log ends at {head} but event {last_id} was sealed: events were "
                "removed or the event store was rolled back"
            )

    def catch_up(self) -> int:
        """Step until the leaves reach the head of the log; return how many were appended."""
        total = 0
        while appended := self.step():
            total += appended
        return total

    # -------------------------------------------------------------------------------- seals
    def seal(self) -> Checkpoint | None:
        """Sign, store and publish a checkpoint of the current tree if it grew since the last.

        Returns the new checkpoint, or None when there was nothing new to sign (an empty log,
        or a tree no larger than the latest checkpoint — also when a racing sealer signed it).
        LogMismatchError, signing nothing, if the tree does not extend the latest checkpoint.
        """
        with self._lock:
            made = self._sign()
            if made is not None:
                self._pending[made.tree_size] = made
                self._unsealed_since = None
            self._publish()
            if made is not None:
                self._cosign(made)
            return made

    # ---------------------------------------------------------------------------- cosigning
    def cosign_latest(self) -> int:
        """Ask every witness whose cosignature the latest checkpoint lacks; return how many
        cosignatures it has now."""
        with self._lock:
            latest = self.store.latest_checkpoint()
            if latest is None:
                return 0
            return self._cosign(latest)

    def _cosign(self, checkpoint: Checkpoint) -> int:
        """Submit ``checkpoint`` to each witness that has not cosigned it; keep what they
        return. Never raises for a witness: one that fails is logged."""
        self._cosigned_at = time.monotonic()
        have = {(c.name, c.key_hash) for c in checkpoint.cosignatures}
        if not self.cosigners or checkpoint.key_hash is None:
            return len(have)
        for client in self.cosigners:
            key = client.key
            if (key.name, key.key_hash) in have:
                continue
            try:
                cosignature = self._submit(client, checkpoint)
                self.store.add_cosignature(checkpoint.tree_size, cosignature)
            except (WitnessProtocolError, SealError, ValueError) as error:
                log.warning(
                    "witness did not cosign",
                    witness=key.describe(),
                    url=client.url,
                    tree_size=checkpoint.tree_size,
                    status=getattr(error, "status", None),
                    error=str(error),
                )
                continue
            have.add((key.name, key.key_hash))
            log.info("cosigned", witness=key.describe(), tree_size=checkpoint.tree_size)
        return len(have)

    def _submit(self, client: WitnessClient, checkpoint: Checkpoint) -> Cosignature:
        """The witness's cosignature, from the size it last cosigned here (or, when it says
        it holds another one, from that size: once)."""
        size = checkpoint.tree_size
        note = replace(checkpoint, cosignatures=()).note()
        old = self.store.cosigned_size(client.key.name, client.key.key_hash)
        for attempt in range(2):
            if old > size:
                raise WitnessProtocolError(
                    409, f"the witness holds a tree of {old} leaves, larger than {size}"
                )
            proof: tuple[bytes, ...] = ()
            if 0 < old < size:
                proof = tuple(self.store.consistency_proof(old, size).consistency_path)
            try:
                return client.add_checkpoint(note, checkpoint.body(), old, proof)
            except StaleSizeError as stale:
                if attempt or stale.size == old:
                    raise
                old = stale.size
        raise AssertionError("unreachable")

    def _sign(self) -> Checkpoint | None:
        with self.store.transaction() as conn:
            frontier, _ = self.store.lock_frontier(conn)
            latest = self.store.latest_checkpoint(conn)
            self._size = frontier.size
            self._sealed = 0 if latest is None else latest.tree_size
            if frontier.size <= self._sealed:
                return None
            ended = self.store.key_ended(self.signer.public_key)
            if ended is not None:
                raise KeyRetiredError(
                    f"the signing key {self.signer.key_id} was rotated away or revoked after "
                    f"tree size {ended}: refusing to sign tree size {frontier.size} with it; "
                    "configure its successor (DOSSIER_SIGNING_KEY_FILE) and restart"
                )
            # Sign only a tree that extends the last signed one, and whose frontier agrees
            # with the stored leaves: an edited row must not be signed into a checkpoint.
            if latest is not None and not self._extends(conn, latest):
                raise LogMismatchError(
                    f"the leaves no longer hash to the root of checkpoint {latest.tree_size}: "
                    "refusing to sign a tree that does not extend it"
                )
            root = frontier.root()
            if self.store.root(frontier.size, conn, cache=False) != root:
                raise LogMismatchError(
                    f"the frontier of {frontier.size} leaves disagrees with the stored leaves: "
                    "refusing to sign it"
                )
            checkpoint = sign_checkpoint(
                self.signer, self.origin, frontier.size, root, self.clock()
            )
            if not self.store.add_checkpoint(conn, checkpoint, self.signer.public_key):
                return None
        self._sealed = checkpoint.tree_size
        log.info("sealed", tree_size=checkpoint.tree_size, key_id=checkpoint.key_id)
        return checkpoint

    def _extends(self, conn: sa.Connection, checkpoint: Checkpoint) -> bool:
        """Whether the stored leaves still hash to ``checkpoint``'s root (nodes read afresh)."""
        return self.store.root(checkpoint.tree_size, conn, cache=False) == checkpoint.root_hash

    def _publish(self) -> None:
        if self.witness is None:
            self._pending.clear()
            return
        if not self._looked_for_unwitnessed:
            latest = self.store.latest_checkpoint()
            if latest is not None:
                self._pending.setdefault(latest.tree_size, latest)
            self._looked_for_unwitnessed = True
        for tree_size in sorted(self._pending):
            self.witness.publish(self._pending[tree_size])
            self.store.mark_witnessed(tree_size, self.clock())
            del self._pending[tree_size]

    def _due(self) -> bool:
        """Whether enough events, or enough time, have gone unsealed."""
        if self._size is None or self._sealed is None:
            return True
        unsealed = self._size - self._sealed
        if unsealed <= 0:
            return bool(self._pending)
        if unsealed >= self.seal_every:
            return True
        if self._unsealed_since is None:  # appended by another sealer, or before a restart
            self._unsealed_since = time.monotonic()
        return time.monotonic() - self._unsealed_since >= self.seal_after

    # ------------------------------------------------------------------------------- thread
    def _round(self) -> bool:
        """Append a batch of leaves and seal if due; whether a full batch was appended (more
        may be waiting)."""
        appended = self.step()
        if self._due():
            self.seal()
        elif self.cosigners and (
            self._cosigned_at is None or time.monotonic() - self._cosigned_at >= self.seal_after
        ):
            self.cosign_latest()
        return appended >= self.batch_size

    def _last_seal(self) -> None:
        try:  # leave nothing unsealed that was appended
            self.catch_up()
            self.seal()
        except Exception:
            log.exception("final seal failed")

    def run(self) -> None:
        """Step and seal until stopped; a failing round is logged and retried, never skipped."""
        self.worker.run()

    @property
    def interval(self) -> float:
        """Seconds between polls when the log has nothing new; the first retry's wait."""
        return self.worker.interval

    @interval.setter
    def interval(self, seconds: float) -> None:
        self.worker.interval = seconds

    def wake(self) -> None:
        """Cut the polling delay short (after a save)."""
        self.worker.wake()

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        """Stop the thread after a last catch-up and seal."""
        self.worker.stop()
