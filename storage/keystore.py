"""Key store (密钥库): each dossier's wrapped data key, outside the event log.

Deleting a dossier's key makes its documents unreadable (crypto-shredding), so the keys live in
a table of their own that can be deleted from and backed up on its own schedule. A deleted key
leaves a tombstone — the dossier id and when — so that no new key is ever created for a
destroyed dossier (``add`` refuses it) and a destroyed dossier is told apart from a key that was
never there (``is_destroyed``). Only live keys are returned, counted and iterated.

Three adapters: in memory (tests), and the table ``dossier_data_keys`` through SQLAlchemy Core
(like the registers), in an SQLite file of its own (the embedded default) or in the events'
PostgreSQL database. The table's layout is the one both SQL adapters always had, so a key store
written by an earlier version opens unchanged.
"""

from __future__ import annotations

import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage.crypto import MasterKey, WrappedKey, unwrap_data_key, wrap_data_key
from storage.database import Database, sqlite_url
from storage.eventstore import POSTGRES_SCHEMES

SQLITE_FILE_NAME = "keys.sqlite"
TABLE = "dossier_data_keys"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_MASTER_KEY_ID = re.compile(r"[0-9a-f]{16}")


class KeyStore(ABC):
    """Port for wrapped data keys, one per dossier."""

    REWRAP_PAGE_SIZE: ClassVar[int] = 1000
    """How many keys ``rewrap_all`` reads and rewrites at a time (inside its one transaction)."""

    @abstractmethod
    def get(self, dossier_id: UUID) -> WrappedKey | None:
        """The dossier's wrapped key, or None if it has none (never had one, or destroyed)."""

    @abstractmethod
    def add(self, wrapped: WrappedKey) -> bool:
        """Store the key if the dossier has none: True if stored, False if a key already exists.

        Also False if the dossier's key was destroyed. Safe under concurrency: of several
        writers adding a key for one dossier, exactly one wins and the others get False.
        """

    @abstractmethod
    def delete(self, dossier_id: UUID) -> bool:
        """Destroy the dossier's key, leaving a tombstone: True if a live key was deleted."""

    @abstractmethod
    def is_destroyed(self, dossier_id: UUID) -> bool:
        """Tell whether ``delete`` was called for this dossier."""

    @abstractmethod
    def all(self) -> Iterator[WrappedKey]:
        """Yield every live key, in dossier id order."""

    @abstractmethod
    def count(self) -> int:
        """How many live keys are stored."""

    def check(self) -> None:  # noqa: B027 - a store in memory has nothing to reach
        """Raise if the store cannot be read now (readiness); this default has nothing to reach."""

    @abstractmethod
    def rewrap_all(self, old: MasterKey, new: MasterKey) -> int:
        """Re-wrap every key from ``old`` to ``new`` in one transaction; return how many.

        Keys already wrapped under ``new`` are left as they are (a repeated rotation is
        harmless). Any other key that ``old`` cannot unwrap raises (WrongMasterKeyError,
        CiphertextIntegrityError) and leaves every key unchanged.
        """

    def __iter__(self) -> Iterator[WrappedKey]:
        return self.all()

    # Not abstract: a store without connections has nothing to release.
    def close(self) -> None:  # noqa: B027
        """Release connections; the store is not used afterwards."""

    def __enter__(self) -> KeyStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def rewrapped(wrapped: WrappedKey, old: MasterKey, new: MasterKey) -> WrappedKey | None:
    """``wrapped`` re-wrapped from ``old`` to ``new``, or None if it is already under ``new``."""
    if wrapped.master_key_id == new.key_id:
        return None
    return wrap_data_key(new, wrapped.dossier_id, unwrap_data_key(old, wrapped))


def _checked(wrapped: WrappedKey) -> WrappedKey:
    if not isinstance(wrapped.dossier_id, UUID):
        raise TypeError("a wrapped key's dossier_id must be a UUID")
    if not _MASTER_KEY_ID.fullmatch(wrapped.master_key_id):
        raise ValueError("a wrapped key's master_key_id must be 16 lower-case hex digits")
    if not isinstance(wrapped.blob, bytes) or not wrapped.blob:
        raise ValueError("a wrapped key's blob must be non-empty bytes")
    return wrapped


