"""A loan rebuilt from its stored events equals the loan that recorded them.

The events go through the transcoder (in the in-memory "popo" store), so a value
type without a registered transcoding would fail here before it fails in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.loan import Loan
from domain.values import (
    CollectionStepKind,
    DocumentRef,
    Grade,
    InspectionKind,
    LoanStatus,
    Role,
    WarningColour,
)
from tests.domain.givens import (
    day,
    inspect,
    make_non_performing,
    overdue,
    repay,
    restructure,
    serve_notice,
    write_off,
)
from tests.domain.in_memory import InMemoryAggregates, in_memory
from tests.factories import actor, disbursed_loan, doc


@pytest.fixture
def app() -> Iterator[InMemoryAggregates]:
    yield from in_memory()


def a_loan_with_a_history() -> Loan:
    loan = disbursed_loan(principal=Decimal("1000000.00"))
    inspect(loan, kind=InspectionKind.FIRST_FOLLOW_UP, on=day(12))
    repay(loan, day(30), principal="100000.00", interest="2875.00")
    loan.raise_warning(
        signal_id=uuid4(),
        colour=WarningColour.RED,
        code="LITIGATION",
        raised_on=day(40),
        reason="借款人被供应商起诉",
        actor=actor(Role.POST_LOAN_OFFICER),
        documents=[doc("warning_form")],
    )
    restructure(loan, day(45))
    make_non_performing(loan, days=120)
    serve_notice(loan, day(160), 130, promised=day(170), by=Role.ACCOUNT_MANAGER)
    return loan


def test_a_loan_rebuilt_from_its_events_equals_the_original(app: InMemoryAggregates) -> None:
    original = a_loan_with_a_history()
    app.save(original)

    rebuilt: Loan = app.repository.get(original.id)

    assert rebuilt is not original
    assert rebuilt.version == original.version
    assert rebuilt.grade is Grade.SUBSTANDARD
    assert rebuilt.balance == original.balance == Decimal("900000.00")
    assert rebuilt.status is LoanStatus.ACTIVE
    assert rebuilt.inspections == original.inspections
    assert rebuilt.warnings == original.warnings
    assert rebuilt.collection_steps == original.collection_steps
    assert rebuilt.proposals == original.proposals
    assert rebuilt.observation == original.observation
    assert rebuilt.term == original.term
    assert rebuilt.account_managers == original.account_managers
    assert rebuilt.days_overdue == 120
    assert rebuilt.ever_non_performing


def test_values_come_back_from_the_store_with_their_types(app: InMemoryAggregates) -> None:
    original = a_loan_with_a_history()
    app.save(original)

    rebuilt: Loan = app.repository.get(original.id)

    assert type(rebuilt.balance) is Decimal
    assert type(rebuilt.value_date) is date
    assert type(rebuilt.term.maturity_date) is date
    assert type(rebuilt.grade) is Grade
    assert type(rebuilt.product) is type(original.product)
    assert type(rebuilt.observation.grade_at_restructuring) is Grade
    (inspection,) = rebuilt.inspections.values()
    assert inspection.kind is InspectionKind.FIRST_FOLLOW_UP
    assert type(inspection.inspected_on) is date
    (signal,) = rebuilt.warnings.values()
    assert signal.colour is WarningColour.RED


def test_stored_events_carry_documents_decimals_and_roles_with_their_types(
    app: InMemoryAggregates,
) -> None:
    original = a_loan_with_a_history()
    app.save(original)

    events = list(app.events.get(original.id))

    disbursed = events[0]
    assert type(disbursed.principal) is Decimal
    assert disbursed.principal == Decimal("1000000.00")
    assert disbursed.role is Role.ACCOUNT_MANAGER
    assert all(type(d) is DocumentRef for d in disbursed.documents)
    assert [d.doc_type for d in disbursed.documents] == ["loan_contract", "drawdown_receipt"]
    served = events[-1]
    assert type(served).__name__ == "CollectionStepTaken"
    assert served.kind is CollectionStepKind.NOTICE_SERVED
    assert all(type(d) is DocumentRef for d in served.documents)
    assert len(served.documents) == 2
    assert type(served.promised_date) is date


def test_a_written_off_loan_with_recoveries_round_trips(app: InMemoryAggregates) -> None:
    original = disbursed_loan()
    make_non_performing(original)
    overdue(original, 400, as_of=day(500))
    write_off(original, day(510))
    repay(original, day(520), principal="3000.00", interest="0")
    app.save(original)

    rebuilt: Loan = app.repository.get(original.id)

    assert rebuilt.status is LoanStatus.WRITTEN_OFF
    assert rebuilt.written_off_on == day(510)
    assert rebuilt.balance == original.balance
