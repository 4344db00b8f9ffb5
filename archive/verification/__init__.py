"""``dossier verify`` (完整性校验): the whole record against its Merkle log, checkpoints and blobs.

``Verifier.run`` reads, in bounded memory:

a. every stored event, a page at a time, recomputing its leaf from the stored record
   (``storage.sealing.event_leaf_hash``) and comparing it with the stored leaf of its position;
b. the notification sequence against the leaves, merged by notification id: a leaf without its
   event (deleted), an event without a leaf inside the sealed range (inserted), leaves past the
   last event (the log cut short); events after the last checkpoint are the *unsealed tail*, a
   notice and not a failure — they are only as safe as the database;
c. each checkpoint's signature, with the key of the key table, and its root recomputed from the
   events themselves (not from the leaf table) with one ``MerkleFrontier`` over the stream;
d. consecutive checkpoints by the store's consistency proofs, and the checkpoint table against
   the witness (``archive.verification.checkpoints``);
e. each document a ``DocumentFiled`` event cites, as that event streams by: read back in chunks,
   decrypted (authenticated) and hashed to the SHA-256 and size the event names — unless its
   dossier was destroyed by a lawful destruction, whose documents must then be gone (or be
   listed as retained under object lock by the batch's ``Completed`` event). A ``Destroyed``
   event is lawful only when the log holds, before it, the executed batch that names the
   dossier, with the approvals and supervisors the rules require
   (``archive.verification.destructions``, read in one pass before the walk, with or without
   documents).

What it holds in memory: one page of events and of leaves, a frontier of at most 64 hashes, the
checkpoints, the destruction batches, the roles each member of staff holds, the ids of
destroyed dossiers and the keys of retained blobs, and the findings (at most ``MAX_KEPT``). It reads a snapshot: the witness, then the checkpoint table, then the leaf
count, then the head of the log — in the order the sealer writes them the other way round — so
that a sealer running meanwhile causes no false alarm; later events are left for the next run.

The run is evidence too: ``VerificationCommands.verify_integrity`` records it, clean or not, as
an ``IntegrityVerification`` (the audit of the audit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import takewhile
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.verification.checkpoints import (
    ANCHOR_CONFIGURED,
    ANCHOR_LOCAL,
    ANCHOR_NONE,
    CheckpointChecks,
    b64,
)
from archive.verification.cosignatures import check_cosignatures
from archive.verification.destructions import TOPICS as DESTRUCTION_TOPICS
from archive.verification.destructions import DestructionChecks
from archive.verification.documents import FILED, DocumentChecks
from archive.verification.log import UNDECODABLE, UNREADABLE, LeafOrEvent, Walk
from archive.verification.report import (
    Finding,
    Findings,
    VerificationReport,
)
from domain.authorization import Action
from domain.integrity import IntegrityVerification
from domain.values import Actor, DocumentRef
from storage.blobs import BlobStore
from storage.cosignatures import CosignerKey
from storage.integrity_store import IntegrityStore
from storage.merkle import MerkleFrontier
from storage.signing import PublicKey
from storage.witness import Witness

__all__ = [
    "ANCHOR_CONFIGURED",
    "ANCHOR_LOCAL",
    "ANCHOR_NONE",
    "Finding",
    "VerificationCommands",
    "VerificationReport",
    "VerifiedRun",
    "Verifier",
]

PAGE = 500
"""Events read per query (the integrity store reads leaves 10,000 at a time)."""

Progress = Callable[[int, int], None]
"""``progress(events_read, head)``: ``head`` is the last position to read (the bar's total)."""


class Verifier:
    """One verification run over the stores; ``blobs=None`` leaves documents unchecked."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        store: IntegrityStore,
        mapper: Mapper[UUID],
        *,
        witness: Witness | None = None,
        blobs: BlobStore | None = None,
        trusted_keys: Iterable[PublicKey] = (),
        anchor: str | None = None,
        origin: str | None = None,
        cosigners: Iterable[CosignerKey] = (),
        quorum: int = 0,
        progress: Progress | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        page: int = PAGE,
    ) -> None:
        if page < 1:
            raise ValueError("page must be positive")
        self.recorder = recorder
        self.store = store
        self.mapper = mapper
        self.witness = witness
        self.blobs = blobs
        self.trusted_keys = tuple(trusted_keys)
        self.anchor = anchor
        self.origin = origin
        self.cosigners = tuple(cosigners)
        self.quorum = quorum
        self.progress = progress
        self.clock = clock
        self.page = page

    def run(self) -> VerificationReport:
        started = self.clock()
        findings = Findings()
        checks = CheckpointChecks(
            self.store,
            findings,
            trusted=self.trusted_keys,
            anchor=self.anchor,
            origin=self.origin,
            witness_configured=self.witness is not None,
            statements=self.store.statements(),
        )
        # The snapshot, in this order: see the module's docstring.
        witnessed = checks.read_witness(self.witness)
        table = self.store.checkpoints()
        sealed = self.store.size()
        head = self.recorder.max_notification_id() or 0
        roots = checks.check(table, witnessed, sealed)
        check_cosignatures(table, self.cosigners, self.quorum, findings, checks.doubtful)
        destructions = DestructionChecks(self.mapper, findings)
        destructions.read(self._select(head, DESTRUCTION_TOPICS))
        documents = None
        if self.blobs is not None:
            documents = DocumentChecks(self.blobs, self.mapper, findings)
            documents.destroyed = destructions.founded
            documents.retained = destructions.retained
        walk = Walk(findings, roots.covered)
        frontier = MerkleFrontier()
        roots.at(0, frontier, findings)
        leaves = takewhile(lambda leaf: leaf.index < sealed, self.store.leaves_from(0))
        for note in walk.merge(self._select(head), leaves):
            frontier.append(walk.hash)
            roots.at(frontier.size, frontier, findings)
            if documents is not None and note.topic in FILED:
                documents.check(note)
            if self.progress is not None and walk.events % self.page == 0:
                self.progress(walk.events, head)
        findings.break_run()
        roots.beyond(walk.events, findings)
        findings.revise(LeafOrEvent(roots.table_sizes, roots.held - checks.doubtful))
        tail = walk.tail()
        if tail is not None:
            findings.notice(
                Finding(
                    "unsealed_tail",
                    f"{tail.count} events after the last checkpoint (positions {tail.first}–"
                    f"{tail.last}) are not yet signed: they are only as safe as the database",
                    f"最后一个检查点之后的 {tail.count} 个事件（位置 {tail.first}–{tail.last}）"
                    "尚未签名封存，其安全性仅等同于数据库",
                    position=tail.first,
                    through=tail.last,
                    count=tail.count,
                )
            )
        if self.progress is not None:
            self.progress(walk.events, max(head, walk.events))
        latest = table[-1] if table else None
        return VerificationReport(
            started_at=started,
            finished_at=max(started, self.clock()),
            events_checked=walk.events,
            head=walk.last_position,
            sealed_leaves=sealed,
            tree_size=0 if latest is None else latest.tree_size,
            root_hash="" if latest is None else b64(latest.root_hash),
            checkpoints_checked=roots.checked,
            witnessed_checkpoints=None if witnessed is None else len(witnessed),
            anchor=checks.anchor,
            documents=documents is not None,
            documents_checked=0 if documents is None else documents.checked,
            documents_destroyed=0 if documents is None else documents.destroyed_absent,
            discrepancies=findings.discrepancies(),
            discrepancy_count=findings.discrepancy_count,
            notices=findings.notices(),
            unsealed_tail=tail,
        )

    def _select(self, head: int, topics: list[str] | None = None) -> Iterator[Notification]:
        """The stored events up to ``head`` (of ``topics`` only, if given), a page at a time.

        A page the event store cannot decode (a row whose aggregate id is no longer a UUID, a
        state that is no longer bytes) is read again row by row, and each row that cannot be
        read is yielded as an ``UNREADABLE`` placeholder at its position, so the walk names it
        and goes on; errors of the database itself are not caught.
        """
        start = 1
        while start <= head:
            try:
                notes = self.recorder.select_notifications(
                    start=start, limit=self.page, stop=head, topics=topics or ()
                )
            except UNDECODABLE:
                end = min(head, start + self.page - 1)
                yield from self._row_by_row(start, end, topics)
                start = end + 1
                continue
            yield from notes
            if len(notes) < self.page:
                return
            start = notes[-1].id + 1

    def _row_by_row(self, start: int, end: int, topics: list[str] | None) -> Iterator[Notification]:
        for position in range(start, end + 1):
            try:
                yield from self.recorder.select_notifications(
                    start=position, limit=1, stop=position, topics=topics or ()
                )
            except UNDECODABLE:
                if topics is None:
                    yield Notification(
                        id=position,
                        originator_id=UUID(int=0),
                        originator_version=0,
                        topic=UNREADABLE,
                        state=b"",
                    )


@dataclass(frozen=True)
class VerifiedRun:
    """A verification's report and where its record (``IntegrityVerification``) was saved."""

    report: VerificationReport
    recorded: CommandResult

    @property
    def run_id(self) -> UUID:
        return self.recorded.aggregate_id


class VerificationCommands(ArchiveCore):
    """Verify the whole record and record that it was verified (the audit of the audit)."""

    def verify_integrity(
        self,
        ctx: CommandContext,
        *,
        store: IntegrityStore,
        witness: Witness | None,
        trusted_keys: Iterable[PublicKey] = (),
        anchor: str | None = None,
        origin: str | None = None,
        cosigners: Iterable[CosignerKey] = (),
        quorum: int = 0,
        documents: bool = True,
        progress: Progress | None = None,
    ) -> VerifiedRun:
        """Run ``Verifier`` over this application's stores and record the run, clean or not.

        The caller's right to verify is checked before the long read, and again when the run
        is recorded.
        """
        self.actor(ctx, Action.VERIFY_INTEGRITY)
        report = Verifier(
            self.recorder,
            store,
            self.mapper,
            witness=witness,
            blobs=self.blobs if documents else None,
            trusted_keys=trusted_keys,
            anchor=anchor,
            origin=origin,
            cosigners=cosigners,
            quorum=quorum,
            progress=progress,
            clock=self.clock,
        ).run()
        return VerifiedRun(report, self.record_verification(ctx, report))

    def record_verification(self, ctx: CommandContext, report: VerificationReport) -> CommandResult:
        """Save the run as an ``IntegrityVerification``; its id is the run's id."""
        params = {
            "started_at": report.started_at.isoformat(),
            "tree_size": report.tree_size,
            "discrepancies": report.discrepancy_count,
        }

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            run = IntegrityVerification.record(
                started_at=report.started_at,
                finished_at=report.finished_at,
                events_checked=report.events_checked,
                documents_checked=report.documents_checked,
                checkpoints_checked=report.checkpoints_checked,
                tree_size=report.tree_size,
                root_hash=report.root_hash,
                discrepancies=report.records(),
                actor=actor,
            )
            return Work(run, [run], {"run_id": str(run.id)})

        return self._execute(ctx, Action.VERIFY_INTEGRITY, params, body)

    def integrity_verification(self, ctx: CommandContext, run_id: UUID) -> IntegrityVerification:
        """A recorded run, for those who may verify."""
        self.actor(ctx, Action.VERIFY_INTEGRITY)
        return self._load(IntegrityVerification, run_id, "完整性校验记录", "integrity verification")
