"""Commands decide by the rules in force — the last rule set adopted in the log — for every
figure a bank may configure (docs/rules.md RUL-05, RUL-08), on SQLite and PostgreSQL.

Each test adopts a bank's own rules over the shipped ones and shows a command follow them:
the sub-grade scheme, a tightened statutory floor, the originals deadline, the parts of the
reference code, and the borrowing desk's due date, approvers and shortfall escalation.
"""

from __future__ import annotations

from datetime import date, timedelta
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
from archive.core import CommandContext
from domain.errors import (
    ApprovalRoleNotRequiredError,
    ClassificationFloorError,
    InvalidInputError,
    PageDiscrepancyOpenError,
)
from domain.values import BorrowingPurpose, Grade, Role
from tests import steps
from tests.factories import make_disbursement, make_upload, rules_with

LOAN = "JJ2025RULES0001"
AS_OF = date(2025, 6, 1)
ITEMS = [{"doc_type": "loan_contract", "title": "借款合同", "pages": 6}]
Staff = dict[str, CommandContext]


@pytest.fixture
def loan(app: DossierArchive, staff: Staff) -> str:
    app.execute(
        staff["account_manager"],
        make_disbursement(LOAN),
        [
            make_upload("loan_contract", f"借款合同 {LOAN}", pages=3),
            make_upload("drawdown_receipt", f"借据 {LOAN}"),
        ],
    )
    return LOAN


def unchanged(app: DossierArchive) -> tuple[int | None, int]:
    return app.recorder.max_notification_id(), app.blobs.count()


def test_a_proposal_is_checked_against_the_banks_sub_grades(
    app: DossierArchive, staff: Staff, loan: str
) -> None:
    am = staff["account_manager"]
    scheme = [
        {"code": "n1", "grade": "normal", "zh": "正常一档"},
        {"code": "sm1", "grade": "special_mention", "zh": "关注一档"},
        {"code": "np", "grade": "substandard", "zh": "次级"},
    ]
    assert app.adopt_rules(rules_with(classification={"sub_grades": scheme}), source="test")
    before = unchanged(app)
    with pytest.raises(InvalidInputError) as refused:
        steps.propose(
            app, am, loan, Grade.SPECIAL_MENTION, AS_OF, "初分", sub_grade="special_mention_1"
        )
    assert refused.value.context.get("field") == "sub_grade"
    assert "n1, sm1, np" in refused.value.en
    assert unchanged(app) == before
    proposed = steps.propose(app, am, loan, Grade.SPECIAL_MENTION, AS_OF, "初分", sub_grade="sm1")
    assert proposed.events == ("ClassificationProposed",)


def test_a_floor_the_rules_tighten_binds_the_approval(
    app: DossierArchive, staff: Staff, loan: str
) -> None:
    """61 days overdue: at least 关注 by the regulation, at least 次级 for a bank whose rules
    bring the 次级 floor forward to 60 days."""
    rm = staff["risk_manager"]
    steps.overdue(app, staff["post_loan_officer"], loan, AS_OF, 61, "50000.00", "1200.00")
    assert app.floor_of(rm, loan, AS_OF)[1].grade is Grade.SPECIAL_MENTION
    tighter = rules_with(
        classification={"floors": {"substandard_after_days": 60}, "determination_required": False}
    )
    assert app.adopt_rules(tighter, source="test")
    floor = app.floor_of(rm, loan, AS_OF)[1]
    assert floor.grade is Grade.SUBSTANDARD
    assert "more than 60" in floor.reason_en
    proposed = steps.propose(
        app, staff["account_manager"], loan, Grade.SPECIAL_MENTION, AS_OF, "逾期 61 天"
    )
    before = unchanged(app)
    with pytest.raises(ClassificationFloorError) as refused:
        steps.approve(app, rm, loan, proposed, "审批")
    assert refused.value.context == {"floor": "substandard", "proposed": "special_mention"}
    assert unchanged(app) == before


def test_originals_are_due_by_the_deadline_in_force(
    app: DossierArchive, staff: Staff, loan: str
) -> None:
    assert app.adopt_rules(rules_with(transfers={"originals_working_days": 5}), source="test")
    listed = steps.list_transfer(
        app, staff["account_manager"], loan, ITEMS, date(2025, 1, 13), signed_on=date(2025, 1, 10)
    )
    # Signed on Friday 10 January: five working days later is Friday the 17th (the shipped
    # three would give Wednesday the 15th).
    assert listed.ids["due_on"] == "2025-01-17"
    dossier = app.dossier_of(app.loan(loan))
    assert dossier.transfers[UUID(listed.ids["transfer_id"])].due_on == date(2025, 1, 17)


