"""The archive office's forms filled in from the record, as uploads to file into the dossier.

A transfer receipt (移交清单) is filed when the archivist signs the receipt of a transfer; a
borrow slip (借阅单) when an archivist hands originals out or issues an electronic copy. Each is
rendered from facts already recorded (the transfer list, the approved borrowing) and from the
command's own parameters, so a retried command renders the same bytes (the forms are
``invariant``) and files the same document; the form is staged before the command runs and
stored only if the command's events are saved, like any upload. An inspection that answers a
checklist files the form filled in from its answers as its report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from archive.documents.ingest import Upload, from_bytes
from archive.reports.arrears_notices import TITLES, ArrearsNotice, arrears_notice
from archive.reports.forms import BorrowSlip, TransferReceipt, borrow_slip, transfer_receipt
from archive.reports.guarantor_notices import GuarantorNotice, guarantor_notice
from archive.reports.inspection_forms import InspectionForm, inspection_form
from domain.borrowing import Borrowing
from domain.checklists import Answered, Checklists
from domain.dossier import Dossier
from domain.loan import Loan
from domain.rules import DocumentType
from domain.values import InspectionKind, ItemCondition

GUARANTOR_NOTICE_TYPE = "guarantor_notice"
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


INSPECTION_REPORT_TYPE = "inspection_report"
FIRST_INSPECTION_REPORT_TYPE = "first_inspection_report"


def inspection_form_upload(
    loan: Loan,
    checklists: Checklists,
    answered: Answered,
    *,
    kind: InspectionKind,
    inspected_on: date,
    inspector: str,
    reviewer: str,
    findings: str,
    counterpart: str | None = None,
    assistant: str | None = None,
    joint: Sequence[tuple[str, str]] = (),
) -> Upload | None:
    """The inspection's form (个人客户贷后检查表 / 公司客户贷后检查报告) filled in from its
    checked answers, as the PDF upload of its report: ``first_inspection_report`` for the first
    follow-up, ``inspection_report`` otherwise. None when the checklist or the judgment is no
    longer in the rules (nothing to render from).

    Rendered from the command's own fields and the loan's facts fixed at disbursement, never
    from the inspection's id or anything that moves, so a retried command files the same bytes.
    """
    checklist = checklists.get(answered.checklist)
    judgment = checklists.judgment(answered.judgment)
    if checklist is None or judgment is None:
        return None
    pdf = inspection_form(
        InspectionForm(
            checklist=checklist,
            loan_no=loan.loan_no,
            borrower_name=loan.borrower_name,
            borrower_type=loan.borrower_type.zh,
            product=loan.product.zh,
            principal=loan.principal,
            value_date=loan.value_date,
            guarantee_type=loan.guarantee_type.zh,
            kind=kind.zh,
            inspected_on=inspected_on,
            inspector=inspector,
            reviewer=reviewer,
            answers=[(a["item"], a["result"], a["note"]) for a in answered.answers],
            figures=list(answered.figures.items()),
            judgment=judgment,
            measures=answered.measures,
            findings=findings,
            counterpart=counterpart,
            assistant=assistant,
            joint=joint,
        )
    )
    first = kind is InspectionKind.FIRST_FOLLOW_UP
    doc_type = FIRST_INSPECTION_REPORT_TYPE if first else INSPECTION_REPORT_TYPE
    name = f"inspection-{loan.loan_no}-{inspected_on.isoformat()}-{kind.value}.pdf"
    return from_bytes(doc_type, name, pdf)


def guarantor_notice_upload(loan: Loan, *, notified_on: date, days_overdue: int) -> Upload | None:
    """The notice to the loan's guarantors (保证人履行担保责任通知书), every guarantee registered
    named with its amount and contract; None when the loan has no guarantee registered.

    Rendered from the command's own fields and the guarantees as registered, so a retried
    command files the same bytes.
    """
    guarantees = [
        (g.guarantor_name, g.kind.zh, g.amount, g.contract_no) for g in loan.guarantees.values()
    ]
    if not guarantees:
        return None
    pdf = guarantor_notice(
        GuarantorNotice(
            loan_no=loan.loan_no,
            borrower_name=loan.borrower_name,
            principal=loan.principal,
            value_date=loan.value_date,
            notified_on=notified_on,
            days_overdue=days_overdue,
            guarantees=guarantees,
        )
    )
    name = f"guarantor-notice-{loan.loan_no}-{notified_on.isoformat()}.pdf"
    return from_bytes(GUARANTOR_NOTICE_TYPE, name, pdf)


def arrears_notice_upload(
    loan: Loan, doc_type: str, *, served_on: date, days_overdue: int
) -> Upload | None:
    """A notice to the borrower in arrears (付息通知书 or 逾期缴款通知书) stating the overdue
    principal and interest last recorded; None for a type this module does not draw, or an
    interest notice when no interest is overdue.

    Rendered from the command's own fields and the loan as recorded, so a retried command files
    the same bytes.
    """
    if doc_type not in TITLES:
        return None
    if doc_type == "interest_notice" and loan.overdue_interest <= 0:
        return None
    pdf = arrears_notice(
        ArrearsNotice(
            doc_type=doc_type,
            loan_no=loan.loan_no,
            borrower_name=loan.borrower_name,
            principal=loan.principal,
            value_date=loan.value_date,
            served_on=served_on,
            days_overdue=days_overdue,
            overdue_principal=loan.overdue_principal,
            overdue_interest=loan.overdue_interest,
        )
    )
    name = f"{doc_type.replace('_', '-')}-{loan.loan_no}-{served_on.isoformat()}.pdf"
    return from_bytes(doc_type, name, pdf)
