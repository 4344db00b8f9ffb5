"""Applying core-banking batches (核心系统日终文件导入): checked, rehearsed, saved in chunks.

An import runs in four steps, nothing recorded until the third:

1. **check** (:func:`archive.feed.batch.check_batch`): the control file against its files, every
   line's fields, the loans, units and staff the lines name;
2. **order**: the ledger (:class:`domain.feed.FeedLedger`) refuses a batch older than one
   applied (unless it corrects it) and answers a batch already applied with nothing recorded;
3. **rehearse**: every line applied to copies of the aggregates it touches, so that a line the
   loan refuses (a repayment beyond the balance, a loan settled twice) refuses the batch before
   anything is saved — unless ``partial``, when such lines are reported and left out;
4. **apply**: the lines again, on the aggregates kept in memory across the batch, saved every
   :data:`CHUNK_LINES` lines in one ``save()`` with the batch's progress — by a writer thread,
   in order, while the import checks and builds what follows (:class:`_Writer`). An import
   stopped at any moment resumes from the progress the store holds: the same chunks, the same
   events.

Every fact the core owns is recorded once: a line already on record records nothing.
"""

from __future__ import annotations

import gc
import pickle
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from archive.core import ArchiveCore, CommandContext, start_retention_on_close
from archive.feed.batch import (
    FILES,
    LOANS,
    OVERDUE,
    REPAYMENTS,
    SETTLEMENTS,
    BatchSource,
    CheckedBatch,
    FeedLine,
    LoanLine,
    OverdueLine,
    Problems,
    RepaymentLine,
    SettlementLine,
    check_batch,
    read_control,
)
from archive.feed.problems import BatchRefused, FeedProblem
from archive.receipts import BorrowerIndex
from domain.authorization import Action
from domain.dossier import Dossier
from domain.errors import ConflictError, DomainError, NotFoundError
from domain.feed import FeedBatch, FeedLedger
from domain.loan import Loan
from domain.loan.fed import CORE_REPAYMENT_METHODS, rate_text
from domain.values import Actor, Party, loan_id_for
from storage.positions import stored_among

CHUNK_LINES = 2000
"""Lines applied between two saves: each save holds their events and the batch's progress."""

BUFFERED_LINES = 50_000
"""A batch of at most this many lines (a day's) is rehearsed on the loans themselves and its
events kept in memory until every line has passed; a larger one is rehearsed on copies first."""

KEPT_AGGREGATES = 50_000
"""Aggregates kept in memory across an import's batches: past it, the quarter used longest ago
is let go (and loaded again from the store when a later line touches it)."""

RETRIES = 3
"""Times an import reloads and resumes after another writer changed what it was saving."""


@dataclass(frozen=True)
class Progress:
    """How far an import is: for a progress bar and the job's status."""

    business_date: date
    file: str
    lines_done: int
    lines_total: int
    events: int


@dataclass
class ImportOutcome:
    """What importing one batch did."""

    batch: str
    business_date: date
    status: str
    """``applied``; ``already_applied`` (nothing recorded); ``resumed`` (applied, after an
    import stopped part-way)."""
    events: int = 0
    lines: int = 0
    refused: list[FeedProblem] = field(default_factory=list)
    refused_more: int = 0
    reconciliation: dict[str, dict[str, str]] | None = None
    balanced: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "business_date": self.business_date.isoformat(),
            "status": self.status,
            "events": self.events,
            "lines": self.lines,
            "refused": len(self.refused) + self.refused_more,
            "reconciliation": self.reconciliation,
            "balanced": self.balanced,
        }


class _Context:
    """What a batch's lines are checked against: the archive's loans, units and staff."""

    def __init__(self, app: FeedCommands, kept: _Aggregates) -> None:
        self.app = app
        self.kept = kept
        self._branches = app.rule_set().scope.hierarchy
        self._known: set[str] = set()
        self._staff: set[str] = set()

    def loan_known(self, loan_no: str) -> bool:
        if loan_no in self._known:
            return True
        loan_id = loan_id_for(loan_no)
        known = self.kept.kept.get(loan_id) is not None or self.app.aggregate_exists(loan_id)
        if known:
            self._known.add(loan_no)
        return known

    def branch_known(self, name: str) -> bool:
        return self._branches.knows(name)

    def staff_known(self, staff_no: str) -> bool:
        if staff_no in self._staff:
            return True
        try:
            self.app.staff(staff_no)
        except NotFoundError:
            return False
        self._staff.add(staff_no)
        return True


