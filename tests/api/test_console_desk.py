"""The archive office's borrowing desk in the console (借阅台): the requests to approve, the
approved originals to hand out, what is out; a scanner's code (the folder's label) opening the
check-out and the return; the pages counted per document by its title, a page short recorded
and escalated; every refusal on the form, in Chinese, with a 4xx and nothing recorded; and the
folder's barcode label, whose Code 128 barcodes read back as its 档号 and loan number."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest
from pypdf import PdfReader

from archive.commands.borrowing import ApproveBorrowing
from archive.commands.custody import Catalogue, ListTransfer, ReceiveTransfer
from archive.core import CommandContext, CommandResult
from domain.borrowing import Borrowing
from domain.values import BorrowingForm, BorrowingPurpose, BorrowingStatus, Role, TransferKind
from tests import steps
from tests.api.console_harness import PEOPLE, Console
from tests.code128 import barcodes
from tests.factories import make_disbursement, make_upload

LOAN = "DK2026000310"
UNCATALOGUED = "DK2026000311"
BORROWER = "云溪示范农业合作社"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Folder:
    """The catalogued folder, its reference code, and the borrowing asked of it."""

    reference_code: str
    borrowing_id: UUID
    borrow_no: str
    due_on: date


def _ctx(console: Console, role: Role) -> CommandContext:
    return CommandContext(console.archive.staff(PEOPLE[role][0]).id)


def _name(role: Role) -> str:
    staff_no, name = PEOPLE[role]
    return f"{name}（{staff_no}）"


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def folder(console: Console) -> Folder:
    """A loan's dossier transferred, catalogued, and asked for by the post-loan officer (the
    contract of 3 pages and the receipt of 1), due back in a week."""
    manager = _ctx(console, Role.ACCOUNT_MANAGER)
    archivist = _ctx(console, Role.ARCHIVIST)
    for loan_no in (LOAN, UNCATALOGUED):
        console.archive.execute(
            manager,
            make_disbursement(loan_no, borrower_name=BORROWER),
            [
                make_upload("loan_contract", f"借款合同 {loan_no}", pages=3),
                make_upload("drawdown_receipt", f"借据 {loan_no}"),
            ],
        )
    listed = console.archive.execute(
        manager,
        ListTransfer(
            loan_no=LOAN,
            kind=TransferKind.ORIGINALS,
            items=[{"doc_type": "loan_contract", "title": "借款合同", "pages": 3}],
            listed_on=date(2025, 1, 13),
        ),
    )
    console.archive.execute(
        archivist,
        ReceiveTransfer(
            loan_no=LOAN,
            transfer_id=UUID(listed.ids["transfer_id"]),
            checks=[{"item_no": 1, "condition": "present", "pages_counted": 3}],
            received_on=date(2025, 1, 14),
        ),
    )
    catalogued = console.archive.execute(
        archivist,
        Catalogue(loan_no=LOAN, shelf_location="2-03-05-2", catalogued_on=date(2025, 1, 20)),
    )
    today = console.archive.today()
    asked = _asked(
        console, BorrowingPurpose.LITIGATION, BorrowingForm.ORIGINAL, "起诉前核对合同原件", 7
    )
    return Folder(
        catalogued.ids["reference_code"],
        UUID(asked.ids["borrowing_id"]),
        asked.ids["borrow_no"],
        today + timedelta(days=7),
    )


def _asked(
    console: Console, purpose: BorrowingPurpose, form: BorrowingForm, reason: str, days: int
) -> CommandResult:
    """The loan's dossier asked for today by the post-loan officer, due back in ``days``."""
    today = console.archive.today()
    return steps.request_borrowing(
        console.archive,
        _ctx(console, Role.POST_LOAN_OFFICER),
        LOAN,
        purpose,
        reason,
        today,
        form,
        due_on=today + timedelta(days=days),
    )


