"""The tamper matrix: a database administrator edits the stores behind the application's back,
and ``dossier verify`` names what was done and where.

Each case starts from the same small but real record, on SQLite and on PostgreSQL: the staff,
two loans disbursed with their contract and drawdown receipt as PDFs, a gap in the notification
ids between them (PostgreSQL skips ids after a rolled-back transaction; SQLite is given one),
sealed into a first checkpoint; a repayment with its voucher and a classification proposal with
its form, sealed into a second; an inspection with its report whose events have leaves but no
checkpoint yet; and a last repayment that is not sealed at all (the *unsealed tail*). Every
checkpoint was also handed to a file witness (``checkpoints.jsonl``).

Then one thing is changed with raw SQL on the events or integrity tables, or directly on the
blob files, and the verification must fail naming the right position (notification id),
checkpoint or document. The untouched record, and the demo portfolio, verify clean.

What verification cannot see, by construction: an event forged and *appended* after the last
leaf. It lies in the unsealed tail, where nothing yet commits to what should be there: the
verifier can only count it (``test_an_event_appended_after_the_last_seal_is_only_counted``).
It becomes detectable once something outside the database knows that position — the client
whose command was answered with that position and later finds another event there, or a later
run comparing the tail — and never by the Merkle log: once the sealer seals it, it is part of
the signed record like any genuine event. That is why the sealer seals every few seconds and
every command answers with its position.
"""

from __future__ import annotations

import io
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from archive.application import DossierArchive
from archive.commands.disposition import (
    ApproveDestruction,
    ComplianceApproveDestruction,
    ProposeDestruction,
)
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext, blob_key
from archive.verification import Verifier
from archive.verification.report import Finding, VerificationReport
from domain.dossier import Dossier
from domain.values import Actor, InspectionKind, Role
from storage.checkpoints import Checkpoint, format_timestamp, sign_checkpoint
from storage.envelope import EncryptingBlobStore
from storage.integrity_store import SQLITE_FILE_NAME, integrity_store_beside
from storage.merkle import root_hash
from storage.positions import notification_id_of
from storage.sealing import Sealer, event_leaf_hash
from storage.signing import PublicKey, Signer
from storage.witness import FileWitness, S3Witness, Witness
from tests import steps
from tests.archive.test_disposition import AFTER_RETENTION
from tests.factories import make_disbursement, make_pdf, make_staff, make_upload
from tests.storage.seaweed import SeaweedFS

ORIGIN = "dossier.example-bank"
LOAN_A = "JJ2025011000101"
LOAN_B = "JJ2025011000102"
GAP = 5
INTEGRITY_TABLES = (
    "integrity_leaves",
    "integrity_frontier",
    "integrity_nodes",
    "integrity_checkpoints",
    "integrity_keys",
    "integrity_witnessed",
    "integrity_statements",
)


