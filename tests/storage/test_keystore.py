"""Key stores (密钥库): one contract run on every backend, then SQLite and PostgreSQL specifics."""

from __future__ import annotations

import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.crypto import (
    DataKey,
    MasterKey,
    WrappedKey,
    WrongMasterKeyError,
    unwrap_data_key,
    wrap_data_key,
)
from storage.keystore import (
    InMemoryKeyStore,
    KeyStore,
    PostgresKeyStore,
    SQLiteKeyStore,
    key_store_for,
)
from tests.postgres import fresh_schema
from tests.racing import race

OLD = MasterKey(bytes(range(32)))
NEW = MasterKey(bytes(range(32, 64)))


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh schema name; the schema (created by the store) is dropped afterwards."""
    with fresh_schema(postgres_url, create=False, prefix="k") as schema:
        yield schema


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyStore]:
    if request.param == "memory":
        store: KeyStore = InMemoryKeyStore()
    elif request.param == "sqlite":
        store = SQLiteKeyStore(tmp_path / "keys.sqlite")
    else:
        url: str = request.getfixturevalue("postgres_url")
        store = PostgresKeyStore(url, schema=request.getfixturevalue("pg_schema"))
    with store:
        yield store


def wrapped_key(dossier_id: uuid.UUID | None = None, master: MasterKey = OLD) -> WrappedKey:
    return wrap_data_key(master, dossier_id or uuid.uuid4(), DataKey.generate())


class TestKeyStoreContract:
    def test_an_added_key_reads_back(self, keys: KeyStore) -> None:
        wrapped = wrapped_key()
        assert keys.get(wrapped.dossier_id) is None
        assert keys.add(wrapped) is True
        assert keys.get(wrapped.dossier_id) == wrapped
        assert keys.count() == 1

    def test_a_second_key_for_a_dossier_is_refused_and_the_first_kept(self, keys: KeyStore) -> None:
        first = wrapped_key()
        keys.add(first)
        assert keys.add(wrapped_key(first.dossier_id)) is False
        assert keys.get(first.dossier_id) == first

    def test_delete_destroys_the_key_and_leaves_a_tombstone(self, keys: KeyStore) -> None:
        kept, destroyed = wrapped_key(), wrapped_key()
        keys.add(kept)
        keys.add(destroyed)
        assert keys.delete(destroyed.dossier_id) is True
        assert keys.get(destroyed.dossier_id) is None
        assert keys.is_destroyed(destroyed.dossier_id)
        assert not keys.is_destroyed(kept.dossier_id)
        assert keys.delete(destroyed.dossier_id) is False
        assert keys.count() == 1
        assert list(keys) == [kept]

    def test_no_new_key_for_a_destroyed_dossier(self, keys: KeyStore) -> None:
        wrapped = wrapped_key()
        keys.add(wrapped)
        keys.delete(wrapped.dossier_id)
        assert keys.add(wrapped_key(wrapped.dossier_id)) is False
        assert keys.get(wrapped.dossier_id) is None

    def test_destroying_a_dossier_that_had_no_key_still_blocks_new_ones(
        self, keys: KeyStore
    ) -> None:
        dossier_id = uuid.uuid4()
        assert keys.delete(dossier_id) is False
        assert keys.is_destroyed(dossier_id)
        assert keys.add(wrapped_key(dossier_id)) is False
        assert keys.count() == 0

    def test_iteration_yields_every_live_key_in_dossier_order(self, keys: KeyStore) -> None:
        added = [wrapped_key() for _ in range(7)]
        for wrapped in added:
            keys.add(wrapped)
        keys.delete(added[3].dossier_id)
        live = sorted((w for w in added if w != added[3]), key=lambda w: w.dossier_id)
        assert list(keys.all()) == live
        assert list(keys) == live
        assert keys.count() == 6

    def test_iteration_crosses_page_boundaries(
        self, keys: KeyStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(keys, "REWRAP_PAGE_SIZE", 2)
        added = sorted((wrapped_key() for _ in range(5)), key=lambda w: w.dossier_id)
        for wrapped in added:
            keys.add(wrapped)
        assert list(keys) == added

    def test_concurrent_adds_for_one_dossier_have_exactly_one_winner(self, keys: KeyStore) -> None:
        dossier_id, threads = uuid.uuid4(), 8
        candidates = [wrapped_key(dossier_id) for _ in range(threads)]
        results = race(threads, lambda index: keys.add(candidates[index]))
        assert all(result is not None for result in results), "an add raised in its thread"
        assert results.count(True) == 1
        assert keys.get(dossier_id) == candidates[results.index(True)]

    def test_rewrap_all_moves_every_key_to_the_new_master(self, keys: KeyStore) -> None:
        data_keys = {uuid.uuid4(): DataKey.generate() for _ in range(5)}
        for dossier_id, data_key in data_keys.items():
            keys.add(wrap_data_key(OLD, dossier_id, data_key))
        assert keys.rewrap_all(OLD, NEW) == 5
        for dossier_id, data_key in data_keys.items():
            wrapped = keys.get(dossier_id)
            assert wrapped is not None
            assert wrapped.master_key_id == NEW.key_id
            assert unwrap_data_key(NEW, wrapped) == data_key
            with pytest.raises(WrongMasterKeyError):
                unwrap_data_key(OLD, wrapped)
        assert keys.rewrap_all(OLD, NEW) == 0, "a repeated rotation changes nothing"

    def test_rewrap_all_is_all_or_nothing(
        self, keys: KeyStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(keys, "REWRAP_PAGE_SIZE", 1)  # rewrite key by key
        for _ in range(4):
            keys.add(wrapped_key())
        # Sorts last, so every other key has been re-wrapped when this one fails.
        stranger = wrapped_key(uuid.UUID(int=2**128 - 1), master=MasterKey.generate())
        keys.add(stranger)
        before = list(keys)
        with pytest.raises(WrongMasterKeyError, match=stranger.master_key_id):
            keys.rewrap_all(OLD, NEW)
        assert list(keys) == before

    def test_the_zero_dossier_id_is_an_ordinary_key(self, keys: KeyStore) -> None:
        wrapped = wrapped_key(uuid.UUID(int=0))
        keys.add(wrapped)
        assert list(keys) == [wrapped]
        assert keys.rewrap_all(OLD, NEW) == 1


class TestSQLiteKeyStore:
    def test_creates_its_file_in_wal_mode_readable_only_by_its_owner(self, tmp_path: Path) -> None:
        path = tmp_path / "data" / "keys.sqlite"
        SQLiteKeyStore(path).add(wrapped_key())
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert SQLiteKeyStore(path).count() == 1, "a second store opens the same keys"

    def test_a_destroyed_key_leaves_no_bytes_in_the_files(self, tmp_path: Path) -> None:
        store = SQLiteKeyStore(tmp_path / "keys.sqlite")
        kept, destroyed = wrapped_key(), wrapped_key()
        store.add(kept)
        store.add(destroyed)
        assert destroyed.blob in raw_bytes(tmp_path)
        store.delete(destroyed.dossier_id)
        everything = raw_bytes(tmp_path)
        assert destroyed.blob not in everything
        assert kept.blob in everything


def raw_bytes(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file())


@pytest.mark.postgres
class TestPostgresKeyStore:
    def test_the_table_lives_in_the_given_schema_and_opening_twice_is_harmless(
        self, postgres_url: str, pg_schema: str
    ) -> None:
        import psycopg

        with PostgresKeyStore(postgres_url, schema=pg_schema) as first:
            first.add(wrapped_key())
        with PostgresKeyStore(postgres_url, schema=pg_schema) as second:
            assert second.count() == 1
        with psycopg.connect(postgres_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name = 'dossier_data_keys'",
                (pg_schema,),
            ).fetchone()
        assert row == (1,)

    def test_a_bad_schema_name_is_refused(self, postgres_url: str) -> None:
        with pytest.raises(ValueError, match="schema name"):
            PostgresKeyStore(postgres_url, schema="Bad-Name")

    def test_key_store_for_a_postgres_url(self, postgres_url: str, pg_schema: str) -> None:
        with key_store_for(postgres_url, Path("unused"), pg_schema) as store:
            assert isinstance(store, PostgresKeyStore)


class TestKeyStoreFor:
    def test_sqlite_puts_the_keys_beside_the_data(self, tmp_path: Path) -> None:
        store = key_store_for("sqlite", tmp_path, None)
        assert isinstance(store, SQLiteKeyStore)
        assert store.path == tmp_path / "keys.sqlite"
        assert (tmp_path / "keys.sqlite").is_file()

    @pytest.mark.parametrize("setting", ["mysql://root:hunter2@db/x", "hunter2@db", "memory"])
    def test_anything_else_is_refused_without_echoing_a_password(self, setting: str) -> None:
        with pytest.raises(ValueError, match="expected 'sqlite' or a postgresql:// URL") as caught:
            key_store_for(setting, Path(os.devnull), None)
        assert "hunter2" not in str(caught.value)


# Written by SQLiteKeyStore as it stood before the key store moved onto SQLAlchemy Core (raw
# sqlite3): under master key bytes(range(32)), dossiers 1111…, 2222… and 3333… got the data keys
# bytes([1]) * 32, bytes([2]) * 32 and bytes([3]) * 32; 2222… was then destroyed, and 4444…,
# which never had a key, destroyed too.
KEYS_V1 = Path(__file__).parent / "fixtures" / "keys-v1.sqlite"
V1_MASTER = MasterKey(bytes(range(32)))


def v1_id(n: int) -> uuid.UUID:
    return uuid.UUID(int=n * 0x1111_1111_1111_1111_1111_1111_1111_1111)


# The PostgreSQL table and statements of that version, as they stood.
V1_POSTGRES_CREATE = """CREATE TABLE IF NOT EXISTS {table} (
        dossier_id uuid PRIMARY KEY,
        master_key_id text,
        wrapped bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        destroyed_at timestamptz,
        CHECK ((wrapped IS NULL) = (master_key_id IS NULL)))"""
V1_POSTGRES_ADD = (
    "INSERT INTO {table} (dossier_id, master_key_id, wrapped) VALUES (%s, %s, %s) "
    "ON CONFLICT (dossier_id) DO NOTHING"
)
V1_POSTGRES_TOMBSTONE = (
    "INSERT INTO {table} (dossier_id, destroyed_at) VALUES (%s, now()) "
    "ON CONFLICT (dossier_id) DO NOTHING"
)
V1_POSTGRES_DESTROY = (
    "UPDATE {table} SET master_key_id = NULL, wrapped = NULL, destroyed_at = now() "
    "WHERE dossier_id = %s AND wrapped IS NOT NULL"
)


def assert_v1_keys_read_and_work(store: KeyStore) -> None:
    assert store.count() == 2
    assert [w.dossier_id for w in store] == [v1_id(1), v1_id(3)]
    for n in (1, 3):
        wrapped = store.get(v1_id(n))
        assert wrapped is not None
        assert unwrap_data_key(V1_MASTER, wrapped) == DataKey(bytes([n]) * 32)
    for n in (2, 4):
        assert store.get(v1_id(n)) is None
        assert store.is_destroyed(v1_id(n))
        assert store.add(wrapped_key(v1_id(n), master=V1_MASTER)) is False
    assert not store.is_destroyed(v1_id(1))
    # And it goes on working: a new key, a destruction, a rotation.
    fresh = wrapped_key(v1_id(5), master=V1_MASTER)
    assert store.add(fresh) is True
    assert store.delete(v1_id(3)) is True
    assert store.rewrap_all(V1_MASTER, NEW) == 2
    rotated = store.get(v1_id(1))
    assert rotated is not None
    assert unwrap_data_key(NEW, rotated) == DataKey(bytes([1]) * 32)
    assert [w.dossier_id for w in store] == [v1_id(1), v1_id(5)]


class TestKeysWrittenByTheEarlierVersion:
    def test_an_sqlite_key_store_written_before_loads_unchanged(self, tmp_path: Path) -> None:
        path = tmp_path / "keys.sqlite"
        path.write_bytes(KEYS_V1.read_bytes())
        with sqlite3.connect(path) as conn:
            (layout,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table'"
            ).fetchone()
        with SQLiteKeyStore(path) as store:
            assert_v1_keys_read_and_work(store)
        with sqlite3.connect(path) as conn:
            assert conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table'"
            ).fetchone() == (layout,), "the table is used as it is, not migrated"
            stamps = conn.execute(
                "SELECT created_at, destroyed_at FROM dossier_data_keys WHERE dossier_id = ?",
                (str(v1_id(3)),),
            ).fetchone()
        for stamp in stamps:  # written as that version wrote them: UTC text, milliseconds
            assert len(stamp) == len("2026-01-01T00:00:00.000Z")
            assert stamp.endswith("Z")

    @pytest.mark.postgres
    def test_a_postgres_key_store_written_before_loads_unchanged(
        self, postgres_url: str, pg_schema: str
    ) -> None:
        import psycopg
        from psycopg import sql

        table = sql.Identifier(pg_schema, "dossier_data_keys")
        with psycopg.connect(postgres_url, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(pg_schema)))
            conn.execute(sql.SQL(V1_POSTGRES_CREATE).format(table=table))
            for n in (1, 2, 3):
                wrapped = wrap_data_key(V1_MASTER, v1_id(n), DataKey(bytes([n]) * 32))
                conn.execute(
                    sql.SQL(V1_POSTGRES_ADD).format(table=table),
                    (wrapped.dossier_id, wrapped.master_key_id, wrapped.blob),
                )
            conn.execute(sql.SQL(V1_POSTGRES_TOMBSTONE).format(table=table), (v1_id(2),))
            conn.execute(sql.SQL(V1_POSTGRES_DESTROY).format(table=table), (v1_id(2),))
            conn.execute(sql.SQL(V1_POSTGRES_TOMBSTONE).format(table=table), (v1_id(4),))
        with PostgresKeyStore(postgres_url, schema=pg_schema) as store:
            assert_v1_keys_read_and_work(store)
