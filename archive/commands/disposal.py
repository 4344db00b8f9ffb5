"""Disposal plans (不良/特殊资产处置方案): submitted, decided by the branch head, carried out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import Money, Text
from domain.authorization import Action
from domain.loan import Loan
from domain.values import DisposalMethod


class SubmitDisposalPlan(LoanCommand):
    action = Action.SUBMIT_DISPOSAL_PLAN
    assigned = ("plan_id",)

    method: DisposalMethod
    submitted_on: date
    plan: Text
    expected_recovery: Money | None = Field(
        default=None, description="what the plan expects to recover, in 元"
    )
    plan_id: UUID = Field(default_factory=uuid4)


class DecideDisposalPlan(LoanCommand):
    action = Action.DECIDE_DISPOSAL_PLAN
    path = ("loan_no", "plan_id")

    plan_id: UUID
    decided_on: date
    approved: bool
    opinion: Text


class RecordDisposalResult(LoanCommand):
    action = Action.RECORD_DISPOSAL_RESULT
    path = ("loan_no", "plan_id")

    plan_id: UUID
    executed_on: date
    recovered: Money = Field(description="what was recovered, in 元 (0 when nothing was)")
    result: Text


class DisposalCommands(ArchiveCore):
    """The plans that dispose of a problem loan, and what became of them."""

    @handles(SubmitDisposalPlan)
    def submit_disposal_plan(
        self, ctx: CommandContext, cmd: SubmitDisposalPlan, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Submit a disposal plan (申报) for the branch head's decision."""
        return self.record_on_loan(ctx, cmd, Loan.submit_disposal_plan, uploads)

    @handles(DecideDisposalPlan)
    def decide_disposal_plan(
        self, ctx: CommandContext, cmd: DecideDisposalPlan, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Approve or refuse a disposal plan (审批)."""
        return self.record_on_loan(ctx, cmd, Loan.decide_disposal_plan, uploads)

    @handles(RecordDisposalResult)
    def record_disposal_result(
        self, ctx: CommandContext, cmd: RecordDisposalResult, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record the result of an approved plan (执行结果)."""
        return self.record_on_loan(ctx, cmd, Loan.record_disposal_result, uploads)
