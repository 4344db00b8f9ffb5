"""Disposal plans (不良/特殊资产处置方案): submitted, approved or refused, and carried out.

A plan says how the money of a problem loan is to come back — collection, early recall
(提前收回), litigation, auction or sale of the collateral (拍卖、变卖抵押物), transfer of the
claim (债权转让), debt for assets and the running and sale of the assets so taken (以资抵债,
抵债资产经营处置), restructuring, or write-off (核销项目) — with what it expects to recover.
The loan's officers or the risk manager (资产保全) submit it (申报); the branch head decides it
(受理、审批) within the authority the bank gives the branch, never on a plan of their own; an
approved plan's result (执行结果: the day, what was recovered, what happened, with its
evidence, e.g. the auction's confirmation of the sale) is recorded once.

Which loans may have a plan: early recall is of a loan still on the books; a write-off plan is
of a non-performing one; every other method is for a problem loan — overdue, non-performing
now or before, or written off (账销案存: recovery goes on). Auction and sale are of the
collateral: of a loan secured by a mortgage or a pledge.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidTransitionError, SegregationOfDutiesError
from domain.loan.core import Docs
from domain.loan.watch import LoanWatch
from domain.values import (
    Actor,
    DisposalMethod,
    DocumentRef,
    GuaranteeType,
    LoanStatus,
    Role,
    money,
    require_text,
)

COLLATERAL_METHODS = frozenset({DisposalMethod.AUCTION, DisposalMethod.SALE})
SECURED = frozenset({GuaranteeType.MORTGAGE, GuaranteeType.PLEDGE})


@dataclass(frozen=True)
class DisposalPlan:
    """A disposal plan and what became of it."""

    plan_id: UUID
    method: DisposalMethod
    submitted_on: date
    plan: str
    expected_recovery: Decimal | None
    submitted_by: UUID
    decided_on: date | None = None
    approved: bool | None = None
    opinion: str | None = None
    decided_by: UUID | None = None
    executed_on: date | None = None
    recovered: Decimal | None = None
    result: str | None = None
    executed_by: UUID | None = None


class LoanDisposal(LoanWatch):
    """Disposal plans of a problem loan."""

    # Loans disbursed before this layer existed have no plans until one is submitted: the
    # property reads the state with its default (see LoanWatch).
    @property
    def disposal_plans(self) -> dict[UUID, DisposalPlan]:
        """The disposal plans, in the order submitted."""
        found: dict[UUID, DisposalPlan] = self.__dict__.get("_disposal_plans", {})
        return found

    def _keep_plan(self, plan: DisposalPlan) -> None:
        self.__dict__["_disposal_plans"] = {**self.disposal_plans, plan.plan_id: plan}

    def submit_disposal_plan(
        self,
        *,
        plan_id: UUID,
        method: DisposalMethod,
        submitted_on: date,
        plan: str,
        expected_recovery: Decimal | None,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Submit a disposal plan (申报) for the branch head's decision."""
        authorize(actor, Action.SUBMIT_DISPOSAL_PLAN)
        self._new(self.disposal_plans, plan_id, "处置方案/disposal plan")
        self.check_business_date(submitted_on, "submitted_on")
        self._check_method(method)
        self._disposal_plan_submitted(
            plan_id=plan_id,
            method=method,
            submitted_on=submitted_on,
            plan=require_text(plan, "plan"),
            expected_recovery=(
                None if expected_recovery is None else money(expected_recovery, "expected_recovery")
            ),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    def _check_method(self, method: DisposalMethod) -> None:
        if method is DisposalMethod.EARLY_RECALL:
            self.check_on_books("提前收回", "recall early")
            return
        if method is DisposalMethod.WRITE_OFF:
            self.check_on_books("申报核销", "propose a write-off")
            if not self.grade.is_non_performing:
                raise InvalidTransitionError(
                    f"仅不良贷款可申报核销（当前为{self.grade.zh}）",
                    "only a non-performing loan may be proposed for write-off "
                    f"(it is {self.grade.value})",
                )
            return
        self.check_not_closed("处置", "dispose of it")
        problem = (
            self.days_overdue > 0
            or self.ever_non_performing
            or self.grade.is_non_performing
            or self.status is LoanStatus.WRITTEN_OFF
        )
        if not problem:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 未逾期、从未列为不良，不属不良或特殊资产，不能{method.zh}",
                f"loan {self.loan_no} is neither overdue nor ever non-performing: "
                f"no {method.value} plan",
            )
        if method in COLLATERAL_METHODS and self.guarantee_type not in SECURED:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 无抵押物或质押物，不能{method.zh}",
                f"loan {self.loan_no} has no collateral to {method.value}",
            )

    @event("DisposalPlanSubmitted")
    def _disposal_plan_submitted(
        self,
        *,
        plan_id: UUID,
        method: DisposalMethod,
        submitted_on: date,
        plan: str,
        expected_recovery: Decimal | None,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self._keep_plan(
            DisposalPlan(plan_id, method, submitted_on, plan, expected_recovery, actor_id)
        )

    def decide_disposal_plan(
        self,
        *,
        plan_id: UUID,
        decided_on: date,
        approved: bool,
        opinion: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Approve or refuse a submitted plan (审批), once; never the submitter's own."""
        authorize(actor, Action.DECIDE_DISPOSAL_PLAN)
        plan: DisposalPlan = self._get(self.disposal_plans, plan_id, "处置方案", "disposal plan")
        if plan.decided_on is not None:
            raise InvalidTransitionError("处置方案已审批", "the plan was already decided")
        if actor.id == plan.submitted_by:
            raise SegregationOfDutiesError(
                "申报人不得审批本人申报的处置方案", "the submitter may not decide their own plan"
            )
        check_not_before(
            decided_on, plan.submitted_on, field="decided_on", since_field="submitted_on"
        )
        self._disposal_plan_decided(
            plan_id=plan_id,
            decided_on=decided_on,
            approved=approved,
            opinion=require_text(opinion, "opinion"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("DisposalPlanDecided")
    def _disposal_plan_decided(
        self,
        *,
        plan_id: UUID,
        decided_on: date,
        approved: bool,
        opinion: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self._keep_plan(
            replace(
                self.disposal_plans[plan_id],
                decided_on=decided_on,
                approved=approved,
                opinion=opinion,
                decided_by=actor_id,
            )
        )

    def record_disposal_result(
        self,
        *,
        plan_id: UUID,
        executed_on: date,
        recovered: Decimal,
        result: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record what an approved plan achieved (执行结果), once."""
        authorize(actor, Action.RECORD_DISPOSAL_RESULT)
        plan: DisposalPlan = self._get(self.disposal_plans, plan_id, "处置方案", "disposal plan")
        if plan.approved is not True or plan.decided_on is None:
            raise InvalidTransitionError(
                "处置方案未获批准，不能登记执行结果",
                "the plan has not been approved: no result to record",
            )
        if plan.executed_on is not None:
            raise InvalidTransitionError(
                "处置方案已登记执行结果", "the plan's result was already recorded"
            )
        check_not_before(
            executed_on, plan.decided_on, field="executed_on", since_field="decided_on"
        )
        self._disposal_result_recorded(
            plan_id=plan_id,
            executed_on=executed_on,
            recovered=money(recovered, "recovered"),
            result=require_text(result, "result"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("DisposalResultRecorded")
    def _disposal_result_recorded(
        self,
        *,
        plan_id: UUID,
        executed_on: date,
        recovered: Decimal,
        result: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self._keep_plan(
            replace(
                self.disposal_plans[plan_id],
                executed_on=executed_on,
                recovered=recovered,
                result=result,
                executed_by=actor_id,
            )
        )
