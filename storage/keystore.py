"""Key store (密钥库): each dossier's wrapped data key, outside the event log.

Deleting a dossier's key makes its documents unreadable (crypto-shredding), so the keys live in
a table of their own that can be deleted from and backed up on its own schedule. A deleted key
leaves a tombstone — the dossier id and when — so that no new key is ever created for a
destroyed dossier (``add`` refuses it) and a destroyed dossier is told apart from a key that was
never there (``is_destroyed``). Only live keys are returned, counted and iterated.

Three adapters: in memory (tests), SQLite in a file of its own (the embedded default) and a
PostgreSQL table ``dossier_data_keys``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from storage.crypto import MasterKey, WrappedKey, unwrap_data_key, wrap_data_key
from storage.eventstore import POSTGRES_SCHEMES

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import TupleRow
    from psycopg_pool import ConnectionPool

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


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS dossier_data_keys (
    dossier_id TEXT PRIMARY KEY NOT NULL,
    master_key_id TEXT,
    wrapped BLOB,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    destroyed_at TEXT,
    CHECK ((wrapped IS NULL) = (master_key_id IS NULL))
)
"""


class SQLiteKeyStore(KeyStore):
    """Keys in an SQLite file of their own (WAL, synchronous=FULL, secure_delete).

    The file is created, mode 0600, if missing. ``secure_delete`` overwrites a destroyed key's
    bytes in the file, and the write-ahead log is checkpointed and truncated after each delete.
    """

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite gives its -wal and -shm files the permissions of the database file.
        os.close(os.open(self._path, os.O_WRONLY | os.O_CREAT, 0o600))
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SQLITE_SCHEMA)

    @property
    def path(self) -> Path:
        return self._path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA secure_delete=ON")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def get(self, dossier_id: UUID) -> WrappedKey | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT master_key_id, wrapped FROM dossier_data_keys "
                "WHERE dossier_id = ? AND wrapped IS NOT NULL",
                (str(dossier_id),),
            ).fetchone()
        return WrappedKey(dossier_id, row[0], bytes(row[1])) if row else None

    def add(self, wrapped: WrappedKey) -> bool:
        _checked(wrapped)
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO dossier_data_keys (dossier_id, master_key_id, wrapped) "
                "VALUES (?, ?, ?) ON CONFLICT (dossier_id) DO NOTHING",
                (str(wrapped.dossier_id), wrapped.master_key_id, wrapped.blob),
            )
            return cursor.rowcount == 1

    def delete(self, dossier_id: UUID) -> bool:
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO dossier_data_keys (dossier_id, destroyed_at) "
                "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
                "ON CONFLICT (dossier_id) DO NOTHING",
                (str(dossier_id),),
            )
            deleted = cursor.rowcount == 0 and (
                conn.execute(
                    "UPDATE dossier_data_keys SET master_key_id = NULL, wrapped = NULL, "
                    "destroyed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                    "WHERE dossier_id = ? AND wrapped IS NOT NULL",
                    (str(dossier_id),),
                ).rowcount
                == 1
            )
        with self._connect() as conn:
            # Copy the overwritten page into the file and empty the log that held the key.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def is_destroyed(self, dossier_id: UUID) -> bool:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT 1 FROM dossier_data_keys WHERE dossier_id = ? AND wrapped IS NULL",
                (str(dossier_id),),
            ).fetchone()
        return row is not None

    def all(self) -> Iterator[WrappedKey]:
        after = ""
        while True:
            with self._connect() as conn:
                page = self._page(conn, after, self.REWRAP_PAGE_SIZE)
            yield from page
            if len(page) < self.REWRAP_PAGE_SIZE:
                return
            after = str(page[-1].dossier_id)

    @staticmethod
    def _page(conn: sqlite3.Connection, after: str, size: int) -> list[WrappedKey]:
        rows = conn.execute(
            "SELECT dossier_id, master_key_id, wrapped FROM dossier_data_keys "
            "WHERE dossier_id > ? AND wrapped IS NOT NULL ORDER BY dossier_id LIMIT ?",
            (after, size),
        ).fetchall()
        return [WrappedKey(UUID(row[0]), row[1], bytes(row[2])) for row in rows]

    def count(self) -> int:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT count(*) FROM dossier_data_keys WHERE wrapped IS NOT NULL"
            ).fetchone()
        return int(row[0])

    def rewrap_all(self, old: MasterKey, new: MasterKey) -> int:
        done, after = 0, ""
        with self._transaction() as conn:
            while page := self._page(conn, after, self.REWRAP_PAGE_SIZE):
                updates = [(w, fresh) for w in page if (fresh := rewrapped(w, old, new))]
                conn.executemany(
                    "UPDATE dossier_data_keys SET master_key_id = ?, wrapped = ? "
                    "WHERE dossier_id = ?",
                    [(f.master_key_id, f.blob, str(w.dossier_id)) for w, f in updates],
                )
                done += len(updates)
                after = str(page[-1].dossier_id)
        return done


