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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from projections.changes import CACHE_LIMIT, Changes, RowCache
from projections.projection import Projection
from projections.store import Generation, RegisterStore

log = structlog.get_logger("dossier.follower")

LIVE_BATCH = 500
REBUILD_BATCH = 2_000
Progress = Callable[[int, int], None]  # (events applied so far, position)


@dataclass
class _Target:
    projection: Projection
    generation: int
    position: int
    topics: frozenset[str] | None
    cache: RowCache = field(default_factory=RowCache)


def _utc(timestamp: datetime) -> datetime:
    return timestamp.astimezone(UTC).replace(tzinfo=None)


class Feeder:
    """Applies notifications to register generations inside a transaction."""

    def __init__(self, store: RegisterStore, recorder: ApplicationRecorder, mapper: Mapper[Any]):
        self.store = store
        self.recorder = recorder
        self.mapper = mapper

    def apply(
        self,
        conn: sa.Connection,
        targets: Sequence[_Target],
        notes: Sequence[Notification],
        reached: int,
    ) -> int:
        """Apply ``notes`` to ``targets`` and move them to ``reached``; return how many events
        were decoded and applied."""
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
                interested = [
                    t
                    for t in targets
                    if t.position < note.id and (t.topics is None or note.topic in t.topics)
                ]
                if not interested:
                    continue
                event: Any = self.mapper.to_domain_event(note)
                at = _utc(event.timestamp)
                for target in interested:
                    batch = changes[id(target)]
                    batch.at_event(note.id, at)
                    target.projection.apply(note.topic, event, batch)
                applied += 1
            last = reached
            for target in targets:
                changes[id(target)].flush()
                if last > target.position:
                    self.store.set_position(
                        conn,
                        Generation(target.projection.name, target.generation, 0, 0, False),
                        last,
                    )
        except BaseException:
            for target in targets:
                target.cache.clear()
            raise
        return applied

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
    ) -> None:
        self.store = store
        self.feeder = Feeder(store, recorder, mapper)
        self.recorder = recorder
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self.interval = interval
        self.cache_limit = cache_limit
        self._caches: dict[tuple[str, int], RowCache] = {}
        # Where this follower left each generation: if another process moved it since (a second
        # follower), the cached rows may be stale and are dropped.
        self._left_at: dict[tuple[str, int], int] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- setup
    def prepare(self, progress: Progress | None = None) -> None:
        """Create missing registers; rebuild those whose version changed."""
        outdated = self.store.ensure(list(self.projections.values()))
        if outdated:
            log.info("rebuilding outdated registers", registers=[p.name for p in outdated])
            self.rebuild([p.name for p in outdated], progress=progress)

    # ---------------------------------------------------------------- batches
    def step(self) -> int:
        """Apply one batch to the live registers; return the number of notifications read."""
        try:
            return self._step()
        except BaseException:
            # The transaction did not commit (or may not have): cached rows may be ahead of
            # the database.
            for cache in self._caches.values():
                cache.clear()
            self._left_at.clear()
            raise

    def _step(self) -> int:
        with self.store.transaction() as conn:
            live = self.store.live(conn, lock=True)
            targets = []
            for name, projection in self.projections.items():
                generation = live.get(name)
                if generation is None:
                    continue
                key = (name, generation.generation)
                cache = self._caches.setdefault(key, RowCache(self.cache_limit))
                if self._left_at.get(key, generation.position) != generation.position:
                    cache.clear()
                targets.append(
                    _Target(
                        projection,
                        generation.generation,
                        generation.position,
                        projection.handled_topics(),
                        cache,
                    )
                )
            if not targets:
                return 0
            self._forget_swapped(live)
            notes, reached = self.feeder.read(min(t.position for t in targets), self.batch_size)
            if not notes:
                return 0
            self.feeder.apply(conn, targets, notes, reached)
        for target in targets:
            self._left_at[(target.projection.name, target.generation)] = max(
                target.position, reached
            )
        return len(notes)

    def _forget_swapped(self, live: dict[str, Generation]) -> None:
        current = {(g.name, g.generation) for g in live.values()}
        for key in [k for k in self._caches if k not in current]:
            del self._caches[key]
            self._left_at.pop(key, None)

    def catch_up(self) -> int:
        """Apply batches until the registers reach the head of the log."""
        total = 0
        while n := self.step():
            total += n
        return total

    # ----------------------------------------------------------------- thread
    def run(self) -> None:
        """Follow until stopped; a failing batch is logged and retried, never skipped."""
        backoff = self.interval
        while not self._stop.is_set():
            try:
                n = self.step()
                backoff = self.interval
            except Exception:
                log.exception("register batch failed; retrying", retry_in=backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if n == 0:
                self._wake.wait(self.interval)
                self._wake.clear()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="dossier-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    @staticmethod
    def _generation(target: _Target) -> Generation:
        return Generation(target.projection.name, target.generation, 0, 0, False)

    # ---------------------------------------------------------------- rebuild
    def rebuild(self, names: Sequence[str], *, progress: Progress | None = None) -> int:
        """Rebuild registers from position zero beside the live copies, then swap them in.

        Returns the number of events applied. Memory stays bounded: one batch of
        notifications and each register's bounded row cache.
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

        def batch(conn: sa.Connection) -> bool:
            nonlocal applied
            after = min(t.position for t in targets)
            notes, reached = self.feeder.read(after, REBUILD_BATCH, wanted)
            if reached <= after:
                return False
            if notes:
                applied += self.feeder.apply(conn, targets, notes, reached)
            else:
                for target in targets:
                    self.store.set_position(conn, self._generation(target), reached)
            for target in targets:
                target.position = max(target.position, reached)
            return True

        while True:
            with self.store.transaction() as conn:
                more = batch(conn)
            if not more:
                break
            if progress is not None:
                progress(applied, min(t.position for t in targets))
        with self.store.transaction() as conn:
            # Lock the live copies: the follower waits while the last events are applied to
            # the new ones and they take over.
            self.store.live(conn, lock=True)
            while batch(conn):
                pass
            for target in targets:
                self.store.swap(conn, target.projection, self._generation(target))
        self.wake()
        return applied


def wait_for(store: RegisterStore, names: Sequence[str], position: int, timeout: float) -> bool:
    """Wait until every named register has applied ``position``; False on timeout."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        positions = store.positions()
        if all(positions.get(name, 0) >= position for name in names):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 0.2)
