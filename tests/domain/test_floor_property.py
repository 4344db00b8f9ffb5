"""Property: no approval may put a loan above the overdue floor of the 2023 rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ClassificationFloorError
from domain.values import Grade
from tests.domain.givens import approve, overdue, propose
from tests.factories import disbursed_loan

SEVERITY = ["normal", "special_mention", "substandard", "doubtful", "loss"]


def expected_floor(days_overdue: int) -> str:
    """docs/rules.md CLS-06 to CLS-09: any overdue → 关注; more than 90 → 次级; more than 270 →
    可疑; more than 360 → 损失."""
    if days_overdue > 360:
        return "loss"
    if days_overdue > 270:
        return "doubtful"
    if days_overdue > 90:
        return "substandard"
    if days_overdue > 0:
        return "special_mention"
    return "normal"


@settings(max_examples=300, deadline=None)
@given(days_overdue=st.integers(min_value=0, max_value=2000), grade=st.sampled_from(Grade))
def test_an_approval_is_refused_exactly_when_the_grade_is_better_than_the_overdue_floor(
    days_overdue: int, grade: Grade
) -> None:
    loan = disbursed_loan()
    overdue(loan, days_overdue)
    proposal_id = propose(loan, grade)
    floor = expected_floor(days_overdue)

    if SEVERITY.index(grade.value) < SEVERITY.index(floor):
        with pytest.raises(ClassificationFloorError) as refused:
            approve(loan, proposal_id)
        assert refused.value.context["floor"] == floor
        assert loan.grade is Grade.NORMAL
    else:
        approve(loan, proposal_id)
        assert loan.grade is grade