# ------------------------------------------------------------------------------- raw SQL
class RawDatabase:
    """The events table (and the integrity tables) as a DBA sees them: SQL, no application.

    Statements are written with ``{events}`` for the events table, ``{id}`` for its
    notification-id column and ``?`` for parameters; PostgreSQL gets ``%s`` and quoted names.
    """

    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.env = env
        self.tmp_path = tmp_path
        self.is_sqlite = env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
        if self.is_sqlite:
            self.events_file = Path(env["SQLITE_DBNAME"])
            self.names = {"events": "stored_events", "id": "rowid", "schema": ""}
        else:
            self.schema = env["POSTGRES_SCHEMA"]
            self.url = (
                f"postgresql://{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:"
                f"{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
            )
            self.names = {
                "events": f'"{self.schema}"."dossierarchive_events"',
                "id": "notification_id",
                "schema": f'"{self.schema}".',
            }

    def run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        text = statement.format(**self.names)
        if self.is_sqlite:
            with sqlite3.connect(self.events_file, timeout=30, isolation_level=None) as conn:
                return conn.execute(text, params).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(text.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def originator(self, aggregate_id: UUID) -> Any:
        return aggregate_id.hex if self.is_sqlite else aggregate_id

    def positions(self) -> list[int]:
        return [int(r[0]) for r in self.run("SELECT {id} FROM {events} ORDER BY {id}")]

    def row(self, position: int) -> tuple[Any, ...]:
        [row] = self.run(
            "SELECT originator_id, originator_version, topic, state FROM {events} WHERE {id} = ?",
            (position,),
        )
        return row

    def insert(
        self, position: int, originator: Any, version: int, topic: str, state: bytes
    ) -> None:
        self.run(
            "INSERT INTO {events} ({id}, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)",
            (position, originator, version, topic, state),
        )

    def shift_from(self, position: int, by: int) -> None:
        """Renumber every event from ``position`` on by ``by`` (two steps: ids are unique)."""
        self.run("UPDATE {events} SET {id} = {id} + 1000000 WHERE {id} >= ?", (position,))
        self.run("UPDATE {events} SET {id} = {id} - 1000000 + ? WHERE {id} >= 1000000", (by,))

    # The integrity store: its own SQLite file, or tables beside the events on PostgreSQL.
    def integrity(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        if self.is_sqlite:
            with sqlite3.connect(self.tmp_path / SQLITE_FILE_NAME, isolation_level=None) as conn:
                conn.execute(statement.format(**self.names), params)
            return
        self.run(statement, params)


# ------------------------------------------------------------------------------ the record
@dataclass
class Record:
    """The sealed record of the module docstring, and a way to verify it."""

    app: DossierArchive
    env: dict[str, str]
    tmp_path: Path
    signer: Signer
    staff: dict[str, CommandContext]
    db: RawDatabase
    first: Checkpoint | None = None
    second: Checkpoint | None = None
    leaves: int = 0
    positions: dict[str, int] = field(default_factory=dict)

    @property
    def witness_file(self) -> Path:
        return self.tmp_path / "checkpoints.jsonl"

    def verify(
        self,
        *,
        documents: bool = True,
        witness: Witness | None = None,
        trusted: list[PublicKey] | None = None,
    ) -> VerificationReport:
        """A verification as ``dossier verify`` runs it: a fresh integrity-store handle, the
        record's signing key the one trusted unless ``trusted`` says otherwise."""
        store = integrity_store_beside(self.env, self.tmp_path)
        try:
            return Verifier(
                self.app.recorder,
                store,
                self.app.mapper,
                witness=witness or FileWitness(self.witness_file),
                blobs=self.app.blobs if documents else None,
                trusted_keys=[self.signer.public_key] if trusted is None else trusted,
                origin=ORIGIN,
            ).run()
        finally:
            store.close()

    def seal(self, *, sign: bool = True) -> Checkpoint | None:
        store = integrity_store_beside(self.env, self.tmp_path)
        try:
            sealer = Sealer(
                self.app.recorder, store, self.signer, ORIGIN, FileWitness(self.witness_file)
            )
            sealer.catch_up()
            self.leaves = store.size()
            return sealer.seal() if sign else None
        finally:
            store.close()

    def dossier_id(self, loan_no: str) -> UUID:
        return self.app.dossier_of(self.app.loan(loan_no)).id

    def document(self, loan_no: str, doc_type: str) -> tuple[UUID, str]:
        dossier = self.app.dossier_of(self.app.loan(loan_no))
        [sha] = [d.ref.sha256 for d in dossier.documents if d.ref.doc_type == doc_type]
        return dossier.id, sha

    def blob_file(self, loan_no: str, doc_type: str) -> Path:
        dossier_id, sha = self.document(loan_no, doc_type)
        return self.tmp_path / "blobs" / str(dossier_id) / sha

    def position_of(self, aggregate_id: UUID, version: int) -> int:
        found = notification_id_of(self.app.recorder, aggregate_id, version)
        assert found is not None
        return found


def make_gap(db: RawDatabase, then: Callable[[], object]) -> None:
    """Leave ``GAP`` unused notification ids before the events ``then`` stores."""
    head = max(db.positions())
    if db.is_sqlite:
        # SQLite gives max(rowid) + 1: a placeholder row pushes the next id past the gap.
        db.insert(head + GAP, "gap-placeholder", 1, "gap:Placeholder", b"")
        then()
        db.run("DELETE FROM {events} WHERE {id} = ?", (head + GAP,))
        return
    db.run(
        "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)",
        (f"{db.schema}.dossierarchive_events", head + GAP),
    )
    then()


def build_record(
    app: DossierArchive,
    env: dict[str, str],
    tmp_path: Path,
    *,
    after_first_seal: Callable[[], None] = lambda: None,
) -> Record:
    db = RawDatabase(env, tmp_path)
    record = Record(app, env, tmp_path, Signer.generate(), make_staff(app), db)
    am = record.staff["account_manager"]

    def disburse(loan_no: str) -> None:
        app.execute(
            am,
            make_disbursement(loan_no),
            [
                make_upload("loan_contract", f"借款合同 {loan_no}"),
                make_upload("drawdown_receipt", f"借据 {loan_no}"),
            ],
        )

    disburse(LOAN_A)
    make_gap(db, lambda: disburse(LOAN_B))
    record.first = record.seal()
    after_first_seal()
    steps.repay(
        app,
        am,
        LOAN_A,
        date(2025, 4, 10),
        "100000.00",
        "3450.00",
        uploads=[make_upload("repayment_voucher", f"还款凭证 {LOAN_A}")],
    )
    steps.propose_special_mention(app, am, LOAN_B, date(2025, 3, 1), "本金逾期 40 天")
    record.second = record.seal()
    steps.inspect(
        app,
        am,
        LOAN_A,
        InspectionKind.FIRST_FOLLOW_UP,
        date(2025, 1, 20),
        "资金按约定用途使用，企业经营正常",
        uploads=[make_upload("first_inspection_report", f"首次跟踪检查报告 {LOAN_A}")],
    )
    record.seal(sign=False)  # leaves, but no checkpoint yet
    steps.repay(app, am, LOAN_B, date(2025, 4, 10), "1.00", "0")
    app.wait_for_text_extraction()
    loan_a = app.loan(LOAN_A).id
    record.positions = {
        "a_disbursed": record.position_of(loan_a, 1),
        "a_repaid": record.position_of(loan_a, 2),
        "b_disbursed": record.position_of(app.loan(LOAN_B).id, 1),
        "a_contract_filed": record.position_of(record.dossier_id(LOAN_A), 2),
    }
    return record


@pytest.fixture
def record(app: DossierArchive, store_env: dict[str, str], tmp_path: Path) -> Record:
    return build_record(app, store_env, tmp_path)


# --------------------------------------------------------------------------------- helpers
def found(report: VerificationReport, check: str) -> list[Finding]:
    return [f for f in report.discrepancies if f.check == check]


def positions(report: VerificationReport, check: str) -> set[int]:
    """The positions the findings of ``check`` name: the first and last of each range."""
    named: set[int] = set()
    for f in found(report, check):
        if f.position is None:
            continue
        named.add(f.position)
        if f.through is not None:
            named.add(f.through)
    return named


def checks(report: VerificationReport) -> set[str]:
    return {f.check for f in report.discrepancies}


def sizes(report: VerificationReport, check: str) -> set[int | None]:
    return {f.tree_size for f in found(report, check)}


# ------------------------------------------------------------------------------ clean runs
def test_the_untouched_record_verifies_with_its_unsealed_tail_only_noticed(record: Record) -> None:
    report = record.verify()

    assert report.intact, [f.detail for f in report.discrepancies]
    assert report.discrepancy_count == 0
    assert record.first is not None
    assert record.second is not None
    assert report.tree_size == record.second.tree_size
    assert report.checkpoints_checked == 2
    assert report.witnessed_checkpoints == 2
    assert report.events_checked == len(record.db.positions())
    # 2 + 2 at disbursement, voucher, form, the report uploaded and the one generated from
    # the inspection's checklist.
    assert report.documents_checked == 8
    assert report.sealed_leaves == record.leaves > record.second.tree_size
    # The inspection (leaves, no checkpoint) and the last repayment (nothing): a notice.
    tail = report.unsealed_tail
    assert tail is not None
    assert tail.count == report.events_checked - record.second.tree_size
    assert tail.last == max(record.db.positions())
    assert [n.check for n in report.notices] == ["unsealed_tail"]


def test_without_documents_only_the_log_and_checkpoints_are_read(record: Record) -> None:
    record.blob_file(LOAN_A, "loan_contract").unlink()

    report = record.verify(documents=False)

    assert report.intact
    assert report.documents is False
    assert report.documents_checked == 0


# ------------------------------------------------------------------------------ the events
def edit_one_byte(record: Record) -> int:
    position = record.positions["a_disbursed"]
    state = bytes(record.db.row(position)[3])
    assert b"1000000.00" in state
    edited = state.replace(b"1000000.00", b"9000000.00", 1)
    record.db.run("UPDATE {events} SET state = ? WHERE {id} = ?", (edited, position))
    return position


def change_topic(record: Record) -> int:
    # Hide the filing of a document: the event now claims to be a read of it.
    position = record.positions["a_contract_filed"]
    record.db.run(
        "UPDATE {events} SET topic = ? WHERE {id} = ?",
        ("domain.dossier:Dossier.DocumentRead", position),
    )
    return position


def delete_event(record: Record) -> int:
    position = record.positions["a_disbursed"]
    record.db.run("DELETE FROM {events} WHERE {id} = ?", (position,))
    return position


def test_one_edited_byte_of_an_events_state_is_named_by_its_position(record: Record) -> None:
    position = edit_one_byte(record)

    report = record.verify()

    assert not report.intact
    assert [(f.position, f.through) for f in found(report, "event_altered")] == [(position, None)]
    assert record.first is not None
    assert record.second is not None
    # Both checkpoints cover it: their roots no longer match the stored events.
    assert sizes(report, "checkpoint_root") == {record.first.tree_size, record.second.tree_size}
    assert checks(report) == {"event_altered", "checkpoint_root"}


def test_a_changed_topic_is_named_by_its_position(record: Record) -> None:
    position = change_topic(record)

    report = record.verify()

    assert [(f.position, f.through) for f in found(report, "event_altered")] == [(position, None)]
    assert checks(report) == {"event_altered", "checkpoint_root"}


def test_a_deleted_event_is_named_by_its_position(record: Record) -> None:
    position = delete_event(record)

    report = record.verify()

    assert [(f.position, f.through) for f in found(report, "event_missing")] == [(position, None)]
    assert checks(report) == {"event_missing", "checkpoint_root"}
    assert "deleted" in found(report, "event_missing")[0].detail


def test_a_row_the_event_store_cannot_read_is_named_and_the_walk_goes_on(
    record: Record,
) -> None:
    position = record.positions["a_disbursed"]
    if record.db.is_sqlite:
        # SQL's replace() on the state turns it into text; the id is no longer a UUID either.
        record.db.run(
            "UPDATE {events} SET state = replace(state, '1000000.00', '9000000.00'), "
            "originator_id = 'not-a-uuid' WHERE {id} = ?",
            (position,),
        )
    else:
        record.db.run("UPDATE {events} SET state = NULL WHERE {id} = ?", (position,))

    report = record.verify()

    assert [(f.position, f.through) for f in found(report, "event_unreadable")] == [
        (position, None)
    ]
    assert checks(report) == {"event_unreadable", "checkpoint_root"}
    assert report.events_checked == len(record.db.positions())


def test_two_events_with_swapped_versions_are_both_named(record: Record) -> None:
    first, second = record.positions["a_disbursed"], record.positions["a_repaid"]
    record.db.run("UPDATE {events} SET originator_version = 0 WHERE {id} = ?", (first,))
    record.db.run("UPDATE {events} SET originator_version = 1 WHERE {id} = ?", (second,))
    record.db.run("UPDATE {events} SET originator_version = 2 WHERE {id} = ?", (first,))

    report = record.verify()

    assert positions(report, "event_altered") == {first, second}
    assert checks(report) == {"event_altered", "checkpoint_root"}


def test_an_edited_leaf_row_is_told_apart_from_an_edited_event(record: Record) -> None:
    position = record.positions["a_disbursed"]
    record.db.integrity(
        "UPDATE {schema}integrity_leaves SET leaf_hash = ? WHERE notification_id = ?",
        (bytes(32), position),
    )

    report = record.verify()

    # The events still hash to both signed roots: the leaf table is what was changed.
    [leaf] = found(report, "leaf_table")
    assert leaf.position == position
    assert "the events are as sealed" in leaf.detail
    assert "event_altered" not in checks(report)
    assert "checkpoint_root" not in checks(report)
    # The stored proofs are built from the leaves: they fail too.
    assert checks(report) == {"leaf_table", "checkpoint_consistency"}


def test_a_deleted_leaf_row_is_not_mistaken_for_an_inserted_event(record: Record) -> None:
    position = record.positions["a_disbursed"]
    record.db.integrity(
        "DELETE FROM {schema}integrity_leaves WHERE notification_id = ?", (position,)
    )

    report = record.verify()

    assert "event_inserted" not in checks(report)
    assert positions(report, "leaf_table") >= {position}
    assert "checkpoint_root" not in checks(report)


def test_an_event_forged_into_a_gap_of_the_sealed_range_is_named(record: Record) -> None:
    gap = record.positions["b_disbursed"] - 1
    assert gap not in record.db.positions()
    loan_a = record.app.loan(LOAN_A).id
    _originator, _version, topic, state = record.db.row(record.positions["a_repaid"])
    record.db.insert(gap, record.db.originator(loan_a), 99, topic, bytes(state))

    report = record.verify()

    assert [(f.position, f.through) for f in found(report, "event_inserted")] == [(gap, None)]
    assert checks(report) == {"event_inserted", "checkpoint_root"}


def test_an_event_forged_into_the_sealed_range_by_renumbering_is_named_where_it_begins(
    record: Record,
) -> None:
    position = record.positions["a_contract_filed"]
    loan_a = record.app.loan(LOAN_A).id
    _originator, _version, topic, state = record.db.row(record.positions["a_repaid"])
    record.db.shift_from(position, 1)
    record.db.insert(position, record.db.originator(loan_a), 99, topic, bytes(state))

    report = record.verify()

    # The forged event is where the damage begins: nothing before it is named, and every
    # renumbered event after it differs from its leaf (runs of them as one finding each).
    log = [f for f in report.discrepancies if f.area == "log"]
    assert (log[0].check, log[0].position) == ("event_altered", position)
    assert log[0].through is not None
    assert all(f.position is not None and f.position >= position for f in log)
    assert checks(report) <= {"event_altered", "event_inserted", "event_missing", "checkpoint_root"}


def test_an_event_appended_after_the_last_seal_is_only_counted(record: Record) -> None:
    """The limit of the module docstring: the unsealed tail grows by one, nothing fails."""
    before = record.verify()
    assert before.unsealed_tail is not None
    head = max(record.db.positions())
    loan_a = record.app.loan(LOAN_A).id
    _originator, _version, topic, state = record.db.row(record.positions["a_repaid"])
    record.db.insert(head + 1, record.db.originator(loan_a), 99, topic, bytes(state))

    after = record.verify()

    assert after.intact
    assert after.unsealed_tail is not None
    assert after.unsealed_tail.count == before.unsealed_tail.count + 1
    assert after.unsealed_tail.last == head + 1


def test_a_tail_cut_off_after_the_last_checkpoint_but_within_the_leaves_is_named(
    record: Record,
) -> None:
    assert record.second is not None
    ids = record.db.positions()
    cut = ids[record.second.tree_size]  # the first event after the second checkpoint
    sealed_but_unsigned = set(ids[record.second.tree_size : record.leaves])
    record.db.run("DELETE FROM {events} WHERE {id} >= ?", (cut,))

    report = record.verify()

    [truncated] = found(report, "log_truncated")
    assert {truncated.position, truncated.through} == {
        min(sealed_but_unsigned),
        max(sealed_but_unsigned),
    }
    assert truncated.count == len(sealed_but_unsigned)
    assert checks(report) == {"log_truncated"}
    assert report.unsealed_tail is None


def test_a_tail_cut_off_before_the_last_checkpoint_is_named(record: Record) -> None:
    assert record.first is not None
    assert record.second is not None
    ids = record.db.positions()
    keep = record.first.tree_size + 2
    record.db.run("DELETE FROM {events} WHERE {id} > ?", (ids[keep - 1],))

    report = record.verify()

    [truncated] = found(report, "log_truncated")
    assert truncated.position == ids[keep]
    assert truncated.through == ids[record.leaves - 1]
    # The second checkpoint covers events that are gone; the first still holds.
    assert sizes(report, "checkpoint_root") == {record.second.tree_size}
    assert checks(report) == {"log_truncated", "checkpoint_root"}


# ------------------------------------------------------------------------------ documents
def overwrite_ciphertext(record: Record) -> None:
    path = record.blob_file(LOAN_A, "loan_contract")
    path.write_bytes(os.urandom(path.stat().st_size))


def reencrypt_other_bytes(record: Record) -> None:
    """An insider with the data key stores other bytes under the document's key."""
    blobs = record.app.blobs
    assert isinstance(blobs, EncryptingBlobStore)
    dossier_id, sha = record.document(LOAN_A, "loan_contract")
    record.blob_file(LOAN_A, "loan_contract").unlink()
    forger = EncryptingBlobStore(blobs.inner, blobs.envelope, check_sha256=False)
    forger.put(blob_key(dossier_id, sha), io.BytesIO(make_pdf("篡改后的借款合同")))


def delete_blob(record: Record) -> None:
    record.blob_file(LOAN_A, "loan_contract").unlink()


@pytest.mark.parametrize(
    ("tamper", "check"),
    [
        (overwrite_ciphertext, "document_undecryptable"),
        (reencrypt_other_bytes, "document_hash"),
        (delete_blob, "document_missing"),
    ],
    ids=["overwritten", "re-encrypted", "deleted"],
)
def test_a_replaced_or_deleted_document_is_named(
    record: Record, tamper: Callable[[Record], None], check: str
) -> None:
    tamper(record)

    report = record.verify()

    dossier_id, sha = record.document(LOAN_A, "loan_contract")
    [finding] = report.discrepancies
    assert finding.check == check
    assert (finding.dossier_id, finding.sha256) == (dossier_id, sha)
    assert finding.position == record.positions["a_contract_filed"]
    assert finding.detail
    assert finding.detail_zh


def test_a_destroyed_dossiers_documents_are_expected_gone_and_one_restored_is_named(
    app: DossierArchive, store_env: dict[str, str], tmp_path: Path
) -> None:
    from tests.archive.test_disposition import (
        AFTER_RETENTION,
        approved_batch,
        execute,
        prepare,
        with_it_and_second_head,
    )

    people = with_it_and_second_head(app, make_staff(app))
    app.clock = lambda: AFTER_RETENTION
    facts = prepare(app, people)
    dossier_id, sha = facts["dossier_id"], facts["shas"][0]
    ciphertext = tmp_path / "blobs" / str(dossier_id) / sha
    backup = ciphertext.read_bytes()  # what last night's backup of the blob store holds
    execute(app, people, approved_batch(app, people))
    assert not ciphertext.exists()
    record = Record(
        app, store_env, tmp_path, Signer.generate(), people, RawDatabase(store_env, tmp_path)
    )
    record.seal()

    clean = record.verify()
    assert clean.intact, [f.detail for f in clean.discrepancies]
    assert clean.documents_destroyed == len(facts["shas"])

    ciphertext.write_bytes(backup)  # restored from the backup, unreadable without its key
    report = record.verify()

    [finding] = report.discrepancies
    assert finding.check == "document_not_destroyed"
    assert (finding.dossier_id, finding.sha256) == (dossier_id, sha)


# --------------------------------------------------------------------------- destructions
SECOND_LOAN = "JJ2025011000072"


@dataclass
class Destruction:
    """A dossier ready for destruction (settled, catalogued, appraised "destroy"), the staff,
    and a second loan's dossier with its documents, never part of any batch."""

    app: DossierArchive
    people: dict[str, CommandContext]
    dossier_id: UUID
    other_id: UUID
    record: Record
    documents: int
    """How many documents the dossier to destroy holds."""

    def staff_id(self, staff_no: str) -> UUID:
        return self.people[staff_no].staff_id

    def forge_destroyed(self, dossier_id: UUID, batch_id: UUID) -> None:
        """An insider with the code records the dossier destroyed in ``batch_id`` and deletes
        its key and blobs, as an execution would; the sealer then seals it like any event."""
        dossier = self.app._load(Dossier, dossier_id, "档案", "dossier")
        dossier.destroy(
            batch_id=batch_id,
            register_entry={"dossier_id": str(dossier_id)},
            supervisors=[self.staff_id("auditor"), self.staff_id("second_archivist")],
            it_supervisor=self.staff_id("it"),
            destroyed_on=AFTER_RETENTION.date(),
            actor=Actor(self.staff_id("archivist"), Role.ARCHIVIST),
        )
        self.app.save(dossier)
        self.app.destroy_data_key(dossier_id)
        self.app.delete_blobs_of(dossier_id)

    def forge_execution(
        self, batch_id: UUID, supervisors: list[str], it_supervisor: str | None
    ) -> None:
        """The batch's ``Executed`` event and the dossier's ``Destroyed`` event saved as an
        execution saves them, without the rules the command checks; then keys and blobs go."""
        batch = self.app.destruction_batch(batch_id)
        ids = [self.staff_id(s) for s in supervisors]
        it_id = None if it_supervisor is None else self.staff_id(it_supervisor)
        executor = self.staff_id("archivist")
        on = AFTER_RETENTION.date()
        batch._executed(  # type: ignore[call-arg]
            executed_on=on,
            supervisors=ids,
            it_supervisor=it_id,
            method="碎纸",
            actor_id=executor,
            role=Role.ARCHIVIST,
        )
        dossier = self.app._load(Dossier, self.dossier_id, "档案", "dossier")
        dossier.destroy(
            batch_id=batch_id,
            register_entry=batch.entry_of(self.dossier_id),
            supervisors=ids,
            it_supervisor=it_id,
            destroyed_on=on,
            actor=Actor(executor, Role.ARCHIVIST),
        )
        self.app.save(batch, dossier)
        self.app._finish_destruction(batch)


@pytest.fixture
def destruction(app: DossierArchive, store_env: dict[str, str], tmp_path: Path) -> Destruction:
    from tests.archive.test_disposition import prepare, with_it_and_second_head

    people = with_it_and_second_head(app, make_staff(app))
    app.clock = lambda: AFTER_RETENTION
    facts = prepare(app, people)
    app.execute(
        people["account_manager"],
        make_disbursement(SECOND_LOAN),
        [make_upload("loan_contract", f"借款合同 {SECOND_LOAN}")],
    )
    record = Record(
        app, store_env, tmp_path, Signer.generate(), people, RawDatabase(store_env, tmp_path)
    )
    other = app.dossier_of(app.loan(SECOND_LOAN)).id
    return Destruction(app, people, facts["dossier_id"], other, record, len(facts["shas"]))


def proposed(d: Destruction) -> UUID:
    from tests.archive.test_disposition import LOAN_NO

    result = d.app.execute(
        d.people["archive_head"],
        ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 2, 1)),
    )
    batch_id = UUID(result.ids["batch_id"])
    d.app.execute(
        d.people["branch_head"], ApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 2))
    )
    return batch_id


