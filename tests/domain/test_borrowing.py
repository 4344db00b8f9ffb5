"""Lending (借阅): given a request, when someone acts on it, docs/rules.md BOR-01 to BOR-11 hold."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from archive.rules import shipped_rules
from domain.borrowing import Borrowing, Circulation, escalation_for
from domain.errors import (
    AdministratorBusinessActionError,
    ApprovalRoleNotRequiredError,
    ApproverHandsOutError,
    BorrowerApprovesError,
    BorrowerHandsOutError,
    BorrowingNotApprovedError,
    DossierOnLoanError,
    InvalidInputError,
    InvalidTransitionError,
    PageDiscrepancyOpenError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.rules import RuleSet
from domain.values import Actor, BorrowingForm, BorrowingPurpose, BorrowingStatus, Role
from tests.factories import actor, doc, party

DAY = date(2025, 6, 2)
SHIPPED = shipped_rules()
A, B = doc("loan_contract").sha256, doc("registration_certificate").sha256
DOSSIER = uuid4()

BORROWER = actor(Role.AUDITOR)
HEAD = actor(Role.ARCHIVE_HEAD)
BRANCH = actor(Role.BRANCH_HEAD)
KEEPER = actor(Role.ARCHIVIST)
KEEPER_2 = actor(Role.ARCHIVIST)


def requested(**overrides: Any) -> Borrowing:
    params: dict[str, Any] = {
        "dossier_id": DOSSIER,
        "loan_id": uuid4(),
        "loan_no": "JJ0001",
        "borrow_no": uuid4().hex[:12],
        "reference_code": None,
        "purpose": BorrowingPurpose.AUDIT,
        "items": [A, B],
        "whole_dossier": True,
        "tier_one_items": [],
        "form": BorrowingForm.ORIGINAL,
        "requested_on": DAY,
        "due_on": None,
        "reason": "年度审计抽查",
        "rules": SHIPPED.borrowing,
        "actor": BORROWER,
    }
    params.update(overrides)
    return Borrowing.request(**params)


def approved(**overrides: Any) -> Borrowing:
    borrowing = requested(**overrides)
    borrowing.approve(due_on=None, archivist=None, reason="", actor=HEAD)
    return borrowing


def checked_out(circulation: Circulation | None = None, **overrides: Any) -> Borrowing:
    borrowing = approved(**overrides)
    borrowing.check_out(
        checked_out_on=DAY,
        pages={A: 4, B: 2},
        circulation=circulation or Circulation(dossier_id=DOSSIER),
        actor=KEEPER,
    )
    return borrowing


def test_a_request_is_due_the_same_day_unless_a_later_date_is_asked() -> None:
    borrowing = requested()
    assert (borrowing.status, borrowing.due_on) == (BorrowingStatus.REQUESTED, DAY)
    assert borrowing.required_approvals == [Role.ARCHIVE_HEAD]
    assert requested(due_on=DAY + timedelta(days=3)).due_on == DAY + timedelta(days=3)
    with pytest.raises(InvalidInputError):
        requested(due_on=DAY - timedelta(days=1))


def test_a_request_needs_a_scope_a_reason_and_a_business_role() -> None:
    with pytest.raises(InvalidInputError):
        requested(items=[])
    with pytest.raises(InvalidInputError):
        requested(reason="  ")
    with pytest.raises(AdministratorBusinessActionError):
        requested(actor=actor(Role.ADMINISTRATOR))


def test_originals_are_approved_by_the_archive_head_and_may_shorten_the_date() -> None:
    borrowing = requested(due_on=DAY + timedelta(days=5))
    with pytest.raises(ApprovalRoleNotRequiredError):
        borrowing.approve(due_on=None, archivist=None, reason="", actor=BRANCH)
    with pytest.raises(InvalidInputError):
        borrowing.approve(due_on=DAY + timedelta(days=9), archivist=None, reason="", actor=HEAD)
    borrowing.approve(due_on=DAY + timedelta(days=1), archivist=None, reason="", actor=HEAD)
    assert (borrowing.status, borrowing.due_on) == (BorrowingStatus.APPROVED, DAY + timedelta(1))


def test_tier_one_items_need_the_branch_head_as_well_two_different_people() -> None:
    borrowing = requested(tier_one_items=[B])
    assert borrowing.required_approvals == [Role.ARCHIVE_HEAD, Role.BRANCH_HEAD]
    borrowing.approve(due_on=None, archivist=None, reason="", actor=HEAD)
    assert borrowing.status is BorrowingStatus.REQUESTED
    with pytest.raises(SegregationOfDutiesError):
        borrowing.approve(due_on=None, archivist=None, reason="", actor=Actor(HEAD.id, BRANCH.role))
    with pytest.raises(BorrowingNotApprovedError):
        borrowing.check_out(
            checked_out_on=DAY,
            pages={A: 1, B: 1},
            circulation=Circulation(dossier_id=DOSSIER),
            actor=KEEPER,
        )
    borrowing.approve(due_on=None, archivist=None, reason="", actor=BRANCH)
    assert borrowing.status is BorrowingStatus.APPROVED


def test_an_electronic_copy_of_tier_two_papers_needs_one_head() -> None:
    borrowing = requested(form=BorrowingForm.ELECTRONIC_COPY)
    assert borrowing.required_approvals == []
    borrowing.approve(due_on=None, archivist=None, reason="", actor=BRANCH)
    assert borrowing.status is BorrowingStatus.APPROVED


def test_the_borrower_may_not_approve_or_reject_their_own_borrowing() -> None:
    head_borrows = requested(actor=HEAD)
    with pytest.raises(BorrowerApprovesError):
        head_borrows.approve(due_on=None, archivist=None, reason="", actor=HEAD)
    with pytest.raises(BorrowerApprovesError):
        head_borrows.reject(reason="不需要", actor=HEAD)


def test_the_archivist_named_at_approval_is_neither_approver_nor_borrower() -> None:
    borrowing = requested()
    with pytest.raises(BorrowerHandsOutError):
        borrowing.approve(
            due_on=None, archivist=party(Role.ARCHIVIST, id=BORROWER.id), reason="", actor=HEAD
        )
    with pytest.raises(ApproverHandsOutError):
        borrowing.approve(
            due_on=None, archivist=party(Role.ARCHIVIST, id=HEAD.id), reason="", actor=HEAD
        )
    with pytest.raises(InvalidInputError):
        borrowing.approve(due_on=None, archivist=party(Role.AUDITOR), reason="", actor=HEAD)
    borrowing.approve(
        due_on=None, archivist=party(Role.ARCHIVIST, id=KEEPER.id), reason="", actor=HEAD
    )
    with pytest.raises(SegregationOfDutiesError):
        borrowing.check_out(
            checked_out_on=DAY,
            pages={A: 4, B: 2},
            circulation=Circulation(dossier_id=DOSSIER),
            actor=KEEPER_2,
        )


def test_the_approver_may_not_hand_it_out_nor_the_borrower_to_themselves() -> None:
    both = actor(Role.ARCHIVE_HEAD)
    borrowing = approved()
    with pytest.raises(ApproverHandsOutError):
        borrowing.check_out(
            checked_out_on=DAY,
            pages={A: 4, B: 2},
            circulation=Circulation(dossier_id=DOSSIER),
            actor=Actor(HEAD.id, Role.ARCHIVIST),
        )
    self_lender = requested(actor=Actor(KEEPER.id, Role.ARCHIVIST))
    self_lender.approve(due_on=None, archivist=None, reason="", actor=both)
    with pytest.raises(BorrowerHandsOutError):
        self_lender.check_out(
            checked_out_on=DAY,
            pages={A: 4, B: 2},
            circulation=Circulation(dossier_id=DOSSIER),
            actor=KEEPER,
        )


def test_a_rejected_borrowing_is_never_handed_out() -> None:
    borrowing = requested()
    with pytest.raises(InvalidInputError):
        borrowing.reject(reason=" ", actor=HEAD)
    borrowing.reject(reason="用途不符", actor=HEAD)
    assert borrowing.status is BorrowingStatus.REJECTED
    with pytest.raises(InvalidTransitionError):
        borrowing.check_out(
            checked_out_on=DAY,
            pages={A: 4, B: 2},
            circulation=Circulation(dossier_id=DOSSIER),
            actor=KEEPER,
        )


def test_check_out_counts_every_item_and_only_archivists_hand_out() -> None:
    borrowing = approved()
    circulation = Circulation(dossier_id=DOSSIER)
    with pytest.raises(InvalidInputError):
        borrowing.check_out(checked_out_on=DAY, pages={A: 4}, circulation=circulation, actor=KEEPER)
    with pytest.raises(RoleNotPermittedError):
        borrowing.check_out(
            checked_out_on=DAY, pages={A: 4, B: 2}, circulation=circulation, actor=BRANCH
        )
    with pytest.raises(InvalidInputError):
        borrowing.check_out(
            checked_out_on=DAY + timedelta(days=1),
            pages={A: 4, B: 2},
            circulation=circulation,
            actor=KEEPER,
        )
    borrowing.check_out(
        checked_out_on=DAY, pages={A: 4, B: 2}, circulation=circulation, actor=KEEPER
    )
    assert borrowing.status is BorrowingStatus.CHECKED_OUT
    assert set(circulation.out) == {A, B}
    assert not circulation.is_empty


def test_nothing_is_checked_out_twice_at_once() -> None:
    circulation = Circulation(dossier_id=DOSSIER)
    checked_out(circulation)
    second = approved(items=[B], whole_dossier=False)
    with pytest.raises(DossierOnLoanError):
        second.check_out(checked_out_on=DAY, pages={B: 2}, circulation=circulation, actor=KEEPER)
    assert second.status is BorrowingStatus.APPROVED


def test_a_full_return_frees_the_items_and_may_be_closed_by_the_archivist() -> None:
    circulation = Circulation(dossier_id=DOSSIER)
    borrowing = checked_out(circulation)
    borrowing.return_items(
        returned_on=DAY,
        pages={A: 4, B: 2},
        circulation=circulation,
        escalate_to=SHIPPED.borrowing.shortfall_escalated_to,
        actor=KEEPER_2,
    )
    assert circulation.is_empty
    assert not borrowing.escalated
    assert [type(e).__name__ for e in borrowing.collect_events()][-1] == "Returned"
    borrowing.close(closed_on=DAY, reason="", actor=KEEPER)
    assert borrowing.status is BorrowingStatus.CLOSED


def test_a_return_one_page_short_is_recorded_and_escalated_never_accepted_silently() -> None:
    circulation = Circulation(dossier_id=DOSSIER)
    borrowing = checked_out(circulation)
    borrowing.return_items(
        returned_on=DAY,
        pages={A: 3, B: 2},
        circulation=circulation,
        escalate_to=SHIPPED.borrowing.shortfall_escalated_to,
        actor=KEEPER,
    )
    events = borrowing.collect_events()
    assert [type(e).__name__ for e in events][-2:] == ["Returned", "PageCountMismatched"]
    assert events[-1].escalated_to is Role.ARCHIVE_HEAD
    assert borrowing.mismatches == {A: [4, 3]}
    assert borrowing.escalated
    with pytest.raises(PageDiscrepancyOpenError):
        borrowing.close(closed_on=DAY, reason="已核对", actor=KEEPER)
    with pytest.raises(PageDiscrepancyOpenError):
        borrowing.close(closed_on=DAY, reason=" ", actor=HEAD)
    borrowing.close(closed_on=DAY, reason="缺页已追回并重新装订", actor=HEAD)
    assert borrowing.status is BorrowingStatus.CLOSED


def test_an_electronic_copy_is_issued_not_checked_out_and_expires() -> None:
    borrowing = approved(form=BorrowingForm.ELECTRONIC_COPY, due_on=DAY + timedelta(days=7))
    with pytest.raises(InvalidTransitionError):
        borrowing.check_out(
            checked_out_on=DAY,
            pages={A: 4, B: 2},
            circulation=Circulation(dossier_id=DOSSIER),
            actor=KEEPER,
        )
    with pytest.raises(InvalidInputError):
        borrowing.issue_electronic_copy(
            issued_on=DAY,
            expires_on=DAY + timedelta(days=30),
            copies={A: "x", B: "y"},
            copy_sha256="z",
            actor=KEEPER,
        )
    borrowing.issue_electronic_copy(
        issued_on=DAY, expires_on=None, copies={A: "x", B: "y"}, copy_sha256="z", actor=KEEPER
    )
    assert borrowing.status is BorrowingStatus.COPY_ISSUED
    assert borrowing.copy_expires_on == DAY + timedelta(days=7)
    with pytest.raises(InvalidTransitionError):
        approved().issue_electronic_copy(
            issued_on=DAY, expires_on=None, copies={A: "x", B: "y"}, copy_sha256="z", actor=KEEPER
        )


def test_an_overdue_borrowing_is_noted_once_a_day_and_escalates() -> None:
    officer = actor(Role.POST_LOAN_OFFICER)
    borrowing = checked_out()
    ladder = SHIPPED.borrowing_escalation
    assert not borrowing.note_overdue(on=DAY, escalation=ladder, actor=officer)
    assert borrowing.note_overdue(on=DAY + timedelta(days=1), escalation=ladder, actor=officer)
    assert not borrowing.note_overdue(on=DAY + timedelta(days=1), escalation=ladder, actor=officer)
    assert borrowing.note_overdue(on=DAY + timedelta(days=8), escalation=ladder, actor=officer)
    assert borrowing.overdue_days == 8
    assert told(borrowing) == [(1, Role.ARCHIVIST), (8, Role.BRANCH_HEAD)]
    assert [escalation_for(d, ladder) for d in (1, 2, 6, 7)] == [
        Role.ARCHIVIST,
        Role.ARCHIVE_HEAD,
        Role.ARCHIVE_HEAD,
        Role.BRANCH_HEAD,
    ]
    with pytest.raises(RoleNotPermittedError):
        borrowing.note_overdue(on=DAY + timedelta(days=9), escalation=ladder, actor=KEEPER)


def test_who_is_told_of_an_overdue_borrowing_follows_the_escalation_of_the_rules() -> None:
    """A bank whose rules tell the archive head only from the fifth day, the branch head from
    the tenth, and no one on the first day: the same borrowing, the same days, other people."""
    slower = RuleSet.from_mapping(
        {
            **SHIPPED.source,
            "borrowing": {
                "escalation": [
                    {"days": 2, "role": "archivist"},
                    {"days": 5, "role": "archive_head"},
                    {"days": 10, "role": "branch_head"},
                ]
            },
        }
    )
    ladder = slower.borrowing_escalation
    assert [escalation_for(d, ladder) for d in (1, 2, 4, 5, 9, 10)] == [
        None,
        Role.ARCHIVIST,
        Role.ARCHIVIST,
        Role.ARCHIVE_HEAD,
        Role.ARCHIVE_HEAD,
        Role.BRANCH_HEAD,
    ]
    officer = actor(Role.POST_LOAN_OFFICER)
    shipped, changed = checked_out(), checked_out()
    for days in (1, 2, 7):
        on = DAY + timedelta(days=days)
        shipped.note_overdue(on=on, escalation=SHIPPED.borrowing_escalation, actor=officer)
        changed.note_overdue(on=on, escalation=ladder, actor=officer)
    assert told(shipped) == [(1, Role.ARCHIVIST), (2, Role.ARCHIVE_HEAD), (7, Role.BRANCH_HEAD)]
    # Under the changed rules no one is told on the first day: nothing is recorded.
    assert told(changed) == [(2, Role.ARCHIVIST), (7, Role.ARCHIVE_HEAD)]
    assert changed.overdue_noted_on == DAY + timedelta(days=7)


def told(borrowing: Borrowing) -> list[tuple[int, Role]]:
    """(days overdue, who was told) of each overdue reminder recorded."""
    return [
        (e.days_overdue, e.escalated_to)
        for e in borrowing.collect_events()
        if type(e).__name__ == "OverdueNoted"
    ]
