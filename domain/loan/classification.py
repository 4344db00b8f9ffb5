"""Five-level classification of a loan (五级分类): propose (初分) → determine (认定) →
approve (审批), or reject at either decision.

Public methods are commands: they check the rules first and then trigger one
past-tense event through a private ``@event`` method, whose body is the only
place state changes (it runs again when the loan is rebuilt from its events,
so it holds no rule that configuration could change).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import DETERMINING_ROLES, Action, authorize
from domain.classification import (
    Floor,
    FloorFacts,
    FloorPolicy,
    SubGradeScheme,
    statutory_floor,
)
from domain.errors import (
    ClassificationFloorError,
    ClassificationNotDeterminedError,
    InvalidInputError,
    InvalidTransitionError,
    SegregationOfDutiesError,
)
from domain.loan.core import Docs
from domain.loan.inspections import LoanInspections
from domain.records import (
    Proposal,
    note_loss,
)
from domain.values import (
    Actor,
    DocumentRef,
    Grade,
    LossKind,
    Role,
    require_text,
)


def _derivation(
    system_grade: Grade | None,
    factor_grade: Grade | None,
    risk_factors: str | None,
    adjustment_reason: str | None,
) -> dict[str, Any]:
    """The derivation of a proposed grade as recorded (CLS-21); blank text is none."""
    given: dict[str, Any] = {"system_grade": system_grade, "factor_grade": factor_grade}
    if risk_factors is not None and risk_factors.strip():
        given["risk_factors"] = require_text(risk_factors, "risk_factors", max_length=2000)
    if adjustment_reason is not None and adjustment_reason.strip():
        given["adjustment_reason"] = require_text(
            adjustment_reason, "adjustment_reason", max_length=2000
        )
    if factor_grade is not None and system_grade is None:
        raise InvalidInputError(
            "填写风险因子调整后分类时须填写系统初始定级",
            "factor_grade needs the system_grade it adjusts",
            field="system_grade",
        )
    return {"risk_factors": None, "adjustment_reason": None, **given}


class LoanClassification(LoanInspections):
    """Five-level classification (五级分类): propose → determine → approve, or reject."""

    # ---------------------------------------------------------- classification
    def propose_classification(
        self,
        *,
        proposal_id: UUID,
        grade: Grade,
        sub_grade: str | None,
        reason: str,
        as_of: date,
        scheme: SubGradeScheme,
        actor: Actor,
        documents: Docs = (),
        determination_required: bool = False,
        system_grade: Grade | None = None,
        factor_grade: Grade | None = None,
        risk_factors: str | None = None,
        adjustment_reason: str | None = None,
    ) -> None:
        """Propose a grade (初分) for determination (认定), where the rules in force require
        one (``determination_required``, recorded with the proposal), and approval (审批).

        The proposal may record how the grade was reached (CLS-21): the system's initial grade
        (``system_grade``, 系统初始定级, from the credit management system or typed), the grade
        after the risk factors (``factor_grade``) and those factors (``risk_factors``, 风险因子
        调整), and why the proposed grade departs from it (``adjustment_reason``, 人工调整)."""
        authorize(actor, Action.PROPOSE_CLASSIFICATION)
        self.check_on_books("提出分类", "propose a classification")
        self.check_business_date(as_of, "as_of")
        self._new(self.proposals, proposal_id, "分类申请/proposal")
        scheme.check(grade, sub_grade)
        pending = [p for p in self.proposals.values() if p.status == "pending"]
        if pending:
            raise InvalidTransitionError(
                f"已有待审批的分类申请 {pending[0].id}",
                f"proposal {pending[0].id} is still awaiting approval",
            )
        self._classification_proposed(
            proposal_id=proposal_id,
            grade=grade,
            sub_grade=sub_grade,
            previous_grade=self.grade,
            reason=require_text(reason, "reason"),
            as_of=as_of,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            determination_required=determination_required,
            **_derivation(system_grade, factor_grade, risk_factors, adjustment_reason),
        )

    @event("ClassificationProposed")
    def _classification_proposed(
        self,
        *,
        proposal_id: UUID,
        grade: Grade,
        sub_grade: str | None,
        previous_grade: Grade,
        reason: str,
        as_of: date,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        determination_required: bool = False,
        system_grade: Grade | None = None,
        factor_grade: Grade | None = None,
        risk_factors: str | None = None,
        adjustment_reason: str | None = None,
    ) -> None:
        # The derivation (system grade, risk factors, manual adjustment) is the register's; a
        # proposal recorded before it was asked has none.
        # ``determination_required``: the rules in force asked for 认定 when it was proposed;
        # proposals stored before 认定 existed have none (two steps).
        self.proposals[proposal_id] = Proposal(
            proposal_id,
            grade,
            sub_grade,
            actor_id,
            reason,
            as_of,
            awaits_determination=determination_required,
        )

    def _pending(self, proposal_id: UUID) -> Proposal:
        proposal: Proposal = self._get(self.proposals, proposal_id, "分类申请", "proposal")
        if proposal.status != "pending":
            raise InvalidTransitionError(
                f"分类申请 {proposal_id} 已{'批准' if proposal.status == 'approved' else '否决'}",
                f"proposal {proposal_id} is already {proposal.status}",
            )
        return proposal

    def floor(self, as_of: date, policy: FloorPolicy, borrower_npl_share: Decimal | None) -> Floor:
        """The statutory floor grade for this loan as of ``as_of``."""
        return statutory_floor(
            FloorFacts(
                days_overdue=self.days_overdue,
                current_grade=self.grade,
                observation=self.observation,
                is_retail=self.is_retail,
                borrower_npl_share=borrower_npl_share,
                normal_repayments_since_arrears=self.normal_repayments_since_arrears,
                as_of=as_of,
            ),
            policy,
        )

    def _check_floor(
        self,
        grade: Grade,
        proposal: Proposal,
        policy: FloorPolicy,
        borrower_npl_share: Decimal | None,
        verb: tuple[str, str],
    ) -> Floor:
        """The floor as of the proposal's base date; ``grade`` better than it is refused."""
        floor = self.floor(proposal.as_of, policy, borrower_npl_share)
        if grade.is_better_than(floor.grade):
            zh, en = verb
            raise ClassificationFloorError(
                f"不得{zh}{grade.zh}：监管下限为{floor.grade.zh}（{floor.reason_zh}）",
                f"cannot {en} {grade.value}: the statutory floor is "
                f"{floor.grade.value} ({floor.reason_en})",
                floor=floor.grade.value,
                proposed=grade.value,
            )
        return floor

    def determine_classification(
        self,
        *,
        proposal_id: UUID,
        grade: Grade,
        sub_grade: str | None,
        reason: str,
        scheme: SubGradeScheme,
        policy: FloorPolicy,
        borrower_npl_share: Decimal | None,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Determine a proposal (认定): the branch's credit management confirms the proposed
        grade or sets another, with the reason; never its proposer, never above the floor."""
        authorize(actor, Action.DETERMINE_CLASSIFICATION)
        self.check_on_books("认定分类", "determine a classification")
        proposal = self._pending(proposal_id)
        if proposal.determiner_id is not None:
            raise InvalidTransitionError(
                f"分类申请 {proposal_id} 已认定，待审批",
                f"proposal {proposal_id} is already determined and awaits approval",
            )
        if proposal.proposer_id == actor.id:
            raise SegregationOfDutiesError(
                "审贷分离：分类申请人不得认定本人的申请",
                "the proposer of a classification may not determine it",
            )
        scheme.check(grade, sub_grade)
        floor = self._check_floor(
            grade, proposal, policy, borrower_npl_share, ("认定为", "determine")
        )
        self._classification_determined(
            proposal_id=proposal_id,
            grade=grade,
            sub_grade=sub_grade,
            proposed_grade=proposal.grade,
            proposed_sub_grade=proposal.sub_grade,
            floor=floor.grade,
            floor_reason=floor.reason_zh,
            proposer_id=proposal.proposer_id,
            reason=require_text(reason, "reason"),
            as_of=proposal.as_of,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ClassificationDetermined")
    def _classification_determined(
        self,
        *,
        proposal_id: UUID,
        grade: Grade,
        sub_grade: str | None,
        proposed_grade: Grade,
        proposed_sub_grade: str | None,
        floor: Grade,
        floor_reason: str,
        proposer_id: UUID,
        reason: str,
        as_of: date,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        proposal = self.proposals[proposal_id]
        proposal.awaits_determination = False
        proposal.determiner_id = actor_id
        proposal.determined_grade = grade
        proposal.determined_sub_grade = sub_grade

    def approve_classification(
        self,
        *,
        proposal_id: UUID,
        reason: str,
        policy: FloorPolicy,
        borrower_npl_share: Decimal | None,
        actor: Actor,
        documents: Docs = (),
        determination_required: bool = False,
    ) -> None:
        """Approve a proposal (审批) at its determined grade, if determined: never by its
        proposer nor its determiner, never above the floor; before its determination only
        where the rules in force (``determination_required``) do not require one."""
        authorize(actor, Action.APPROVE_CLASSIFICATION)
        self.check_on_books("审批分类", "approve a classification")
        proposal = self._pending(proposal_id)
        if proposal.proposer_id == actor.id:
            raise SegregationOfDutiesError(
                "审贷分离：分类申请人不得审批本人的申请",
                "the proposer of a classification may not approve it",
            )
        if proposal.determiner_id == actor.id:
            raise SegregationOfDutiesError(
                "审贷分离：分类认定人不得审批本人认定的分类",
                "the determiner of a classification may not approve it",
            )
        if determination_required and proposal.determiner_id is None:
            raise ClassificationNotDeterminedError(
                f"分类申请 {proposal_id} 尚未认定：现行规则要求先经信贷管理部门认定（认定）再审批",
                f"proposal {proposal_id} has not been determined: the rules in force require "
                "its determination (认定) by the branch's credit management before approval",
                field="proposal_id",
            )
        grade = proposal.final_grade
        floor = self._check_floor(grade, proposal, policy, borrower_npl_share, ("批准", "approve"))
        self._classification_approved(
            proposal_id=proposal_id,
            grade=grade,
            sub_grade=proposal.final_sub_grade,
            previous_grade=self.grade,
            floor=floor.grade,
            floor_reason=floor.reason_zh,
            proposer_id=proposal.proposer_id,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            as_of=proposal.as_of,
            determiner_id=proposal.determiner_id,
        )

    @event("ClassificationApproved")
    def _classification_approved(
        self,
        *,
        proposal_id: UUID,
        grade: Grade,
        sub_grade: str | None,
        previous_grade: Grade,
        floor: Grade,
        floor_reason: str,
        proposer_id: UUID,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        as_of: date | None = None,
        determiner_id: UUID | None = None,
    ) -> None:
        # ``as_of``, the proposal's base date, dates the approval (业务日期); events stored
        # before it was carried have none, nor a determiner (认定人: none before 认定 existed).
        self.proposals[proposal_id].status = "approved"
        if previous_grade.is_non_performing and not grade.is_non_performing:
            self.normal_repayments_since_arrears = 0
        if grade in (Grade.DOUBTFUL, Grade.LOSS) and grade.severity > previous_grade.severity:
            note_loss(self.__dict__, LossKind.DOWNGRADE, as_of, self.balance)
        self.grade = grade
        self.sub_grade = sub_grade
        if grade.is_non_performing:
            self.ever_non_performing = True

    def reject_classification(self, *, proposal_id: UUID, reason: str, actor: Actor) -> None:
        """Reject a proposal, with the reason: at approval (审批) by the risk department, or
        sent back at determination (认定) by the branch's credit management, before it is
        determined; never by its proposer nor by its determiner."""
        authorize(actor, Action.REJECT_CLASSIFICATION)
        proposal = self._pending(proposal_id)
        if proposal.proposer_id == actor.id:
            raise SegregationOfDutiesError(
                "审贷分离：分类申请人不得审批本人的申请",
                "the proposer of a classification may not decide on it",
            )
        if proposal.determiner_id == actor.id:
            raise SegregationOfDutiesError(
                "审贷分离：分类认定人不得否决本人已认定的分类",
                "the determiner of a classification may not reject it at approval",
            )
        if actor.role in DETERMINING_ROLES and proposal.determiner_id is not None:
            raise InvalidTransitionError(
                f"分类申请 {proposal_id} 已认定，待风险管理部门审批，认定岗位不得再退回",
                f"proposal {proposal_id} is already determined; only its approver may reject it",
            )
        self._classification_rejected(
            proposal_id=proposal_id,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
            as_of=proposal.as_of,
        )

    @event("ClassificationRejected")
    def _classification_rejected(
        self,
        *,
        proposal_id: UUID,
        reason: str,
        actor_id: UUID,
        role: Role,
        as_of: date | None = None,
    ) -> None:
        self.proposals[proposal_id].status = "rejected"