def fully_approved(d: Destruction) -> UUID:
    batch_id = proposed(d)
    d.app.execute(
        d.people["compliance"],
        ComplianceApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 3)),
    )
    return batch_id


def unfounded(d: Destruction, dossier_id: UUID) -> Finding:
    """Seal what the insider did, verify, and return the one ``destruction_unfounded``."""
    d.record.seal()
    report = d.record.verify()
    assert not report.intact
    [finding] = found(report, "destruction_unfounded")
    assert finding.dossier_id == dossier_id
    assert str(dossier_id) in finding.detail
    assert str(dossier_id) in finding.detail_zh
    assert finding.position == d.record.position_of(
        dossier_id, d.app._load(Dossier, dossier_id, "档案", "dossier").version
    )
    # Nothing excuses the dossier's missing documents any more: each is damage.
    missing = found(report, "document_key_missing") + found(report, "document_missing")
    assert missing
    assert {f.dossier_id for f in missing} == {dossier_id}
    assert report.documents_destroyed == 0
    return finding


def test_a_forged_destruction_without_any_batch_is_named_and_its_documents_missing(
    destruction: Destruction,
) -> None:
    d = destruction
    d.forge_destroyed(d.dossier_id, uuid4())

    finding = unfounded(d, d.dossier_id)

    assert "no destruction batch" in finding.detail
    assert "此前没有提出销毁批次" in finding.detail_zh
    # The batch is judged from the log alone: without documents too.
    assert checks(d.record.verify(documents=False)) == {"destruction_unfounded"}