def test_originals_are_due_by_the_calendar_in_force(
    app: DossierArchive, staff: Staff, loan: str
) -> None:
    """A bank's own holidays (a local one on Monday 13 and Tuesday 14 January 2025) move the
    deadline: signed on Friday the 10th, three working days end on Friday the 17th."""
    local = {"2025": {"holidays": ["2025-01-01", "2025-01-13..2025-01-14"]}}
    assert app.adopt_rules(rules_with(calendar=local), source="test")
    listed = steps.list_transfer(
        app, staff["account_manager"], loan, ITEMS, date(2025, 1, 13), signed_on=date(2025, 1, 10)
    )
    assert listed.ids["due_on"] == "2025-01-17"


def test_a_reference_code_takes_its_parts_from_the_rules_in_force(
    app: DossierArchive, staff: Staff, loan: str
) -> None:
    codes = {"fonds": "B002", "category": "DK", "department": "GSB"}
    assert app.adopt_rules(rules_with(reference=codes), source="test")
    listed = steps.list_transfer(
        app, staff["account_manager"], loan, ITEMS, date(2025, 1, 13), signed_on=date(2025, 1, 10)
    )
    steps.receive_transfer(
        app, staff["archivist"], loan, listed, steps.present(6), date(2025, 1, 14)
    )
    catalogued = steps.catalogue(app, staff["archivist"], loan, "1-01-01-1", date(2025, 1, 20))
    assert catalogued.ids["reference_code"] == "B002-DK·2025-D30-GSB-0001"


def test_the_borrowing_desk_follows_the_rules_in_force(
    app: DossierArchive, staff: Staff, loan: str
) -> None:
    """A bank that lends originals for five days unless a date is asked; then one whose branch
    head approves originals, due the same day, a page shortfall left to the archivists."""
    day = date(2025, 6, 2)
    assert app.adopt_rules(rules_with(borrowing={"default_days": 5}), source="test")
    first = request(app, staff["auditor"], day)
    borrowing = app.borrowing(first)
    assert (borrowing.due_on, borrowing.required_approvals) == (
        day + timedelta(days=5),
        [Role.ARCHIVE_HEAD],
    )

    by_branch = {"default_days": 0, "approvers_originals": ["branch_head"]}
    by_branch |= {"shortfall_escalated_to": "archivist"}
    assert app.adopt_rules(rules_with(borrowing=by_branch), source="test")
    second = request(app, staff["auditor"], day)
    assert (app.borrowing(second).due_on, app.borrowing(second).required_approvals) == (
        day,
        [Role.BRANCH_HEAD],
    )
    before = unchanged(app)
    with pytest.raises(ApprovalRoleNotRequiredError):
        app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=second))
    assert unchanged(app) == before
    app.execute(staff["branch_head"], ApproveBorrowing(borrowing_id=second))
    dossier = app.get_dossier(staff["auditor"], loan)
    pages = {d.ref.sha256: d.ref.pages or 0 for d in dossier.documents}
    app.execute(staff["archivist"], CheckOut(borrowing_id=second, checked_out_on=day, pages=pages))
    short = {sha: n - 1 if n > 1 else n for sha, n in pages.items()}
    app.execute(
        staff["second_archivist"],
        ReturnBorrowing(borrowing_id=second, returned_on=day, pages=short),
    )
    last: Any = list(app.events.get(second))[-1]
    assert (type(last).__name__, last.escalated_to) == ("PageCountMismatched", Role.ARCHIVIST)
    app.execute(
        staff["archivist"], CloseBorrowing(borrowing_id=second, closed_on=day, reason="缺页已找回")
    )
    assert app.borrowing(second).status.value == "closed"


def test_a_shortfall_is_closed_only_by_whom_it_was_escalated_to(
    app: DossierArchive, staff: Staff, loan: str
) -> None:
    day = date(2025, 6, 2)
    borrowing_id = request(app, staff["auditor"], day)
    app.execute(staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id))
    dossier = app.get_dossier(staff["auditor"], loan)
    pages = {d.ref.sha256: d.ref.pages or 0 for d in dossier.documents}
    app.execute(
        staff["archivist"], CheckOut(borrowing_id=borrowing_id, checked_out_on=day, pages=pages)
    )
    short = {sha: n - 1 if n > 1 else n for sha, n in pages.items()}
    app.execute(
        staff["second_archivist"],
        ReturnBorrowing(borrowing_id=borrowing_id, returned_on=day, pages=short),
    )
    # Escalated to the archive head by the rules then in force; rules adopted since that
    # name someone else do not change who closes it.
    assert app.adopt_rules(
        rules_with(borrowing={"shortfall_escalated_to": "archivist"}), source="test"
    )
    with pytest.raises(PageDiscrepancyOpenError) as refused:
        app.execute(
            staff["archivist"],
            CloseBorrowing(borrowing_id=borrowing_id, closed_on=day, reason="已找回"),
        )
    assert "archive head" in refused.value.en
    app.execute(
        staff["archive_head"],
        CloseBorrowing(borrowing_id=borrowing_id, closed_on=day, reason="已查明"),
    )


def request(app: DossierArchive, who: CommandContext, day: date) -> UUID:
    found: UUID = steps.request_borrowing(
        app, who, LOAN, BorrowingPurpose.AUDIT, "年度审计抽查原件", day
    ).aggregate_id
    return found
