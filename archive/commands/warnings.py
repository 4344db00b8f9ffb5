"""Risk-warning signals (风险预警): 发布 → 处置 → 反馈 → 认定 → 消除, reported by colour."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import ONE_LINE, Short, Text
from domain.authorization import Action
from domain.loan import Loan
from domain.values import WarningColour


class RaiseWarning(LoanCommand):
    action = Action.RAISE_WARNING
    assigned = ("signal_id",)

    colour: WarningColour | None = Field(
        default=None,
        description="the catalogue's colour (may be omitted); required only under rules "
        "without a catalogue",
    )
    code: Annotated[str, Field(min_length=1, max_length=32), ONE_LINE]
    raised_on: date
    reason: Text
    signal_id: UUID = Field(default_factory=uuid4)


class HandleWarning(LoanCommand):
    action = Action.HANDLE_WARNING
    path = ("loan_no", "signal_id")

    signal_id: UUID
    handled_on: date
    measures: Text


class GiveWarningFeedback(LoanCommand):
    action = Action.GIVE_WARNING_FEEDBACK
    path = ("loan_no", "signal_id")

    signal_id: UUID
    feedback_on: date
    result: Text


class DetermineWarning(LoanCommand):
    action = Action.DETERMINE_WARNING
    path = ("loan_no", "signal_id")

    signal_id: UUID
    determined_on: date
    confirmed: bool = Field(description="true: the risk is confirmed; false: dismissed")
    opinion: Text


class ReportWarning(LoanCommand):
    action = Action.REPORT_WARNING
    path = ("loan_no", "signal_id")

    signal_id: UUID
    reported_on: date


class ClearWarning(LoanCommand):
    action = Action.CLEAR_WARNING
    path = ("loan_no", "signal_id")

    signal_id: UUID
    cleared_on: date
    reason: Text


class StartEmergencyPlan(LoanCommand):
    """Start a signal's emergency plan (应急预案): measures, who carries them out, by when."""

    action = Action.START_EMERGENCY_PLAN
    path = ("loan_no", "signal_id")

    signal_id: UUID
    started_on: date
    measures: Text = Field(description="the plan's measures (应急措施)")
    owner_no: Short = Field(description="staff number of who carries the plan out (责任人)")
    due_on: date = Field(description="by when the measures are carried out (完成期限)")


class RecordEmergencyProgress(LoanCommand):
    """How a signal's emergency plan stands (应急预案落实情况)."""

    action = Action.RECORD_EMERGENCY_PROGRESS
    path = ("loan_no", "signal_id")

    signal_id: UUID
    progress_on: date
    progress: Text = Field(description="what was done, what remains (进展情况)")


class WarningCommands(ArchiveCore):
    """Warning signals on a loan, from raising to clearing."""

    @handles(RaiseWarning)
    def raise_warning(
        self, ctx: CommandContext, cmd: RaiseWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.raise_warning(
                **cmd.arguments(), actor=actor, documents=refs, rules=self.rule_set().warnings
            ),
            uploads,
        )

    @handles(HandleWarning)
    def handle_warning(
        self, ctx: CommandContext, cmd: HandleWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.record_on_loan(ctx, cmd, Loan.handle_warning, uploads)

    @handles(GiveWarningFeedback)
    def give_warning_feedback(
        self, ctx: CommandContext, cmd: GiveWarningFeedback, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.record_on_loan(ctx, cmd, Loan.give_warning_feedback, uploads)

    @handles(DetermineWarning)
    def determine_warning(
        self, ctx: CommandContext, cmd: DetermineWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.record_on_loan(ctx, cmd, Loan.determine_warning, uploads)

    @handles(ReportWarning)
    def report_warning(
        self, ctx: CommandContext, cmd: ReportWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.report_warning(
                **cmd.arguments(), actor=actor, documents=refs, rules=self.rule_set().warnings
            ),
            uploads,
        )

    @handles(ClearWarning)
    def clear_warning(
        self, ctx: CommandContext, cmd: ClearWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.record_on_loan(ctx, cmd, Loan.clear_warning, uploads)

    @handles(StartEmergencyPlan)
    def start_emergency_plan(
        self, ctx: CommandContext, cmd: StartEmergencyPlan, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Start the plan; late when after the rules' ``emergency_plan_days`` of raising."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.start_emergency_plan(
                **cmd.arguments("owner_no"),
                owner=self.party(cmd.owner_no),
                plan_days=self.rule_set().warnings.emergency_plan_days,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(RecordEmergencyProgress)
    def record_emergency_progress(
        self, ctx: CommandContext, cmd: RecordEmergencyProgress, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.record_on_loan(ctx, cmd, Loan.record_emergency_progress, uploads)