def test_a_destruction_citing_a_batch_not_yet_executed_is_named(destruction: Destruction) -> None:
    d = destruction
    batch_id = fully_approved(d)
    d.forge_destroyed(d.dossier_id, batch_id)

    finding = unfounded(d, d.dossier_id)

    assert f"destruction batch {batch_id} is not executed" in finding.detail


@pytest.mark.parametrize(
    ("approve", "supervisors", "it_supervisor", "broken"),
    [
        (proposed, ["auditor", "second_archivist"], "it", "compliance approval"),
        (fully_approved, ["auditor"], "it", "at least 2 different supervisors"),
        (fully_approved, ["auditor", "second_archivist"], None, "needs an IT supervisor"),
        (fully_approved, ["auditor", "archive_head"], "it", "neither the proposer nor the"),
        (fully_approved, ["auditor", "it"], "administrator", "must hold a business role"),
        (fully_approved, ["auditor", "second_archivist"], "compliance", "IT supervisor"),
    ],
    ids=[
        "no-compliance-approval",
        "one-supervisor",
        "no-it-supervisor",
        "supervisor-is-the-proposer",
        "supervisor-without-business-role",
        "it-supervisor-not-it",
    ],
)
def test_a_destruction_executed_against_the_rules_is_named_with_the_rule_it_broke(
    destruction: Destruction,
    approve: Callable[[Destruction], UUID],
    supervisors: list[str],
    it_supervisor: str | None,
    broken: str,
) -> None:
    d = destruction
    batch_id = approve(d)
    d.forge_execution(batch_id, supervisors, it_supervisor)

    finding = unfounded(d, d.dossier_id)

    assert str(batch_id) in finding.detail
    assert broken in finding.detail


