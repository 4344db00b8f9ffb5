"""The console's loan search (贷款档案): one box finds a loan by its number, its borrower's name,
the last digits of the borrower's ID number (shown masked), its dossier's reference code (档号)
or a phrase in a filed document — only among the loans the reader reaches. Every listing cut by
data scope says so in the page; sub-grades show their Chinese labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from archive.commands.staff import EnrolStaff
from archive.core import CommandContext
from domain.values import Role
from tests import steps
from tests.api.console_harness import CONSOLE, PEOPLE, Console
from tests.factories import make_disbursement, make_upload

HERE = "DK2026000301"  # 营业部, the reader's own branch
ALSO_HERE = "DK2026000302"
ELSEWHERE = "DK2026000303"  # 城东支行: out of an 营业部 person's scope
HERE_ID = "91330100MA2K7A4821"
ALSO_HERE_ID = "330102198807153376"
ELSEWHERE_ID = "91330100MA2K9C4821"  # ends like HERE_ID: the same last 4 characters
PHRASE = "按季付息到期还本"
EAST_MANAGER = ("C0202", "钱晓东")
ITEMS = [{"doc_type": "loan_contract", "title": "借款合同", "pages": 2}]
REGISTERS = ["loan_ledger", "archive_catalogue", "document_search"]


@dataclass
class Book:
    """The three loans, and the reference codes their dossiers were catalogued under."""

    here_code: str
    elsewhere_code: str


def _ctx(console: Console, staff_no: str) -> CommandContext:
    return CommandContext(console.archive.staff(staff_no).id)


def _catalogue(console: Console, lister: CommandContext, loan_no: str) -> tuple[str, int]:
    archivist = _ctx(console, PEOPLE[Role.ARCHIVIST][0])
    listed = steps.list_transfer(console.archive, lister, loan_no, ITEMS, date(2025, 1, 13))
    steps.receive_transfer(
        console.archive, archivist, loan_no, listed, steps.present(2), date(2025, 1, 14)
    )
    done = steps.catalogue(console.archive, archivist, loan_no, "2-03-05-2", date(2025, 1, 20))
    return done.ids["reference_code"], done.position


def _disburse(
    console: Console, who: CommandContext, loan_no: str, borrower: str, borrower_id: str, **kw: Any
) -> None:
    console.archive.execute(
        who,
        make_disbursement(loan_no, borrower_name=borrower, borrower_id=borrower_id, **kw),
        [
            make_upload("loan_contract", f"借款合同 {loan_no} 还款方式：{PHRASE}"),
            make_upload("drawdown_receipt", f"借据 {loan_no}"),
        ],
    )


@pytest.fixture
def book(console: Console) -> Book:
    console.archive.execute(
        CONSOLE,
        EnrolStaff(
            staff_no=EAST_MANAGER[0],
            name=EAST_MANAGER[1],
            branch="城东支行",
            roles=[Role.ACCOUNT_MANAGER],
        ),
    )
    manager = _ctx(console, PEOPLE[Role.ACCOUNT_MANAGER][0])
    east = _ctx(console, EAST_MANAGER[0])
    _disburse(console, manager, HERE, "云溪示范农业合作社", HERE_ID)
    console.archive.execute(
        manager,
        make_disbursement(ALSO_HERE, borrower_name="城关五金商行", borrower_id=ALSO_HERE_ID),
        [make_upload("loan_contract", f"借款合同 {ALSO_HERE} 抵押物为厂房")],
    )
    _disburse(console, east, ELSEWHERE, "东湖茶业有限公司", ELSEWHERE_ID, branch="城东支行")
    here_code, _ = _catalogue(console, manager, HERE)
    elsewhere_code, last = _catalogue(console, east, ELSEWHERE)
    console.registers.wait(REGISTERS, last, 30)
    return Book(here_code, elsewhere_code)


def _loans(html: str) -> set[str]:
    """The loans a page links to."""
    return {n for n in (HERE, ALSO_HERE, ELSEWHERE) if f'href="/loans/{n}"' in html}


def test_each_kind_of_search_finds_its_loan_and_no_other(console: Console, book: Book) -> None:
    console.as_role(Role.ACCOUNT_MANAGER)
    assert _loans(console.get("/loans").text) == {HERE, ALSO_HERE}
    assert _loans(console.get(f"/loans?q={HERE.lower()}").text) == {HERE}
    assert _loans(console.get("/loans?q=示范农业&kind=borrower").text) == {HERE}
    assert _loans(console.get("/loans?q=示范农业&kind=loan_no").text) == set()
    assert _loans(console.get("/loans?q=五金").text) == {ALSO_HERE}

    by_id = console.get("/loans?q=7a4821&kind=id_suffix")
    assert by_id.status_code == 200
    assert _loans(by_id.text) == {HERE}
    assert "************7A4821" in by_id.text  # the typed end shown, the rest masked
    assert "证件号码后几位" in by_id.text
    assert _loans(console.get("/loans?q=3376&kind=id_suffix").text) == {ALSO_HERE}
    # An ID number is matched by its end only, never by a piece in its middle.
    assert _loans(console.get("/loans?q=MA2K7A&kind=id_suffix").text) == set()

    by_code = console.get(f"/loans?q={book.here_code}")
    assert _loans(by_code.text) == {HERE}
    assert f"档号 {book.here_code}" in by_code.text
    assert _loans(console.get(f"/loans?q={book.here_code[-4:]}&kind=reference").text) == {HERE}

    by_phrase = console.get(f"/loans?q={PHRASE}&kind=document")
    assert by_phrase.status_code == 200
    assert 'data-testid="documents-found"' in by_phrase.text
    assert _loans(by_phrase.text) == {HERE}
    assert "借款合同" in by_phrase.text
    sha256 = console.archive.get_dossier(_ctx(console, PEOPLE[Role.AUDITOR][0]), HERE)
    assert all(d.ref.sha256 not in by_phrase.text for d in sha256.documents)
    assert _loans(console.get("/loans?q=抵押物为厂房").text) == {ALSO_HERE}  # all kinds at once
    # Searching all kinds, a phrase shorter than the text index serves is not looked for in
    # the documents; asked for documents, it is.
    assert 'data-testid="documents-found"' not in console.get("/loans?q=厂房").text
    assert _loans(console.get("/loans?q=厂房&kind=document").text) == {ALSO_HERE}

    # No page shows a borrower's whole ID number.
    for page in (by_id, by_code, by_phrase, console.get("/loans")):
        assert HERE_ID not in page.text
        assert ALSO_HERE_ID not in page.text


def test_a_loan_out_of_the_reader_s_scope_is_never_found(console: Console, book: Book) -> None:
    console.as_role(Role.ACCOUNT_MANAGER)
    assert _loans(console.get("/loans?q=4821").text) == {HERE}
    assert _loans(console.get(f"/loans?q={ELSEWHERE}").text) == set()
    assert _loans(console.get("/loans?q=东湖茶业").text) == set()
    assert _loans(console.get(f"/loans?q={book.elsewhere_code}").text) == set()
    assert _loans(console.get(f"/loans?q={PHRASE}&kind=document").text) == {HERE}
    console.as_role(Role.AUDITOR)  # the whole bank
    assert _loans(console.get("/loans?q=4821").text) == {HERE, ELSEWHERE}
    assert _loans(console.get(f"/loans?q={book.elsewhere_code}").text) == {ELSEWHERE}
    assert _loans(console.get(f"/loans?q={PHRASE}&kind=document").text) == {HERE, ELSEWHERE}
    assert ELSEWHERE_ID not in console.get("/loans?q=4821").text


def test_a_search_the_console_cannot_run_is_refused_in_the_page(
    console: Console, book: Book
) -> None:
    console.as_role(Role.ACCOUNT_MANAGER)
    short = console.get("/loans?q=21&kind=id_suffix")
    assert short.status_code == 422
    assert 'data-testid="search-error"' in short.text
    assert "后 4 位" in short.text
    assert _loans(short.text) == set()
    unknown = console.get("/loans?q=4821&kind=everything")
    assert 400 <= unknown.status_code < 500
    assert "Traceback" not in unknown.text


NOTICE = 'data-testid="scope-notice"'


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        (Role.ACCOUNT_MANAGER, ["/", "/loans", "/loans?q=DK", "/registers/loan_ledger"]),
        (Role.BRANCH_HEAD, ["/archive", "/compliance", "/registers/archive_catalogue"]),
    ],
    ids=["account_manager", "branch_head"],
)
def test_a_listing_cut_by_data_scope_says_so(
    console: Console, book: Book, role: Role, paths: list[str]
) -> None:
    console.as_role(role)
    for path in paths:
        page = console.get(path)
        assert page.status_code == 200, path
        assert NOTICE in page.text, path
        assert "仅显示您数据权限范围内的记录：" in page.text, path
        assert "营业部" in page.text.split(NOTICE, 1)[1].split("</div>", 1)[0], path
    console.get("/language/en")
    assert "Only records within your data scope are shown:" in console.get(paths[0]).text


def test_the_whole_bank_reads_without_a_scope_notice(console: Console, book: Book) -> None:
    console.as_role(Role.AUDITOR)
    for path in ("/", "/loans", "/archive", "/compliance", "/registers/loan_ledger"):
        page = console.get(path)
        assert page.status_code == 200, path
        assert NOTICE not in page.text, path


def test_sub_grades_read_as_their_chinese_labels(console: Console, book: Book) -> None:
    manager = _ctx(console, PEOPLE[Role.ACCOUNT_MANAGER][0])
    proposed = steps.propose_special_mention(
        console.archive,
        manager,
        HERE,
        date(2025, 6, 1),
        "经营收入下滑",
        sub_grade="special_mention_2",
    )
    approved = steps.approve(
        console.archive,
        _ctx(console, PEOPLE[Role.RISK_MANAGER][0]),
        HERE,
        proposed,
        uploads=[make_upload("classification_form", f"审批意见 {HERE}")],
    )
    console.registers.wait(["loan_ledger", "classification_register"], approved.position, 30)
    console.as_role(Role.BRANCH_HEAD)
    loan = console.get(f"/loans/{HERE}")
    assert "关注 · 关注二级" in loan.text
    assert '<span class="tag">关注二级</span>' in loan.text  # on the timeline too
    assert "special_mention_2" not in loan.text
    ledger = console.get(f"/registers/loan_ledger?loan_no={HERE}")
    assert "关注二级" in ledger.text
    assert "special_mention_2" not in ledger.text
    console.get("/language/en")
    assert "special mention 2" in console.get(f"/loans/{HERE}").text