@dataclass
class _Entry:
    wrapped: WrappedKey | None  # None: destroyed


class InMemoryKeyStore(KeyStore):
    """Keys in a dict, for tests."""

    def __init__(self) -> None:
        self._entries: dict[UUID, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, dossier_id: UUID) -> WrappedKey | None:
        with self._lock:
            entry = self._entries.get(dossier_id)
            return entry.wrapped if entry else None

    def add(self, wrapped: WrappedKey) -> bool:
        _checked(wrapped)
        with self._lock:
            if wrapped.dossier_id in self._entries:
                return False
            self._entries[wrapped.dossier_id] = _Entry(wrapped)
            return True

    def delete(self, dossier_id: UUID) -> bool:
        with self._lock:
            entry = self._entries.setdefault(dossier_id, _Entry(None))
            existed, entry.wrapped = entry.wrapped is not None, None
            return existed

    def is_destroyed(self, dossier_id: UUID) -> bool:
        with self._lock:
            entry = self._entries.get(dossier_id)
            return entry is not None and entry.wrapped is None

    def all(self) -> Iterator[WrappedKey]:
        with self._lock:
            live = [e.wrapped for _, e in sorted(self._entries.items()) if e.wrapped is not None]
        return iter(live)

    def count(self) -> int:
        with self._lock:
            return sum(1 for entry in self._entries.values() if entry.wrapped is not None)

    def rewrap_all(self, old: MasterKey, new: MasterKey) -> int:
        with self._lock:
            updates = {}
            for dossier_id, entry in self._entries.items():
                if entry.wrapped is not None and (fresh := rewrapped(entry.wrapped, old, new)):
                    updates[dossier_id] = fresh
            for dossier_id, fresh in updates.items():
                self._entries[dossier_id].wrapped = fresh
            return len(updates)


class _DossierId(sa.types.TypeDecorator[UUID]):
    """A dossier id: PostgreSQL's ``uuid``; in SQLite, text in the canonical hyphenated form.

    SQLAlchemy's own ``Uuid`` would store 32 bare hex digits in SQLite; the key stores written
    before this table was described here hold ``str(uuid)``, and must keep being found.
    """

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: UUID | None, dialect: sa.Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> UUID | None:
        if value is None or isinstance(value, UUID):
            return value
        return UUID(str(value))


def _table(metadata: sa.MetaData, *, sqlite: bool) -> sa.Table:
    """``dossier_data_keys`` as both adapters have always laid it out.

    A tombstone is a row without a key (``wrapped`` and ``master_key_id`` both NULL) and with
    ``destroyed_at``. SQLite keeps times as ISO 8601 text, PostgreSQL as ``timestamptz``.
    """
    stamp: sa.types.TypeEngine[Any] = sa.Text() if sqlite else sa.DateTime(timezone=True)
    return sa.Table(
        TABLE,
        metadata,
        sa.Column("dossier_id", _DossierId(), primary_key=True),
        sa.Column("master_key_id", sa.Text),
        sa.Column("wrapped", sa.LargeBinary),
        sa.Column(
            "created_at",
            stamp,
            nullable=False,
            server_default=sa.text(_SQLITE_NOW if sqlite else "now()"),
        ),
        sa.Column("destroyed_at", stamp),
        sa.CheckConstraint("(wrapped IS NULL) = (master_key_id IS NULL)"),
    )


_SQLITE_NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
"""SQLite's "now" as the text the key store has always written: UTC, milliseconds, a Z."""