def test_a_destruction_citing_a_lawful_batch_that_names_another_dossier_is_named(
    destruction: Destruction,
) -> None:
    from tests.archive.test_disposition import execute

    d = destruction
    batch_id = fully_approved(d)
    execute(d.app, d.people, batch_id)
    d.forge_destroyed(d.other_id, batch_id)

    d.record.seal()
    report = d.record.verify()

    [finding] = found(report, "destruction_unfounded")
    assert finding.dossier_id == d.other_id
    assert "does not list this dossier" in finding.detail
    assert "未列入该档案" in finding.detail_zh
    # The lawful destruction in the same batch is still expected gone.
    assert report.documents_destroyed == d.documents
    missing = found(report, "document_missing") + found(report, "document_key_missing")
    assert {f.dossier_id for f in missing} == {d.other_id}
    assert checks(report) - {"document_missing", "document_key_missing"} == {
        "destruction_unfounded"
    }


def test_the_lawful_destruction_verifies_and_without_documents_too(
    destruction: Destruction,
) -> None:
    from tests.archive.test_disposition import execute

    d = destruction
    execute(d.app, d.people, fully_approved(d))
    d.record.seal()

    report = d.record.verify()
    assert report.intact, [f.detail for f in report.discrepancies]
    assert report.documents_destroyed == d.documents
    assert d.record.verify(documents=False).intact


