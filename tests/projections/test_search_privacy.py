"""Document search keeps no text in clear, and a destroyed dossier's text is gone from every file.

Two dossiers each file a real PDF (drawn with ReportLab in a CID font) holding a distinctive
Chinese phrase. The register finds both, by the whole phrase and by two characters of it, yet
neither phrase nor any three characters of it lies in the register's database — on SQLite in
its files, on PostgreSQL in a ``pg_dump`` of the schema. After one dossier is lawfully destroyed
(key shredded, blobs deleted), a byte search of the whole data directory (events, keys, blobs,
registers.sqlite and its write-ahead log) or of the dump finds none of its text, search finds
nothing of it, and the other dossier is still found; a rebuild brings nothing back.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from archive.application import DossierArchive
from archive.core import CommandContext
from domain.scope import RowScope
from domain.values import dossier_id_for, loan_id_for
from projections.registers.filing.search import held_table, postings_table, search
from projections.store import RegisterStore, register_store_beside
from tests.archive import test_disposition as disposition
from tests.factories import make_disbursement, make_pdf, make_upload
from tests.projections.conftest import follower_for

DESTROYED = "鹦鹉螺号潜艇质押"  # in the dossier that is destroyed
KEPT = "麒麟阁藏宝图契约"  # in the dossier that stays
KEPT_LOAN = "JJ2025011000088"


def pieces(phrase: str) -> list[str]:
    """The phrase and every three characters of it: none may be stored in clear."""
    return [phrase] + [phrase[i : i + 3] for i in range(len(phrase) - 2)]


def grep_dir(root: Path, needles: list[str]) -> list[tuple[str, str]]:
    """(file, piece) for every piece of text found in the raw bytes of a file under ``root``."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [(path.name, n) for n in needles if n.encode() in data]
    return found


