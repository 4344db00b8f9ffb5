"""Five-level classification (五级分类): propose → approve, never above the statutory floor."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from domain.classification import FloorPolicy, SubGradeScheme
from domain.errors import (
    ClassificationFloorError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.values import BorrowerType, Grade, Product, Role
from tests.domain.givens import (
    SCHEME,
    approve,
    classify,
    day,
    event_names,
    make_non_performing,
    overdue,
    propose,
)
from tests.factories import actor, disbursed_loan

# ------------------------------------------------------------------- the procedure


def test_a_proposal_approved_by_a_risk_manager_changes_the_grade() -> None:
    loan = disbursed_loan()
    overdue(loan, 10)
    proposal_id = propose(loan, Grade.SPECIAL_MENTION, sub_grade="special_mention_2")

    approve(loan, proposal_id)

    assert loan.grade is Grade.SPECIAL_MENTION
    assert loan.sub_grade == "special_mention_2"
    assert loan.proposals[proposal_id].status == "approved"
    approved = loan.pending_events[-1]
    assert type(approved).__name__ == "ClassificationApproved"
    assert approved.previous_grade is Grade.NORMAL
    assert approved.floor is Grade.SPECIAL_MENTION


def test_a_proposal_leaves_the_grade_unchanged_until_approved() -> None:
    loan = disbursed_loan()

    propose(loan, Grade.SPECIAL_MENTION)

    assert loan.grade is Grade.NORMAL
    assert event_names(loan)[-1] == "ClassificationProposed"


def test_cannot_approve_own_classification_proposal() -> None:
    loan = disbursed_loan()
    person = uuid4()
    proposal_id = propose(loan, Grade.SPECIAL_MENTION, by=actor(Role.ACCOUNT_MANAGER, id=person))

    with pytest.raises(SegregationOfDutiesError):
        approve(loan, proposal_id, by=actor(Role.RISK_MANAGER, id=person))

    assert loan.grade is Grade.NORMAL
    assert loan.proposals[proposal_id].status == "pending"


def test_cannot_reject_own_classification_proposal() -> None:
    loan = disbursed_loan()
    person = uuid4()
    proposal_id = propose(loan, Grade.SPECIAL_MENTION, by=actor(Role.ACCOUNT_MANAGER, id=person))

    with pytest.raises(SegregationOfDutiesError):
        loan.reject_classification(
            proposal_id=proposal_id, reason="不同意", actor=actor(Role.RISK_MANAGER, id=person)
        )


def test_only_a_risk_manager_approves_a_classification() -> None:
    loan = disbursed_loan()
    proposal_id = propose(loan, Grade.SPECIAL_MENTION)

    with pytest.raises(RoleNotPermittedError):
        approve(loan, proposal_id, by=actor(Role.BRANCH_HEAD))


def test_only_one_proposal_may_await_approval_at_a_time() -> None:
    loan = disbursed_loan()
    first = propose(loan, Grade.SPECIAL_MENTION)

    with pytest.raises(InvalidTransitionError) as refused:
        propose(loan, Grade.SUBSTANDARD)

    assert str(first) in refused.value.en
    assert len(loan.proposals) == 1


def test_after_a_rejection_a_new_proposal_may_be_made() -> None:
    loan = disbursed_loan()
    first = propose(loan, Grade.SPECIAL_MENTION)
    loan.reject_classification(proposal_id=first, reason="依据不足", actor=actor(Role.RISK_MANAGER))

    second = propose(loan, Grade.SPECIAL_MENTION)

    assert loan.proposals[first].status == "rejected"
    assert loan.proposals[second].status == "pending"


def test_a_rejected_proposal_cannot_be_approved() -> None:
    loan = disbursed_loan()
    proposal_id = propose(loan, Grade.SPECIAL_MENTION)
    loan.reject_classification(
        proposal_id=proposal_id, reason="依据不足", actor=actor(Role.RISK_MANAGER)
    )

    with pytest.raises(InvalidTransitionError):
        approve(loan, proposal_id)

    assert loan.grade is Grade.NORMAL


def test_an_approved_proposal_cannot_be_approved_again() -> None:
    loan = disbursed_loan()
    proposal_id = propose(loan, Grade.SPECIAL_MENTION)
    approve(loan, proposal_id)

    with pytest.raises(InvalidTransitionError):
        approve(loan, proposal_id)


def test_approving_an_unknown_proposal_is_not_found() -> None:
    loan = disbursed_loan()

    with pytest.raises(NotFoundError):
        approve(loan, uuid4())


# --------------------------------------------------------------------- sub-grades


def test_a_sub_grade_must_belong_to_the_proposed_grade() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError) as refused:
        propose(loan, Grade.SPECIAL_MENTION, sub_grade="substandard_1")

    assert refused.value.context["field"] == "sub_grade"
    assert loan.proposals == {}


def test_an_unknown_sub_grade_is_refused() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError) as refused:
        propose(loan, Grade.NORMAL, sub_grade="normal_9")

    assert "normal_9" in refused.value.en


def test_a_banks_own_sub_grade_scheme_is_honoured() -> None:
    loan = disbursed_loan()
    scheme = SubGradeScheme({"A": (Grade.NORMAL, "正常A"), "B": (Grade.SPECIAL_MENTION, "关注B")})

    loan.propose_classification(
        proposal_id=uuid4(),
        grade=Grade.SPECIAL_MENTION,
        sub_grade="B",
        reason="行内细分",
        as_of=day(30),
        scheme=scheme,
        actor=actor(Role.ACCOUNT_MANAGER),
    )
    with pytest.raises(InvalidInputError):
        SCHEME.check(Grade.SPECIAL_MENTION, "B")


# ------------------------------------------------------------- overdue floors


@pytest.mark.parametrize(
    ("days", "floor", "floor_zh", "better"),
    [
        (1, Grade.SPECIAL_MENTION, "关注", Grade.NORMAL),
        (91, Grade.SUBSTANDARD, "次级", Grade.SPECIAL_MENTION),
        (271, Grade.DOUBTFUL, "可疑", Grade.SUBSTANDARD),
        (361, Grade.LOSS, "损失", Grade.DOUBTFUL),
    ],
)
def test_cannot_approve_a_grade_better_than_the_overdue_floor(
    days: int, floor: Grade, floor_zh: str, better: Grade
) -> None:
    loan = disbursed_loan()
    overdue(loan, days)
    proposal_id = propose(loan, better)

    with pytest.raises(ClassificationFloorError) as refused:
        approve(loan, proposal_id)

    assert refused.value.context["floor"] == floor.value
    assert floor.value in refused.value.en
    assert floor_zh in refused.value.zh
    assert loan.grade is Grade.NORMAL
    assert loan.proposals[proposal_id].status == "pending"


@pytest.mark.parametrize(
    ("days", "floor"),
    [
        (0, Grade.NORMAL),
        (1, Grade.SPECIAL_MENTION),
        (90, Grade.SPECIAL_MENTION),
        (91, Grade.SUBSTANDARD),
        (270, Grade.SUBSTANDARD),
        (271, Grade.DOUBTFUL),
        (360, Grade.DOUBTFUL),
        (361, Grade.LOSS),
    ],
)
def test_approving_the_floor_grade_itself_is_allowed(days: int, floor: Grade) -> None:
    loan = disbursed_loan()
    overdue(loan, days)

    approve(loan, propose(loan, floor))

    assert loan.grade is floor


def test_approving_a_grade_worse_than_the_floor_is_allowed() -> None:
    loan = disbursed_loan()
    overdue(loan, 1)

    approve(loan, propose(loan, Grade.DOUBTFUL))

    assert loan.grade is Grade.DOUBTFUL
    assert loan.ever_non_performing


def test_a_banks_own_overdue_thresholds_are_honoured() -> None:
    stricter = FloorPolicy(
        overdue_thresholds=(
            (0, Grade.SPECIAL_MENTION),
            (60, Grade.SUBSTANDARD),
            (180, Grade.DOUBTFUL),
            (360, Grade.LOSS),
        )
    )
    loan = disbursed_loan()
    overdue(loan, 61)
    proposal_id = propose(loan, Grade.SPECIAL_MENTION)

    with pytest.raises(ClassificationFloorError) as refused:
        approve(loan, proposal_id, policy=stricter)

    assert refused.value.context["floor"] == "substandard"
    approve(loan, proposal_id)  # the statutory default lets 61 days stay special mention
    assert loan.grade is Grade.SPECIAL_MENTION


# ------------------------------------------------------------- borrower NPL share


def test_a_non_retail_borrower_with_over_ten_percent_npl_is_at_least_substandard() -> None:
    loan = disbursed_loan(product=Product.CORPORATE_WORKING_CAPITAL)
    proposal_id = propose(loan, Grade.SPECIAL_MENTION)

    with pytest.raises(ClassificationFloorError) as refused:
        approve(loan, proposal_id, borrower_npl_share=Decimal("0.11"))

    assert refused.value.context["floor"] == "substandard"


def test_a_non_retail_borrower_at_exactly_ten_percent_npl_has_no_share_floor() -> None:
    loan = disbursed_loan()

    approve(loan, propose(loan, Grade.NORMAL), borrower_npl_share=Decimal("0.10"))

    assert loan.grade is Grade.NORMAL


def test_the_npl_share_rule_does_not_apply_to_a_retail_borrower() -> None:
    loan = disbursed_loan(product=Product.CONSUMER, borrower_type=BorrowerType.INDIVIDUAL)

    approve(loan, propose(loan, Grade.NORMAL), borrower_npl_share=Decimal("0.50"))

    assert loan.grade is Grade.NORMAL


def test_a_banks_own_npl_share_threshold_is_honoured() -> None:
    loan = disbursed_loan()
    proposal_id = propose(loan, Grade.NORMAL)

    with pytest.raises(ClassificationFloorError):
        approve(
            loan,
            proposal_id,
            policy=FloorPolicy(borrower_npl_share=Decimal("0.05")),
            borrower_npl_share=Decimal("0.06"),
        )


# --------------------------------------------------------- upgrading an NPL


def test_upgrading_a_non_performing_loan_needs_normal_repayments_after_the_arrears() -> None:
    loan = disbursed_loan()
    make_non_performing(loan, days=120)  # overdue as of day(150)
    overdue(loan, 0, as_of=day(160))  # arrears repaid
    loan.record_repayment(
        paid_on=day(190),
        principal=Decimal("10000.00"),
        interest=Decimal("2000.00"),
        actor=actor(Role.ACCOUNT_MANAGER),
    )
    after_one = propose(loan, Grade.SPECIAL_MENTION, as_of=day(195))

    with pytest.raises(ClassificationFloorError) as refused:
        approve(loan, after_one)

    assert refused.value.context["floor"] == "substandard"
    loan.reject_classification(
        proposal_id=after_one, reason="还款期数不足", actor=actor(Role.RISK_MANAGER)
    )
    loan.record_repayment(
        paid_on=day(220),
        principal=Decimal("10000.00"),
        interest=Decimal("2000.00"),
        actor=actor(Role.ACCOUNT_MANAGER),
    )
    approve(loan, propose(loan, Grade.SPECIAL_MENTION, as_of=day(225)))
    assert loan.grade is Grade.SPECIAL_MENTION
    assert loan.normal_repayments_since_arrears == 0  # the next upgrade needs a new run


def test_a_bank_may_require_a_longer_run_of_repayments_before_an_npl_upgrade() -> None:
    loan = disbursed_loan()
    make_non_performing(loan, days=120)
    overdue(loan, 0, as_of=day(160))
    for paid_on in (day(190), day(220)):
        loan.record_repayment(
            paid_on=paid_on,
            principal=Decimal("1000.00"),
            interest=Decimal("0"),
            actor=actor(Role.ACCOUNT_MANAGER),
        )
    proposal_id = propose(loan, Grade.SPECIAL_MENTION, as_of=day(225))

    with pytest.raises(ClassificationFloorError):
        approve(loan, proposal_id, policy=FloorPolicy(npl_upgrade_min_repayments=3))


def test_a_non_performing_loan_may_always_be_downgraded_further() -> None:
    loan = disbursed_loan()
    make_non_performing(loan, days=120)

    classify(loan, Grade.DOUBTFUL, as_of=day(150))

    assert loan.grade is Grade.DOUBTFUL
