"""The archive office's borrowing desk in a real Chromium, through the screens alone: the
loan's account manager asks for the loan contract from the loan's page; the archive head
approves the request at the desk; the archivist checks the folder out by typing its
barcode's text and Enter into the desk's field, as a scanner does, counts the pages out, then
takes it back a page short. The circulation register (and its XLSX export) then shows the
borrowing with its sequential slip number and its people by name, and the shortfall escalated.

Screenshots of the desk's screens are taken on the way (``DOSSIER_SCREENSHOTS_DIR`` when set).
"""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from openpyxl import load_workbook

from archive.core import CommandContext
from domain.dossier import Dossier
from domain.values import BorrowingStatus, Role
from tests.e2e.conftest import Served

pytestmark = pytest.mark.slow

REASON = "审计抽查借款合同原件"


def _ctx(served: Served, staff_no: str) -> CommandContext:
    return CommandContext(served.archive.staff(staff_no).id)


def _folder(served: Served) -> tuple[Dossier, str]:
    """A catalogued demo dossier with no borrowing at the desk, and its loan contract."""
    auditor = _ctx(served, served.first(Role.AUDITOR.value).staff_no)
    archivist = _ctx(served, served.first(Role.ARCHIVIST.value).staff_no)
    busy = {b.loan_no for b in served.archive.desk_borrowings(archivist)}
    for loan in served.archive.list_loans(auditor, limit=200):
        dossier = served.archive.get_dossier(auditor, loan.loan_no)
        if dossier.reference_code is None or loan.loan_no in busy or dossier.destroyed_on:
            continue
        if getattr(dossier, "under_appraisal", False):
            continue
        for filed in dossier.documents:
            ref = filed.ref
            if (
                ref.doc_type == "loan_contract"
                and ref.pages
                and dossier.custody_tier_of(ref.sha256) == 2
            ):
                return dossier, ref.sha256
    pytest.fail("the demo has no catalogued dossier free to lend")