_ABSENT: Any = object()
"""Not kept (where None is kept for an aggregate the store does not hold)."""


class _Aggregates:
    """The aggregates an import touches, loaded once and kept across its batches.

    A rehearsal (``rehearsal=`` the real ones) works on copies, so that what it changes is
    thrown away with it.
    """

    def __init__(
        self,
        app: FeedCommands,
        *,
        rehearsal: _Aggregates | None = None,
        settle: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.kept: dict[UUID, Aggregate | None] = {}
        """Each aggregate asked for, or None where the store has none."""
        self.dirty: dict[UUID, Aggregate] = {}
        self.unsaved: set[UUID] = set()
        """Aggregates whose events were taken and are not handed to the writer yet: never let go
        (loaded again, they would lack those events)."""
        self._pristine = rehearsal
        self._settle = settle
        """Waits until every event handed to the writer is saved: what is kept is let go only
        then, so that an aggregate is never read from the store while its events are queued."""
        self._limit = KEPT_AGGREGATES
        """How many are kept before letting go again: past the bound while the aggregates kept
        may not be let go (a day's batch whose events are all still to hand over), a quarter
        more — not looked through again at every load."""

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        kept: Aggregate | None = self.kept.pop(aggregate_id, _ABSENT)
        if kept is not _ABSENT:
            self.kept[aggregate_id] = kept  # the latest used last
            return kept
        found: Aggregate | None
        if self._pristine is not None:  # rehearsing: a copy of the real one
            real = self._pristine.get(aggregate_id)
            found = pickle.loads(pickle.dumps(real)) if real is not None else None  # noqa: S301
        else:
            try:
                found = self.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                found = None
        if len(self.kept) >= self._limit and self._pristine is None:
            self._let_go(len(self.kept) - KEPT_AGGREGATES * 3 // 4)
            self._limit = max(KEPT_AGGREGATES, len(self.kept) + KEPT_AGGREGATES // 4)
        self.kept[aggregate_id] = found
        return found

    def peek(self, aggregate_id: UUID) -> Aggregate | None:
        """:meth:`get`, not counted as a use where the aggregate is kept (the reconciliation
        reads back the loans the lines touched)."""
        found: Aggregate | None = self.kept.get(aggregate_id, _ABSENT)
        return self.get(aggregate_id) if found is _ABSENT else found

    def _let_go(self, count: int) -> None:
        """Let go of the ``count`` aggregates used longest ago, save those with events to save:
        a loan the import touches again is loaded again from the store. The writer saves what
        it was handed first, so that what is loaded again holds every event handed to it."""
        if self._settle is not None:
            self._settle()
        gone: list[UUID] = []
        for aggregate_id in self.kept:
            if len(gone) >= count:
                break
            if aggregate_id not in self.dirty and aggregate_id not in self.unsaved:
                gone.append(aggregate_id)
        for aggregate_id in gone:
            del self.kept[aggregate_id]

    def look_up(self, ids: set[UUID]) -> None:
        """Ask the store once which of ``ids`` it holds, and keep the others as absent: a
        chunk's new loans and borrowers' indexes cost one query, not one each."""
        if self._pristine is not None:  # rehearsing: the real ones answer, then are copied
            self._pristine.look_up(ids)
            return
        unknown = ids.difference(self.kept)
        if not unknown:
            return
        stored = stored_among(self.app.recorder, unknown)
        for aggregate_id in unknown - stored:
            self.kept[aggregate_id] = None

    def forget(self) -> None:
        """Let go of everything kept (stale, or holding events a failed save left)."""
        self.kept = {}
        self.dirty = {}
        self.unsaved = set()
        self._limit = KEPT_AGGREGATES

    def add(self, aggregate: Aggregate) -> None:
        self.kept[aggregate.id] = aggregate
        self.touched(aggregate)

    def touched(self, aggregate: Aggregate) -> None:
        if self._pristine is not None:  # rehearsing: the state is what counts, not the events
            aggregate.collect_events()
        elif aggregate.pending_events:
            self.dirty[aggregate.id] = aggregate

    def take_dirty(self) -> list[Aggregate]:
        dirty = [a for a in self.dirty.values() if a.pending_events]
        self.dirty = {}
        if self._pristine is None:
            self.unsaved.update(a.id for a in dirty)
        return dirty

    def handed(self) -> None:
        """The events taken so far are handed to the writer, which saves them before anything
        is let go: what holds them may be let go."""
        self.unsaved = set()
        self._limit = KEPT_AGGREGATES


GC_FIRST_THRESHOLD = 50_000
"""The cyclic garbage collector's first threshold while an import runs (Python's is 700).

An import makes millions of objects that stay (the loans it keeps, a day's events until they
are saved) and no cycles; at the default threshold, the collector traverses everything kept
each time the heap grows by a quarter, a fifth of the import's time. Raised, it runs as
often per object made, but seldom enough that the full collections stay few."""


class _Collections:
    """Raises the collector's first threshold while at least one import runs, and keeps what
    the imports made and hold out of its sight (:meth:`set_aside`); then puts back what was.

    What an import keeps (the loans, a day's events until they are saved) holds no cycle, and
    is freed as usual when let go or saved; set aside, the collector does not traverse it at
    every first-generation collection (some 8 % of an import's thread with the threshold raised
    alone). A cycle made meanwhile, by the import or beside it, is collected once the last
    import ends. Nothing is set aside if something else set objects aside before
    (``gc.freeze``, as a server that forks does), whose objects this would put back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._before: tuple[int, int, int] = gc.get_threshold()
        self._aside = False

    @contextmanager
    def fewer(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._before = gc.get_threshold()
                first, *rest = self._before
                gc.set_threshold(max(first, GC_FIRST_THRESHOLD), *rest)
                self._aside = gc.get_freeze_count() == 0
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    gc.set_threshold(*self._before)
                    if self._aside:
                        gc.unfreeze()
                        self._aside = False

    def set_aside(self) -> None:
        """What is alive now stays out of the collector's sight until the last import ends."""
        if self._aside:
            gc.freeze()


_COLLECTIONS = _Collections()


WRITE_AHEAD = 50_000
"""Events handed to the writer and not yet saved, at most: the import waits beyond that."""


class _SaveFailed(Exception):
    """A save of the writer's failed (or the progress reported after it): raised in the import's
    thread, with the batch whose save it was."""

    def __init__(self, batch: int, error: BaseException) -> None:
        super().__init__(batch, error)
        self.batch = batch
        self.error = error


class _Chunk:
    """A chunk's events handed to ``save()`` as one argument, which it collects them from as from
    an aggregate: the library checks each argument against its runtime-checkable event and
    aggregate protocols (some µs a check), so once a chunk rather than once an event."""

    def __init__(self, events: list[Any]) -> None:
        self._id = uuid4()
        self._events = events

    @property
    def id(self) -> UUID:
        return self._id

    @property
    def version(self) -> int:
        return len(self._events)

    def collect_events(self) -> list[Any]:
        return self._events


@dataclass(frozen=True, slots=True)
class _Job:
    batch: int
    events: list[Any]
    report: Progress | None


class _Writer:
    """Saves the import's chunks in a thread of its own, in the order handed, while the import
    checks and builds the next ones (the database's work, and the driver's, run beside it).

    Each chunk is one ``save()`` of the events handed, then the progress reported: what a killed
    import leaves is the same as without the writer, the chunks before some point. A save that
    fails stops it: every chunk handed after it is dropped unsaved, and the failure is raised in
    the import's thread at its next :meth:`submit` or :meth:`drain`.
    """

    def __init__(
        self, save: Callable[[list[Any]], object], progress: Callable[[Progress], None] | None
    ) -> None:
        self._save = save
        self._progress = progress
        self._lock = threading.Condition()
        self._jobs: deque[_Job] = deque()
        self._waiting = 0
        """Events handed and not yet saved (or dropped)."""
        self._busy = False
        self._failed: _SaveFailed | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._work, name="feed-writer", daemon=True)
        self._thread.start()

    def submit(self, batch: int, events: list[Any], report: Progress | None = None) -> None:
        with self._lock:
            while self._failed is None and self._waiting > WRITE_AHEAD and self._pending():
                self._lock.wait()
            if self._failed is not None:
                raise self._failed
            self._jobs.append(_Job(batch, events, report))
            self._waiting += len(events)
            self._lock.notify_all()

    def drain(self) -> None:
        """Wait until everything handed is saved; raise the failure if a save failed."""
        with self._lock:
            while self._pending():
                self._lock.wait()
            if self._failed is not None:
                raise self._failed

    def resume(self) -> None:
        """After a failure: wait until what was handed after it is dropped, and go on."""
        with self._lock:
            while self._pending():
                self._lock.wait()
            self._failed = None

    def close(self) -> None:
        """Save what is handed (unless a save failed) and stop."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        self._thread.join()

    def _pending(self) -> bool:
        return bool(self._jobs) or self._busy

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._jobs and not self._closing:
                    self._lock.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
                if self._failed is not None:  # dropped: it follows a save that failed
                    self._waiting -= len(job.events)
                    self._lock.notify_all()
                    continue
                self._busy = True
            failed = None
            try:
                self._save(job.events)
                if job.report is not None and self._progress is not None:
                    self._progress(job.report)
            except BaseException as error:  # raised again in the import's thread
                failed = _SaveFailed(job.batch, error)
            with self._lock:
                self._busy = False
                self._waiting -= len(job.events)
                if failed is not None:
                    self._failed = failed
                self._lock.notify_all()


@dataclass
class _Session:
    """What an import keeps across its batches: the aggregates, the writer, the ledger as the
    saves handed to the writer leave it, the batches begun."""

    kept: _Aggregates
    writer: _Writer
    ledger: FeedLedger | None = None
    batches: set[str] = field(default_factory=set)

    def forget(self) -> None:
        """Let go of what is kept (stale, or holding events that were not saved)."""
        self.kept.forget()
        self.ledger = None


class FeedCommands(ArchiveCore):
    """Importing the core system's batches."""

    def aggregate_exists(self, aggregate_id: UUID) -> bool:
        return len(self.recorder.select_events(aggregate_id, limit=1)) > 0

    def import_feed(
        self,
        ctx: CommandContext,
        paths: list[Path],
        *,
        partial: bool = False,
        progress: Callable[[Progress], None] | None = None,
        chunk_lines: int = CHUNK_LINES,
    ) -> list[ImportOutcome]:
        """Import batches in business-date order; raise :class:`BatchRefused` for the first
        refused (the batches before it stay applied). ``chunk_lines`` lines are saved at once:
        an import resumed must use the size it started with to record the same events."""
        actor = self.actor(ctx, Action.IMPORT_FEED)
        checked: list[tuple[date, Path]] = []
        for path in paths:  # the control files first: batches apply in business-date order
            source = BatchSource(path)
            try:
                problems = Problems()
                control = read_control(source, problems)
                if control is None:
                    raise problems.refuse()
            finally:
                source.close()
            checked.append((control.business_date, path))
        order = [path for _day, path in sorted(checked, key=lambda c: (c[0], str(c[1])))]
        writer = _Writer(lambda events: self.save(_Chunk(events)), progress)
        session = _Session(_Aggregates(self, settle=writer.drain), writer)
        try:
            with _COLLECTIONS.fewer():
                outcomes = self._import_all(
                    actor, order, session, partial=partial, chunk=chunk_lines
                )
        finally:
            writer.close()  # what is queued is saved first, unless a save failed
        return outcomes

    def _import_all(
        self, actor: Actor, order: list[Path], session: _Session, *, partial: bool, chunk: int
    ) -> list[ImportOutcome]:
        """The batches in turn, each saved by the writer while the next is checked and built.

        A save that fails (another writer went first) stops the writer: what was queued after it
        is dropped, what is kept is let go, and the import resumes from the failed save's batch —
        up to :data:`RETRIES` times for a batch."""
        outcomes: list[ImportOutcome] = []
        tries: dict[int, int] = {}
        while len(outcomes) < len(order):
            at = len(outcomes)
            try:
                try:
                    outcomes.append(
                        self._import_one(
                            actor, order[at], session, at, partial=partial, chunk=chunk
                        )
                    )
                except DomainError:
                    session.writer.drain()  # the batches before the refused one stay applied
                    raise
                if len(outcomes) == len(order):
                    session.writer.drain()
            except _SaveFailed as failed:
                if not isinstance(failed.error, IntegrityError):
                    raise failed.error from None
                session.writer.resume()  # everything queued after the failed save dropped
                session.forget()  # another writer went first: what is kept is stale
                tries[failed.batch] = tries.get(failed.batch, 0) + 1
                if tries[failed.batch] > RETRIES:
                    raise ConflictError(
                        "另一导入正在写入同一批次或同一贷款，请稍后重试",
                        "another import is writing the same batch or loans: retry later",
                    ) from None
                del outcomes[failed.batch :]
        return outcomes

    # ----------------------------------------------------------------- one batch
    def _import_one(
        self,
        actor: Actor,
        path: Path,
        session: _Session,
        at: int,
        *,
        partial: bool,
        chunk: int,
    ) -> ImportOutcome:
        batch = check_batch(path, _Context(self, session.kept), partial=partial)
        _COLLECTIONS.set_aside()  # the typed lines kept until the batch is applied
        try:
            return self._apply(actor, batch, session, at, partial=partial, chunk=chunk)
        finally:
            batch.close()

    def _apply(
        self,
        actor: Actor,
        batch: CheckedBatch,
        session: _Session,
        at: int,
        *,
        partial: bool,
        chunk: int,
    ) -> ImportOutcome:
        control = batch.control
        day = control.business_date
        sha = control.sha256
        real = session.kept
        if sha in session.batches:  # the same batch twice: the first one's saves are read
            session.writer.drain()
        session.batches.add(sha)
        if session.ledger is None:  # the writer is idle: the store holds all it saved
            session.ledger = self._ledger()
        ledger = session.ledger
        stored = self._stored_batch(sha)
        if stored is not None and stored.applied:
            return ImportOutcome(
                sha,
                day,
                "already_applied",
                lines=stored.lines_done,
                reconciliation=stored.reconciliation,
                balanced=stored.balanced,
            )
        if stored is None:
            if day > self.today():
                raise BatchRefused(
                    [
                        FeedProblem(
                            "batch.ctl",
                            None,
                            "business_date",
                            "business_date_in_future",
                            f"批次营业日 {day} 晚于今天 {self.today()}",
                            f"the batch's business date {day} is after today, {self.today()}",
                        )
                    ]
                )
            self._check_order(ledger, sha, day, control.correction)
        start_at = stored.lines_done if stored is not None else 0
        refused = list(batch.problems)
        total = sum(entry.records for entry in control.files.values())
        buffered: list[_Taken] | None = None
        if not partial and batch.held and total <= BUFFERED_LINES:
            # A batch of a day: rehearsed on the loans themselves, its events kept to be saved
            # once every line has passed; a line refused lets go of what the loans now hold.
            buffered = []
            found: list[FeedProblem] = []
            self._run(
                actor,
                batch,
                real,
                start_at,
                partial=True,
                save=None,
                chunk=chunk,
                found=found,
                buffer=buffered,
            )
            if found:
                session.forget()
                raise BatchRefused(found[:1000], more=max(0, len(found) - 1000))
        elif not partial:
            rehearsal = _Aggregates(self, rehearsal=real)
            found = []
            self._run(
                actor, batch, rehearsal, start_at, partial=True, save=None, chunk=chunk, found=found
            )
            if found:
                raise BatchRefused(found[:1000], more=max(0, len(found) - 1000))
        if stored is None:
            stored = FeedBatch.start(
                control_sha256=sha,
                bank=control.bank,
                business_date=day,
                correction=control.correction,
                partial=partial,
                files={
                    name: {
                        "records": str(entry.records),
                        "sha256": entry.sha256,
                        **({"amount": f"{entry.amount:.2f}"} if entry.amount is not None else {}),
                    }
                    for name, entry in control.files.items()
                },
                refused=len(batch.problems) + batch.more,
                actor=actor,
            )
            ledger.start(batch=sha, business_date=day, correction=control.correction, actor=actor)
            session.writer.submit(at, [*stored.collect_events(), *ledger.collect_events()])
            status = "applied"
        else:
            status = "resumed"
        recorded = stored

        def save(
            file: str, line: int, done: int, last: bool, taken: list[Any] | None = None
        ) -> int:
            """Hand the writer a chunk's events with the batch's progress, to be saved in one
            ``save()``: the aggregates' pending events, or those ``taken`` from them when the
            chunk's lines had passed, in the same order. They are taken in this thread, from the
            aggregates it changes, so that the writer only ever holds events."""
            chunk_events = _take(real) if taken is None else taken
            events = len(chunk_events)
            recorded.progress(file=file, line=line, lines_done=done, events=events)
            if last:
                recorded.reconcile(totals=self._totals(batch, real, refused), actor=actor)
                ledger.finish(batch=sha, business_date=day, actor=actor)
            chunk_events.extend(recorded.collect_events())
            chunk_events.extend(ledger.collect_events())
            session.writer.submit(
                at, chunk_events, Progress(day, file, done, total, recorded.events_recorded)
            )
            if taken is None or last:
                real.handed()  # the events taken are the writer's: saved before any is let go
            return events

        if buffered is None:
            self._run(
                actor, batch, real, start_at, partial=partial, save=save, chunk=chunk, found=refused
            )
        else:
            *chunks, tail = buffered
            for each in chunks:
                save(each.file, each.line, each.done, False, each.events)
            save(tail.file, tail.line, tail.done, True, tail.events)
        return ImportOutcome(
            sha,
            day,
            status,
            events=recorded.events_recorded,
            lines=recorded.lines_done,
            refused=refused,
            refused_more=batch.more,
            reconciliation=recorded.reconciliation,
            balanced=recorded.balanced,
        )

    def _ledger(self) -> FeedLedger:
        """The ledger as the log holds it now: brought up to date from the copy this process
        keeps (:meth:`current`), not replayed from its first batch on every import."""
        try:
            found = self.current(FeedLedger.create_id())
        except AggregateNotFoundError:
            return FeedLedger.open()
        assert isinstance(found, FeedLedger)
        return found

    def _stored_batch(self, sha: str) -> FeedBatch | None:
        batch_id = FeedBatch.create_id(sha)
        if not self.aggregate_exists(batch_id):
            return None
        found: Aggregate = self.repository.get(batch_id)
        assert isinstance(found, FeedBatch)
        return found

    @staticmethod
    def _check_order(ledger: FeedLedger, sha: str, day: date, correction: bool) -> None:
        last = ledger.last_business_date
        if correction:
            if day not in ledger.applied.values():
                raise BatchRefused(
                    [
                        _problem(
                            "batch_not_applied",
                            f"更正批次所更正的业务日期 {day} 尚无已导入批次",
                            f"a correction batch for {day}, but no batch of that date was applied",
                        )
                    ]
                )
            return
        if last is not None and day <= last:
            raise BatchRefused(
                [
                    _problem(
                        "batch_out_of_order",
                        f"业务日期 {day} 不晚于已导入的 {last}；更正须使用更正批次（correction=true）",
                        f"business date {day} is not after {last}, already applied; send a correction "
                        "batch (correction=true) to change it",
                    )
                ]
            )

    # ------------------------------------------------------------- the lines
    def _run(
        self,
        actor: Actor,
        batch: CheckedBatch,
        aggregates: _Aggregates,
        start_at: int,
        *,
        partial: bool,
        save: Callable[[str, int, int, bool], int] | None,
        chunk: int,
        found: list[FeedProblem],
        buffer: list[_Taken] | None = None,
    ) -> None:
        """Apply the batch's lines from ``start_at``; the lines refused are added to ``found``.

        With ``buffer``, each chunk's events are taken from the aggregates into it, to be saved
        later, the last (the lines after the last full chunk, maybe none) always.
        """
        control = batch.control
        fed_base: dict[str, Any] = {
            "batch": control.sha256,
            "business_date": control.business_date.isoformat(),
        }
        if control.correction:
            fed_base["correction"] = True
        parties: dict[str, Party] = {}
        done = 0
        last_file, last_line = FILES[0], 0
        lines = _all_lines(batch)
        for _skipped in islice(lines, start_at):
            done += 1
        while group := list(islice(lines, chunk)):
            aggregates.look_up(_named(group))
            for name, typed in group:
                done += 1
                last_file, last_line = name, typed.line
                fed = {**fed_base, "file": name, "line": typed.line}
                try:
                    self._line(
                        actor,
                        control.business_date,
                        control.correction,
                        typed,
                        fed,
                        aggregates,
                        parties,
                    )
                except DomainError as exc:
                    if not partial:
                        raise
                    column = exc.context.get("field")
                    found.append(FeedProblem(name, typed.line, column, exc.code, exc.zh, exc.en))
                if done % chunk == 0:
                    _COLLECTIONS.set_aside()  # what the chunk made stays until saved, or on
                    if buffer is not None:
                        buffer.append(_Taken(name, typed.line, done, _take(aggregates)))
                    if save is not None:
                        save(name, typed.line, done, False)
        if buffer is not None:
            buffer.append(_Taken(last_file, last_line, done, _take(aggregates)))
        if save is not None:
            save(last_file, last_line, done, True)

    def _line(
        self,
        actor: Actor,
        day: date,
        correction: bool,
        typed: FeedLine,
        fed: dict[str, Any],
        aggregates: _Aggregates,
        parties: dict[str, Party],
    ) -> None:
        loan = aggregates.get(loan_id_for(typed.loan_no))
        assert loan is None or isinstance(loan, Loan)
        if isinstance(typed, LoanLine):
            manager = parties.get(typed.account_manager_no)
            if manager is None:
                manager = parties[typed.account_manager_no] = self.party(typed.account_manager_no)
            if loan is None:
                self._book(actor, typed, manager, fed, aggregates)
                return
            loan.report_master_data(
                borrower_id=typed.borrower_id_no,
                reported=_master(typed),
                branch=typed.branch,
                account_manager=manager,
                business_date=day,
                actor=actor,
                fed=fed,
            )
            aggregates.touched(loan)
            return
        if loan is None:  # checked before: the batch's own loans.csv brought it
            raise NotFoundError(
                f"贷款 {typed.loan_no} 不存在",
                f"loan {typed.loan_no} does not exist",
                field="loan_no",
            )
        if isinstance(typed, RepaymentLine):
            loan.report_repayment(
                reference=typed.reference,
                paid_on=typed.paid_on,
                principal=typed.principal,
                interest=typed.interest,
                penalty=typed.penalty,
                correction=correction,
                actor=actor,
                fed=fed,
            )
        elif isinstance(typed, OverdueLine):
            loan.report_arrears(
                as_of=day,
                days_overdue=typed.days_overdue,
                overdue_principal=typed.overdue_principal,
                overdue_interest=typed.overdue_interest,
                correction=correction,
                actor=actor,
                fed=fed,
            )
        elif isinstance(typed, SettlementLine) and loan.report_settlement(
            settled_on=typed.settled_on,
            how=typed.how,
            correction=correction,
            actor=actor,
            fed=fed,
        ):
            aggregates.touched(loan)  # before the dossier: touched in the order of their events
            dossier = aggregates.get(Dossier.create_id(loan.id))
            if isinstance(dossier, Dossier) and start_retention_on_close(loan, dossier, actor):
                aggregates.touched(dossier)
        aggregates.touched(loan)

    def _book(
        self,
        actor: Actor,
        typed: LoanLine,
        manager: Party,
        fed: dict[str, Any],
        aggregates: _Aggregates,
    ) -> None:
        """A loan the core disbursed: the loan, its dossier, the borrower's index."""
        loan = Loan.book_from_core(
            loan_no=typed.loan_no,
            borrower_id=typed.borrower_id_no,
            borrower_name=typed.borrower_name,
            borrower_type=typed.borrower_kind,
            product=typed.product,
            principal=typed.principal,
            rate=typed.rate,
            value_date=typed.value_date,
            maturity_date=typed.maturity_date,
            repayment_method=typed.repayment_method,
            guarantee_type=typed.guarantee_type,
            branch=typed.branch,
            purpose=typed.purpose,
            account_manager=manager,
            actor=actor,
            fed=fed,
        )
        aggregates.add(loan)
        aggregates.add(
            Dossier.open(
                loan_id=loan.id,
                loan_no=loan.loan_no,
                borrower_name=loan.borrower_name,
                actor=actor,
                opened_on=loan.value_date,
            )
        )
        index_id = BorrowerIndex.create_id(typed.borrower_id_no)
        index = aggregates.get(index_id)
        if index is None:
            index = BorrowerIndex.of_borrower(typed.borrower_id_no)
            aggregates.add(index)
        assert isinstance(index, BorrowerIndex)
        index.add_booked_loan(loan.id)
        aggregates.touched(index)

    # ------------------------------------------------------------- 对账
    def _totals(
        self, batch: CheckedBatch, aggregates: _Aggregates, refused: list[FeedProblem]
    ) -> dict[str, dict[str, str]]:
        """Per file: the control file's records and amount, what the archive holds of the
        batch's lines after applying it — read back from the loans, not from the lines — and
        the lines refused (with ``partial``)."""
        totals: dict[str, dict[str, str]] = {}
        day = batch.control.business_date
        peek = aggregates.peek
        for name, entry in batch.control.files.items():
            records = 0
            amount = Decimal("0.00")
            for typed in batch.lines(name):
                loan = peek(loan_id_for(typed.loan_no))
                if not isinstance(loan, Loan):
                    continue
                if isinstance(typed, OverdueLine):
                    records += loan.has_arrears_on(day)
                elif isinstance(typed, RepaymentLine):
                    held = loan.core_reference(typed.reference)
                    if held is not None:
                        records += 1
                        amount += held[0] + held[1] + held[2]
                elif isinstance(typed, LoanLine):
                    records += 1
                    amount += loan.principal
                else:
                    records += loan.settled_on is not None
            row = {
                "control_records": str(entry.records),
                "archive_records": str(records),
                "refused_records": str(len({p.line for p in refused if p.file == name})),
            }
            if entry.amount is not None:
                row["control_amount"] = f"{entry.amount:.2f}"
                row["archive_amount"] = f"{amount:.2f}"
            totals[name] = row
        return totals


@dataclass(frozen=True, slots=True)
class _Taken:
    """A chunk's events, taken from the aggregates once its lines had passed and kept until
    its batch is saved, and where the chunk ends (its last line, the lines done)."""

    file: str
    line: int
    done: int
    events: list[Any]


def _take(aggregates: _Aggregates) -> list[Any]:
    """The events of the aggregates a chunk touched, each aggregate's together, the aggregates
    in the order of their first event in the chunk (what ``save()`` of them would record)."""
    return [e for a in aggregates.take_dirty() for e in a.collect_events()]


def _named(group: list[tuple[str, FeedLine]]) -> set[UUID]:
    """The loans a group of lines names, and the borrowers' indexes its loans.csv lines do."""
    ids = {loan_id_for(typed.loan_no) for _name, typed in group}
    ids.update(
        BorrowerIndex.create_id(typed.borrower_id_no)
        for _name, typed in group
        if isinstance(typed, LoanLine)
    )
    return ids


def _all_lines(batch: CheckedBatch) -> Iterator[tuple[str, FeedLine]]:
    for name in FILES:
        for typed in batch.lines(name):
            yield name, typed


def _master(typed: LoanLine) -> dict[str, str]:
    return {
        "borrower_name": typed.borrower_name,
        "borrower_type": typed.borrower_kind.value,
        "product": typed.product.value,
        "principal": f"{typed.principal:.2f}",
        "interest_rate": rate_text(typed.rate),
        "value_date": typed.value_date.isoformat(),
        "maturity_date": typed.maturity_date.isoformat(),
        "repayment_method": CORE_REPAYMENT_METHODS[typed.repayment_method].value,
        "guarantee_type": typed.guarantee_type.value,
        "purpose": typed.purpose,
    }


def _problem(code: str, zh: str, en: str) -> FeedProblem:
    return FeedProblem("batch.ctl", None, None, code, zh, en)


__all__ = [
    "CHUNK_LINES",
    "LOANS",
    "OVERDUE",
    "REPAYMENTS",
    "SETTLEMENTS",
    "FeedCommands",
    "ImportOutcome",
    "Progress",
]