# ----------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("with_key_row", [False, True], ids=["unknown-key", "forged-key-row"])
def test_a_checkpoint_row_replaced_by_one_signed_with_another_key_is_named(
    record: Record, with_key_row: bool
) -> None:
    second = record.second
    assert second is not None
    forger = Signer.generate()
    # The forger signs the very root the events hash to: only the key gives it away.
    forged = sign_checkpoint(forger, ORIGIN, second.tree_size, second.root_hash, second.timestamp)
    record.db.integrity(
        "UPDATE {schema}integrity_checkpoints SET key_id = ?, signature = ?, key_hash = ? "
        "WHERE tree_size = ?",
        (forged.key_id, forged.signature, forged.key_hash, second.tree_size),
    )
    if with_key_row:
        record.db.integrity(
            "INSERT INTO {schema}integrity_keys (key_id, public_key, first_used) VALUES (?, ?, ?)",
            (forger.key_id, forger.public_key.raw, format_timestamp(second.timestamp)),
        )

    report = record.verify()

    assert sizes(report, "checkpoint_key") == {second.tree_size}
    assert sizes(report, "witness_mismatch") == {second.tree_size}
    key_text = found(report, "checkpoint_key")[0].detail
    if with_key_row:
        assert "not among the trusted keys" in key_text
        assert forged.key_hash is not None
        assert forged.key_hash in key_text
        assert checks(report) == {"checkpoint_key", "witness_mismatch"}
    else:
        assert "does not hold" in key_text
    assert "checkpoint_root" not in checks(report)


def test_a_checkpoint_row_slipped_between_witnessed_ones_is_named(record: Record) -> None:
    first = record.first
    assert first is not None
    size = first.tree_size + 1
    notes = record.app.recorder.select_notifications(start=1, limit=size)
    root = root_hash(event_leaf_hash(n) for n in notes)
    forger = Signer.generate()
    forged = sign_checkpoint(forger, ORIGIN, size, root, first.timestamp)
    record.db.integrity(
        "INSERT INTO {schema}integrity_keys (key_id, public_key, first_used) VALUES (?, ?, ?)",
        (forger.key_id, forger.public_key.raw, format_timestamp(first.timestamp)),
    )
    record.db.integrity(
        "INSERT INTO {schema}integrity_checkpoints "
        "(tree_size, origin, root_hash, timestamp, key_id, signature, key_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            size,
            ORIGIN,
            root,
            format_timestamp(first.timestamp),
            forged.key_id,
            forged.signature,
            forged.key_hash,
        ),
    )

    report = record.verify()

    # Its root is right and its signature holds: the witness and the key give it away.
    assert sizes(report, "unwitnessed") == {size}
    assert sizes(report, "checkpoint_key") == {size}
    assert "checkpoint_root" not in checks(report)
    assert "checkpoint_signature" not in checks(report)


