"""One loan's dossier from disbursement to destruction, and proof that its content is gone.

The loan is disbursed with a contract carrying a marker phrase; its originals are transferred
and received, the dossier catalogued, borrowed twice (once returned a page short), put on hold
and released, settled, fully transferred (二次组卷), left until its retention ends (a
controlled clock), appraised, and destroyed by a batch. Then: the dossier's data key is absent
from the key store, no blob of it remains in the blob store — local files, or SeaweedFS S3
with every object version listed —, no byte of the data directory nor of any object in the
bucket holds the marker, the search register has no text of it, and every register rebuilt
from the log still shows its destruction register entry. On SQLite and PostgreSQL.

On S3 each document is stored under COMPLIANCE-mode Object Lock for ten years from filing.
The story is told on a clock set ten years back (its business dates ten years back too: nothing
is recorded as done before it happened), so the locks of this dossier's objects end
a few seconds into the test (real time, which the S3 server keeps): the test first shows the
server refusing to delete a locked object, waits for the lock to lapse, and then the
execution deletes every version. A second dossier, filed on today's clock, is destroyed in
the same batch while its objects are still locked: they stay, listed in the batch's
``Completed`` event, unreadable since their data key is gone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from archive.application import DossierArchive
from archive.commands.borrowing import (
    ApproveBorrowing,
    CheckOut,
    CloseBorrowing,
    ReturnBorrowing,
)
from archive.commands.disposition import (
    ApproveDestruction,
    ComplianceApproveDestruction,
    ExecuteDestruction,
    ProposeDestruction,
)
from archive.commands.lifecycle import Settle
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext, blob_key
from domain.errors import DestructionHoldOpenError, DocumentDestroyedError
from domain.scope import RowScope
from domain.values import (
    AppraisalOpinion,
    BorrowingPurpose,
    BorrowingStatus,
    HoldKind,
    ReadPurpose,
    Role,
    TransferKind,
)
from projections.query import select_all
from projections.registers import all_registers
from projections.registers.filing.search import search
from projections.store import register_store_beside
from storage.blobs import BlobLockedError, BlobStore, LocalBlobStore
from storage.crypto import MasterKey
from storage.envelope import EncryptingBlobStore, Envelope
from storage.keystore import SQLiteKeyStore
from storage.s3.store import S3BlobStore
from tests import steps
from tests.archive.test_disposition import stored
from tests.factories import PRINCIPAL, make_disbursement, make_pdf, make_staff, make_upload
from tests.projections.conftest import follower_for

LOAN = "JJ2025011000091"
LOCKED_LOAN = "JJ2025011000092"
MARKER = "QZXLIFEMARKER5527"
LOCK_YEARS = 10
LOCK_MARGIN = timedelta(seconds=20)  # the first dossier's locks end this long after the start
AFTER_RETENTION = datetime(2056, 3, 1, 9, 0, tzinfo=UTC)  # D30 from 2026 ends 2055-12-31
CONTRACT_ITEMS = [{"doc_type": "loan_contract", "title": "借款合同", "pages": 3}]
FULL_ITEMS = [
    {"doc_type": "loan_contract", "title": "借款合同", "pages": 3},
    {"doc_type": "settlement_certificate", "title": "结清证明", "pages": 1},
]


@pytest.fixture(params=["local", "s3"])
def blob_backend(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    seaweedfs = request.getfixturevalue("seaweedfs")
    store: S3BlobStore = seaweedfs.store()
    assert store.object_lock, "the bucket must carry Object Lock"
    return store


@pytest.fixture
def archive(
    store_env: dict[str, str], tmp_path: Path, blob_backend: BlobStore
) -> Iterator[DossierArchive]:
    keys = SQLiteKeyStore(tmp_path / "keys.sqlite")
    blobs = EncryptingBlobStore(blob_backend, Envelope(keys, MasterKey.generate()))
    app = DossierArchive(store_env, blobs=blobs, on_close=(keys.close,))
    try:
        yield app
    finally:
        app.close()


def grep(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def bucket_objects(s3: S3BlobStore, prefix: str = "") -> list[tuple[str, str | None, bytes]]:
    """Every version (and delete marker) in the bucket under ``prefix``, with its bytes."""
    client, bucket = s3._client, s3._bucket
    found = []
    for obj in client.list_objects(
        bucket_name=bucket, prefix=prefix, recursive=True, include_version=True
    ):
        if obj.is_delete_marker:
            found.append((obj.object_name or "", obj.version_id, b""))
            continue
        response = client.get_object(
            bucket_name=bucket, object_name=obj.object_name or "", version_id=obj.version_id
        )
        try:
            found.append((obj.object_name or "", obj.version_id, response.read()))
        finally:
            response.close()
            response.release_conn()
    return found


def borrow(
    app: DossierArchive, people: dict[str, Any], *, purpose: BorrowingPurpose, on: date
) -> UUID:
    requested = steps.request_borrowing(
        app,
        people["auditor"],
        LOAN,
        purpose,
        "审计抽查原件" if purpose is BorrowingPurpose.AUDIT else "诉讼举证",
        on,
        due_on=on + timedelta(days=1),
    )
    borrowing_id = requested.aggregate_id
    app.execute(
        people["archive_head"],
        ApproveBorrowing(borrowing_id=borrowing_id, archivist_no="archivist"),
    )
    return borrowing_id


def test_a_dossier_from_disbursement_to_destruction_leaves_no_content_behind(
    archive: DossierArchive, store_env: dict[str, str], tmp_path: Path, blob_backend: BlobStore
) -> None:
    app = archive
    on_s3 = isinstance(blob_backend, S3BlobStore)
    keys = app.blobs.envelope.keys  # type: ignore[attr-defined]
    started = datetime.now(UTC)
    filing_clock = started - timedelta(days=366 * LOCK_YEARS) + LOCK_MARGIN
    app.clock = lambda: filing_clock
    people = make_staff(app)
    token = app.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="it", name="信息科", branch="总行", roles=[Role.ADMINISTRATOR]),
    ).token
    assert token is not None
    people["it"] = CommandContext(app.authenticate(token.token))
    am, archivist, head = people["account_manager"], people["archivist"], people["archive_head"]

    # Disbursement, with a contract whose text carries the marker.
    contract = make_upload("loan_contract", data=make_pdf(f"借款合同 {MARKER} {LOAN}", pages=3))
    app.execute(
        am,
        make_disbursement(LOAN, value_date=date(2015, 1, 10), maturity_date=date(2016, 1, 10)),
        [contract],
    )
    app.wait_for_text_extraction()
    dossier = app.dossier_of(app.loan(LOAN))
    dossier_id = dossier.id

    # The registers follow from the start, beside the events.
    store = register_store_beside(store_env, tmp_path)
    follower = follower_for(app, store)
    follower.prepare()
    try:
        # Transfer of the contract originals within three working days, and cataloguing.
        listed = steps.list_transfer(
            app, am, LOAN, CONTRACT_ITEMS, date(2015, 1, 13), signed_on=date(2015, 1, 10)
        )
        originals = UUID(listed.ids["transfer_id"])
        steps.receive_transfer(app, archivist, LOAN, originals, steps.present(3), date(2015, 1, 14))
        steps.catalogue(app, archivist, LOAN, "B-02-1", date(2015, 1, 15))
        reference_code = app.dossier_of(app.loan(LOAN)).reference_code
        assert reference_code is not None

        # Two borrowings of the originals: the first comes back whole, the second a page short.
        pages = {d.ref.sha256: d.ref.pages or 0 for d in app.dossier_of(app.loan(LOAN)).documents}
        first = borrow(app, people, purpose=BorrowingPurpose.AUDIT, on=date(2015, 3, 3))
        app.execute(
            archivist, CheckOut(borrowing_id=first, checked_out_on=date(2015, 3, 3), pages=pages)
        )
        back = app.execute(
            people["second_archivist"],
            ReturnBorrowing(borrowing_id=first, returned_on=date(2015, 3, 3), pages=pages),
        )
        assert back.events == ("Returned",)
        app.execute(archivist, CloseBorrowing(borrowing_id=first, closed_on=date(2015, 3, 3)))
        second = borrow(app, people, purpose=BorrowingPurpose.LITIGATION, on=date(2015, 4, 1))
        out = app.execute(
            archivist, CheckOut(borrowing_id=second, checked_out_on=date(2015, 4, 1), pages=pages)
        )
        short = {sha: n - 1 if sha == contract_sha(app) else n for sha, n in pages.items()}
        back = app.execute(
            people["second_archivist"],
            ReturnBorrowing(borrowing_id=second, returned_on=date(2015, 4, 2), pages=short),
        )
        assert back.events == ("Returned", "PageCountMismatched")
        assert app.borrowing(second).escalated
        app.execute(
            head,
            CloseBorrowing(
                borrowing_id=second, closed_on=date(2015, 4, 3), reason="缺页已追回并补入卷内"
            ),
        )
        assert app.borrowing(second).status is BorrowingStatus.CLOSED
        assert out.documents[0].doc_type == "borrow_slip"

        # A litigation hold, placed and released.
        hold = steps.place_hold(
            app,
            people["compliance"],
            LOAN,
            HoldKind.LITIGATION,
            "借款人涉诉",
            "(2015)沪01民初77号",
            date(2015, 5, 6),
        )
        if on_s3:
            key = blob_key(dossier_id, contract_sha(app))
            assert blob_backend.legal_hold(key)  # type: ignore[attr-defined]
        steps.release_hold(app, people["compliance"], LOAN, hold, "案件撤诉", date(2015, 6, 2))

        # Settlement, then the full transfer matched with the originals (二次组卷).
        steps.repay(app, am, LOAN, date(2015, 6, 30), PRINCIPAL, "0")
        app.execute(am, Settle(loan_no=LOAN, settled_on=date(2015, 6, 30)))
        full = steps.list_transfer(
            app, am, LOAN, FULL_ITEMS, date(2015, 7, 2), kind=TransferKind.FULL
        )
        steps.receive_transfer(app, archivist, LOAN, full, steps.present(3, 1), date(2015, 7, 3))
        dossier = app.dossier_of(app.loan(LOAN))
        assert dossier.transfers[UUID(full.ids["transfer_id"])].completes, "二次组卷"
        assert dossier.retention_ends_on == date(2045, 12, 31)

        # A second loan, filed on today's clock: its objects stay locked for ten years.
        app.clock = lambda: datetime.now(UTC)
        locked_contract = make_upload("loan_contract", f"借款合同 {LOCKED_LOAN}")
        app.execute(am, make_disbursement(LOCKED_LOAN), [locked_contract])
        steps.repay(app, am, LOCKED_LOAN, date(2025, 6, 30), PRINCIPAL, Decimal(0))
        app.execute(am, Settle(loan_no=LOCKED_LOAN, settled_on=date(2025, 6, 30)))
        locked_full = steps.list_transfer(
            app, am, LOCKED_LOAN, FULL_ITEMS, date(2025, 7, 2), kind=TransferKind.FULL
        )
        steps.receive_transfer(
            app, archivist, LOCKED_LOAN, locked_full, steps.present(3, 1), date(2025, 7, 3)
        )
        steps.catalogue(app, archivist, LOCKED_LOAN, "B-02-2", date(2025, 7, 4))
        locked_id = app.dossier_of(app.loan(LOCKED_LOAN)).id
        app.wait_for_text_extraction()

        follower.catch_up()
        docs = follower.projections["document_search"]
        assert [
            h["dossier_id"] for h in search(store, docs, MARKER, scope=RowScope.everything())
        ] == [dossier_id]
        if store_env.get("PERSISTENCE_MODULE", "").endswith("sqlite"):
            # Not in clear even before destruction: encrypted, or a keyed hash in the index.
            assert grep(tmp_path, MARKER.encode()) == [], "no text in clear before destruction"
        assert keys.get(dossier_id) is not None

        # Retention runs out (the clock moves on); the appraisal group says destroy.
        app.clock = lambda: AFTER_RETENTION
        for loan_no in (LOAN, LOCKED_LOAN):
            opened = steps.open_appraisal(
                app, head, loan_no, date(2056, 1, 5), ["archivist", "auditor"]
            )
            steps.decide_appraisal(
                app,
                head,
                loan_no,
                opened,
                AppraisalOpinion.DESTROY,
                "保管期满，已无保存价值，建议销毁",
                date(2056, 1, 10),
            )
        # A hold placed now refuses the batch; released, the batch goes ahead.
        late_hold = steps.place_hold(
            app, people["auditor"], LOAN, HoldKind.AUDIT, "离任审计", "审-2056-3", date(2056, 1, 20)
        )
        with pytest.raises(DestructionHoldOpenError):
            app.execute(head, ProposeDestruction(loan_nos=[LOAN], proposed_on=date(2056, 2, 1)))
        steps.release_hold(app, people["auditor"], LOAN, late_hold, "审计结束", date(2056, 1, 28))
        proposed = app.execute(
            head, ProposeDestruction(loan_nos=[LOAN, LOCKED_LOAN], proposed_on=date(2056, 2, 1))
        )
        batch_id = UUID(proposed.ids["batch_id"])
        app.execute(
            people["branch_head"],
            ApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 2)),
        )
        app.execute(
            people["compliance"],
            ComplianceApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 3)),
        )

        ours = [k for k in stored(app) if k.startswith(str(dossier_id))]
        assert len(ours) >= 4  # contract (+ its text), transfer lists, borrow slips
        if on_s3:
            # The lock is real: the server refuses to delete the contract before it ends ...
            with pytest.raises(BlobLockedError):
                blob_backend.delete(blob_key(dossier_id, contract_sha(app)))
            # ... and the lock ends, in real time, LOCK_MARGIN after the test started.
            lapse = started + LOCK_MARGIN + timedelta(seconds=2)
            time.sleep(max(0.0, (lapse - datetime.now(UTC)).total_seconds()))

        app.execute(
            archivist,
            ExecuteDestruction(
                batch_id=batch_id,
                supervisor_nos=["auditor", "second_archivist"],
                it_supervisor_no="it",
                method="电子文件密钥销毁并删除；纸质档案碎纸",
            ),
        )
        follower.catch_up()

        # The data key is gone (a tombstone records that it was destroyed).
        assert keys.get(dossier_id) is None
        assert keys.is_destroyed(dossier_id)
        assert keys.get(locked_id) is None
        assert keys.is_destroyed(locked_id)
        # No blob of the dossier remains.
        assert [k for k in stored(app) if k.startswith(str(dossier_id))] == []
        batch = app.destruction_batch(batch_id)
        assert batch.completed
        if on_s3:
            assert isinstance(blob_backend, S3BlobStore)
            assert bucket_objects(blob_backend, f"{dossier_id}/") == [], "no version, no marker"
            # The second dossier's objects are still locked: kept, listed, unreadable.
            still = [k for k in stored(app) if k.startswith(str(locked_id))]
            assert still
            assert sorted(batch.retained_blobs) == sorted(still)
            assert all(MARKER.encode() not in data for _k, _v, data in bucket_objects(blob_backend))
        else:
            assert batch.retained_blobs == []
        # Reads answer "destroyed", naming the batch.
        with pytest.raises(DocumentDestroyedError) as gone:
            app.read_document(people["auditor"], LOAN, contract_sha(app), purpose=ReadPurpose.AUDIT)
        assert str(batch_id) in gone.value.en
        with pytest.raises(DocumentDestroyedError):
            app.read_document(
                people["auditor"],
                LOCKED_LOAN,
                app.dossier_of(app.loan(LOCKED_LOAN)).documents[0].ref.sha256,
                purpose=ReadPurpose.AUDIT,
            )
        # The search register has no text of it.
        assert search(store, docs, MARKER, scope=RowScope.everything()) == []

        # Every register rebuilt from the log: still no text, the destruction still listed.
        follower.rebuild([p.name for p in all_registers()])
        assert search(store, docs, MARKER, scope=RowScope.everything()) == []
        register = follower.projections["destruction_register"]
        entries = {r["reference_code"]: r for r in select_all(store, register, "entries")}
        assert reference_code in entries
        assert entries[reference_code]["retention"] == "D30"
        assert str(entries[reference_code]["batch_id"]) == str(batch_id)
    finally:
        follower.stop()
        store.close()
    # At rest, no byte of the data directory (events, keys, blobs, registers) holds the marker.
    assert grep(tmp_path, MARKER.encode()) == []
    assert app.repository.get(dossier_id).destroyed_in == batch_id


def contract_sha(app: DossierArchive) -> str:
    dossier = app.dossier_of(app.loan(LOAN))
    return next(d.ref.sha256 for d in dossier.documents if d.ref.doc_type == "loan_contract")