class PostgresKeyStore(KeyStore):
    """Keys in the PostgreSQL table ``dossier_data_keys`` (in ``schema`` if given).

    The schema and table are created if missing. PostgreSQL keeps a deleted row's old version
    until VACUUM and in its write-ahead log and backups: a destroyed key is gone for good once
    those have expired, or at once for all practical purposes when the master key it was
    wrapped under is rotated away and discarded.
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        import psycopg
        from psycopg import sql
        from psycopg_pool import ConnectionPool

        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(
                f"PostgreSQL schema name {schema!r} must be lower case letters, digits and "
                "underscores, not starting with a digit, at most 63 characters"
            )
        table = sql.Identifier(TABLE) if schema is None else sql.Identifier(schema, TABLE)
        self._sql = {
            name: sql.SQL(text).format(table=table) for name, text in _POSTGRES_SQL.items()
        }
        with psycopg.connect(url, connect_timeout=5) as conn, conn.transaction():
            # Two processes starting at once must not race on CREATE ... IF NOT EXISTS.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('dossier_data_keys'))")
            if schema is not None:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                )
            conn.execute(self._sql["create"])
        self._pool: ConnectionPool[Connection[TupleRow]] = ConnectionPool(
            url, min_size=1, max_size=4, kwargs={"connect_timeout": 5}, open=True
        )

    def _run(self, name: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            cursor = conn.execute(self._sql[name], params)
            return cursor.fetchall() if cursor.description else [(cursor.rowcount,)]

    def get(self, dossier_id: UUID) -> WrappedKey | None:
        rows = self._run("get", (dossier_id,))
        return WrappedKey(dossier_id, rows[0][0], bytes(rows[0][1])) if rows else None

    def add(self, wrapped: WrappedKey) -> bool:
        _checked(wrapped)
        params = (wrapped.dossier_id, wrapped.master_key_id, wrapped.blob)
        return bool(self._run("add", params)[0][0] == 1)

    def delete(self, dossier_id: UUID) -> bool:
        with self._pool.connection() as conn, conn.transaction():
            # Inserting the tombstone first means a concurrent add either wins before it (and
            # its key is deleted below) or finds the tombstone.
            if conn.execute(self._sql["tombstone"], (dossier_id,)).rowcount == 1:
                return False
            return conn.execute(self._sql["destroy"], (dossier_id,)).rowcount == 1

    def is_destroyed(self, dossier_id: UUID) -> bool:
        return bool(self._run("destroyed", (dossier_id,)))

    def all(self) -> Iterator[WrappedKey]:
        after = UUID(int=0)
        while True:
            with self._pool.connection() as conn:
                page = self._page(conn, after, inclusive=after.int == 0)
            yield from page
            if len(page) < self.REWRAP_PAGE_SIZE:
                return
            after = page[-1].dossier_id

    def _page(
        self, conn: Connection[TupleRow], after: UUID, *, inclusive: bool = False
    ) -> list[WrappedKey]:
        name = "page_from" if inclusive else "page_after"
        rows = conn.execute(self._sql[name], (after, self.REWRAP_PAGE_SIZE)).fetchall()
        return [WrappedKey(row[0], row[1], bytes(row[2])) for row in rows]

    def count(self) -> int:
        return int(self._run("count")[0][0])

    def rewrap_all(self, old: MasterKey, new: MasterKey) -> int:
        done, after, first = 0, UUID(int=0), True
        with self._pool.connection() as conn, conn.transaction():
            # Writers wait until the rotation commits; readers carry on with the old keys.
            conn.execute(self._sql["lock"])
            while page := self._page(conn, after, inclusive=first):
                updates = [(w, fresh) for w in page if (fresh := rewrapped(w, old, new))]
                with conn.cursor() as cursor:
                    cursor.executemany(
                        self._sql["rewrap"],
                        [(f.master_key_id, f.blob, w.dossier_id) for w, f in updates],
                    )
                done += len(updates)
                after, first = page[-1].dossier_id, False
        return done

    def close(self) -> None:
        self._pool.close()


_POSTGRES_SQL = {
    "create": """CREATE TABLE IF NOT EXISTS {table} (
        dossier_id uuid PRIMARY KEY,
        master_key_id text,
        wrapped bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        destroyed_at timestamptz,
        CHECK ((wrapped IS NULL) = (master_key_id IS NULL)))""",
    "get": "SELECT master_key_id, wrapped FROM {table} "
    "WHERE dossier_id = %s AND wrapped IS NOT NULL",
    "add": "INSERT INTO {table} (dossier_id, master_key_id, wrapped) VALUES (%s, %s, %s) "
    "ON CONFLICT (dossier_id) DO NOTHING",
    "tombstone": "INSERT INTO {table} (dossier_id, destroyed_at) VALUES (%s, now()) "
    "ON CONFLICT (dossier_id) DO NOTHING",
    "destroy": "UPDATE {table} SET master_key_id = NULL, wrapped = NULL, destroyed_at = now() "
    "WHERE dossier_id = %s AND wrapped IS NOT NULL",
    "destroyed": "SELECT 1 FROM {table} WHERE dossier_id = %s AND wrapped IS NULL",
    "page_from": "SELECT dossier_id, master_key_id, wrapped FROM {table} "
    "WHERE dossier_id >= %s AND wrapped IS NOT NULL ORDER BY dossier_id LIMIT %s",
    "page_after": "SELECT dossier_id, master_key_id, wrapped FROM {table} "
    "WHERE dossier_id > %s AND wrapped IS NOT NULL ORDER BY dossier_id LIMIT %s",
    "count": "SELECT count(*) FROM {table} WHERE wrapped IS NOT NULL",
    "lock": "LOCK TABLE {table} IN EXCLUSIVE MODE",
    "rewrap": "UPDATE {table} SET master_key_id = %s, wrapped = %s WHERE dossier_id = %s",
}


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
