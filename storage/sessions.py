"""Console sessions (会话): who is signed in to the web console, outside the event log.

A session is a row of the table ``console_sessions``, through SQLAlchemy Core like the
registers: an SQLite file of its own in the embedded mode (``sessions.sqlite``), the events'
PostgreSQL database otherwise, so every API worker sees every session. The browser holds a
random secret in a cookie; the table holds only its SHA-256, so a copy of the table signs
nobody in. Each session carries the token its forms and htmx requests must send back (CSRF),
the role its person chose to act in, and when it began and was last used — the console ends it
after too long idle or too long in all (:func:`expired`). Nothing here is a fact of the
archive: sign-in and sign-out are recorded as events by the application; a session is only
the browser's way back to them, and may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.database import Database, postgres_url, sqlite_url

SQLITE_FILE_NAME = "sessions.sqlite"
TABLE = "console_sessions"
USES_TABLE = "token_uses"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Session:
    """A signed-in browser: whose, its CSRF token, the role chosen, when begun and last used."""

    id_hash: str
    staff_id: UUID
    csrf_token: str
    role: str | None
    created_at: datetime
    last_seen_at: datetime


def expired(session: Session, now: datetime, *, idle: timedelta, absolute: timedelta) -> bool:
    """Whether ``session`` has been idle longer than ``idle`` or open longer than ``absolute``."""
    return now - session.last_seen_at > idle or now - session.created_at > absolute


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    """A naive UTC timestamp for the table (SQLite keeps no zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        TABLE,
        metadata,
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Uuid, nullable=False, index=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False, index=True),
    )


def _uses_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        USES_TABLE,
        metadata,
        sa.Column("token_id", sa.Uuid, primary_key=True),
        sa.Column("staff_id", sa.Uuid, nullable=False, index=True),
        sa.Column("first_used_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime, nullable=False),
        sa.Column("uses", sa.BigInteger, nullable=False),
    )


@dataclass(frozen=True)
class TokenUse:
    """How often an access token has been used, first and last (every request and every CLI
    command it authenticated)."""

    token_id: UUID
    first_used_at: datetime
    last_used_at: datetime
    uses: int


