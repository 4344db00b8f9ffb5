"""The follower: reads the global notification log and feeds the registers, exactly once.

Each batch is one transaction in the registers' database: read the tracked positions (locking
them), read the next notifications after them from the event store, apply them to every
register that has not seen them, write the rows, move the positions — commit. A crash at any
point loses the whole batch and nothing else, and the next run starts where the last commit
ended; nothing is applied twice, nothing is skipped.

It polls, which works on SQLite (whose recorder cannot subscribe) and on PostgreSQL alike;
``wake()`` lets the process that just saved a command cut the polling delay.

A rebuild fills a new generation of a register from position zero in batches, while the live
generation keeps serving and following; once the new one has caught up, both are locked, the
new one takes the last events and becomes live in one transaction, and the old one is dropped.

Each register advances on its own. One that cannot apply an event (its handler raises, or its
rows cannot be written) stops at the position before that event — it never skips it, so a
rebuild still equals it — and the failure is recorded beside its position and logged; the
others go on following. A stopped register serves no reads (``RegisterFailedError``) until
the failure is cleared: at the next start, which tries the event again, or by a rebuild. A
database that is unreachable or times out is nobody's event's fault: that batch is retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
import structlog
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from domain.dates import business_date
from domain.display import BANK_ZONE
from projections.changes import CACHE_LIMIT, Changes, RowCache
from projections.errors import register_failed
from projections.projection import Projection
from projections.store import Failure, Generation, RegisterState, RegisterStore
from storage.worker import Worker, WorkerError

log = structlog.get_logger("dossier.follower")

LIVE_BATCH = 500
REBUILD_BATCH = 2_000
Progress = Callable[[int, int], None]  # (events applied so far, position)


# Errors of a database that went away, timed out or could not take a lock (PEP 249's names,
# which sqlite3, psycopg and SQLAlchemy all use): the batch is retried, no register stops.
TRANSIENT_ERRORS = frozenset({"OperationalError", "InterfaceError"})


@dataclass
class _Target:
    projection: Projection
    generation: int
    position: int
    topics: frozenset[str] | None
    cache: RowCache = field(default_factory=RowCache)
    limit: int | None = None
    """The furthest position this batch may take it to (short of an event it cannot apply)."""

    @property
    def name(self) -> str:
        return self.projection.name

    def wants(self, note: Notification) -> bool:
        return (
            self.position < note.id
            and (self.limit is None or note.id <= self.limit)
            and (self.topics is None or note.topic in self.topics)
        )

    def end(self, reached: int) -> int:
        """Where a batch read up to ``reached`` leaves it."""
        return reached if self.limit is None else min(reached, self.limit)


@dataclass(frozen=True)
class Stop:
    """An event a register cannot apply, and why."""

    position: int
    topic: str
    error_type: str
    error: str

    @classmethod
    def of(cls, note: Notification, error: BaseException) -> Stop:
        kind = type(error)
        return cls(note.id, note.topic, f"{kind.__module__}.{kind.__qualname__}", str(error))


class _Failed(Exception):
    """Registers could not apply a batch: its transaction is abandoned and the batch retried,
    each register named here held short of the event it failed on (``stops``) or, when only
    the batch is known (its rows could not be written), of the second half (``narrowed``)."""

    def __init__(self, stops: dict[str, Stop], narrowed: dict[str, int]) -> None:
        super().__init__(", ".join([*stops, *narrowed]))
        self.stops = stops
        self.narrowed = narrowed


def _transient(error: BaseException) -> bool:
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return any(c.__name__ in TRANSIENT_ERRORS for c in type(error).__mro__)


def _utc(timestamp: datetime) -> datetime:
    return timestamp.astimezone(UTC).replace(tzinfo=None)


class Feeder:
    """Applies notifications to register generations inside a transaction."""

    def __init__(
        self,
        store: RegisterStore,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        zone: str = BANK_ZONE,
    ):
        self.store = store
        self.recorder = recorder
        self.mapper = mapper
        self.zone = zone
        """The bank's zone: an event without a business date is dated its day of recording."""
        self.purged = False
        """Whether a batch applied since it was last cleared deleted rows for good."""

    def apply(
        self,
        conn: sa.Connection,
        targets: Sequence[_Target],
        notes: Sequence[Notification],
        reached: int,
    ) -> int:
        """Apply ``notes`` to ``targets`` and move each to ``reached`` (or its limit); return
        how many events were decoded and applied.

        Raises ``_Failed`` when a register cannot apply an event; the caller rolls back and
        tries again without it.
        """
        changes = {
            id(t): Changes(
                conn,
                t.projection.specs(),
                self.store.tables(t.projection, t.generation),
                t.cache,
            )
            for t in targets
        }
        applied = 0
        try:
            for note in notes:
                interested = [t for t in targets if t.wants(note)]
                if not interested:
                    continue
                try:
                    event: Any = self.mapper.to_domain_event(note)
                except Exception as error:
                    if _transient(error):
                        raise
                    raise _Failed({t.name: Stop.of(note, error) for t in interested}, {}) from error
                at = _utc(event.timestamp)
                on = business_date(event, self.zone)
                for target in interested:
                    batch = changes[id(target)]
                    batch.at_event(note.id, at, on)
                    try:
                        batch.run(partial(target.projection.apply, note.topic, event, batch))
                    except Exception as error:
                        if _transient(error):
                            raise
                        raise _Failed({target.name: Stop.of(note, error)}, {}) from error
                applied += 1
            for target in targets:
                try:
                    changes[id(target)].flush()
                except Exception as error:
                    failed = None if _transient(error) else self._unwritten(target, notes, error)
                    if failed is None:
                        raise
                    raise failed from error
            self.purged = self.purged or any(c.purged for c in changes.values())
            for target in targets:
                end = target.end(reached)
                if end > target.position:
                    self.store.set_position(conn, _generation(target), end)
        except BaseException:
            for target in targets:
                target.cache.clear()
            raise
        return applied

    @staticmethod
    def _unwritten(
        target: _Target, notes: Sequence[Notification], error: Exception
    ) -> _Failed | None:
        """The register's rows for this batch could not be written: which event it was is
        found by halving the batch (a single event is the one)."""
        mine = [note for note in notes if target.wants(note)]
        if not mine:
            return None
        if len(mine) == 1:
            return _Failed({target.name: Stop.of(mine[0], error)}, {})
        return _Failed({}, {target.name: mine[len(mine) // 2 - 1].id})

    def read(
        self, after: int, limit: int, topics: frozenset[str] | None = None
    ) -> tuple[Sequence[Notification], int]:
        """The next notifications after ``after``, and the position they take the reader to.

        With ``topics`` only those events are read; a short page then means the reader has
        seen the log up to the position that was the head when it looked.
        """
        if topics is None:
            notes = self.recorder.select_notifications(start=after + 1, limit=limit)
            return notes, notes[-1].id if notes else after
        head = self.recorder.max_notification_id() or 0
        notes = self.recorder.select_notifications(
            start=after + 1, limit=limit, topics=sorted(topics)
        )
        if len(notes) == limit:
            return notes, notes[-1].id
        return notes, max(head, notes[-1].id if notes else after)


@dataclass(frozen=True)
class FollowerError:
    """An error the follower met: a batch that failed as a whole (a database unreachable, a
    lock timed out) or, with ``register``, a register that stopped at an event."""

    error_type: str
    error: str
    at: datetime
    register: str | None = None
    position: int | None = None


class Follower:
    """Keeps the live registers up to date with the log."""

    def __init__(
        self,
        store: RegisterStore,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        projections: Sequence[Projection],
        *,
        batch_size: int = LIVE_BATCH,
        interval: float = 0.2,
        cache_limit: int = CACHE_LIMIT,
        zone: str = BANK_ZONE,
    ) -> None:
        self.store = store
        self.feeder = Feeder(store, recorder, mapper, zone)
        self.recorder = recorder
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self.cache_limit = cache_limit
        self._caches: dict[tuple[str, int], RowCache] = {}
        # Where this follower left each generation: if another process moved it since (a second
        # follower), the cached rows may be stale and are dropped.
        self._left_at: dict[tuple[str, int], int] = {}
        self.last_error: FollowerError | None = None
        """The last error met, kept after the follower recovers (``failing`` says whether the
        latest batch failed)."""
        self.worker = Worker(
            "dossier-follower",
            lambda: self.step() > 0,
            interval=interval,
            what="register batch",
            log=log,
            on_error=self._batch_failed,
        )
        """The thread that follows: idle polls, backoff after a failed batch, its state."""

    # ---------------------------------------------------------------- setup
    def prepare(self, progress: Progress | None = None) -> None:
        """Create missing registers; rebuild those whose version changed; let those that
        stopped at an event try it again (the cause may have been fixed since)."""
        outdated = self.store.ensure(list(self.projections.values()))
        cleared = self.store.clear_failures(list(self.projections))
        if cleared:
            log.warning(
                "retrying registers that had stopped",
                registers={f.name: f.position for f in cleared},
            )
        if outdated:
            log.info("rebuilding outdated registers", registers=[p.name for p in outdated])
            self.rebuild([p.name for p in outdated], progress=progress)

    # ---------------------------------------------------------------- batches
    def step(self) -> int:
        """Apply one batch to the live registers; return the number of notifications read.

        A register that cannot apply an event of the batch stops short of it (and is left out
        of later batches); the others take the whole batch.
        """
        stops: dict[str, Stop] = {}
        limits: dict[str, int] = {}
        while True:
            try:
                return self._step(stops, limits)
            except _Failed as failed:
                # Rolled back: try again, holding those registers short of their events.
                self._forget_rows()
                stops.update(failed.stops)
                limits.update(failed.narrowed)
            except BaseException:
                # The transaction did not commit (or may not have): cached rows may be ahead
                # of the database.
                self._forget_rows()
                raise

    def _forget_rows(self) -> None:
        for cache in self._caches.values():
            cache.clear()
        self._left_at.clear()

    def _step(self, stops: dict[str, Stop], limits: dict[str, int]) -> int:
        recorded: list[Failure] = []
        with self.store.transaction() as conn:
            live = self.store.live(conn, lock=True)
            failed = {(f.name, f.generation) for f in self.store.failures(conn)}
            targets = []
            for name, projection in self.projections.items():
                generation = live.get(name)
                if generation is None or (name, generation.generation) in failed:
                    continue
                key = (name, generation.generation)
                cache = self._caches.setdefault(key, RowCache(self.cache_limit))
                if self._left_at.get(key, generation.position) != generation.position:
                    cache.clear()
                stop = stops.get(name)
                targets.append(
                    _Target(
                        projection,
                        generation.generation,
                        generation.position,
                        projection.handled_topics(),
                        cache,
                        stop.position - 1 if stop is not None else limits.get(name),
                    )
                )
            if not targets:
                return 0
            self._forget_swapped(live)
            moving = [t for t in targets if t.limit is None or t.limit > t.position]
            notes: Sequence[Notification] = []
            reached = 0
            if moving:
                notes, reached = self.feeder.read(min(t.position for t in moving), self.batch_size)
                if notes:
                    self.feeder.apply(conn, moving, notes, reached)
            moved = moving if notes else []
            for target in targets:
                stop = stops.get(target.name)
                ends = target.position
                if any(t is target for t in moved):
                    ends = max(ends, target.end(reached))
                if stop is not None and ends == stop.position - 1:
                    recorded.append(self._record(conn, target, stop))
        for target in moved:
            self._left_at[(target.name, target.generation)] = max(
                target.position, target.end(reached)
            )
        for failure in recorded:
            self._note(failure)
        if self.feeder.purged:
            # A destruction deleted rows: nothing of them may stay in the files.
            self.feeder.purged = False
            self.store.wipe()
        return len(notes)

    def _note(self, failure: Failure) -> None:
        _log_failure(failure)
        self.last_error = FollowerError(
            failure.error_type,
            failure.error,
            datetime.now(UTC),
            register=failure.name,
            position=failure.position,
        )

    def _record(self, conn: sa.Connection, target: _Target, stop: Stop) -> Failure:
        return self.store.record_failure(
            conn,
            _generation(target),
            position=stop.position,
            topic=stop.topic,
            error_type=stop.error_type,
            error=stop.error,
        )

    def _forget_swapped(self, live: dict[str, Generation]) -> None:
        current = {(g.name, g.generation) for g in live.values()}
        for key in [k for k in self._caches if k not in current]:
            del self._caches[key]
            self._left_at.pop(key, None)

    def catch_up(self) -> int:
        """Apply batches until the registers reach the head of the log (those that stopped at
        an event stay where they stopped)."""
        total = 0
        while n := self.step():
            total += n
        return total

    # ----------------------------------------------------------------- thread
    def run(self) -> None:
        """Follow until stopped; a failing batch is logged and retried, never skipped."""
        self.worker.run()

    def _batch_failed(self, error: Exception) -> None:
        met = WorkerError.of(error)
        self.last_error = FollowerError(met.error_type, met.error, met.at)

    @property
    def interval(self) -> float:
        """Seconds between polls when the log has nothing new; the first retry's wait."""
        return self.worker.interval

    @interval.setter
    def interval(self, seconds: float) -> None:
        self.worker.interval = seconds

    @property
    def running(self) -> bool:
        return self.worker.running

    @property
    def failing(self) -> bool:
        """The latest batch failed and is being retried."""
        return self.worker.state.failing

    def wake(self) -> None:
        self.worker.wake()

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    # ---------------------------------------------------------------- rebuild
    def rebuild(self, names: Sequence[str], *, progress: Progress | None = None) -> int:
        """Rebuild registers from position zero beside the live copies, then swap them in.

        Returns the number of events applied. Memory stays bounded: one batch of
        notifications and each register's bounded row cache. A register that cannot apply an
        event stops short of it here too, and is swapped in stopped, its failure recorded:
        the copy the code of the day makes of the log replaces the old one either way.
        ``failures()`` then names it.
        """
        unknown = [n for n in names if n not in self.projections]
        if unknown:
            raise KeyError(", ".join(unknown))
        targets = []
        for name in names:
            projection = self.projections[name]
            generation = self.store.start_generation(projection, live=False)
            targets.append(
                _Target(
                    projection,
                    generation.generation,
                    0,
                    projection.handled_topics(),
                    # A new generation is empty: keys never seen need no look-up.
                    RowCache(self.cache_limit, complete=True),
                )
            )
        wanted: frozenset[str] | None = frozenset()
        for target in targets:
            wanted = None if wanted is None or target.topics is None else wanted | target.topics
        applied = 0
        stops: dict[str, Stop] = {}
        limits: dict[str, int] = {}

        def batch(conn: sa.Connection) -> bool:
            nonlocal applied
            for target in targets:
                stop = stops.get(target.name)
                target.limit = stop.position - 1 if stop is not None else limits.get(target.name)
            moving = [t for t in targets if t.limit is None or t.limit > t.position]
            if not moving:
                return False
            after = min(t.position for t in moving)
            notes, reached = self.feeder.read(after, REBUILD_BATCH, wanted)
            if reached <= after:
                return False
            if notes:
                applied += self.feeder.apply(conn, moving, notes, reached)
            else:
                for target in moving:
                    self.store.set_position(conn, _generation(target), target.end(reached))
            for target in moving:
                target.position = max(target.position, target.end(reached))
            return True

        def attempt(run: Callable[[sa.Connection], bool]) -> bool:
            nonlocal applied
            saved = ([t.position for t in targets], applied)
            while True:
                try:
                    with self.store.transaction() as conn:
                        return run(conn)
                except _Failed as failed:
                    for target, position in zip(targets, saved[0], strict=True):
                        target.position = position
                    applied = saved[1]
                    stops.update(failed.stops)
                    limits.update(failed.narrowed)

        while True:
            more = attempt(batch)
            if not more and not limits:
                break
            limits.clear()  # a batch held short of rows it could not write: the rest next
            if more and progress is not None:
                progress(applied, min(t.position for t in targets))

        recorded: list[Failure] = []

        def finish(conn: sa.Connection) -> bool:
            # Lock the live copies: the follower waits while the last events are applied to
            # the new ones and they take over.
            self.store.live(conn, lock=True)
            while batch(conn) or limits:
                limits.clear()
            recorded.clear()
            for target in targets:
                stop = stops.get(target.name)
                if stop is not None:
                    recorded.append(self._record(conn, target, stop))
                self.store.swap(conn, target.projection, _generation(target))
            return True

        attempt(finish)
        # The old copies were dropped (their pages overwritten): empty the log that held them.
        self.feeder.purged = False
        self.store.wipe()
        for failure in recorded:
            self._note(failure)
        self.wake()
        return applied

    def failures(self) -> dict[str, Failure]:
        """The live registers that have stopped at an event, by name."""
        return {
            name: state.failure
            for name, state in self.store.status().items()
            if state.failure is not None and name in self.projections
        }


def _generation(target: _Target) -> Generation:
    return Generation(target.projection.name, target.generation, 0, 0, False)


def _log_failure(failure: Failure) -> None:
    log.error(
        "register stopped at an event it cannot apply",
        register=failure.name,
        generation=failure.generation,
        position=failure.position,
        event_type=failure.event_type,
        error_type=failure.error_type,
        error=failure.error,
    )


def wait_for(store: RegisterStore, names: Sequence[str], position: int, timeout: float) -> bool:
    """Wait until every named register has applied ``position``; False on timeout.

    Raises ``RegisterFailedError`` at once when one of them has stopped at an event.
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        if has_applied(store, names, position):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 0.2)


def has_applied(store: RegisterStore, names: Sequence[str], position: int) -> bool:
    """Whether every named register has applied ``position`` (one read, never waits).

    Raises ``RegisterFailedError`` when one of them has stopped at an event: it will not
    apply anything more until the failure is dealt with.
    """
    return applied_in(store.status(), names, position)


def applied_in(states: Mapping[str, RegisterState], names: Sequence[str], position: int) -> bool:
    """Whether ``states`` show every named register at ``position`` or past it.

    Raises ``RegisterFailedError`` when one of them has stopped at an event.
    """
    for name in names:
        state = states.get(name)
        if state is not None and state.failure is not None:
            raise register_failed(name, state.failure)
    return all(states[n].position >= position if n in states else False for n in names)
