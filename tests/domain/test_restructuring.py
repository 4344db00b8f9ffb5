"""Restructured loans (重组贷款) and their observation period (观察期)."""

from __future__ import annotations

import pytest

from domain.classification import FloorPolicy
from domain.errors import ClassificationFloorError
from domain.values import Grade, Role
from tests.domain.givens import (
    approve,
    classify,
    day,
    make_non_performing,
    overdue,
    propose,
    repay,
    restructure,
)
from tests.factories import MATURITY_DATE, actor, disbursed_loan


def test_restructuring_starts_an_observation_period_and_moves_the_maturity() -> None:
    loan = disbursed_loan()

    restructure(loan, day(30))

    assert loan.observation.restructured_count == 1
    assert loan.observation.grade_at_restructuring is Grade.NORMAL
    assert loan.observation.is_running(day(31))
    assert loan.term.maturity_date == day(30 + 730)
    assert loan.term.history == [("restructured", MATURITY_DATE)]


def test_a_performing_loan_restructured_is_at_least_special_mention_during_observation() -> None:
    loan = disbursed_loan()
    restructure(loan, day(30))
    proposal_id = propose(loan, Grade.NORMAL, as_of=day(40))

    with pytest.raises(ClassificationFloorError) as refused:
        approve(loan, proposal_id)

    assert refused.value.context["floor"] == "special_mention"
    assert "observation" in refused.value.en


def test_a_restructured_non_performing_loan_may_not_be_upgraded_during_observation() -> None:
    loan = disbursed_loan()
    make_non_performing(loan, days=120)  # substandard, as of day(150)
    restructure(loan, day(155))
    overdue(loan, 0, as_of=day(156))
    repay(loan, day(186))
    repay(loan, day(216))  # two normal repayments: only the observation period stands in the way
    during = propose(loan, Grade.SPECIAL_MENTION, as_of=day(300))

    with pytest.raises(ClassificationFloorError) as refused:
        approve(loan, during)

    assert refused.value.context["floor"] == "substandard"
    assert "may not be upgraded during observation" in refused.value.en
    loan.reject_classification(
        proposal_id=during, reason="观察期内", actor=actor(Role.RISK_MANAGER)
    )

    approve(loan, propose(loan, Grade.SPECIAL_MENTION, as_of=day(186 + 365)))

    assert loan.grade is Grade.SPECIAL_MENTION


def test_restructuring_again_during_the_observation_period_makes_the_loan_at_least_doubtful() -> (
    None
):
    loan = disbursed_loan()
    restructure(loan, day(30))
    restructure(loan, day(60))
    assert loan.observation.restructured_again_during
    substandard = propose(loan, Grade.SUBSTANDARD, as_of=day(70))

    with pytest.raises(ClassificationFloorError) as refused:
        approve(loan, substandard)

    assert refused.value.context["floor"] == "doubtful"
    assert "可疑" in refused.value.zh
    loan.reject_classification(
        proposal_id=substandard, reason="再次重组", actor=actor(Role.RISK_MANAGER)
    )
    classify(loan, Grade.DOUBTFUL, as_of=day(70))
    assert loan.grade is Grade.DOUBTFUL


def test_restructuring_after_the_observation_period_ended_is_not_a_repeat_within_it() -> None:
    loan = disbursed_loan()
    restructure(loan, day(30))
    repay(loan, day(60))
    repay(loan, day(90))

    restructure(loan, day(60 + 365))

    assert loan.observation.restructured_count == 2
    assert not loan.observation.restructured_again_during
    classify(loan, Grade.SPECIAL_MENTION, as_of=day(60 + 366))
    assert loan.grade is Grade.SPECIAL_MENTION


@pytest.mark.parametrize(
    ("repaid_on", "as_of", "running"),
    [
        ([], 1000, True),  # no repayment yet: the period has not even started
        ([60], 60 + 400, True),  # a year, but one period
        ([60, 90], 60 + 364, True),  # two periods, a day short of a year
        ([60, 90], 60 + 365, False),  # two periods and a year from the first repayment
        ([60, 90, 120], 60 + 500, False),
    ],
)
def test_observation_ends_after_two_on_time_repayments_and_a_year_from_the_first(
    repaid_on: list[int], as_of: int, running: bool
) -> None:
    loan = disbursed_loan()
    restructure(loan, day(30))

    for n in repaid_on:
        repay(loan, day(n))

    assert loan.observation.is_running(day(as_of)) is running


def test_after_the_observation_period_a_restructured_performing_loan_may_return_to_normal() -> None:
    loan = disbursed_loan()
    restructure(loan, day(30))
    repay(loan, day(60))
    repay(loan, day(90))

    classify(loan, Grade.NORMAL, as_of=day(60 + 365))

    assert loan.grade is Grade.NORMAL


def test_a_missed_payment_restarts_the_observation_period() -> None:
    loan = disbursed_loan()
    restructure(loan, day(30))
    repay(loan, day(60))
    repay(loan, day(90))
    overdue(loan, 3, as_of=day(123))
    overdue(loan, 0, as_of=day(130))
    proposal_id = propose(loan, Grade.NORMAL, as_of=day(60 + 400))

    with pytest.raises(ClassificationFloorError):
        approve(loan, proposal_id)

    loan.reject_classification(
        proposal_id=proposal_id, reason="观察期重新计算", actor=actor(Role.RISK_MANAGER)
    )
    repay(loan, day(150))
    repay(loan, day(180))
    classify(loan, Grade.NORMAL, as_of=day(150 + 365))
    assert loan.grade is Grade.NORMAL


def test_a_late_repayment_restarts_the_observation_period() -> None:
    loan = disbursed_loan()
    restructure(loan, day(30))
    repay(loan, day(60))
    overdue(loan, 2, as_of=day(92))

    repay(loan, day(93))  # paid while overdue: not on time

    assert loan.observation.started_on is None
    assert loan.observation.periods_repaid == 0


def test_a_bank_may_configure_a_longer_observation_period() -> None:
    longer = FloorPolicy(observation_min_periods=3, observation_min_days=730)
    usual, configured = disbursed_loan(), disbursed_loan()
    restructure(usual, day(30))
    restructure(configured, day(30), policy=longer)
    for loan in (usual, configured):
        repay(loan, day(60))
        repay(loan, day(90))

    assert not usual.observation.is_running(day(60 + 365))
    assert configured.observation.is_running(day(60 + 365))


def test_the_observation_rule_in_force_at_restructuring_is_recorded_in_its_event() -> None:
    longer = FloorPolicy(observation_min_periods=3, observation_min_days=730)
    loan = disbursed_loan()
    restructure(loan, day(30), policy=longer)

    restructured = loan.collect_events()[-1]
    assert restructured.observation_min_periods == 3  # type: ignore[attr-defined]
    assert restructured.observation_min_days == 730  # type: ignore[attr-defined]


def test_a_missed_payment_after_the_observation_period_ended_does_not_reopen_it() -> None:
    loan = disbursed_loan()
    restructure(loan, day(30))
    repay(loan, day(60))
    repay(loan, day(90))
    assert not loan.observation.is_running(day(60 + 400))

    overdue(loan, 3, as_of=day(60 + 400))

    assert not loan.observation.is_running(day(60 + 400))
