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
from archive.fields import ONE_LINE, Text
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
