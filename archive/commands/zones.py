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
    market: Text | None = Field(default=None, description="市场环境")
    statements: Text | None = Field(
        default=None, description="经营报表与资金周转: the statements' key figures, the cash flow"
    )
    industry: Text | None = Field(default=None, description="行业动态")
    credit_record: Text | None = Field(default=None, description="征信记录: the bureau's report")
    media: Text | None = Field(default=None, description="媒体信息")
    account_monitoring: Text | None = Field(
        default=None, description="帐户监管: what the accounts watched showed"
    )
    repayment_plan: Text | None = Field(
        default=None, description="协商还款计划: the repayment agreed with the borrower"
    )
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


class NotifyZone(LoanCommand):
    """The customer told of the bank's assessment (将公司评测情况通知客户): the zone in force,
    how, to whom and what was said."""

    action = Action.NOTIFY_ZONE
    files_documents = False
    assigned = ("notice_id",)

    notified_on: date
    method: Short = Field(description="how: 书面通知、面谈、电话…")
    recipient: Short = Field(description="to whom (the customer's contact)")
    content: Text = Field(description="what the customer was told")
    notice_id: UUID = Field(default_factory=uuid4)


class ListBadCredit(LoanCommand):
    """The customer put on the bank's internal control list of bad-credit customers
    (不良信用客户内部控制名单) by the risk manager, with the reason."""

    action = Action.LIST_BAD_CREDIT
    files_documents = False

    blacklisted_on: date
    reason: Text


class DelistBadCredit(LoanCommand):
    """The customer taken off the bad-credit list (名单调整), with the reason."""

    action = Action.LIST_BAD_CREDIT
    files_documents = False

    delisted_on: date
    reason: Text


FINDINGS = (
    "statements",
    "industry",
    "credit_record",
    "media",
    "account_monitoring",
    "repayment_plan",
)


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
                findings={name: getattr(cmd, name) for name in FINDINGS},
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

    @handles(NotifyZone)
    def notify_zone(self, ctx: CommandContext, cmd: NotifyZone) -> CommandResult:
        """Record the notice of the assessment to the customer."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, _refs: loan.notify_zone(
                notice_id=cmd.notice_id,
                notified_on=cmd.notified_on,
                method=cmd.method,
                recipient=cmd.recipient,
                content=cmd.content,
                actor=actor,
            ),
        )

    @handles(ListBadCredit)
    def list_bad_credit(self, ctx: CommandContext, cmd: ListBadCredit) -> CommandResult:
        """Put the customer on the bad-credit list."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, _refs: loan.list_bad_credit(
                blacklisted_on=cmd.blacklisted_on, reason=cmd.reason, actor=actor
            ),
        )

    @handles(DelistBadCredit)
    def delist_bad_credit(self, ctx: CommandContext, cmd: DelistBadCredit) -> CommandResult:
        """Take the customer off the bad-credit list."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, _refs: loan.delist_bad_credit(
                delisted_on=cmd.delisted_on, reason=cmd.reason, actor=actor
            ),
        )
