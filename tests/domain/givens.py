"""Given-steps shared by the domain tests: bring a loan into a state the procedure starts from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.classification import FloorPolicy
from domain.loan import Loan
from domain.rules import shipped_rules
from domain.values import (
    Actor,
    CollectionStepKind,
    DocumentRef,
    Grade,
    InspectionKind,
    Role,
    WriteOffCriterion,
)
from tests.factories import VALUE_DATE, actor, doc, party

POLICY = FloorPolicy()
SCHEME = shipped_rules().sub_grades


def day(n: int) -> date:
    """The business date ``n`` days after the default value date."""
    return VALUE_DATE + timedelta(days=n)


def overdue(
    loan: Loan,
    days: int,
    *,
    as_of: date | None = None,
    principal: Decimal = Decimal("10000.00"),
    interest: Decimal = Decimal("500.00"),
) -> None:
    """Record that the loan is ``days`` overdue (zero days records it cured)."""
    if days == 0:
        principal = interest = Decimal("0.00")
    loan.record_overdue(
        as_of=as_of or day(days + 30),
        days_overdue=days,
        overdue_principal=principal,
        overdue_interest=interest,
        actor=actor(Role.POST_LOAN_OFFICER),
    )


def repay(
    loan: Loan,
    on: date,
    principal: str = "1000.00",
    interest: str = "100.00",
    by: Actor | None = None,
) -> None:
    loan.record_repayment(
        paid_on=on,
        principal=Decimal(principal),
        interest=Decimal(interest),
        actor=by or actor(Role.ACCOUNT_MANAGER),
    )


def propose(
    loan: Loan,
    grade: Grade,
    *,
    as_of: date | None = None,
    sub_grade: str | None = None,
    by: Actor | None = None,
) -> UUID:
    """An account manager proposes ``grade`` (初分); returns the proposal id."""
    proposal_id = uuid4()
    loan.propose_classification(
        proposal_id=proposal_id,
        grade=grade,
        sub_grade=sub_grade,
        reason="依据还款能力分析",
        as_of=as_of or loan.overdue_as_of or day(30),
        scheme=SCHEME,
        actor=by or actor(Role.ACCOUNT_MANAGER),
    )
    return proposal_id


def approve(
    loan: Loan,
    proposal_id: UUID,
    *,
    policy: FloorPolicy = POLICY,
    borrower_npl_share: Decimal | None = None,
    by: Actor | None = None,
) -> None:
    loan.approve_classification(
        proposal_id=proposal_id,
        reason="同意",
        policy=policy,
        borrower_npl_share=borrower_npl_share,
        actor=by or actor(Role.RISK_MANAGER),
    )


def classify(loan: Loan, grade: Grade, *, as_of: date | None = None) -> None:
    """The grade is proposed by an account manager and approved by a risk manager."""
    approve(loan, propose(loan, grade, as_of=as_of))


def make_non_performing(loan: Loan, days: int = 120) -> None:
    """The loan falls ``days`` overdue and is classified substandard."""
    overdue(loan, days)
    classify(loan, Grade.SUBSTANDARD)


def restructure(loan: Loan, on: date, *, policy: FloorPolicy = POLICY) -> None:
    loan.restructure(
        restructured_on=on,
        new_maturity_date=on + timedelta(days=730),
        new_interest_rate="4.35%",
        terms="分期偿还，延长期限两年",
        reason="借款人经营暂时困难",
        policy=policy,
        actor=actor(Role.BRANCH_HEAD),
    )


def write_off(loan: Loan, on: date | None = None) -> None:
    loan.write_off(
        written_off_on=on or day(400),
        criterion=WriteOffCriterion.BANKRUPTCY,
        reason="借款人破产清算终结",
        actor=actor(Role.BRANCH_HEAD),
        documents=[doc("bankruptcy_ruling")],
    )


def inspect(
    loan: Loan,
    *,
    kind: InspectionKind = InspectionKind.ROUTINE,
    on: date | None = None,
    by: Actor | None = None,
    reviewer_id: UUID | None = None,
) -> UUID:
    """An account manager inspects and a reviewer countersigns; returns the inspection id."""
    inspection_id = uuid4()
    loan.record_inspection(
        inspection_id=inspection_id,
        kind=kind,
        inspected_on=on or day(10),
        reviewer=party(Role.REVIEWER, id=reviewer_id),
        findings="经营正常，资金按约定用途使用",
        actor=by or actor(Role.ACCOUNT_MANAGER),
    )
    return inspection_id


def take_step(
    loan: Loan,
    *,
    kind: CollectionStepKind = CollectionStepKind.PHONE_CALL,
    on: date,
    days_overdue: int = 1,
    promised: date | None = None,
    outcome: str = "借款人承诺一周内还款",
    by: Role = Role.ACCOUNT_MANAGER,
    documents: Sequence[DocumentRef] = (),
) -> UUID:
    """催收: a collection step of ``kind`` taken on ``on``; its id."""
    loan.take_collection_step(
        kind=kind,
        taken_on=on,
        days_overdue=days_overdue,
        step_id=(step_id := uuid4()),
        outcome=outcome,
        promised_date=promised,
        actor=actor(by),
        documents=documents,
    )
    return step_id


def serve_notice(
    loan: Loan, on: date, days: int, promised: date | None = None, by: Role = Role.POST_LOAN_OFFICER
) -> UUID:
    """催收通知书 served ``days`` overdue and signed for: the notice with its receipt."""
    return take_step(
        loan,
        kind=CollectionStepKind.NOTICE_SERVED,
        outcome="借款人签收",
        documents=[doc("collection_notice"), doc("notice_receipt")],
        on=on,
        days_overdue=days,
        promised=promised,
        by=by,
    )


def event_names(loan: Loan) -> list[str]:
    """Names of the events the loan has triggered and not yet saved."""
    return [type(e).__name__ for e in loan.pending_events]


def last_event_name(loan: Loan) -> str:
    return event_names(loan)[-1]