def pg_dump(store_env: dict[str, str]) -> bytes:
    """The whole schema the test's events, keys and registers live in, dumped with its data."""
    command = shutil.which("pg_dump")
    assert command is not None, "pg_dump is installed with PostgreSQL"
    return subprocess.run(
        [
            command,
            "--no-owner",
            "-h",
            store_env["POSTGRES_HOST"],
            "-p",
            store_env["POSTGRES_PORT"],
            "-U",
            store_env["POSTGRES_USER"],
            "-n",
            store_env["POSTGRES_SCHEMA"],
            store_env["POSTGRES_DBNAME"],
        ],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout


def in_clear(store_env: dict[str, str], root: Path, phrase: str) -> list[Any]:
    """Where pieces of ``phrase`` lie in clear: the files under ``root`` (SQLite), or the dump
    of the schema (PostgreSQL)."""
    if "POSTGRES_SCHEMA" in store_env:
        dump = pg_dump(store_env)
        assert b"CREATE TABLE" in dump  # the dump holds the schema's tables
        return [p for p in pieces(phrase) if p.encode() in dump]
    return grep_dir(root, pieces(phrase))


def postings(store: RegisterStore, docs: Any) -> int:
    with store.reading() as conn:
        table = postings_table(store.live_tables(conn, docs)["documents"])
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def held(store: RegisterStore, docs: Any) -> int:
    """How many documents' term hashes are kept packed (one row a document)."""
    with store.reading() as conn:
        table = held_table(store.live_tables(conn, docs)["documents"])
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def found(store: RegisterStore, docs: Any, phrase: str) -> list[str]:
    return [h["loan_no"] for h in search(store, docs, phrase, scope=RowScope.everything())]


def test_no_text_in_clear_and_a_destroyed_dossier_leaves_nothing_readable(
    clocked: DossierArchive,
    people: dict[str, CommandContext],
    store_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = clocked
    store = register_store_beside(store_env, tmp_path)
    follower = follower_for(app, store)
    follower.prepare()
    try:
        # The dossier to be destroyed files its contract with the phrase in it.
        monkeypatch.setattr(disposition, "MARKER", DESTROYED)
        facts = disposition.prepare(app, people)
        app.execute(
            people["account_manager"],
            make_disbursement(KEPT_LOAN),
            [make_upload("loan_contract", data=make_pdf(f"借款合同 {KEPT} 第一条"))],
        )
        app.wait_for_text_extraction()
        follower.catch_up()
        docs = follower.projections["document_search"]

        # Found by the phrase, by part of it, by two characters and by one.
        assert found(store, docs, DESTROYED) == [disposition.LOAN_NO]
        assert found(store, docs, DESTROYED[2:6]) == [disposition.LOAN_NO]
        assert found(store, docs, "潜艇") == [disposition.LOAN_NO]
        assert found(store, docs, "鹦") == [disposition.LOAN_NO]
        assert found(store, docs, KEPT) == [KEPT_LOAN]
        assert found(store, docs, "藏宝") == [KEPT_LOAN]
        [hit] = search(store, docs, DESTROYED, scope=RowScope.everything())
        assert DESTROYED in hit["snippet"]
        # Terms apart are no phrase: every triple of "潜艇质押号" is none of the document's.
        assert found(store, docs, "鹦鹉螺质押") == []
        before, held_before = postings(store, docs), held(store, docs)
        assert before > 0
        assert held_before > 1

        # Even while kept, neither text lies in clear anywhere: not in the register's
        # database (its file and log on SQLite), nor anywhere else in the data directory.
        if "POSTGRES_SCHEMA" not in store_env:
            assert [p.name for p in tmp_path.glob("registers.sqlite*")]
        assert in_clear(store_env, tmp_path, DESTROYED) == []
        assert in_clear(store_env, tmp_path, KEPT) == []

        # The lawful destruction: key shredded, blobs deleted, the register follows.
        batch_id = disposition.approved_batch(app, people)
        disposition.execute(app, people, batch_id)
        follower.catch_up()
        dossier_id = facts["dossier_id"]
        assert dossier_id == dossier_id_for(loan_id_for(disposition.LOAN_NO))
        assert app.blobs.envelope.keys.is_destroyed(dossier_id)  # type: ignore[attr-defined]

        for phrase in (DESTROYED, DESTROYED[2:6], "潜艇", "鹦"):
            assert found(store, docs, phrase) == []
        assert found(store, docs, KEPT) == [KEPT_LOAN]
        assert found(store, docs, "藏宝") == [KEPT_LOAN]
        assert 0 < postings(store, docs) < before  # the destroyed document's postings went
        assert 0 < held(store, docs) < held_before  # and its packed hashes
        rows = [r for r in follower_rows(store, docs) if r["dossier_id"] == dossier_id]
        assert rows == []

        # Raw bytes: nothing of the destroyed text, not even three characters of it.
        assert in_clear(store_env, tmp_path, DESTROYED) == []
        if "POSTGRES_SCHEMA" not in store_env:
            assert (tmp_path / "registers.sqlite").exists()

        # A rebuild brings nothing back, and finds the kept dossier as before.
        follower.rebuild(["document_search"])
        docs = follower.projections["document_search"]
        assert found(store, docs, DESTROYED) == []
        assert found(store, docs, KEPT) == [KEPT_LOAN]
        assert in_clear(store_env, tmp_path, DESTROYED) == []
    finally:
        follower.stop()
        store.close()
    assert in_clear(store_env, tmp_path, DESTROYED) == []


def follower_rows(store: RegisterStore, docs: Any) -> list[dict[str, Any]]:
    with store.reading() as conn:
        table = store.live_tables(conn, docs)["documents"]
        return [dict(r._mapping) for r in conn.execute(sa.select(table))]


@pytest.fixture
def clocked(app: DossierArchive, people: dict[str, CommandContext]) -> DossierArchive:
    app.clock = lambda: disposition.AFTER_RETENTION
    return app


@pytest.fixture
def people(app: DossierArchive, staff: dict[str, CommandContext]) -> dict[str, CommandContext]:
    return disposition.with_it_and_second_head(app, staff)
