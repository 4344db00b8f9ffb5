"""The borrower-wide floor: if more than 10% of a non-retail borrower's claims at the bank are
non-performing, all of its claims are non-performing, and no approval may say otherwise.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic

from archive.application import DossierArchive
from archive.commands.classification import (
    RejectClassification,
)
from archive.core import CommandContext
from archive.receipts import BorrowerIndex
from domain.errors import ClassificationFloorError
from domain.loan import Loan
from domain.values import BorrowerType, Grade, Product
from tests import steps
from tests.factories import make_disbursement, make_upload

AS_OF = date(2025, 6, 1)


def _propose(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str, grade: Grade
) -> UUID:
    proposed = steps.propose(
        app,
        staff["account_manager"],
        loan_no,
        grade,
        AS_OF,
        "初分",
        uploads=[make_upload("classification_form", f"五级分类认定表 {loan_no} {grade.value}")],
    )
    return UUID(proposed.ids["proposal_id"])


def _approve(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str, proposal_id: UUID
) -> None:
    steps.approve(
        app,
        staff["risk_manager"],
        loan_no,
        proposal_id,
        "审批",
        uploads=[make_upload("classification_form", f"审批意见 {proposal_id}")],
    )


def _classify(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str, grade: Grade
) -> None:
    _approve(app, staff, loan_no, _propose(app, staff, loan_no, grade))


def _make_non_performing(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    steps.overdue(app, staff["post_loan_officer"], loan_no, AS_OF, 120, "200000.00", "8000.00")
    _classify(app, staff, loan_no, Grade.SUBSTANDARD)


def _two_loans(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    *,
    bad: Decimal,
    good: Decimal,
    **facts: object,
) -> tuple[str, str]:
    am = staff["account_manager"]
    app.execute(am, make_disbursement("JJ-BAD", principal=bad, **facts))
    app.execute(am, make_disbursement("JJ-GOOD", principal=good, **facts))
    _make_non_performing(app, staff, "JJ-BAD")
    return "JJ-BAD", "JJ-GOOD"


def test_one_non_performing_loan_over_ten_percent_makes_the_borrowers_other_loans_non_performing(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    bad, good = _two_loans(app, staff, bad=Decimal("1000000.00"), good=Decimal("3000000.00"))

    grade, floor = app.floor_of(staff["risk_manager"], good, AS_OF)
    assert (grade, floor.grade) == (Grade.NORMAL, Grade.SUBSTANDARD)
    assert "10%" in floor.reason_en

    rm = staff["risk_manager"]
    for better in (Grade.NORMAL, Grade.SPECIAL_MENTION):
        proposal_id = _propose(app, staff, good, better)
        recorded = (app.recorder.max_notification_id(), app.blobs.count())
        with pytest.raises(ClassificationFloorError) as refused:
            _approve(app, staff, good, proposal_id)
        assert refused.value.context == {"floor": "substandard", "proposed": better.value}
        assert (app.recorder.max_notification_id(), app.blobs.count()) == recorded
        # The proposal stays pending until the risk manager rejects it.
        app.execute(
            rm, RejectClassification(loan_no=good, proposal_id=proposal_id, reason="低于监管下限")
        )
    assert app.get_loan(rm, good).grade is Grade.NORMAL

    _classify(app, staff, good, Grade.SUBSTANDARD)
    assert app.get_loan(rm, good).grade is Grade.SUBSTANDARD
    assert app.get_loan(rm, bad).grade is Grade.SUBSTANDARD


def test_a_non_performing_share_of_exactly_ten_percent_sets_no_borrower_floor(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    # 1,000,000 of 10,000,000 is 10%, not more: the other loan is judged on its own.
    _bad, good = _two_loans(app, staff, bad=Decimal("1000000.00"), good=Decimal("9000000.00"))
    _grade, floor = app.floor_of(staff["risk_manager"], good, AS_OF)
    assert floor.grade is Grade.NORMAL
    _classify(app, staff, good, Grade.NORMAL)


def test_a_retail_borrower_is_not_subject_to_the_borrower_wide_floor(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    _bad, good = _two_loans(
        app,
        staff,
        bad=Decimal("300000.00"),
        good=Decimal("300000.00"),
        borrower_id="310101199001011234",
        borrower_name="张三",
        borrower_type=BorrowerType.INDIVIDUAL,
        product=Product.INDIVIDUAL_PRODUCTION,
    )
    _classify(app, staff, good, Grade.NORMAL)
    assert app.get_loan(staff["risk_manager"], good).grade is Grade.NORMAL


def test_another_borrowers_bad_loan_does_not_affect_this_borrower(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am = staff["account_manager"]
    app.execute(am, make_disbursement("JJ-OTHER-BAD", borrower_id="91320000OTHER0001"))
    app.execute(am, make_disbursement("JJ-MINE"))
    _make_non_performing(app, staff, "JJ-OTHER-BAD")
    _classify(app, staff, "JJ-MINE", Grade.NORMAL)


def test_approvals_on_two_loans_of_one_borrower_at_once_are_serialised(
    app: DossierArchive, staff: dict[str, CommandContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each approval reads the other loan's grade; both saving would let the floor be dodged."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from archive.errors import ConcurrentUpdateError

    am = staff["account_manager"]
    app.execute(am, make_disbursement("JJ-A", principal=Decimal("500000.00")))
    app.execute(am, make_disbursement("JJ-B", principal=Decimal("500000.00")))
    proposals = {no: _propose(app, staff, no, Grade.SPECIAL_MENTION) for no in ("JJ-A", "JJ-B")}
    for loan_no, proposal_id in proposals.items():  # 认定 first, one after the other
        steps.determine(app, steps.credit_management(app, loan_no), loan_no, proposal_id)
    # Both approvals read the borrower's index (the grades the floor is judged on) before
    # either saves: the one saving second must conflict. (Waiting anywhere earlier lets the
    # second read the index after the first saved: both then pass, rightly, one after the other.)
    barrier = threading.Barrier(2, timeout=10)
    read_index = app._borrower_index

    def read_then_wait(loan: Loan) -> BorrowerIndex | None:
        index = read_index(loan)
        barrier.wait()
        return index

    monkeypatch.setattr(app, "_borrower_index", read_then_wait)

    def approve(loan_no: str) -> str:
        try:
            _approve(app, staff, loan_no, proposals[loan_no])
        except ConcurrentUpdateError:
            return "conflict"
        return "approved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(approve, ("JJ-A", "JJ-B")))
    assert outcomes == ["approved", "conflict"]


def test_a_borrowers_index_booked_by_the_feed_records_what_the_decorated_calls_record() -> None:
    # The core feed indexes thousands of loans with the events triggered directly; a store
    # written by the decorated calls must read the same topics and payloads.
    def recorded(index: BorrowerIndex) -> list[tuple[str, dict[str, object]]]:
        return [
            (get_topic(type(e)), {k: v for k, v in vars(e).items() if k != "timestamp"})
            for e in index.collect_events()
        ]

    loans = [uuid4(), uuid4()]
    booked = BorrowerIndex.of_borrower("11010519491231002X")
    made = BorrowerIndex(borrower_id="11010519491231002X")
    for loan_id in loans:
        booked.add_booked_loan(loan_id)
        made.add_loan(loan_id=loan_id)
    assert booked.id == made.id == BorrowerIndex.create_id("11010519491231002X")
    assert booked.loan_ids == made.loan_ids == loans
    assert recorded(booked) == recorded(made)
