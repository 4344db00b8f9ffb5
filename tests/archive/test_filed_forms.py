"""The archive office's forms are filed in the dossier as documents, on SQLite and PostgreSQL.

Receiving a transfer files the signed transfer list (移交清单); handing originals out or issuing
an electronic copy files the borrow slip (借阅单). Each is a PDF in the dossier, evidencing the
event that issued it, read back through the audited path like any document. A refused command
files nothing, and a retried one files the same form once.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date
from uuid import UUID

import pytest
from pypdf import PdfReader

from archive.application import DossierArchive
from archive.commands.borrowing import ApproveBorrowing, CheckOut, IssueElectronicCopy
from archive.core import CommandContext
from domain.errors import RoleNotPermittedError, SegregationOfDutiesError
from domain.values import BorrowingForm, BorrowingPurpose, ReadPurpose
from tests import steps
from tests.archive.test_custody import ITEMS, counts
from tests.factories import make_disbursement, make_upload

LOAN = "JY2025000411"
DAY = date(2025, 6, 2)
Staff = dict[str, CommandContext]


def text_of(app: DossierArchive, who: CommandContext, sha256: str) -> str:
    copy = app.read_document(who, LOAN, sha256, purpose=ReadPurpose.AUDIT, original=True)
    reader = PdfReader(io.BytesIO(copy.content))
    return "".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def pages(app: DossierArchive, staff: Staff) -> dict[str, int]:
    app.execute(
        staff["account_manager"],
        make_disbursement(LOAN),
        [make_upload("loan_contract", f"借款合同 {LOAN}", pages=3)],
    )
    dossier = app.get_dossier(staff["auditor"], LOAN)
    return {d.ref.sha256: d.ref.pages or 0 for d in dossier.documents}


def test_receiving_a_transfer_files_the_signed_transfer_list(
    app: DossierArchive, staff: Staff, pages: dict[str, int]
) -> None:
    listed = steps.list_transfer(
        app, staff["account_manager"], LOAN, ITEMS, date(2025, 1, 13), signed_on=date(2025, 1, 10)
    )
    transfer_id = UUID(listed.ids["transfer_id"])
    checks = [
        {"item_no": 1, "condition": "present", "pages_counted": 6},
        {"item_no": 2, "condition": "missing"},
    ]
    before = counts(app)
    with pytest.raises(RoleNotPermittedError):
        steps.receive_transfer(app, staff["auditor"], LOAN, transfer_id, checks, date(2025, 1, 14))
    assert counts(app) == before  # no event, no blob

    received = steps.receive_transfer(
        app, staff["archivist"], LOAN, transfer_id, checks, date(2025, 1, 14)
    )
    [form] = received.documents
    assert form.doc_type == "transfer_list"
    dossier = app.get_dossier(staff["auditor"], LOAN)
    filed = dossier.filed(form.sha256)
    # It evidences the receipt: the dossier's version once TransferReceived was recorded.
    assert filed.evidences_id == dossier.id
    assert filed.stage == "archive"
    text = text_of(app, staff["auditor"], form.sha256)
    assert "档案移交清单" in text
    assert str(transfer_id) in text
    assert "移交〔2025〕第0001号" in text  # its number in the year's series
    assert "缺失" in text
    assert "完好" in text
    archivist = app.staff_by_id(staff["archivist"].staff_id)
    assert f"{archivist.name}（{archivist.staff_no}）" in text


def test_handing_out_files_the_borrow_slip_once_even_when_retried(
    app: DossierArchive, staff: Staff, pages: dict[str, int]
) -> None:
    borrowing_id = steps.request_borrowing(
        app, staff["auditor"], LOAN, BorrowingPurpose.AUDIT, "年度审计抽查原件", DAY
    ).aggregate_id
    app.execute(
        staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id, archivist_no="archivist")
    )
    before = counts(app)
    with pytest.raises(SegregationOfDutiesError):
        app.execute(
            staff["second_archivist"],
            CheckOut(borrowing_id=borrowing_id, checked_out_on=DAY, pages=pages),
        )
    assert counts(app) == before

    keyed = CommandContext(staff["archivist"].staff_id, idempotency_key="check-out-1")
    out = app.execute(keyed, CheckOut(borrowing_id=borrowing_id, checked_out_on=DAY, pages=pages))
    again = app.execute(keyed, CheckOut(borrowing_id=borrowing_id, checked_out_on=DAY, pages=pages))
    assert again.replayed
    assert again.documents == out.documents
    [slip] = out.documents
    assert slip.doc_type == "borrow_slip"
    borrowing = app.get_borrowing(staff["auditor"], borrowing_id)
    dossier = app.get_dossier(staff["auditor"], LOAN)
    assert [d.ref.sha256 for d in dossier.documents].count(slip.sha256) == 1
    filed = dossier.filed(slip.sha256)
    assert (filed.evidences_id, filed.evidences_version) == (borrowing.id, borrowing.version)
    text = text_of(app, staff["auditor"], slip.sha256)
    assert "档案借阅单" in text
    assert borrowing.borrow_no in text
    assert "审计" in text
    assert "原件" in text
    head = app.staff_by_id(staff["archive_head"].staff_id)
    assert head.name in text  # the approver

    # A later whole-dossier borrowing lends the papers, not the desk's earlier slip.
    second = steps.request_borrowing(
        app,
        staff["auditor"],
        LOAN,
        BorrowingPurpose.AUDIT,
        "复核",
        DAY,
        form=BorrowingForm.ELECTRONIC_COPY,
    ).aggregate_id
    assert app.get_borrowing(staff["auditor"], second).items == list(pages)
    app.execute(
        staff["archive_head"], ApproveBorrowing(borrowing_id=second, archivist_no="archivist")
    )
    keyed = CommandContext(staff["archivist"].staff_id, idempotency_key="copy-1")
    copy = app.execute(keyed, IssueElectronicCopy(borrowing_id=second, issued_on=DAY))
    # A retry (the answer was lost) hands over the same bytes again, checked by their hash.
    retried = app.execute(keyed, IssueElectronicCopy(borrowing_id=second, issued_on=DAY))
    assert retried.result.replayed
    assert retried.content == copy.content
    assert hashlib.sha256(retried.content).hexdigest() == copy.sha256
    assert copy.sha256 == app.borrowing(second).copy_sha256
    [copy_slip] = copy.result.documents
    assert copy_slip.doc_type == "borrow_slip"
    assert "电子副本" in text_of(app, staff["auditor"], copy_slip.sha256)