def _sign_in(page: Any, served: Served, role: Role) -> None:
    person = served.first(role.value)
    page.context.clear_cookies()  # whoever was signed in before
    page.goto(served.base_url + "/login")
    page.fill("#staff_no", person.staff_no)
    page.fill("#password", person.password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/"


def _shoot(page: Any, name: str, tmp_path: Path, *, kept: bool = False) -> Path:
    """A screenshot into a temporary folder; the ``kept`` ones (the README's) into
    ``DOSSIER_SCREENSHOTS_DIR`` when set."""
    chosen = os.environ.get("DOSSIER_SCREENSHOTS_DIR") if kept else None
    folder = Path(chosen) if chosen else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _api(served: Served, role: Role, path: str) -> bytes:
    token = served.first(role.value).token
    answer = httpx.get(
        served.base_url + "/api/v1" + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer.content


def test_a_borrowing_through_the_desk_screens_is_registered_with_names_and_its_number(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    dossier, contract = _folder(served)
    assert dossier.reference_code is not None
    today = served.archive.today()
    loan = served.archive.get_loan(
        _ctx(served, served.first(Role.AUDITOR.value).staff_no), dossier.loan_no
    )
    manager = served.archive.staff_by_id(loan.account_manager_id)
    demo_manager = next(p for p in served.staff if p.staff_no == manager.staff_no)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    # The loan's account manager asks for the contract from the loan's page.
    page.goto(served.base_url + "/login")
    page.fill("#staff_no", demo_manager.staff_no)
    page.fill("#password", demo_manager.password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()
    page.goto(served.base_url + f"/loans/{dossier.loan_no}")
    page.click(f"a[href='/loans/{dossier.loan_no}/borrowings/new']")
    page.wait_for_load_state()
    page.select_option("#f-purpose", "audit")
    page.select_option("#f-form", "original")
    page.fill("#f-reason", REASON)
    page.check(f"input[name=documents][value='{contract}']")
    page.fill("#f-due_on", (today + timedelta(days=5)).isoformat())
    _shoot(page, "desk-00-request", tmp_path)
    page.click("[data-testid=form-borrow] button[type=submit]")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == f"/loans/{dossier.loan_no}"
    archivist = _ctx(served, served.first(Role.ARCHIVIST.value).staff_no)
    [asked] = [
        b
        for b in served.archive.desk_borrowings(archivist)
        if b.loan_no == dossier.loan_no and b.reason == REASON
    ]
    assert asked.items == [contract]
    borrow_no = asked.borrow_no
    assert borrow_no.startswith(f"借阅〔{today.year}〕第")
    pages = dossier.filed(contract).ref.pages
    assert pages is not None

    try:
        # The archive head approves at the desk, the due date offered as asked.
        _sign_in(page, served, Role.ARCHIVE_HEAD)
        page.click("nav.sidebar a.nav-desk")
        assert page.locator("h1.page-title").inner_text().startswith("借阅台")
        waiting = page.locator("[data-testid=to-approve]")
        assert borrow_no in waiting.inner_text()
        assert f"{manager.name}（{manager.staff_no}）" in waiting.inner_text()
        _shoot(page, "desk-01-requests", tmp_path)
        waiting.locator(f"a:has-text('{borrow_no}')").click()
        page.wait_for_load_state()
        assert page.input_value("#due_on") == (today + timedelta(days=5)).isoformat()
        _shoot(page, "desk-02-approve", tmp_path)
        page.click("[data-testid=approve] button[type=submit]")
        page.wait_for_load_state()
        assert page.inner_text("[data-testid=status]") == "已批准"
        head = served.first(Role.ARCHIVE_HEAD.value)
        assert f"{head.name}（{head.staff_no}）" in page.inner_text("main")

        # The archivist: the desk's field has the focus; the scanner types the code and Enter.
        _sign_in(page, served, Role.ARCHIVIST)
        page.goto(served.base_url + "/archive/desk")
        assert page.evaluate("document.activeElement.id") == "code"
        page.keyboard.type(dossier.reference_code.replace("·", "."))
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/archive/desk/borrowings/{asked.id}")
        counting = page.locator("[data-testid=check-out]")
        assert "借款合同" in counting.inner_text()
        assert page.input_value(f"input[name='pages-{contract}']") == str(pages)
        _shoot(page, "12-desk-check-out", tmp_path, kept=True)
        counting.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.inner_text("[data-testid=status]") == "已借出"

        # Back a page short: scanned again, the desk opens its return.
        page.goto(served.base_url + "/archive/desk")
        assert borrow_no in page.inner_text("[data-testid=out]")
        page.keyboard.type(dossier.loan_no)
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-testid=return]")
        returning = page.locator("[data-testid=return]")
        assert "借款合同" in returning.inner_text()
        page.fill(f"input[name='pages-{contract}']", str(pages - 1))
        _shoot(page, "desk-04-return", tmp_path)
        returning.locator("button[type=submit]").click()
        page.wait_for_load_state()
        shortfall = page.inner_text("[data-testid=shortfall]")
        assert "档案室负责人" in shortfall
        assert "短少 1 页" in shortfall
        _shoot(page, "13-desk-returned-short", tmp_path, kept=True)
        page.goto(served.base_url + "/archive/desk")
        assert borrow_no in page.inner_text("[data-testid=short]")
        _shoot(page, "11-desk", tmp_path, kept=True)

        # The folder's label, from the slip's page.
        label = page.request.get(served.base_url + f"/archive/labels/{dossier.loan_no}.pdf")
        assert label.status == 200
        assert label.headers["content-type"] == "application/pdf"
    finally:
        context.close()

    # What the archive recorded, over the API: the register and its export.
    borrowing = served.archive.get_borrowing(
        _ctx(served, served.first(Role.AUDITOR.value).staff_no), asked.id
    )
    assert borrowing.status is BorrowingStatus.RETURNED
    assert borrowing.mismatches == {contract: [pages, pages - 1]}
    assert served.registers is not None
    head_position = served.archive.recorder.max_notification_id()
    served.registers.wait(["circulation_register"], head_position, 30)
    listed = json.loads(
        _api(served, Role.AUDITOR, f"/registers/circulation_register?borrow_no={quote(borrow_no)}")
    )["data"]
    assert len(listed) == 1
    row = listed[0]
    assert row["escalated"] is True
    assert row["escalated_to"] == "archive_head"
    assert row["page_mismatch"] is True
    archivist = served.first(Role.ARCHIVIST.value)
    xlsx = _api(
        served,
        Role.AUDITOR,
        f"/registers/circulation_register?format=xlsx&borrow_no={quote(borrow_no)}",
    )
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1
    exported = dict(zip(header, rows[0], strict=True))
    assert exported["借阅单号"] == borrow_no
    assert exported["借阅人"] == f"{manager.name}（{manager.staff_no}）"
    assert exported["档案室负责人审批人"] == f"{head.name}（{head.staff_no}）"
    assert exported["借出经办人"] == f"{archivist.name}（{archivist.staff_no}）"
    assert exported["归还经办人"] == f"{archivist.name}（{archivist.staff_no}）"
    assert exported["页数不符"] in ("是", True)
    assert exported["上报至"] == "档案室负责人"
    assert "借款合同" in str(exported["页数不符说明"])
