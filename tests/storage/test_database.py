"""One setup for the SQL stores beside the events (storage/database.py).

Every SQLite file — the registers', the integrity store's, the keys' — is opened the same way:
WAL, a busy timeout, transactions begun by SQLAlchemy, a writer that takes the lock as it
begins, and the durability its data needs. The stores' PostgreSQL URL is read from the same
eventsourcing settings the events use.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from projections.store import RegisterStore, sqlite_url
from storage.database import engines, postgres_url, sqlite_engine
from storage.database import sqlite_url as file_url
from storage.integrity_store import IntegrityStore


def pragmas(engine: sa.Engine, *names: str) -> dict[str, object]:
    names = names or ("journal_mode", "busy_timeout", "synchronous")
    with engine.connect() as conn:
        return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names}


def test_the_registers_and_the_integrity_store_are_set_up_alike_but_for_durability(
    tmp_path: Path,
) -> None:
    registers = RegisterStore(sqlite_url(tmp_path))
    integrity = IntegrityStore.sqlite(tmp_path / "integrity.sqlite")
    try:
        for engine in (registers.engine, registers.read_engine):
            assert pragmas(engine) == {
                "journal_mode": "wal",
                "busy_timeout": 30000,
                "synchronous": 1,  # NORMAL: the registers are rebuilt from the log
            }
        for engine in (integrity.engine, integrity.read_engine):
            assert pragmas(engine) == {
                "journal_mode": "wal",
                "busy_timeout": 30000,
                "synchronous": 2,  # FULL: a checkpoint must survive a power cut
            }
        assert registers.engine is not registers.read_engine
    finally:
        registers.close()
        integrity.close()


def test_a_writer_takes_the_lock_as_it_begins_and_a_reader_never_waits(tmp_path: Path) -> None:
    url = file_url(tmp_path / "x.sqlite")
    writer, reader = engines(url, synchronous="NORMAL")
    impatient = sqlite_engine(url, immediate=True, synchronous="NORMAL", timeout=0.2)
    try:
        with writer.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with writer.begin() as conn:
            # Nothing written yet in this transaction, and still a second writer must wait.
            with pytest.raises(sa.exc.OperationalError, match="locked"), impatient.begin():
                pass
            with reader.begin() as read:
                assert read.exec_driver_sql("SELECT n FROM t").scalar() == 1
            conn.exec_driver_sql("UPDATE t SET n = 2")
    finally:
        for engine in (writer, reader, impatient):
            engine.dispose()


def test_a_waiting_writer_goes_on_once_the_first_commits(tmp_path: Path) -> None:
    url = file_url(tmp_path / "x.sqlite")
    first, second = (sqlite_engine(url, immediate=True, synchronous="FULL") for _ in range(2))
    with first.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    released = threading.Event()

    def hold() -> None:
        with first.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            released.wait(0.3)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        with second.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
    finally:
        released.set()
        holder.join()
    with second.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    for engine in (first, second):
        engine.dispose()


def test_secure_delete_is_on_where_a_store_asks_for_it(tmp_path: Path) -> None:
    engine = sqlite_engine(
        file_url(tmp_path / "k.sqlite"), immediate=False, synchronous="FULL", secure_delete=True
    )
    try:
        assert pragmas(engine, "secure_delete") == {"secure_delete": 1}
    finally:
        engine.dispose()


def test_the_postgres_url_is_the_events_own_with_any_password_kept_intact() -> None:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_DBNAME": "archive",
        "POSTGRES_USER": "dossier",
        "POSTGRES_PASSWORD": "p@ss:w/rd%",
    }
    url = postgres_url(env)
    assert url is not None
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "db.example",
        6543,
        "archive",
    )
    assert (url.username, url.password) == ("dossier", "p@ss:w/rd%")
    assert sa.make_url(url.render_as_string(hide_password=False)).password == "p@ss:w/rd%"
    assert postgres_url({"PERSISTENCE_MODULE": "eventsourcing.sqlite"}) is None