def _events(console: Console, folder: Folder) -> list[str]:
    return [
        e.type
        for e in console.archive.borrowing_events(_ctx(console, Role.AUDITOR), folder.borrowing_id)
    ]


def _approved(console: Console, folder: Folder) -> None:
    console.archive.execute(
        _ctx(console, Role.ARCHIVE_HEAD), ApproveBorrowing(borrowing_id=folder.borrowing_id)
    )


def _approved_at_the_desk(console: Console, folder: Folder) -> tuple[str, str, Borrowing]:
    """The request approved, the archivist at its slip: the slip's path, a form token, the
    borrowing."""
    _approved(console, folder)
    console.as_role(Role.ARCHIVIST)
    slip_path = f"/archive/desk/borrowings/{folder.borrowing_id}"
    token = _csrf(console.get(slip_path).text)
    borrowing = console.archive.get_borrowing(_ctx(console, Role.AUDITOR), folder.borrowing_id)
    return slip_path, token, borrowing


def test_the_archive_head_approves_a_request_from_the_desk_with_its_due_date(
    console: Console, folder: Folder
) -> None:
    console.as_role(Role.ARCHIVE_HEAD)
    desk = console.get("/archive/desk")
    assert desk.status_code == 200
    assert re.fullmatch(r"借阅〔\d{4}〕第0001号", folder.borrow_no)
    waiting = desk.text.split('data-testid="to-approve"')[1].split("</section>")[0]
    assert folder.borrow_no in waiting
    assert _name(Role.POST_LOAN_OFFICER) in waiting  # people by name, never an id
    assert BORROWER in waiting
    assert folder.reference_code in waiting
    assert "借阅台" in desk.text
    slip = console.get(f"/archive/desk/borrowings/{folder.borrowing_id}")
    assert slip.status_code == 200
    # The due date the form offers is the one asked for (the rules' default when none is).
    assert f'name="due_on" value="{folder.due_on.isoformat()}"' in slip.text
    assert "起诉前核对合同原件" in slip.text
    answer = console.post(
        f"/archive/desk/borrowings/{folder.borrowing_id}/approve",
        {"csrf_token": _csrf(slip.text), "due_on": folder.due_on.isoformat(), "reason": ""},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/archive/desk/borrowings/{folder.borrowing_id}"
    borrowing = console.archive.get_borrowing(_ctx(console, Role.AUDITOR), folder.borrowing_id)
    assert borrowing.status is BorrowingStatus.APPROVED
    assert borrowing.due_on == folder.due_on
    after = console.get("/archive/desk").text
    hand_out = after.split('data-testid="to-hand-out"')[1].split("</section>")[0]
    assert folder.borrow_no in hand_out
    assert _name(Role.ARCHIVE_HEAD) in hand_out


def test_a_refused_step_shows_its_message_on_the_form_and_records_nothing(
    console: Console, folder: Folder
) -> None:
    console.as_role(Role.ARCHIVE_HEAD)
    slip = console.get(f"/archive/desk/borrowings/{folder.borrowing_id}")
    token = _csrf(slip.text)
    before = _events(console, folder)
    later = (folder.due_on + timedelta(days=30)).isoformat()
    lengthened = console.post(
        f"/archive/desk/borrowings/{folder.borrowing_id}/approve",
        {"csrf_token": token, "due_on": later, "reason": ""},
    )
    assert lengthened.status_code == 422
    assert "批准的归还日期须在申请日与申请的归还日之间" in lengthened.text
    assert 'role="alert"' in lengthened.text
    assert f'value="{later}"' in lengthened.text  # what was typed stays in the form
    not_a_date = console.post(
        f"/archive/desk/borrowings/{folder.borrowing_id}/approve",
        {"csrf_token": token, "due_on": "下周五", "reason": ""},
    )
    assert not_a_date.status_code == 422
    assert "YYYY-MM-DD" in not_a_date.text
    no_reason = console.post(
        f"/archive/desk/borrowings/{folder.borrowing_id}/reject",
        {"csrf_token": token, "reason": "  "},
    )
    assert no_reason.status_code == 422
    assert "请说明驳回理由" in no_reason.text
    assert _events(console, folder) == before
    # The archivist may not approve: the application's own refusal, on the form, a 403.
    console.as_role(Role.ARCHIVIST)
    token = _csrf(console.get(f"/archive/desk/borrowings/{folder.borrowing_id}").text)
    refused = console.post(
        f"/archive/desk/borrowings/{folder.borrowing_id}/approve",
        {"csrf_token": token, "due_on": "", "reason": ""},
    )
    assert refused.status_code == 403
    assert _events(console, folder) == before
    # Without the session's CSRF token nothing is even tried.
    forged = console.post(
        f"/archive/desk/borrowings/{folder.borrowing_id}/reject", {"reason": "伪造"}
    )
    assert forged.status_code == 403
    assert _events(console, folder) == before


def test_a_scanned_label_opens_the_check_out_then_the_return_and_a_page_short_is_escalated(
    console: Console, folder: Folder
) -> None:
    _approved(console, folder)
    console.as_role(Role.ARCHIVIST)
    desk = console.get("/archive/desk")
    assert 'name="code"' in desk.text
    assert "autofocus" in desk.text
    token = _csrf(desk.text)
    # The scanner types what the label's barcode encodes: the 档号 in ASCII, then Enter.
    scanned = folder.reference_code.replace("·", ".")
    found = console.post("/archive/desk/scan", {"csrf_token": token, "code": scanned})
    assert found.status_code == 303
    slip_path = f"/archive/desk/borrowings/{folder.borrowing_id}"
    assert found.headers["location"] == slip_path
    check_out = console.get(slip_path).text
    counting = check_out.split('data-testid="check-out"')[1].split("</section>")[0]
    assert "借款合同" in counting
    assert "借据" in counting
    pages = dict(re.findall(r'name="pages-([0-9a-f]{64})"[^>]*value="(\d*)"', counting))
    # The whole dossier: the contract, the receipt and the signed transfer list, each with its
    # pages filed offered for the count.
    assert sorted(pages.values()) == ["1", "1", "3"]
    contract = next(sha for sha, n in pages.items() if n == "3")
    sent = {"csrf_token": token, "on": console.archive.today().isoformat()}
    sent |= {f"pages-{sha}": n for sha, n in pages.items()}
    out = console.post(f"{slip_path}/check-out", sent)
    assert out.status_code == 303, out.text
    borrowing = console.archive.get_borrowing(_ctx(console, Role.AUDITOR), folder.borrowing_id)
    assert borrowing.status is BorrowingStatus.CHECKED_OUT
    assert borrowing.pages_out == {sha: int(n) for sha, n in pages.items()}
    listed_out = console.get("/archive/desk").text.split('data-testid="out"')[1]
    assert folder.borrow_no in listed_out.split("</section>")[0]
    # Returned by the loan number this time; the contract comes back a page short.
    back = console.post(
        "/archive/desk/scan", {"csrf_token": token, "code": LOAN.lower(), "mode": "return"}
    )
    assert back.headers["location"] == slip_path
    returning = console.get(slip_path).text.split('data-testid="return"')[1]
    assert "借款合同" in returning.split("</section>")[0]
    counted = {"csrf_token": token, "on": console.archive.today().isoformat()}
    counted |= {f"pages-{sha}": str(int(n) - (sha == contract)) for sha, n in pages.items()}
    returned = console.post(f"{slip_path}/return", counted)
    assert returned.status_code == 303, returned.text
    borrowing = console.archive.get_borrowing(_ctx(console, Role.AUDITOR), folder.borrowing_id)
    assert borrowing.status is BorrowingStatus.RETURNED
    assert borrowing.mismatches == {contract: [3, 2]}
    assert borrowing.escalated_to is Role.ARCHIVE_HEAD
    assert "PageCountMismatched" in _events(console, folder)[-1]
    shown = console.get(slip_path).text
    notice = shown.split('data-testid="shortfall"')[1].split("</div>")[0]
    assert "档案室负责人" in notice
    assert "借款合同" in notice
    assert "短少 1 页" in notice
    short = console.get("/archive/desk").text.split('data-testid="short"')[1]
    assert folder.borrow_no in short.split("</section>")[0]


def test_a_code_no_open_borrowing_has_is_refused_in_the_form(
    console: Console, folder: Folder
) -> None:
    console.as_role(Role.ARCHIVIST)
    token = _csrf(console.get("/archive/desk").text)
    before = _events(console, folder)
    # Asked for, not yet approved: nothing to hand out.
    unknown = console.post("/archive/desk/scan", {"csrf_token": token, "code": LOAN})
    assert unknown.status_code == 404
    assert f"没有 {LOAN} 待借出或待归还的借阅" in unknown.text
    assert 'value="DK2026000310"' in unknown.text
    empty = console.post("/archive/desk/scan", {"csrf_token": token, "code": " "})
    assert empty.status_code == 422
    assert _events(console, folder) == before
    # The same folder's return before it is out: the command's own refusal.
    _approved(console, folder)
    early = console.post(
        f"/archive/desk/borrowings/{folder.borrowing_id}/return",
        {"csrf_token": token, "on": console.archive.today().isoformat()},
    )
    assert early.status_code == 409
    assert "不能归还" in early.text
    wrong = console.post(
        f"/archive/desk/borrowings/{folder.borrowing_id}/check-out",
        {"csrf_token": token, "on": console.archive.today().isoformat(), "pages-" + "0" * 64: "x"},
    )
    assert wrong.status_code == 422
    assert "请按整数填写每份文件清点的页数" in wrong.text
    assert _events(console, folder)[-1].endswith("Approved")


def test_the_folder_label_carries_its_reference_code_and_loan_number_in_code_128(
    console: Console, folder: Folder
) -> None:
    console.as_role(Role.ARCHIVIST)
    label = console.get(f"/archive/labels/{LOAN}.pdf")
    assert label.status_code == 200
    assert label.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(label.content)).pages[0].extract_text()
    assert folder.reference_code in text
    assert LOAN in text
    assert BORROWER in text
    assert "2-03-05-2" in text  # the shelf
    assert barcodes(label.content) == [folder.reference_code.replace("·", "."), LOAN]
    slip = console.get(f"/archive/desk/borrowings/{folder.borrowing_id}").text
    assert f'href="/archive/labels/{LOAN}.pdf"' in slip
    dossier_page = console.get(f"/loans/{LOAN}").text
    assert f'href="/archive/labels/{LOAN}.pdf"' in dossier_page
    # A dossier not yet catalogued has no 档号 to print.
    assert console.get(f"/archive/labels/{UNCATALOGUED}.pdf").status_code == 409
    # The credit side does not read the archive office's labels.
    console.as_role(Role.ACCOUNT_MANAGER)
    assert console.get(f"/archive/labels/{LOAN}.pdf").status_code == 403
    assert console.get("/archive/desk").status_code == 403