class SqlKeyStore(KeyStore):
    """Keys in the table ``dossier_data_keys`` of an SQL database, through SQLAlchemy Core.

    The engines come from ``storage.database`` (for SQLite: WAL, ``synchronous=FULL``,
    ``secure_delete``, a writer that takes the lock as it begins). The table is created if
    missing and left as it is if present, so a store written by an earlier version opens as it
    was. ``SQLiteKeyStore`` and ``PostgresKeyStore`` name the two databases it runs on.
    """

    def __init__(
        self, url: str | sa.URL, *, schema: str | None = None, timeout: float = 10
    ) -> None:
        self._db = Database(
            url,
            synchronous="FULL",
            secure_delete=True,
            timeout=timeout,
            pool_size=4,
            max_overflow=0,
            connect_timeout=5,
        )
        self._keys = _table(sa.MetaData(schema=schema), sqlite=self._db.is_sqlite)
        self._now: sa.ColumnElement[Any] = (
            sa.literal_column(_SQLITE_NOW) if self._db.is_sqlite else sa.func.now()
        )
        insert = sqlite.insert if self._db.is_sqlite else postgresql.insert
        # "Inserted or not" is the rowcount, which SQLAlchemy keeps for an INSERT only if asked.
        self._insert_new = (
            insert(self._keys)
            .on_conflict_do_nothing(index_elements=["dossier_id"])
            .execution_options(preserve_rowcount=True)
        )
        try:
            self._db.create_table(self._keys, lock=TABLE)
        except BaseException:
            self.close()
            raise

    def check(self) -> None:
        """One row of the table is read (not counted: a count reads them all on PostgreSQL)."""
        with self._db.reading() as conn:
            conn.execute(sa.select(self._keys.c.dossier_id).limit(1)).first()

    def _live(self, dossier_id: UUID) -> sa.ColumnElement[bool]:
        return sa.and_(self._keys.c.dossier_id == dossier_id, self._keys.c.wrapped.is_not(None))

    def get(self, dossier_id: UUID) -> WrappedKey | None:
        keys = self._keys
        query = sa.select(keys.c.master_key_id, keys.c.wrapped).where(self._live(dossier_id))
        with self._db.reading() as conn:
            row = conn.execute(query).first()
        return WrappedKey(dossier_id, row[0], bytes(row[1])) if row else None

    def add(self, wrapped: WrappedKey) -> bool:
        _checked(wrapped)
        values = {
            "dossier_id": wrapped.dossier_id,
            "master_key_id": wrapped.master_key_id,
            "wrapped": wrapped.blob,
        }
        with self._db.transaction() as conn:
            return conn.execute(self._insert_new.values(values)).rowcount == 1

    def delete(self, dossier_id: UUID) -> bool:
        keys = self._keys
        with self._db.transaction() as conn:
            # Inserting the tombstone first means a concurrent add either wins before it (and
            # its key is deleted below) or finds the tombstone.
            tombstone = self._insert_new.values(dossier_id=dossier_id, destroyed_at=self._now)
            if conn.execute(tombstone).rowcount == 1:
                deleted = False
            else:
                destroy = (
                    keys.update()
                    .where(self._live(dossier_id))
                    .values(master_key_id=None, wrapped=None, destroyed_at=self._now)
                )
                deleted = conn.execute(destroy).rowcount == 1
        if self._db.is_sqlite:
            with self._db.engine.connect() as conn:
                # Copy the overwritten page into the file and empty the log that held the key
                # (outside any transaction, on the driver's connection).
                driver = conn.connection.driver_connection
                assert driver is not None
                driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def is_destroyed(self, dossier_id: UUID) -> bool:
        keys = self._keys
        query = sa.select(sa.literal(1)).where(
            keys.c.dossier_id == dossier_id, keys.c.wrapped.is_(None)
        )
        with self._db.reading() as conn:
            return conn.execute(query).first() is not None

    def all(self) -> Iterator[WrappedKey]:
        after: UUID | None = None
        while True:
            with self._db.reading() as conn:
                page = self._page(conn, after)
            yield from page
            if len(page) < self.REWRAP_PAGE_SIZE:
                return
            after = page[-1].dossier_id

    def _page(self, conn: sa.Connection, after: UUID | None) -> list[WrappedKey]:
        """Up to a page of live keys in dossier id order, from the first or after ``after``."""
        keys = self._keys
        query = (
            sa.select(keys.c.dossier_id, keys.c.master_key_id, keys.c.wrapped)
            .where(keys.c.wrapped.is_not(None))
            .order_by(keys.c.dossier_id)
            .limit(self.REWRAP_PAGE_SIZE)
        )
        if after is not None:
            query = query.where(keys.c.dossier_id > after)
        return [WrappedKey(row[0], row[1], bytes(row[2])) for row in conn.execute(query)]

    def count(self) -> int:
        query = sa.select(sa.func.count()).where(self._keys.c.wrapped.is_not(None))
        with self._db.reading() as conn:
            return int(conn.execute(query).scalar_one())

    def rewrap_all(self, old: MasterKey, new: MasterKey) -> int:
        keys = self._keys
        rewrap = (
            keys.update()
            .where(keys.c.dossier_id == sa.bindparam("b_id"))
            .values(master_key_id=sa.bindparam("b_master"), wrapped=sa.bindparam("b_wrapped"))
        )
        done, after = 0, None
        with self._db.transaction() as conn:
            if not self._db.is_sqlite:
                # Writers wait until the rotation commits; readers carry on with the old keys.
                # (SQLite: the transaction took the write lock as it began.)
                conn.execute(sa.text(f"LOCK TABLE {self._quoted()} IN EXCLUSIVE MODE"))
            while page := self._page(conn, after):
                updates = [
                    {"b_id": w.dossier_id, "b_master": f.master_key_id, "b_wrapped": f.blob}
                    for w in page
                    if (f := rewrapped(w, old, new))
                ]
                if updates:
                    conn.execute(rewrap, updates)
                done += len(updates)
                after = page[-1].dossier_id
        return done

    def _quoted(self) -> str:
        """The table's name, schema-qualified and quoted, for a statement written as text."""
        preparer = self._db.engine.dialect.identifier_preparer
        return preparer.format_table(self._keys)

    def close(self) -> None:
        self._db.close()


