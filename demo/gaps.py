"""The demo's deliberate gaps (有意留下的缺口): loans whose faults are planned, not drawn.

A real branch leaves gaps now and then, and the demo draws some at random too — an inspection
made late, a notice whose receipt never came back, a warning handled after its deadline — but
those move with the seed and the portfolio's size. The loans of :data:`DELIBERATE_LOANS` do not:
every demo portfolio, whatever its size or seed, holds them under the same numbers, branches,
account managers and dates, each with the fault named here, so that on the demo's today
(:data:`~demo.plan.TODAY`, 20 November 2026) the work queue and the completeness register
have known late work to show, and the tests and the README can point at it. Only their borrowers,
amounts and rates follow the seed.

Their serials lie below the first one the portfolio's numbering gives in a year (61), so no drawn
loan takes their numbers; the archive office leaves them out of its random picks (a damaged or
missing original, the files it lends), so that it adds nothing to their faults but the one
borrowing it is meant to lend and not get back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from demo.plan import TODAY, Planner
from demo.servicing import (
    contract_schedule,
    first_findings,
    inspect,
    inspection_papers,
    pay_on_time,
    routine_inspections,
)
from demo.texts import ROUTINE_FINDINGS
from domain.values import Grade, GuaranteeType, InspectionKind, Product, RepaymentMethod

FIRST_INSPECTION_OVERDUE = "DK2026000018"
"""Its first follow-up inspection (首次跟踪检查), due by 2026-10-28, is not recorded: on the
demo's today the work queue shows it 23 days overdue, owned by account manager 0102 (林海燕)."""
FIRST_INSPECTION_DUE_ON = date(2026, 10, 28)
"""30 days after the value date (``inspections.first_follow_up_days_other``)."""

FIRST_REPORT_LATE = "DK2025000046"
"""Its first follow-up inspection, due by 2025-12-23, was made on 2025-12-30, a week after its
window; its checklist answered, the form generated from the answers is its report, filed with it.
The scan of the signed report came on 2026-01-08 with the next routine inspection."""
LATE_FIRST_INSPECTION_ON = date(2025, 12, 30)
LATE_REPORT_FILED_ON = date(2026, 1, 8)

BORROWING_OVERDUE = FIRST_REPORT_LATE
"""Its contract and drawdown receipt (原件), lent to its account manager for the renewal review
on 2026-11-02 and due back on 2026-11-05, are still out on the demo's today: 15 days overdue,
escalated to the branch head."""
BORROWED_ON = date(2026, 11, 2)
BORROWING_DUE_ON = date(2026, 11, 5)

AWAITING_DETERMINATION = FIRST_REPORT_LATE
"""Proposed for 关注 (初分) by its account manager on 2026-11-16 — its sector in decline — and on
the demo's today still awaiting its determination (认定) by the branch's reviewer: 待认定."""
AWAITING_DETERMINATION_ON = date(2026, 11, 16)

AWAITING_APPROVAL = FIRST_INSPECTION_OVERDUE
"""Proposed for 关注 on 2026-11-12 and determined (认定) by the branch's reviewer on 2026-11-16
at 关注三级 (the account manager had proposed 关注一级); on the demo's today still awaiting the
risk manager's approval (审批): 待审批."""
AWAITING_APPROVAL_PROPOSED_ON = date(2026, 11, 12)
AWAITING_APPROVAL_DETERMINED_ON = date(2026, 11, 16)

RECEIPT_MISSING = "DK2025000027"
"""In arrears since its maturity on 2026-09-10 (principal unpaid): the collection notice
(逾期催收通知书) was served on 2026-10-12 — day 30 fell on a Saturday — and its signed receipt
(回执), the evidence that interrupts the limitation period, was never filed."""
NOTICE_SERVED_ON = date(2026, 10, 12)


@dataclass(frozen=True)
class DeliberateLoan:
    """A loan of every demo portfolio, fixed but for its borrower, amount and rate."""

    loan_no: str
    fault: str
    """What is wrong with it, as the work queue or the completeness register shows it."""
    scenario: str
    product: Product
    rating: str
    guarantee: GuaranteeType
    method: RepaymentMethod
    term_months: int
    value_date: date
    branch: str
    account_manager: str
    default_on: date | None = None
    missed: str = ""
    features: frozenset[str] = frozenset()


