"""The three zones of customers (三大区间) and the plan for each (一户一策): proposed by the
loan's officer, approved or rejected by the branch head or a risk manager, reviewed when due."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.fields import Short, StaffNumber, Text
from domain.authorization import Action
from domain.errors import NotFoundError
from domain.loan import Loan
from domain.values import Actor, DocumentRef


class ZonePlanFields(LoanCommand):
    """A zone and its plan (一户一策), as a proposal or a review's proposal carries them."""

    measures: Text | None = Field(default=None, description="工作措施 (required in a 限制 zone)")
    target: Text | None = Field(default=None, description="目标 (required in a 限制 zone)")
    responsible_no: StaffNumber | None = Field(
        default=None, description="the staff number of the person responsible (责任人)"
    )
    deadline: date | None = Field(default=None, description="方案期限 (required in a 限制 zone)")


class ProposeZone(ZonePlanFields):
    """The customer's zone (优良, 正常, 限制, 严格限制, 坚决退出: the rules' zones) proposed with
    the reason and the plan, for the branch head or a risk manager to approve."""

    action = Action.PROPOSE_ZONE
    files_documents = False
    assigned = ("proposal_id",)

    zone: Short = Field(description="the zone's code in the rules (e.g. restricted)")
    reason: Text
    proposed_on: date
    responsible_no: StaffNumber = Field(
        description="the staff number of the person responsible (责任人)"
    )
    proposal_id: UUID = Field(default_factory=uuid4)


class ApproveZone(LoanCommand):
    """A proposed zone and plan approved (never by its proposer): the customer's zone."""

    action = Action.APPROVE_ZONE
    files_documents = False
    path = ("loan_no", "proposal_id")

    proposal_id: UUID
    approved_on: date
    opinion: Text


class RejectZone(LoanCommand):
    """A proposed zone rejected, with the reason: the zone in force stays."""

    action = Action.APPROVE_ZONE
    files_documents = False
    path = ("loan_no", "proposal_id")

    proposal_id: UUID
    rejected_on: date
    reason: Text


class ReviewZone(ZonePlanFields):
    """A review of the customer's zone and plan when due: the progress on the plan and the
    assessment; with ``zone`` (and its plan) it proposes another zone for approval."""

    action = Action.REVIEW_ZONE
    files_documents = False
    assigned = ("review_id", "proposal_id")

    reviewed_on: date
    progress: Text = Field(description="进展: what the plan achieved since")
    repayment_capacity: Text = Field(description="还款能力")
    operations: Text = Field(description="经营状况、财务状况")
    market: Text | None = Field(default=None, description="市场环境、行业动态")
    zone: Short | None = Field(default=None, description="another zone to propose")
    reason: Text | None = Field(default=None, description="why another zone")
    review_id: UUID = Field(default_factory=uuid4)
    proposal_id: UUID = Field(default_factory=uuid4)

    def assigned_ids(self) -> dict[str, str]:
        """The review's id, and the proposal's when the review proposes another zone."""
        ids = super().assigned_ids()
        if self.zone is None:
            del ids["proposal_id"]
        return ids


class ZoneCommands(ArchiveCore):
    """三大区间: zones proposed, decided and reviewed."""

    def _responsible(self, staff_no: str) -> UUID:
        try:
            return self.staff(staff_no).id
        except NotFoundError:
            raise NotFoundError(
                f"责任人工号 {staff_no} 不存在",
                f"responsible_no: staff member {staff_no} does not exist",
                field="responsible_no",
            ) from None

    @handles(ProposeZone)
    def propose_zone(self, ctx: CommandContext, cmd: ProposeZone) -> CommandResult:
        """Propose the customer's zone and plan."""

        def propose(loan: Loan, actor: Actor, _refs: list[DocumentRef]) -> None:
            loan.propose_zone(
                proposal_id=cmd.proposal_id,
                zone=cmd.zone,
                reason=cmd.reason,
                proposed_on=cmd.proposed_on,
                measures=cmd.measures,
                target=cmd.target,
                responsible_id=self._responsible(cmd.responsible_no),
                deadline=cmd.deadline,
                rules=self.rule_set().zones,
                actor=actor,
            )

        return self.for_loan(ctx, cmd, propose)

    @handles(ApproveZone)
    def approve_zone(self, ctx: CommandContext, cmd: ApproveZone) -> CommandResult:
        """Approve a proposed zone and plan."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, _refs: loan.approve_zone(
                proposal_id=cmd.proposal_id,
                approved_on=cmd.approved_on,
                opinion=cmd.opinion,
                actor=actor,
            ),
        )

    @handles(RejectZone)
    def reject_zone(self, ctx: CommandContext, cmd: RejectZone) -> CommandResult:
        """Reject a proposed zone."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, _refs: loan.reject_zone(
                proposal_id=cmd.proposal_id,
                rejected_on=cmd.rejected_on,
                reason=cmd.reason,
                actor=actor,
            ),
        )

    @handles(ReviewZone)
    def review_zone(self, ctx: CommandContext, cmd: ReviewZone) -> CommandResult:
        """Review the customer's zone and plan; propose another zone when ``zone`` is given."""

        def review(loan: Loan, actor: Actor, _refs: list[DocumentRef]) -> None:
            loan.review_zone(
                review_id=cmd.review_id,
                reviewed_on=cmd.reviewed_on,
                progress=cmd.progress,
                repayment_capacity=cmd.repayment_capacity,
                operations=cmd.operations,
                market=cmd.market,
                actor=actor,
            )
            if cmd.zone is None:
                return
            current = loan.zone
            loan.propose_zone(
                proposal_id=cmd.proposal_id,
                zone=cmd.zone,
                reason=cmd.reason or "",
                proposed_on=cmd.reviewed_on,
                measures=cmd.measures,
                target=cmd.target,
                responsible_id=(
                    self._responsible(cmd.responsible_no)
                    if cmd.responsible_no
                    else current.plan.responsible_id
                    if current
                    else actor.id
                ),
                deadline=cmd.deadline,
                rules=self.rule_set().zones,
                actor=actor,
            )
            return

        return self.for_loan(ctx, cmd, review)