def test_a_checkpoint_not_yet_witnessed_after_the_last_witnessed_one_is_only_noticed(
    record: Record,
) -> None:
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        unwitnessed = Sealer(record.app.recorder, store, record.signer, ORIGIN, None)
        unwitnessed.catch_up()
        assert unwitnessed.seal() is not None
    finally:
        store.close()

    report = record.verify()

    assert report.intact, [f.detail for f in report.discrepancies]
    assert "unwitnessed_latest" in {n.check for n in report.notices}


def test_a_checkpoint_row_deleted_is_caught_by_an_s3_witness_under_object_lock(
    record: Record, seaweedfs: SeaweedFS
) -> None:
    witness = S3Witness(seaweedfs.store(prefix="integrity"))
    for checkpoint in FileWitness(record.witness_file).read():
        witness.publish(checkpoint)
    assert record.verify(witness=witness).intact
    second = record.second
    assert second is not None
    record.db.integrity(
        "DELETE FROM {schema}integrity_checkpoints WHERE tree_size = ?", (second.tree_size,)
    )

    report = record.verify(witness=witness)

    assert report.witnessed_checkpoints == 2
    assert sizes(report, "witness_missing") == {second.tree_size}
    assert sizes(report, "rollback") == {second.tree_size}


def seal_with(
    record: Record, signer: Signer, clock: Callable[[], datetime] | None = None
) -> Checkpoint:
    """A checkpoint of the unsealed tail, made by a sealer with ``signer`` (and ``clock``),
    stored, its key recorded and handed to the witness as the real sealer would."""
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        sealer = Sealer(
            record.app.recorder,
            store,
            signer,
            ORIGIN,
            FileWitness(record.witness_file),
            **({} if clock is None else {"clock": clock}),
        )
        sealer.catch_up()
        checkpoint = sealer.seal()
        assert checkpoint is not None
        return checkpoint
    finally:
        store.close()


def test_a_log_re_signed_with_a_fresh_key_and_its_witness_rewritten_is_named(
    record: Record,
) -> None:
    """Whoever writes both the database and the witness re-signs every checkpoint with a key
    of their own: every signature holds and the two agree, only the trusted key tells."""
    forger = Signer.generate()
    forged = [
        sign_checkpoint(forger, ORIGIN, c.tree_size, c.root_hash, c.timestamp)
        for c in FileWitness(record.witness_file).read()
    ]
    record.db.integrity(
        "INSERT INTO {schema}integrity_keys (key_id, public_key, first_used) VALUES (?, ?, ?)",
        (forger.key_id, forger.public_key.raw, format_timestamp(forged[0].timestamp)),
    )
    for checkpoint in forged:
        record.db.integrity(
            "UPDATE {schema}integrity_checkpoints SET key_id = ?, signature = ?, key_hash = ? "
            "WHERE tree_size = ?",
            (checkpoint.key_id, checkpoint.signature, checkpoint.key_hash, checkpoint.tree_size),
        )
    record.witness_file.write_text("".join(c.to_json_text() + "\n" for c in forged))

    report = record.verify()

    assert not report.intact
    assert checks(report) == {"checkpoint_key"}
    assert sizes(report, "checkpoint_key") == {c.tree_size for c in forged}
    assert forged[0].key_hash is not None
    assert all(forged[0].key_hash in f.detail for f in found(report, "checkpoint_key"))
    assert report.anchor == "configured keys"


def test_a_checkpoint_sealed_with_an_unknown_key_into_table_and_witness_is_named(
    record: Record,
) -> None:
    forged = seal_with(record, Signer.generate())

    report = record.verify()

    assert sizes(report, "checkpoint_key") == {forged.tree_size}
    assert f"key {forged.key_id} (key hash {forged.key_hash})" in (
        found(report, "checkpoint_key")[0].detail
    )
    assert checks(report) == {"checkpoint_key"}


def test_no_trusted_key_is_unanchored_and_fails(record: Record) -> None:
    report = record.verify(trusted=[])

    assert report.anchor == "unanchored"
    assert checks(report) == {"unanchored"}
    assert "DOSSIER_TRUSTED_KEYS" in found(report, "unanchored")[0].detail


@pytest.mark.parametrize("damage", ["emptied", "cut-short", "deleted", "unreadable"])
def test_a_witness_emptied_cut_short_deleted_or_unreadable_is_named(
    record: Record, damage: str
) -> None:
    first, second = record.first, record.second
    assert first is not None
    assert second is not None
    lines = record.witness_file.read_text().splitlines(keepends=True)
    assert len(lines) == 2
    if damage == "emptied":
        record.witness_file.write_text("")
    elif damage == "cut-short":
        record.witness_file.write_text(lines[0])
    elif damage == "deleted":
        record.witness_file.unlink()
    else:
        record.witness_file.write_text(lines[0] + "not a checkpoint\n")

    report = record.verify()

    assert not report.intact
    if damage == "unreadable":
        assert checks(report) == {"witness_unreadable"}
        return
    lost = {second.tree_size} if damage == "cut-short" else {first.tree_size, second.tree_size}
    assert checks(report) == {"witness_lost"}
    [finding] = found(report, "witness_lost")
    assert f"tree sizes {', '.join(str(s) for s in sorted(lost))}" in finding.detail
    assert "unwitnessed_latest" not in {n.check for n in report.notices}


def test_a_witness_line_cut_out_of_its_hash_chain_is_named_by_its_line(record: Record) -> None:
    """The first checkpoint removed from the witness and from the table: the two still agree,
    but the witness's remaining line commits to the line that is gone."""
    first = record.first
    assert first is not None
    lines = record.witness_file.read_text().splitlines(keepends=True)
    record.witness_file.write_text(lines[1])
    record.db.integrity(
        "DELETE FROM {schema}integrity_checkpoints WHERE tree_size = ?", (first.tree_size,)
    )
    record.db.integrity(
        "DELETE FROM {schema}integrity_witnessed WHERE tree_size = ?", (first.tree_size,)
    )

    report = record.verify()

    assert checks(report) == {"witness_unreadable"}
    assert "line 1: the hash chain is broken" in found(report, "witness_unreadable")[0].detail