class SQLiteKeyStore(SqlKeyStore):
    """Keys in an SQLite file of their own (WAL, synchronous=FULL, secure_delete).

    The file is created, mode 0600, if missing. ``secure_delete`` overwrites a destroyed key's
    bytes in the file, and the write-ahead log is checkpointed and truncated after each delete.
    """

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite gives its -wal and -shm files the permissions of the database file.
        os.close(os.open(self._path, os.O_WRONLY | os.O_CREAT, 0o600))
        super().__init__(sqlite_url(self._path))

    @property
    def path(self) -> Path:
        return self._path


class PostgresKeyStore(SqlKeyStore):
    """Keys in the PostgreSQL table ``dossier_data_keys`` (in ``schema`` if given).

    The schema and table are created if missing. PostgreSQL keeps a deleted row's old version
    until VACUUM and in its write-ahead log and backups: a destroyed key is gone for good once
    those have expired, or at once for all practical purposes when the master key it was
    wrapped under is rotated away and discarded.
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(
                f"PostgreSQL schema name {schema!r} must be lower case letters, digits and "
                "underscores, not starting with a digit, at most 63 characters"
            )
        super().__init__(sa.make_url(url).set(drivername="postgresql+psycopg"), schema=schema)


def key_store_for(event_store: str, data_dir: Path, schema: str | None = None) -> KeyStore:
    """The key store beside the configured event store: ``sqlite`` or a PostgreSQL URL."""
    if event_store == "sqlite":
        return SQLiteKeyStore(Path(data_dir) / SQLITE_FILE_NAME)
    scheme, separator, _ = event_store.partition("://")
    if separator and scheme.lower() in POSTGRES_SCHEMES:
        return PostgresKeyStore(event_store, schema=schema)
    shown = f"(a {scheme}:// URL)" if separator else "(neither 'sqlite' nor a URL)"
    raise ValueError(
        f"unsupported event store {shown} for the key store: "
        "expected 'sqlite' or a postgresql:// URL"
    )
