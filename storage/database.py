"""SQL engines for the stores kept beside the events: one setup for SQLite, one for PostgreSQL.

The registers, the integrity store and the key store each open their database here, so every
SQLite file gets the same treatment:

* **WAL** (``journal_mode=WAL``): readers never wait for the writer nor block it;
* a **busy timeout** of ``timeout`` seconds, both as the driver's ``timeout`` and as
  ``PRAGMA busy_timeout``, so a second writer waits its turn instead of failing at once;
* **transactions begun by SQLAlchemy**, not by the driver (``isolation_level=None`` and an
  explicit ``BEGIN``): a writer's engine says ``BEGIN IMMEDIATE`` and takes the write lock before
  it reads what it is about to extend (a tracked position, a Merkle frontier), so two writers
  take turns instead of both reading the same state;
* ``synchronous`` chosen by the store: ``FULL`` where a commit must survive a power cut (the
  checkpoints, the keys), ``NORMAL`` where the data can be rebuilt from the log (the registers);
* ``secure_delete`` where deleted bytes must not stay in the file (the keys).

PostgreSQL engines ping their connections before use (a database restart is survived) and pool
them; one engine serves both writing and reading there.

The stores' PostgreSQL database is the events' own, named by the eventsourcing ``env``
mapping: ``postgres_url`` turns it into a URL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

Synchronous = Literal["NORMAL", "FULL"]

TIMEOUT = 30.0
"""Seconds a connection waits for another's write lock before giving up."""


def sqlite_url(path: Path | str) -> sa.URL:
    """The URL of the SQLite file ``path``."""
    return sa.URL.create("sqlite", database=str(path))


def sqlite_engine(
    url: str | sa.URL,
    *,
    immediate: bool,
    synchronous: Synchronous,
    secure_delete: bool = False,
    timeout: float = TIMEOUT,
) -> sa.Engine:
    """An engine on one SQLite file, set up as the module docstring says.

    ``immediate``: transactions take the write lock as they begin (a writer's engine); otherwise
    they begin deferred (a reader's engine, which in WAL mode never waits).
    """
    engine = sa.create_engine(
        sa.make_url(url), connect_args={"timeout": timeout, "check_same_thread": False}
    )
    pragmas = [
        "PRAGMA journal_mode=WAL",
        f"PRAGMA synchronous={synchronous}",
        f"PRAGMA busy_timeout={round(timeout * 1000)}",
    ]
    if secure_delete:
        pragmas.append("PRAGMA secure_delete=ON")

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # "begin" below issues BEGIN itself
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def engines(
    url: str | sa.URL,
    *,
    synchronous: Synchronous,
    secure_delete: bool = False,
    timeout: float = TIMEOUT,
    pool_size: int = 5,
    max_overflow: int = 5,
    connect_timeout: int | None = None,
) -> tuple[sa.Engine, sa.Engine]:
    """The engines (for writing, for reading) of the database at ``url``: SQLite or PostgreSQL.

    SQLite: two engines on the file, the writer's beginning ``IMMEDIATE``. PostgreSQL: one pooled
    engine for both (``pool_size`` connections kept, ``max_overflow`` more when busy), giving up
    on a server that does not answer within ``connect_timeout`` seconds if one is given.
    """
    if is_sqlite(url):
        options: dict[str, Any] = {
            "synchronous": synchronous,
            "secure_delete": secure_delete,
            "timeout": timeout,
        }
        return (
            sqlite_engine(url, immediate=True, **options),
            sqlite_engine(url, immediate=False, **options),
        )
    connect_args = {} if connect_timeout is None else {"connect_timeout": connect_timeout}
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args=connect_args,
    )
    return engine, engine


class Database:
    """One SQL database opened as above: its engines and the two ways in, writing and reading.

    The stores beside the events (the registers, the integrity store, the key store) each keep
    their tables in one; ``options`` are those of ``engines``.
    """

    def __init__(self, url: str | sa.URL, *, synchronous: Synchronous, **options: Any) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = is_sqlite(self.url)
        self.engine, self.read_engine = engines(self.url, synchronous=synchronous, **options)

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A write transaction, committed on leaving (on SQLite it holds the lock from the start)."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A connection to read with (on SQLite it never waits for a writer)."""
        with self.read_engine.connect() as conn:
            yield conn

    def create_table(self, table: sa.Table, *, lock: str) -> None:
        """Create ``table``, and on PostgreSQL its schema, unless they exist.

        On PostgreSQL the creation holds the transaction-scoped advisory lock named ``lock``:
        two processes starting at once must not race on CREATE ... IF NOT EXISTS.
        """
        with self.transaction() as conn:
            if not self.is_sqlite:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": lock})
                if table.schema is not None:
                    conn.execute(sa.schema.CreateSchema(table.schema, if_not_exists=True))
            table.create(conn, checkfirst=True)

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def postgres_url(env: Mapping[str, str]) -> sa.URL | None:
    """The events' PostgreSQL database named by an eventsourcing ``env``; None if not PostgreSQL."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return None
    return sa.URL.create(
        "postgresql+psycopg",
        username=env.get("POSTGRES_USER") or None,
        password=env.get("POSTGRES_PASSWORD") or None,
        host=env.get("POSTGRES_HOST") or None,
        port=int(env.get("POSTGRES_PORT") or 5432),
        database=env.get("POSTGRES_DBNAME") or None,
    )
