"""Where the registers live: an SQL database, its generations and tracked positions.

Embedded: an SQLite file beside the event store. Production: a PostgreSQL schema (the event
store's own). One table, ``projection_state``, records for every register generation its
version, the log position it has applied up to, and whether it is the live copy; the follower
updates that row in the same transaction as the register's rows (exactly-once). Another,
``projection_failure``, records the event a generation could not apply, if any: the generation
stays at the position before it until the failure is cleared (at the next start) or the
register rebuilt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from projections.projection import Projection
from storage import database
from storage.database import Database, postgres_url

STATE = "projection_state"
FAILURE = "projection_failure"
SQLITE_FILE_NAME = "registers.sqlite"
ERROR_LENGTH = 2_000


@dataclass(frozen=True)
class Generation:
    """One copy of a register: which, of which version, applied up to which position."""

    name: str
    generation: int
    version: int
    position: int
    live: bool


@dataclass(frozen=True)
class Failure:
    """The event a register generation could not apply; it stays at the position before it."""

    name: str
    generation: int
    position: int
    topic: str
    error_type: str
    error: str
    """The error's message: for the logs and the console, never for anonymous callers."""
    failed_at: datetime

    @property
    def event_type(self) -> str:
        """The event's class as the domain names it, e.g. ``AuditBundle.Issued``."""
        return self.topic.rpartition(":")[2]


@dataclass(frozen=True)
class RegisterState:
    """Where a live register stands: the position it has applied, and its failure if any."""

    position: int
    failure: Failure | None


def sqlite_url(data_dir: Path) -> sa.URL:
    """The registers' SQLite file in the data directory ``data_dir``."""
    return database.sqlite_url(data_dir / SQLITE_FILE_NAME)


