"""The archive office's forms filled in from the record, as uploads to file into the dossier.

A transfer receipt (移交清单) is filed when the archivist signs the receipt of a transfer; a
borrow slip (借阅单) when an archivist hands originals out or issues an electronic copy. Each is
rendered from facts already recorded (the transfer list, the approved borrowing) and from the
command's own parameters, so a retried command renders the same bytes (the forms are
``invariant``) and files the same document; the form is staged before the command runs and
stored only if the command's events are saved, like any upload.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from archive.documents.ingest import Upload, from_bytes
from archive.reports.forms import BorrowSlip, TransferReceipt, borrow_slip, transfer_receipt
from domain.borrowing import Borrowing
from domain.dossier import Dossier
from domain.rules import DocumentType
from domain.values import ItemCondition

TRANSFER_RECEIPT_TYPE = "transfer_list"
BORROW_SLIP_TYPE = "borrow_slip"

Names = Callable[[UUID], str]
"""A staff id → how the form names the person: 姓名（工号）."""


def _type_zh(types: Mapping[str, DocumentType], code: str) -> str:
    found = types.get(code)
    return found.zh if found is not None else code


def transfer_receipt_upload(
    dossier: Dossier,
    transfer_id: UUID,
    *,
    checks: Sequence[Mapping[str, Any]],
    received_by: UUID,
    received_on: date,
    names: Names,
    types: Mapping[str, DocumentType],
) -> Upload:
    """The transfer list with the archivist's check of each item, as a PDF upload.

    Raises what ``dossier.transfer`` raises for an unknown transfer; checks that do not match
    the list are left for the domain to refuse (the form is then never stored).
    """
    transfer = dossier.transfer(transfer_id)
    found = {_item_no(c): c for c in checks}
    items = []
    for item in transfer.items:
        check = found.get(item.item_no, {})
        condition = check.get("condition")
        counted = check.get("pages_counted")
        result = condition.zh if isinstance(condition, ItemCondition) else "—"
        pages = counted if isinstance(counted, int) else item.pages
        if isinstance(counted, int) and counted != item.pages:
            result += f"（清单 {item.pages} 页）"
        items.append((_type_zh(types, item.doc_type), item.title, pages, result))
    pdf = transfer_receipt(
        TransferReceipt(
            transfer_id=str(transfer_id),
            transfer_no=transfer.transfer_no,
            loan_no=dossier.loan_no,
            borrower_name=dossier.borrower_name,
            kind=transfer.kind.zh,
            handed_by=names(transfer.listed_by),
            received_by=names(received_by),
            received_on=received_on,
            items=items,
        )
    )
    return from_bytes(TRANSFER_RECEIPT_TYPE, f"transfer-receipt-{transfer_id}.pdf", pdf)


def borrow_slip_upload(
    borrowing: Borrowing,
    dossier: Dossier,
    *,
    pages: Mapping[str, int] | None,
    names: Names,
    types: Mapping[str, DocumentType],
) -> Upload:
    """The borrow slip of an approved borrowing, as a PDF upload.

    ``pages`` are the counts made at check-out; an electronic copy has none, and the slip
    shows the pages as filed.
    """
    items = []
    for sha in borrowing.items:
        filed = dossier.filed(sha).ref if dossier.holds(sha) else None
        doc_type = _type_zh(types, filed.doc_type) if filed else "—"
        title = filed.filename if filed else sha[:12]
        counted = (pages or {}).get(sha)
        if counted is None:
            counted = (filed.pages if filed else None) or 0
        items.append((doc_type, title, counted))
    pdf = borrow_slip(
        BorrowSlip(
            borrowing_id=borrowing.borrow_no,
            reference_code=dossier.reference_code or "未编目",
            loan_no=dossier.loan_no,
            borrower_name=dossier.borrower_name,
            requester=names(borrowing.requester_id),
            purpose=borrowing.purpose.zh,
            form=borrowing.form.zh,
            due_on=borrowing.due_on,
            approvers=[names(a) for a in borrowing.approver_ids],
            items=items,
        )
    )
    return from_bytes(BORROW_SLIP_TYPE, f"borrow-slip-{borrowing.borrow_no}.pdf", pdf)


def _item_no(check: Mapping[str, Any]) -> int | None:
    value = check.get("item_no")
    return value if isinstance(value, int) else None