class SessionStore:
    """The sessions table in an SQL database (SQLite or PostgreSQL)."""

    def __init__(self, url: str | sa.URL, *, schema: str | None = None) -> None:
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"not a schema name: {schema!r}")
        self._db = Database(url, synchronous="NORMAL", pool_size=4, max_overflow=4)
        metadata = sa.MetaData(schema=schema)
        self._sessions = _table(metadata)
        self._uses = _uses_table(metadata)
        try:
            self._db.create_table(self._sessions, lock=TABLE)
            self._db.create_table(self._uses, lock=USES_TABLE)
        except BaseException:
            self.close()
            raise

    @classmethod
    def sqlite(cls, path: Path) -> SessionStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(sqlite_url(path))

    def create(self, staff_id: UUID, *, role: str | None, now: datetime) -> tuple[str, Session]:
        """Open a session; returns the secret for the cookie (never stored) and the session."""
        secret = secrets.token_urlsafe(32)
        session = Session(
            id_hash=_hash(secret),
            staff_id=staff_id,
            csrf_token=secrets.token_urlsafe(32),
            role=role,
            created_at=_aware(now),
            last_seen_at=_aware(now),
        )
        with self._db.transaction() as conn:
            conn.execute(
                self._sessions.insert().values(
                    id_hash=session.id_hash,
                    staff_id=staff_id,
                    csrf_token=session.csrf_token,
                    role=role,
                    created_at=_utc(now),
                    last_seen_at=_utc(now),
                )
            )
        return secret, session

    def find(self, secret: str) -> Session | None:
        """The session whose cookie holds ``secret``, if it is still there."""
        sessions = self._sessions
        with self._db.reading() as conn:
            row = conn.execute(
                sa.select(sessions).where(sessions.c.id_hash == _hash(secret))
            ).first()
        return None if row is None else _session(row._mapping)

    def touch(self, session: Session, now: datetime) -> None:
        """Note that the session was used at ``now`` (its idle time starts again)."""
        self._update(session, last_seen_at=_utc(now))

    def choose_role(self, session: Session, role: str | None) -> None:
        """Remember the role the person chose to act in."""
        self._update(session, role=role)

    def delete(self, session: Session) -> None:
        with self._db.transaction() as conn:
            conn.execute(self._sessions.delete().where(self._sessions.c.id_hash == session.id_hash))

    def delete_for(self, staff_id: UUID, *, keep: Session | None = None) -> int:
        """End every session of a person (but ``keep``); returns how many ended."""
        sessions = self._sessions
        clauses = [sessions.c.staff_id == staff_id]
        if keep is not None:
            clauses.append(sessions.c.id_hash != keep.id_hash)
        with self._db.transaction() as conn:
            return conn.execute(sessions.delete().where(*clauses)).rowcount

    def purge(self, now: datetime, *, idle: timedelta, absolute: timedelta) -> int:
        """Delete every session past either timeout; returns how many."""
        sessions = self._sessions
        with self._db.transaction() as conn:
            return conn.execute(
                sessions.delete().where(
                    sa.or_(
                        sessions.c.last_seen_at < _utc(now - idle),
                        sessions.c.created_at < _utc(now - absolute),
                    )
                )
            ).rowcount

    def count(self) -> int:
        with self._db.reading() as conn:
            found = conn.execute(sa.select(sa.func.count()).select_from(self._sessions))
            return int(found.scalar_one())

    def note_token_use(self, token_id: UUID, staff_id: UUID, now: datetime) -> None:
        """Count one use of an access token at ``now`` (it stays its last use until a later one)."""
        uses = self._uses
        at = _utc(now)
        with self._db.transaction() as conn:
            insert: Any = (
                postgresql_insert(uses)
                if conn.dialect.name == "postgresql"
                else sqlite_insert(uses)
            )
            conn.execute(
                insert.values(
                    token_id=token_id, staff_id=staff_id, first_used_at=at, last_used_at=at, uses=1
                ).on_conflict_do_update(
                    index_elements=[uses.c.token_id],
                    set_={
                        "last_used_at": sa.func.max(
                            uses.c.last_used_at, insert.excluded.last_used_at
                        )
                        if conn.dialect.name == "sqlite"
                        else sa.func.greatest(uses.c.last_used_at, insert.excluded.last_used_at),
                        "uses": uses.c.uses + 1,
                    },
                )
            )

    def token_uses(self, staff_id: UUID) -> dict[UUID, TokenUse]:
        """The uses of every token of a person that has been used, by token id."""
        uses = self._uses
        with self._db.reading() as conn:
            rows = conn.execute(sa.select(uses).where(uses.c.staff_id == staff_id)).all()
        return {
            r.token_id: TokenUse(
                r.token_id, _aware(r.first_used_at), _aware(r.last_used_at), int(r.uses)
            )
            for r in rows
        }

    def _update(self, session: Session, **values: Any) -> None:
        sessions = self._sessions
        with self._db.transaction() as conn:
            conn.execute(
                sessions.update().where(sessions.c.id_hash == session.id_hash).values(**values)
            )

    def close(self) -> None:
        self._db.close()


def _session(row: sa.RowMapping) -> Session:
    return Session(
        id_hash=row["id_hash"],
        staff_id=row["staff_id"],
        csrf_token=row["csrf_token"],
        role=row["role"],
        created_at=_aware(row["created_at"]),
        last_seen_at=_aware(row["last_seen_at"]),
    )


def session_store_beside(env: Mapping[str, str], data_dir: Path) -> SessionStore:
    """The sessions table beside the event store configured by an eventsourcing ``env``.

    PostgreSQL: the events' database and schema (``public`` when none is configured), shared
    by every worker. Otherwise ``<data_dir>/sessions.sqlite``.
    """
    url = postgres_url(env)
    if url is not None:
        return SessionStore(url, schema=env.get("POSTGRES_SCHEMA") or "public")
    return SessionStore.sqlite(Path(data_dir) / SQLITE_FILE_NAME)