def test_a_shortfall_is_closed_at_the_desk_only_by_whom_it_went_to_with_a_reason(
    console: Console, folder: Folder
) -> None:
    slip_path, token, borrowing = _approved_at_the_desk(console, folder)
    today = console.archive.today().isoformat()
    pages = {f"pages-{sha}": "1" for sha in borrowing.items}
    out = console.post(f"{slip_path}/check-out", {"csrf_token": token, "on": today} | pages)
    assert out.status_code == 303, out.text
    short = {f"pages-{sha}": "0" for sha in borrowing.items[:1]}
    short |= {f"pages-{sha}": "1" for sha in borrowing.items[1:]}
    back = console.post(f"{slip_path}/return", {"csrf_token": token, "on": today} | short)
    assert back.status_code == 303, back.text
    before = _events(console, folder)
    # The archivist may close a borrowing, not one whose pages went missing.
    refused = console.post(f"{slip_path}/close", {"csrf_token": token, "reason": "已找回"})
    assert refused.status_code == 409
    assert "须由档案室负责人说明处理结果后结案" in refused.text
    assert _events(console, folder) == before
    console.as_role(Role.ARCHIVE_HEAD)
    page = console.get(slip_path).text
    assert 'data-testid="close"' in page
    assert "页数不符处理结果" in page
    token = _csrf(page)
    silent = console.post(f"{slip_path}/close", {"csrf_token": token, "reason": ""})
    assert silent.status_code == 409
    assert _events(console, folder) == before
    closed = console.post(
        f"{slip_path}/close", {"csrf_token": token, "reason": "借阅人补交缺页，已核对入卷"}
    )
    assert closed.status_code == 303, closed.text
    borrowing = console.archive.get_borrowing(_ctx(console, Role.AUDITOR), folder.borrowing_id)
    assert borrowing.status is BorrowingStatus.CLOSED
    assert folder.borrow_no not in console.get("/archive/desk").text  # off the desk