DELIBERATE_LOANS: tuple[DeliberateLoan, ...] = (
    DeliberateLoan(
        RECEIPT_MISSING,
        "collection notice served on 2026-10-12 without its receipt (collection.notice)",
        scenario="overdue",
        product=Product.CORPORATE_WORKING_CAPITAL,
        rating="A",
        guarantee=GuaranteeType.GUARANTEE,
        method=RepaymentMethod.BULLET,
        term_months=12,
        value_date=date(2025, 9, 10),
        branch="城西支行",
        account_manager="0303",
        default_on=date(2026, 9, 10),
        missed="principal",
        features=frozenset({"missing_receipt"}),
    ),
    DeliberateLoan(
        FIRST_REPORT_LATE,
        "first inspection 7 days after its window, its signed scan filed 9 days later; "
        "originals out past their due date (overdue borrowing)",
        scenario="first_report_late",
        product=Product.CORPORATE_WORKING_CAPITAL,
        rating="BBB",
        guarantee=GuaranteeType.GUARANTEE,
        method=RepaymentMethod.BULLET,
        term_months=12,
        value_date=date(2025, 12, 8),
        branch="城东支行",
        account_manager="0202",
    ),
    DeliberateLoan(
        FIRST_INSPECTION_OVERDUE,
        "first follow-up inspection due 2026-10-28 not recorded (overdue first_inspection task)",
        scenario="first_inspection_missed",
        product=Product.INDIVIDUAL_PRODUCTION,
        rating="A",
        guarantee=GuaranteeType.GUARANTEE,
        method=RepaymentMethod.INSTALMENT,
        term_months=12,
        value_date=date(2026, 9, 28),
        branch="营业部",
        account_manager="0102",
    ),
)
"""The loans with deliberate gaps, in disbursement order."""
DELIBERATE_LOAN_NOS = frozenset(d.loan_no for d in DELIBERATE_LOANS)


# ------------------------------------------------------------------------------- lives
def first_inspection_missed(p: Planner) -> None:
    """Repaid as agreed; the first follow-up inspection never recorded; a proposal for 关注
    determined (认定) at another sub-grade and awaiting approval (审批)."""
    pay_on_time(p, contract_schedule(p), p.shape.value_date, TODAY)
    proposal_id = _propose_special_mention(
        p,
        AWAITING_APPROVAL_PROPOSED_ON,
        "借款人主营农产品价格下跌，经营收入明显下降，建议下调为关注类。",
    )
    p.add(
        AWAITING_APPROVAL_DETERMINED_ON,
        p.crew.reviewer,
        "determine_classification",
        proposal_id=proposal_id,
        grade=Grade.SPECIAL_MENTION,
        sub_grade="special_mention_3",
        reason="经复核，借款人收入下降幅度较大且无其他还款来源，认定为关注三级，报风险管理部审批。",
    )


def _propose_special_mention(p: Planner, on: date, reason: str) -> UUID:
    """The account manager proposes 关注一级 (初分) as of ``on``; the proposal's id."""
    proposal_id = p.new_id("proposal")
    p.add(
        on,
        p.account_manager_at(on),
        "propose_classification",
        grade=Grade.SPECIAL_MENTION,
        sub_grade="special_mention_1",
        reason=reason,
        as_of=on,
        proposal_id=proposal_id,
    )
    return proposal_id


def first_report_late(p: Planner) -> None:
    """Repaid as agreed and inspected every month, but the first follow-up came a week after its
    window, and the scan of its signed report only with the next routine inspection."""
    pay_on_time(p, contract_schedule(p), p.shape.value_date, TODAY)
    first, kind = LATE_FIRST_INSPECTION_ON, InspectionKind.FIRST_FOLLOW_UP
    findings = first_findings(p)
    inspect(p, first, kind, findings, docs=())
    late_report = inspection_papers(p, first, kind, findings)
    routine, seen = LATE_REPORT_FILED_ON, p.rng.choice(ROUTINE_FINDINGS)
    papers = inspection_papers(p, routine, InspectionKind.ROUTINE, seen) + late_report
    inspect(p, routine, InspectionKind.ROUTINE, seen, docs=papers)
    routine_inspections(p, routine, TODAY)
    _propose_special_mention(
        p,
        AWAITING_DETERMINATION_ON,
        "借款人所在行业景气度下行，近两季销售收入同比下降三成，建议下调为关注类。",
    )
