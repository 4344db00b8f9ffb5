"""The console's sessions table, on SQLite and on PostgreSQL: shared by every worker, holding
no secret a copy of it could sign in with, and ending sessions idle or open too long."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.eventstore import postgres_env, sqlite_env
from storage.sessions import SessionStore, expired, session_store_beside

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=8)


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh schema name; the schema (created by the store) is dropped afterwards."""
    import psycopg
    from psycopg import sql

    schema = f"s_{uuid.uuid4().hex}"
    yield schema
    with psycopg.connect(postgres_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The eventsourcing env of an event store the sessions table sits beside."""
    if request.param == "sqlite":
        return sqlite_env(tmp_path / "events.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return postgres_env(url, schema=request.getfixturevalue("pg_schema"))


@pytest.fixture
def store(env: dict[str, str], tmp_path: Path) -> Iterator[SessionStore]:
    with closing(session_store_beside(env, tmp_path)) as sessions:
        yield sessions


def test_a_session_is_found_by_its_secret_and_by_nothing_else(store: SessionStore) -> None:
    staff_id = uuid.uuid4()
    secret, session = store.create(staff_id, role="auditor", now=NOW)
    found = store.find(secret)
    assert found == session
    assert found is not None
    assert (found.staff_id, found.role, found.created_at) == (staff_id, "auditor", NOW)
    assert store.find(secret + "x") is None
    # The table keeps the secret's hash, never the secret: a copy of it signs nobody in.
    assert session.id_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert store.find(session.id_hash) is None


def test_every_worker_sees_the_same_sessions(env: dict[str, str], tmp_path: Path) -> None:
    first, second = session_store_beside(env, tmp_path), session_store_beside(env, tmp_path)
    try:
        secret, session = first.create(uuid.uuid4(), role=None, now=NOW)
        assert second.find(secret) == session
        second.choose_role(session, "archivist")
        changed = first.find(secret)
        assert changed is not None
        assert changed.role == "archivist"
        second.delete(session)
        assert first.find(secret) is None
    finally:
        first.close()
        second.close()


def test_touching_restarts_the_idle_time(store: SessionStore) -> None:
    secret, session = store.create(uuid.uuid4(), role=None, now=NOW)
    later = NOW + timedelta(minutes=25)
    store.touch(session, later)
    touched = store.find(secret)
    assert touched is not None
    assert touched.last_seen_at == later
    assert not expired(touched, NOW + timedelta(minutes=50), idle=IDLE, absolute=ABSOLUTE)
    assert expired(touched, NOW + timedelta(minutes=56), idle=IDLE, absolute=ABSOLUTE)


def test_a_busy_session_still_ends_at_the_absolute_timeout(store: SessionStore) -> None:
    secret, session = store.create(uuid.uuid4(), role=None, now=NOW)
    store.touch(session, NOW + ABSOLUTE)
    busy = store.find(secret)
    assert busy is not None
    assert not expired(busy, NOW + ABSOLUTE, idle=IDLE, absolute=ABSOLUTE)
    assert expired(busy, NOW + ABSOLUTE + timedelta(seconds=1), idle=IDLE, absolute=ABSOLUTE)


def test_purge_deletes_only_what_has_expired(store: SessionStore) -> None:
    old_secret, _ = store.create(uuid.uuid4(), role=None, now=NOW - timedelta(hours=1))
    fresh_secret, _ = store.create(uuid.uuid4(), role=None, now=NOW - timedelta(minutes=5))
    long_secret, long = store.create(uuid.uuid4(), role=None, now=NOW - timedelta(hours=9))
    store.touch(long, NOW)
    assert store.purge(NOW, idle=IDLE, absolute=ABSOLUTE) == 2
    assert store.count() == 1
    assert store.find(fresh_secret) is not None
    assert store.find(long_secret) is None
    assert store.find(old_secret) is None


def test_signing_a_person_out_everywhere_can_keep_the_current_session(
    store: SessionStore,
) -> None:
    person = uuid.uuid4()
    kept_secret, kept = store.create(person, role=None, now=NOW)
    other_secret, _ = store.create(person, role=None, now=NOW)
    stranger_secret, _ = store.create(uuid.uuid4(), role=None, now=NOW)
    assert store.delete_for(person, keep=kept) == 1
    assert store.find(kept_secret) is not None
    assert store.find(other_secret) is None
    assert store.find(stranger_secret) is not None


def test_sessions_live_outside_the_event_store(env: dict[str, str], tmp_path: Path) -> None:
    store = session_store_beside(env, tmp_path)
    store.close()
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        url = f"postgresql+psycopg://{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
        engine = sa.create_engine(url)
        try:
            tables = sa.inspect(engine).get_table_names(schema=env["POSTGRES_SCHEMA"])
        finally:
            engine.dispose()
        assert "console_sessions" in tables
    else:
        assert (tmp_path / "sessions.sqlite").is_file()
