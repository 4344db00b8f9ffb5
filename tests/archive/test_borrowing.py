"""The circulation desk (借阅) as docs/rules.md describes it (BOR-01 to BOR-15), on both stores."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from archive.application import DossierArchive
from archive.commands.borrowing import (
    ApproveBorrowing,
    CheckOut,
    CloseBorrowing,
    IssueElectronicCopy,
    NoteOverdueBorrowings,
    RequestBorrowing,
    ReturnBorrowing,
)
from archive.core import CommandContext
from archive.errors import ConcurrentUpdateError
from archive.rules import shipped_rules
from domain.borrowing import Circulation
from domain.dossier import Dossier
from domain.errors import (
    ApprovalRoleNotRequiredError,
    ApproverHandsOutError,
    BorrowerApprovesError,
    DossierOnLoanError,
    DossierUnderAppraisalError,
    InvalidInputError,
    PageDiscrepancyOpenError,
)
from domain.numbering import FormKind
from domain.rules import RuleSet
from domain.values import BorrowingForm, BorrowingPurpose, BorrowingStatus, Role
from tests.factories import make_disbursement, make_upload

LOAN = "JY2025000001"
DAY = date(2025, 6, 2)
Staff = dict[str, CommandContext]


@pytest.fixture
def pages(app: DossierArchive, staff: Staff) -> dict[str, int]:
    """A disbursed loan whose dossier holds a 3-page contract and a 1-page receipt."""
    app.execute(
        staff["account_manager"],
        make_disbursement(LOAN),
        [
            make_upload("loan_contract", "借款合同 JY2025000001", pages=3),
            make_upload("drawdown_receipt", "借据 JY2025000001"),
        ],
    )
    dossier = app.get_dossier(staff["auditor"], LOAN)
    return {d.ref.sha256: d.ref.pages or 0 for d in dossier.documents}


def request(app: DossierArchive, who: CommandContext, **kw: Any) -> Any:
    params: dict[str, Any] = {
        "purpose": BorrowingPurpose.AUDIT,
        "form": BorrowingForm.ORIGINAL,
        "reason": "年度审计抽查原件",
        "requested_on": DAY,
    }
    params.update(kw)
    return app.execute(who, RequestBorrowing(loan_no=LOAN, **params)).aggregate_id


def test_a_borrowing_returned_one_page_short_is_recorded_escalated_and_closed_by_the_head(
    app: DossierArchive, staff: Staff, pages: dict[str, int]
) -> None:
    borrowing_id = request(app, staff["auditor"], due_on=DAY + timedelta(days=2))
    app.execute(
        staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id, archivist_no="archivist")
    )
    out = app.execute(
        staff["archivist"], CheckOut(borrowing_id=borrowing_id, checked_out_on=DAY, pages=pages)
    )
    assert out.events == ("CheckedOut",)
    circulation = app.repository.get(
        Circulation.create_id(app.get_dossier(staff["auditor"], LOAN).id)
    )
    assert isinstance(circulation, Circulation)
    assert set(circulation.out) == set(pages)

    short = {sha: n - 1 if n == 3 else n for sha, n in pages.items()}
    back = app.execute(
        staff["second_archivist"],
        ReturnBorrowing(
            borrowing_id=borrowing_id, returned_on=DAY + timedelta(days=1), pages=short
        ),
    )
    assert back.events == ("Returned", "PageCountMismatched")
    borrowing = app.get_borrowing(staff["auditor"], borrowing_id)
    assert borrowing.escalated
    assert list(borrowing.mismatches.values()) == [[3, 2]]
    with pytest.raises(PageDiscrepancyOpenError):
        app.execute(
            staff["archivist"],
            CloseBorrowing(borrowing_id=borrowing_id, closed_on=DAY + timedelta(days=1)),
        )
    app.execute(
        staff["archive_head"],
        CloseBorrowing(
            borrowing_id=borrowing_id, closed_on=DAY + timedelta(days=2), reason="缺页已追回"
        ),
    )
    assert app.get_borrowing(staff["auditor"], borrowing_id).status is BorrowingStatus.CLOSED
    assert [b.id for b in app.list_borrowings(staff["auditor"], LOAN)] == [borrowing_id]


def test_the_duties_of_borrower_approver_and_archivist_stay_apart(
    app: DossierArchive, staff: Staff, pages: dict[str, int]
) -> None:
    own = request(app, staff["archive_head"])
    with pytest.raises(BorrowerApprovesError):
        app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=own))
    with pytest.raises(ApproverHandsOutError):
        app.execute(
            staff["archive_head"],
            ApproveBorrowing(
                borrowing_id=request(app, staff["auditor"]), archivist_no="archive_head"
            ),
        )
    with pytest.raises(ApprovalRoleNotRequiredError):
        app.execute(
            staff["branch_head"], ApproveBorrowing(borrowing_id=request(app, staff["auditor"]))
        )


def test_tier_one_items_need_the_branch_head_too(
    app: DossierArchive, staff: Staff, pages: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def tier(self: Dossier, sha256: str) -> int:
        return 1 if self.filed(sha256).ref.doc_type == "loan_contract" else 2

    monkeypatch.setattr(Dossier, "custody_tier_of", tier, raising=False)
    borrowing_id = request(app, staff["auditor"])
    first = app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id))
    assert app.get_borrowing(staff["auditor"], borrowing_id).status is BorrowingStatus.REQUESTED
    assert first.events == ("Approved",)
    app.execute(staff["branch_head"], ApproveBorrowing(borrowing_id=borrowing_id))
    assert app.get_borrowing(staff["auditor"], borrowing_id).status is BorrowingStatus.APPROVED


def test_an_uncatalogued_title_certificate_is_tier_one_by_its_document_type(
    app: DossierArchive, staff: Staff, pages: dict[str, int]
) -> None:
    app.file_supplement(
        staff["account_manager"],
        LOAN,
        stage="disbursement",
        uploads=[make_upload("registration_certificate", "抵押登记证明 JY2025000001")],
    )
    borrowing_id = request(app, staff["auditor"])

    app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id))

    # Not catalogued yet, but registration certificates are configured as tier 1: the
    # archive head's approval alone does not release it.
    assert app.get_borrowing(staff["auditor"], borrowing_id).status is BorrowingStatus.REQUESTED
    app.execute(staff["branch_head"], ApproveBorrowing(borrowing_id=borrowing_id))
    assert app.get_borrowing(staff["auditor"], borrowing_id).status is BorrowingStatus.APPROVED


def test_nothing_is_checked_out_twice_even_by_two_concurrent_check_outs(
    app: DossierArchive, staff: Staff, pages: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = (request(app, staff["auditor"]) for _ in range(3))
    for borrowing_id in (first, second, third):
        app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id))
    dossier = app.get_dossier(staff["auditor"], LOAN)
    stale = Circulation(dossier_id=dossier.id)  # what a concurrent check-out read, before ours
    app.execute(staff["archivist"], CheckOut(borrowing_id=first, checked_out_on=DAY, pages=pages))
    with pytest.raises(DossierOnLoanError):
        app.execute(
            staff["archivist"], CheckOut(borrowing_id=second, checked_out_on=DAY, pages=pages)
        )
    monkeypatch.setattr(app, "circulation_of", lambda d: stale)
    with pytest.raises(ConcurrentUpdateError):
        app.execute(
            staff["second_archivist"], CheckOut(borrowing_id=third, checked_out_on=DAY, pages=pages)
        )
    for borrowing_id in (second, third):
        assert app.get_borrowing(staff["auditor"], borrowing_id).status is BorrowingStatus.APPROVED


def test_borrow_slips_are_numbered_in_one_series_per_year_and_never_twice(
    app: DossierArchive, staff: Staff, pages: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def numbered(**kw: Any) -> str:
        return app.get_borrowing(staff["auditor"], request(app, staff["auditor"], **kw)).borrow_no

    assert numbered() == "借阅〔2025〕第0001号"
    assert numbered() == "借阅〔2025〕第0002号"
    next_year = date(2026, 1, 5)
    assert numbered(requested_on=next_year) == "借阅〔2026〕第0001号"
    # A refused request takes no number: the series has no gap.
    with pytest.raises(InvalidInputError):
        request(app, staff["auditor"], due_on=DAY - timedelta(days=1))
    stale = app.number_book(FormKind.BORROWING, 2025)  # read before the next request is saved
    assert numbered() == "借阅〔2025〕第0003号"
    monkeypatch.setattr(app, "number_book", lambda series, year: stale)
    before = app.recorder.max_notification_id()
    with pytest.raises(ConcurrentUpdateError):
        request(app, staff["second_archivist"])  # would be 第0003号 a second time
    assert app.recorder.max_notification_id() == before


def test_a_dossier_under_appraisal_is_not_lent(
    app: DossierArchive, staff: Staff, pages: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    approved = request(app, staff["auditor"])
    app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=approved))
    monkeypatch.setattr(Dossier, "under_appraisal", property(lambda self: True), raising=False)
    with pytest.raises(DossierUnderAppraisalError):
        request(app, staff["auditor"])
    with pytest.raises(DossierUnderAppraisalError):
        app.execute(
            staff["archivist"], CheckOut(borrowing_id=approved, checked_out_on=DAY, pages=pages)
        )


def test_an_electronic_copy_is_watermarked_for_the_borrower_and_its_hash_recorded(
    app: DossierArchive, staff: Staff, pages: dict[str, int]
) -> None:
    borrowing_id = request(
        app, staff["auditor"], form=BorrowingForm.ELECTRONIC_COPY, due_on=DAY + timedelta(days=7)
    )
    app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id))
    copy = app.execute(
        staff["archivist"], IssueElectronicCopy(borrowing_id=borrowing_id, issued_on=DAY)
    )
    reader = PdfReader(io.BytesIO(copy.content))
    assert len(reader.pages) == sum(pages.values())
    assert "赵敏" in str(reader.metadata.subject if reader.metadata else "")
    borrowing = app.get_borrowing(staff["auditor"], borrowing_id)
    assert borrowing.copy_sha256 == copy.sha256
    assert borrowing.copy_expires_on == DAY + timedelta(days=7)
    assert borrowing.status is BorrowingStatus.COPY_ISSUED


def test_overdue_borrowings_are_noted_once_a_day(
    app: DossierArchive, staff: Staff, pages: dict[str, int]
) -> None:
    borrowing_id = request(app, staff["auditor"])
    app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id))
    app.execute(
        staff["archivist"], CheckOut(borrowing_id=borrowing_id, checked_out_on=DAY, pages=pages)
    )
    assert app.execute(staff["post_loan_officer"], NoteOverdueBorrowings(on=DAY)) is None
    noted = app.execute(
        staff["post_loan_officer"], NoteOverdueBorrowings(on=DAY + timedelta(days=3))
    )
    assert noted is not None
    assert noted.events == ("OverdueNoted",)
    assert (
        app.execute(staff["archive_head"], NoteOverdueBorrowings(on=DAY + timedelta(days=3)))
        is None
    )
    assert app.get_borrowing(staff["auditor"], borrowing_id).overdue_days == 3


def test_who_is_told_of_an_overdue_borrowing_follows_the_rules_in_force(
    app: DossierArchive, staff: Staff, pages: dict[str, int]
) -> None:
    """Under the shipped rules the archive head is told from the second day late. New rules
    adopted in the log tell the archive head only from the fifth: on the fourth day the
    archivist alone is told, on the fifth the archive head."""
    borrowing_id = request(app, staff["auditor"])
    app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id))
    app.execute(
        staff["archivist"], CheckOut(borrowing_id=borrowing_id, checked_out_on=DAY, pages=pages)
    )
    officer = staff["post_loan_officer"]

    def told(days: int) -> Role:
        assert (
            app.execute(officer, NoteOverdueBorrowings(on=DAY + timedelta(days=days))) is not None
        )
        last: Any = list(app.events.get(borrowing_id))[-1]
        assert (type(last).__name__, last.days_overdue) == ("OverdueNoted", days)
        role: Role = last.escalated_to
        return role

    assert app.rule_set().version == shipped_rules().version
    assert told(3) is Role.ARCHIVE_HEAD
    later = RuleSet.from_mapping(
        {
            **shipped_rules().source,
            "borrowing": {
                "escalation": [
                    {"days": 1, "role": "archivist"},
                    {"days": 5, "role": "archive_head"},
                    {"days": 10, "role": "branch_head"},
                ]
            },
        }
    )
    assert app.adopt_rules(later, source="test")
    assert app.rule_set().version == later.version
    assert told(4) is Role.ARCHIVIST
    assert told(5) is Role.ARCHIVE_HEAD
