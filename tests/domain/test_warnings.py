"""Risk-warning signals (风险预警, 红橙黄): raised → handled → cleared with a reason."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidInputError, InvalidTransitionError, RoleNotPermittedError
from domain.loan import Loan
from domain.values import Role, WarningColour
from tests.domain.givens import day, event_names
from tests.factories import actor, disbursed_loan


def raise_signal(loan: Loan, code: str = "PRODUCTION_HALTED", on: int = 40) -> UUID:
    signal_id = uuid4()
    loan.raise_warning(
        signal_id=signal_id,
        colour=WarningColour.ORANGE,
        code=code,
        raised_on=day(on),
        reason="借款人主要生产线停产",
        actor=actor(Role.POST_LOAN_OFFICER),
    )
    return signal_id


def handle(loan: Loan, signal_id: UUID, on: int = 45) -> None:
    loan.handle_warning(
        signal_id=signal_id,
        handled_on=day(on),
        measures="追加抵押物并压缩授信",
        actor=actor(Role.RISK_MANAGER),
    )


def clear(
    loan: Loan,
    signal_id: UUID,
    on: int = 60,
    reason: str = "已恢复生产，经营正常",
    by: Role = Role.RISK_MANAGER,
) -> None:
    loan.clear_warning(signal_id=signal_id, cleared_on=day(on), reason=reason, actor=actor(by))


def handled() -> tuple[Loan, UUID]:
    """A loan whose orange signal was raised and handled, not yet cleared; the signal's id."""
    loan = disbursed_loan()
    signal_id = raise_signal(loan)
    handle(loan, signal_id)
    return loan, signal_id


def test_a_signal_is_raised_then_handled_then_cleared() -> None:
    loan = disbursed_loan()

    signal_id = raise_signal(loan)
    assert loan.warnings[signal_id].status == "raised"
    assert loan.warnings[signal_id].colour is WarningColour.ORANGE

    handle(loan, signal_id)
    assert loan.warnings[signal_id].status == "handled"
    assert loan.warnings[signal_id].measures == "追加抵押物并压缩授信"

    clear(loan, signal_id)
    assert loan.warnings[signal_id].status == "cleared"
    assert loan.warnings[signal_id].cleared_on == day(60)
    assert event_names(loan)[-3:] == ["WarningRaised", "WarningHandled", "WarningCleared"]


def test_a_signal_never_raised_cannot_be_cleared() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidTransitionError) as refused:
        clear(loan, uuid4())

    assert "never raised" in refused.value.en


def test_a_signal_never_raised_cannot_be_handled() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidTransitionError):
        handle(loan, uuid4())


def test_a_signal_cannot_be_cleared_before_it_is_handled() -> None:
    loan = disbursed_loan()
    signal_id = raise_signal(loan)

    with pytest.raises(InvalidTransitionError):
        clear(loan, signal_id)

    assert loan.warnings[signal_id].status == "raised"


def test_a_signal_cannot_be_cleared_twice() -> None:
    loan, signal_id = handled()
    clear(loan, signal_id, on=60)

    with pytest.raises(InvalidTransitionError):
        clear(loan, signal_id, on=61)

    assert loan.warnings[signal_id].cleared_on == day(60)


def test_the_same_signal_code_cannot_be_open_twice() -> None:
    loan = disbursed_loan()
    raise_signal(loan, code="LITIGATION")

    with pytest.raises(InvalidTransitionError):
        raise_signal(loan, code="LITIGATION", on=41)

    assert len(loan.warnings) == 1


def test_a_cleared_signal_code_may_be_raised_again() -> None:
    loan = disbursed_loan()
    first = raise_signal(loan, code="LITIGATION")
    handle(loan, first)
    clear(loan, first)

    again = raise_signal(loan, code="LITIGATION", on=90)

    assert loan.warnings[again].status == "raised"


def test_a_signal_cannot_be_handled_before_it_was_raised() -> None:
    loan = disbursed_loan()
    signal_id = raise_signal(loan, on=40)

    with pytest.raises(InvalidInputError):
        handle(loan, signal_id, on=39)


def test_a_signal_cannot_be_cleared_before_it_was_handled() -> None:
    loan = disbursed_loan()
    signal_id = raise_signal(loan, on=40)
    handle(loan, signal_id, on=45)

    with pytest.raises(InvalidInputError):
        clear(loan, signal_id, on=44)


def test_a_signal_cannot_be_raised_before_the_value_date() -> None:
    loan = disbursed_loan()

    with pytest.raises(InvalidInputError):
        raise_signal(loan, on=-1)


def test_clearing_needs_a_reason() -> None:
    loan, signal_id = handled()

    with pytest.raises(InvalidInputError):
        clear(loan, signal_id, reason="  ")


def test_only_a_risk_manager_clears_a_signal() -> None:
    loan, signal_id = handled()

    with pytest.raises(RoleNotPermittedError):
        clear(loan, signal_id, reason="已恢复", by=Role.POST_LOAN_OFFICER)