def test_checkpoint_times_going_backwards_are_named(record: Record) -> None:
    second = record.second
    assert second is not None
    earlier = second.timestamp - timedelta(days=1)
    later = seal_with(record, record.signer, clock=lambda: earlier)

    report = record.verify()

    assert checks(report) == {"checkpoint_time"}
    [finding] = found(report, "checkpoint_time")
    assert finding.tree_size == later.tree_size
    assert f"before the checkpoint of {second.tree_size} events" in finding.detail


# --------------------------------------------------------------------------------- rollback
@dataclass
class Snapshot:
    """An older copy of the databases, taken after the first checkpoint was published."""

    db: RawDatabase
    sqlite_copies: dict[Path, sqlite3.Connection] = field(default_factory=dict)
    pg_rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)

    def take(self) -> None:
        if self.db.is_sqlite:
            for path in (self.db.events_file, self.db.tmp_path / SQLITE_FILE_NAME):
                copy = sqlite3.connect(":memory:")
                with sqlite3.connect(path) as source:
                    source.backup(copy)
                self.sqlite_copies[path] = copy
            return
        import psycopg

        with psycopg.connect(self.db.url) as conn:
            for table in ("dossierarchive_events", *INTEGRITY_TABLES):
                cursor = conn.execute(f'SELECT * FROM "{self.db.schema}"."{table}"')  # noqa: S608
                assert cursor.description is not None
                columns = [c.name for c in cursor.description]
                self.pg_rows[table] = (columns, cursor.fetchall())

    def restore(self) -> None:
        if self.db.is_sqlite:
            for path, copy in self.sqlite_copies.items():
                with sqlite3.connect(path, timeout=30) as target:
                    copy.backup(target)
                copy.close()
            return
        import psycopg

        with psycopg.connect(self.db.url) as conn:
            for table, (columns, rows) in self.pg_rows.items():
                name = f'"{self.db.schema}"."{table}"'
                conn.execute(f"DELETE FROM {name}")  # noqa: S608
                if rows:
                    marks = ", ".join(["%s"] * len(columns))
                    with conn.cursor() as cursor:
                        cursor.executemany(
                            f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                            rows,
                        )


def test_a_database_rolled_back_after_a_checkpoint_was_published_is_caught_by_the_witness(
    app: DossierArchive, store_env: dict[str, str], tmp_path: Path
) -> None:
    snapshot = Snapshot(RawDatabase(store_env, tmp_path))
    record = build_record(app, store_env, tmp_path, after_first_seal=snapshot.take)
    assert record.first is not None
    assert record.second is not None
    assert record.verify().intact

    snapshot.restore()  # events and integrity tables; the witness file keeps the second
    report = record.verify()

    assert sizes(report, "rollback") == {record.second.tree_size}
    assert sizes(report, "witness_missing") == {record.second.tree_size}
    # The witnessed checkpoint covers events the rolled-back log no longer holds.
    assert sizes(report, "checkpoint_root") == {record.second.tree_size}
    assert report.tree_size == record.first.tree_size
    assert "rolled back" in found(report, "rollback")[0].detail


# ------------------------------------------------------------------------- the audit record
def test_a_failed_run_is_recorded_all_the_same(record: Record) -> None:
    position = delete_event(record)
    auditor = record.staff["auditor"]
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        run = record.app.verify_integrity(
            auditor,
            store=store,
            witness=FileWitness(record.witness_file),
            trusted_keys=[record.signer.public_key],
            origin=ORIGIN,
        )
    finally:
        store.close()

    assert not run.report.intact
    recorded = record.app.integrity_verification(auditor, run.run_id)
    assert not recorded.intact
    assert recorded.discrepancy_count == run.report.discrepancy_count
    assert {"check": "event_missing", "position": str(position)}.items() <= recorded.discrepancies[
        0
    ].items()
    assert recorded.tree_size == run.report.tree_size
    assert recorded.role is Role.AUDITOR
    assert run.recorded.position > max(p for p in record.db.positions() if p != position) - 1


# ------------------------------------------------------------------------- the demo portfolio
@pytest.mark.slow
def test_the_demo_portfolio_verifies_without_a_false_alarm(
    app: DossierArchive, store_env: dict[str, str], tmp_path: Path
) -> None:
    from demo.portfolio import build_portfolio

    summary = build_portfolio(app, loans=6)
    app.wait_for_text_extraction()
    record = Record(
        app, store_env, tmp_path, Signer.generate(), {}, RawDatabase(store_env, tmp_path)
    )
    assert record.seal() is not None
    sealed_head = app.recorder.max_notification_id()
    app.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="late", name="晚到", branch="总行", roles=[Role.AUDITOR]),
    )

    started = time.perf_counter()
    report = record.verify()
    elapsed = time.perf_counter() - started

    assert report.intact, [f.detail for f in report.discrepancies]
    assert report.events_checked == len(record.db.positions()) >= summary.events
    assert report.documents_checked >= summary.documents
    # The late enrolment (enrolled, granted, token issued) is the unsealed tail: a notice.
    assert report.unsealed_tail is not None
    assert report.unsealed_tail.first == sealed_head + 1
    assert report.unsealed_tail.last == app.recorder.max_notification_id()
    assert {n.check for n in report.notices} == {"unsealed_tail"}
    print(  # the figure quoted for the verifier's speed (pytest -s)
        f"verify: {report.events_checked} events, {report.documents_checked} documents in "
        f"{elapsed:.2f}s = {report.events_checked / elapsed:.0f} events/s"
    )
