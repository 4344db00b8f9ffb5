"""Responsibility determination (不良贷款责任认定), appeals (复议) and written objections."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.loan import Loan
from domain.values import (
    Actor,
    AppealOutcome,
    Grade,
    ResponsibilityFinding,
    ResponsibilityStage,
    Role,
)
from tests.domain.givens import classify, day, make_non_performing, overdue, repay
from tests.factories import actor, disbursed_loan


def determine(
    loan: Loan,
    person: UUID,
    *,
    by: Actor | None = None,
    on: date | None = None,
    starts_at: int | None = 30,
) -> UUID:
    """A finding by an auditor on ``on`` (the last overdue status's day by default), under a
    ladder whose day-30 rung starts responsibility determination."""
    determination_id = uuid4()
    loan.determine_responsibility(
        determination_id=determination_id,
        person_id=person,
        stage=ResponsibilityStage.POST_LOAN,
        finding=ResponsibilityFinding.MAIN,
        sanction="通报批评，扣减绩效",
        reason="未按期开展贷后检查",
        on=on or loan.overdue_as_of or day(0),
        starts_at_days_overdue=starts_at,
        actor=by or actor(Role.AUDITOR),
    )
    return determination_id


def appeal(loan: Loan, determination_id: UUID, by: Actor) -> None:
    loan.appeal_responsibility(
        determination_id=determination_id, reason="检查已开展，记录遗漏", actor=by
    )


def appealed(loan: Loan) -> tuple[UUID, Actor]:
    """A finding on an account manager, who appeals it: the determination's id, the person."""
    person = actor(Role.ACCOUNT_MANAGER)
    determination_id = determine(loan, person.id)
    appeal(loan, determination_id, person)
    return determination_id, person


def decide(
    loan: Loan,
    determination_id: UUID,
    outcome: AppealOutcome,
    finding: ResponsibilityFinding | None = None,
    *,
    by: Actor | None = None,
) -> None:
    loan.decide_appeal(
        determination_id=determination_id,
        outcome=outcome,
        finding=finding,
        reason="委员会审议",
        actor=by or actor(Role.AUDITOR),
    )


@pytest.fixture
def npl() -> Loan:
    loan = disbursed_loan()
    make_non_performing(loan)
    return loan


def test_a_finding_is_recorded_per_person_and_stage_for_a_non_performing_loan(npl: Loan) -> None:
    person = uuid4()
    auditor = actor(Role.AUDITOR)

    determination_id = determine(npl, person, by=auditor)

    recorded = npl.determinations[determination_id]
    assert recorded.person_id == person
    assert recorded.stage is ResponsibilityStage.POST_LOAN
    assert recorded.finding is ResponsibilityFinding.MAIN
    assert recorded.determined_by == auditor.id


def test_no_determination_for_a_loan_never_non_performing_nor_30_days_overdue() -> None:
    loan = disbursed_loan()
    overdue(loan, 29)  # as of day(59)
    classify(loan, Grade.SPECIAL_MENTION)

    with pytest.raises(InvalidTransitionError) as refused:
        determine(loan, uuid4())
    assert refused.value.context == {"days_overdue": 29, "starts_at_days_overdue": 30}
    assert "30" in refused.value.zh
    # Without a rung that starts it, only a non-performing loan is open to determination.
    with pytest.raises(InvalidTransitionError):
        determine(loan, uuid4(), on=day(200), starts_at=None)
    assert loan.determinations == {}


def test_determination_starts_at_30_days_overdue_the_ladders_notice_rung() -> None:
    """不良贷款责任认定 starts at the day-30 rung of the collection ladder, not only once the
    loan is non-performing."""
    loan = disbursed_loan()
    overdue(loan, 30)
    classify(loan, Grade.SPECIAL_MENTION)
    assert not loan.grade.is_non_performing

    assert determine(loan, uuid4()) in loan.determinations


def test_days_overdue_run_on_from_the_last_status_and_a_cure_does_not_undo_the_start() -> None:
    loan = disbursed_loan()
    overdue(loan, 25, as_of=day(55))
    with pytest.raises(InvalidTransitionError):
        determine(loan, uuid4(), on=day(59))  # 29 days overdue
    assert determine(loan, uuid4(), on=day(60)) in loan.determinations  # 30 days, unrecorded

    cured = disbursed_loan()
    overdue(cured, 45, as_of=day(75))
    overdue(cured, 0, as_of=day(80))
    assert determine(cured, uuid4(), on=day(300)) in cured.determinations


def test_a_loan_once_non_performing_stays_open_to_determination_after_an_upgrade() -> None:
    loan = disbursed_loan()
    make_non_performing(loan)  # as of day(150)
    overdue(loan, 0, as_of=day(160))
    repay(loan, day(190))
    repay(loan, day(220))
    classify(loan, Grade.SPECIAL_MENTION, as_of=day(225))

    determination_id = determine(loan, uuid4())

    assert determination_id in loan.determinations


def test_an_auditor_may_not_determine_their_own_responsibility(npl: Loan) -> None:
    auditor = actor(Role.AUDITOR)

    with pytest.raises(SegregationOfDutiesError):
        determine(npl, auditor.id, by=auditor)


def test_only_an_auditor_determines_responsibility(npl: Loan) -> None:
    with pytest.raises(RoleNotPermittedError):
        determine(npl, uuid4(), by=actor(Role.RISK_MANAGER))


def test_only_the_person_concerned_may_appeal(npl: Loan) -> None:
    determination_id = determine(npl, uuid4())

    with pytest.raises(SegregationOfDutiesError):
        appeal(npl, determination_id, actor(Role.ACCOUNT_MANAGER))

    assert npl.determinations[determination_id].appeal_reason is None


def test_a_finding_may_be_appealed_only_once(npl: Loan) -> None:
    determination_id, person = appealed(npl)

    with pytest.raises(InvalidTransitionError):
        appeal(npl, determination_id, person)

    assert npl.determinations[determination_id].appeal_reason == "检查已开展，记录遗漏"


def test_appealing_an_unknown_determination_is_not_found(npl: Loan) -> None:
    with pytest.raises(NotFoundError):
        appeal(npl, uuid4(), actor(Role.ACCOUNT_MANAGER))


def test_an_appeal_is_decided_only_after_it_was_made(npl: Loan) -> None:
    determination_id = determine(npl, uuid4())

    with pytest.raises(InvalidTransitionError):
        decide(npl, determination_id, AppealOutcome.UPHELD)


def test_the_appellant_may_not_decide_their_own_appeal(npl: Loan) -> None:
    person = uuid4()
    determination_id = determine(npl, person)
    appeal(npl, determination_id, actor(Role.ACCOUNT_MANAGER, id=person))

    with pytest.raises(SegregationOfDutiesError):
        decide(npl, determination_id, AppealOutcome.UPHELD, by=actor(Role.AUDITOR, id=person))

    assert npl.determinations[determination_id].outcome is None


def test_an_upheld_appeal_keeps_the_original_finding(npl: Loan) -> None:
    determination_id, _person = appealed(npl)

    decide(npl, determination_id, AppealOutcome.UPHELD)

    decided = npl.determinations[determination_id]
    assert decided.outcome is AppealOutcome.UPHELD
    assert decided.final_finding is ResponsibilityFinding.MAIN


def test_an_amended_decision_records_the_new_finding(npl: Loan) -> None:
    determination_id, _person = appealed(npl)

    decide(npl, determination_id, AppealOutcome.AMENDED, ResponsibilityFinding.EXEMPT)

    assert npl.determinations[determination_id].final_finding is ResponsibilityFinding.EXEMPT
    assert npl.determinations[determination_id].finding is ResponsibilityFinding.MAIN


def test_an_amended_decision_needs_a_finding(npl: Loan) -> None:
    determination_id, _person = appealed(npl)

    with pytest.raises(InvalidInputError):
        decide(npl, determination_id, AppealOutcome.AMENDED, None)

    assert npl.determinations[determination_id].outcome is None


def test_an_appeal_is_decided_only_once(npl: Loan) -> None:
    determination_id, _person = appealed(npl)
    decide(npl, determination_id, AppealOutcome.UPHELD)

    with pytest.raises(InvalidTransitionError):
        decide(npl, determination_id, AppealOutcome.AMENDED, ResponsibilityFinding.EXEMPT)

    assert npl.determinations[determination_id].final_finding is ResponsibilityFinding.MAIN


def test_a_written_objection_is_recorded_as_an_event_naming_its_author() -> None:
    loan = disbursed_loan()
    author = actor(Role.REVIEWER)

    loan.record_objection(
        objection_id=(objection_id := uuid4()),
        subject="对授信审批的异议",
        text="借款人现金流不足以覆盖还款，不同意放款",
        actor=author,
    )

    assert loan.objections == [objection_id]
    recorded = loan.pending_events[-1]
    assert type(recorded).__name__ == "ObjectionRecorded"
    assert recorded.actor_id == author.id
    assert recorded.text == "借款人现金流不足以覆盖还款，不同意放款"


def test_the_same_objection_is_not_recorded_twice() -> None:
    loan = disbursed_loan()
    objection_id = uuid4()
    loan.record_objection(
        objection_id=objection_id, subject="异议", text="不同意", actor=actor(Role.REVIEWER)
    )

    with pytest.raises(InvalidTransitionError):
        loan.record_objection(
            objection_id=objection_id, subject="异议", text="不同意", actor=actor(Role.REVIEWER)
        )


def test_an_auditor_does_not_record_objections() -> None:
    loan = disbursed_loan()

    with pytest.raises(RoleNotPermittedError):
        loan.record_objection(
            objection_id=uuid4(), subject="异议", text="不同意", actor=actor(Role.AUDITOR)
        )


def test_the_auditor_who_made_a_finding_may_not_decide_the_appeal_against_it(npl: Loan) -> None:
    auditor = actor(Role.AUDITOR)
    person = actor(Role.ACCOUNT_MANAGER)
    determination_id = determine(npl, person.id, by=auditor)
    appeal(npl, determination_id, person)

    with pytest.raises(SegregationOfDutiesError):
        decide(npl, determination_id, AppealOutcome.UPHELD, by=auditor)

    decide(npl, determination_id, AppealOutcome.UPHELD, by=actor(Role.AUDITOR))
    assert npl.determinations[determination_id].outcome is AppealOutcome.UPHELD