class RegisterStore(Database):
    """The registers' database: engines, generations, and their tables."""

    def __init__(self, url: str | sa.URL, *, schema: str | None = None) -> None:
        # A batch takes the write lock before it reads the tracked position, so two writers
        # never apply the same events; the registers are rebuilt from the log after a crash,
        # so a commit need not survive a power cut (synchronous=NORMAL). Freed pages are
        # overwritten (secure_delete): what a destruction deletes must not stay in the file.
        super().__init__(url, synchronous="NORMAL", secure_delete=True)
        self.schema = schema
        self.metadata = sa.MetaData(schema=schema)
        self.state = sa.Table(
            STATE,
            self.metadata,
            sa.Column("name", sa.String(64), primary_key=True),
            sa.Column("generation", sa.Integer, primary_key=True),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("position", sa.BigInteger, nullable=False),
            sa.Column("live", sa.Boolean, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("swapped_at", sa.DateTime, nullable=True),
        )
        self.failure = sa.Table(
            FAILURE,
            self.metadata,
            sa.Column("name", sa.String(64), primary_key=True),
            sa.Column("generation", sa.Integer, primary_key=True),
            sa.Column("position", sa.BigInteger, nullable=False),
            sa.Column("topic", sa.String(255), nullable=False),
            sa.Column("error_type", sa.String(255), nullable=False),
            sa.Column("error", sa.Text, nullable=False),
            sa.Column("failed_at", sa.DateTime, nullable=False),
        )
        self._bound: dict[tuple[str, int], dict[str, sa.Table]] = {}
        self.state.create(self.engine, checkfirst=True)
        self.failure.create(self.engine, checkfirst=True)

    def wipe(self) -> None:
        """After rows were deleted for good (a destruction): copy the overwritten pages into
        the SQLite file and empty its write-ahead log, which still held the deleted rows'
        pages. Nothing to do on PostgreSQL, whose registers hold no text in clear."""
        if not self.is_sqlite:
            return
        with self.engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -------------------------------------------------------------- tables
    def tables(self, projection: Projection, generation: int) -> dict[str, sa.Table]:
        key = (projection.name, generation)
        if key not in self._bound:
            self._bound[key] = projection.bind(self.metadata, generation)
        return self._bound[key]

    def _create(self, conn: sa.Connection, projection: Projection, generation: int) -> None:
        tables = self.tables(projection, generation)
        for table in tables.values():
            table.drop(conn, checkfirst=True)
            table.create(conn)
        projection.on_created(conn, tables)

    def _drop(self, conn: sa.Connection, projection: Projection, generation: int) -> None:
        conn.execute(
            self.failure.delete().where(
                self.failure.c.name == projection.name, self.failure.c.generation == generation
            )
        )
        projection.on_dropped(conn, self.tables(projection, generation))
        for table in self.tables(projection, generation).values():
            table.drop(conn, checkfirst=True)
            self.metadata.remove(table)
        self._bound.pop((projection.name, generation), None)

    # --------------------------------------------------------- generations
    def generations(self, conn: sa.Connection, *, lock: bool = False) -> list[Generation]:
        query = sa.select(self.state).order_by(self.state.c.name, self.state.c.generation)
        if lock and not self.is_sqlite:
            query = query.with_for_update()
        return [
            Generation(r.name, r.generation, r.version, r.position, r.live)
            for r in conn.execute(query)
        ]

    def live(self, conn: sa.Connection, *, lock: bool = False) -> dict[str, Generation]:
        return {g.name: g for g in self.generations(conn, lock=lock) if g.live}

    def positions(self) -> dict[str, int]:
        """Each live register's applied position."""
        with self.reading() as conn:
            return {name: g.position for name, g in self.live(conn).items()}

    # ------------------------------------------------------------ failures
    def failures(self, conn: sa.Connection) -> list[Failure]:
        """Every generation's failure, live or not."""
        return [
            Failure(r.name, r.generation, r.position, r.topic, r.error_type, r.error, r.failed_at)
            for r in conn.execute(sa.select(self.failure))
        ]

    def status(self) -> dict[str, RegisterState]:
        """Each live register's position and failure, read together."""
        with self.reading() as conn:
            live = self.live(conn)
            failed = {
                f.name: f for f in self.failures(conn) if (f.name, f.generation) in _keys(live)
            }
        return {name: RegisterState(g.position, failed.get(name)) for name, g in live.items()}

    def record_failure(
        self,
        conn: sa.Connection,
        generation: Generation,
        *,
        position: int,
        topic: str,
        error_type: str,
        error: str,
    ) -> Failure:
        """Note that ``generation`` cannot apply the event at ``position``, in the caller's
        transaction (the one that leaves the generation at the position before it)."""
        failure = Failure(
            generation.name,
            generation.generation,
            position,
            topic[:255],
            error_type[:255],
            error[:ERROR_LENGTH],
            _now(),
        )
        conn.execute(
            self.failure.delete().where(
                self.failure.c.name == failure.name,
                self.failure.c.generation == failure.generation,
            )
        )
        conn.execute(
            self.failure.insert().values(
                name=failure.name,
                generation=failure.generation,
                position=failure.position,
                topic=failure.topic,
                error_type=failure.error_type,
                error=failure.error,
                failed_at=failure.failed_at,
            )
        )
        return failure

    def clear_failures(self, names: Sequence[str] | None = None) -> list[Failure]:
        """Forget the failures of the named registers (all by default): they try again."""
        with self.transaction() as conn:
            cleared = [f for f in self.failures(conn) if names is None or f.name in names]
            for failure in cleared:
                conn.execute(
                    self.failure.delete().where(
                        self.failure.c.name == failure.name,
                        self.failure.c.generation == failure.generation,
                    )
                )
        return cleared

    def start_generation(self, projection: Projection, *, live: bool) -> Generation:
        """A new, empty generation of ``projection`` at position zero."""
        return self._start_generations([projection], live=live)[0]

    def _start_generations(
        self, projections: Sequence[Projection], *, live: bool
    ) -> list[Generation]:
        """A new, empty generation of each of ``projections`` at position zero, in one
        transaction (a first start creates every register at once)."""
        started: list[Generation] = []
        with self.transaction() as conn:
            generations = self.generations(conn, lock=True)
            for projection in projections:
                existing = [g for g in generations if g.name == projection.name]
                number = max((g.generation for g in existing), default=0) + 1
                for stale in (g for g in existing if not g.live):
                    # An abandoned rebuild: start over.
                    self._drop(conn, projection, stale.generation)
                    conn.execute(self._where(stale).delete())
                self._create(conn, projection, number)
                conn.execute(
                    self.state.insert().values(
                        name=projection.name,
                        generation=number,
                        version=projection.version,
                        position=0,
                        live=live,
                        created_at=_now(),
                    )
                )
                started.append(Generation(projection.name, number, projection.version, 0, live))
        return started

    def ensure(self, projections: Sequence[Projection]) -> list[Projection]:
        """Give each register a live generation; return those whose version changed."""
        with self.reading() as conn:
            live = self.live(conn)
        missing = [p for p in projections if p.name not in live]
        if missing:
            self._start_generations(missing, live=True)
        return [p for p in projections if p.name in live and live[p.name].version != p.version]

    def set_position(self, conn: sa.Connection, generation: Generation, position: int) -> None:
        conn.execute(self._where(generation).values(position=position))

    def swap(self, conn: sa.Connection, projection: Projection, new: Generation) -> None:
        """Make ``new`` the live copy and drop the old one, in the caller's transaction."""
        for old in self.generations(conn, lock=True):
            if old.name == projection.name and old.live and old.generation != new.generation:
                conn.execute(self._where(old).delete())
                self._drop(conn, projection, old.generation)
        conn.execute(self._where(new).values(live=True, swapped_at=_now()))
        if not self.is_sqlite:
            # A generation filled by a rebuild has no planner statistics until autovacuum gets
            # to it (never, where it is off): without them PostgreSQL may take a table of
            # millions of rows for one of a single row and plan its queries accordingly.
            tables = self.tables(projection, new.generation)
            for table in [*tables.values(), *projection.extra_tables(tables)]:
                conn.exec_driver_sql(f"ANALYZE {_qualified(conn, table)}")

    def _where(self, generation: Generation) -> _Target:
        return _Target(self.state, generation)

    def live_tables(self, conn: sa.Connection, projection: Projection) -> Mapping[str, sa.Table]:
        generation = self.live(conn)[projection.name]
        return self.tables(projection, generation.generation)


def _qualified(conn: sa.Connection, table: sa.Table) -> str:
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    return f"{quote(table.schema)}.{name}" if table.schema else name


class _Target:
    """Statements aimed at one generation's state row."""

    def __init__(self, state: sa.Table, generation: Generation) -> None:
        self._state = state
        self._clause = sa.and_(
            state.c.name == generation.name, state.c.generation == generation.generation
        )

    def values(self, **values: Any) -> sa.Update:
        return self._state.update().where(self._clause).values(**values)

    def delete(self) -> sa.Delete:
        return self._state.delete().where(self._clause)


def _keys(generations: Mapping[str, Generation]) -> set[tuple[str, int]]:
    return {(g.name, g.generation) for g in generations.values()}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def register_store_beside(env: Mapping[str, str], data_dir: Path) -> RegisterStore:
    """The registers' database beside the event store configured by an eventsourcing ``env``.

    SQLite: the file ``registers.sqlite`` in the data directory. PostgreSQL: the same database
    and schema as the events (``public`` when no schema is configured).
    """
    url = postgres_url(env)
    if url is not None:
        return RegisterStore(url, schema=env.get("POSTGRES_SCHEMA") or "public")
    data_dir.mkdir(parents=True, exist_ok=True)
    return RegisterStore(sqlite_url(data_dir))