def test_overdue_borrowings_are_listed_and_reminded_from_the_desk(
    console: Console, folder: Folder
) -> None:
    slip_path, token, borrowing = _approved_at_the_desk(console, folder)
    pages = {f"pages-{sha}": "1" for sha in borrowing.items}
    today = console.archive.today().isoformat()
    assert console.post(f"{slip_path}/check-out", {"csrf_token": token, "on": today} | pages)
    console.later(timedelta(days=10))  # three days past the due date
    console.as_role(Role.ARCHIVE_HEAD)
    desk = console.get("/archive/desk").text
    overdue = desk.split('data-testid="overdue"')[1].split("</section>")[0]
    assert folder.borrow_no in overdue
    assert '<span class="tag alert">3</span>' in overdue
    reminded = console.post("/archive/desk/overdue-notices", {"csrf_token": _csrf(desk)})
    assert reminded.status_code == 303
    assert reminded.headers["location"] == "/archive/desk?reminded=1"
    after = console.get("/archive/desk?reminded=1").text
    assert "今日已记录催还 1 笔" in after
    assert console.archive.today().isoformat() in after.split('data-testid="overdue"')[1]
    assert _events(console, folder)[-1].endswith("OverdueNoted")


def test_an_approved_electronic_copy_is_issued_from_the_desk_and_its_hash_recorded(
    console: Console, folder: Folder
) -> None:
    today = console.archive.today()
    asked = _asked(
        console, BorrowingPurpose.AUDIT, BorrowingForm.ELECTRONIC_COPY, "审计核对合同", 5
    )
    copy_id = UUID(asked.ids["borrowing_id"])
    console.archive.execute(
        _ctx(console, Role.ARCHIVE_HEAD), ApproveBorrowing(borrowing_id=copy_id)
    )
    console.as_role(Role.ARCHIVIST)
    page = console.get(f"/archive/desk/borrowings/{copy_id}")
    assert 'data-testid="copy"' in page.text
    issued = console.post(
        f"/archive/desk/borrowings/{copy_id}/electronic-copy",
        {"csrf_token": _csrf(page.text), "expires_on": (today + timedelta(days=5)).isoformat()},
    )
    assert issued.status_code == 201, issued.text
    assert issued.content[:5] == b"%PDF-"
    borrowing = console.archive.borrowing(copy_id)
    assert borrowing.status is BorrowingStatus.COPY_ISSUED
    assert borrowing.copy_sha256 == issued.headers["x-content-sha256"]
    console.as_role(Role.COMPLIANCE)
    refused = console.post(
        f"/archive/desk/borrowings/{copy_id}/electronic-copy",
        {"csrf_token": console.csrf("/"), "expires_on": ""},
    )
    assert refused.status_code == 403
