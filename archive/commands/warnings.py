"""Risk-warning signals (风险预警): raised → handled → cleared."""

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

    colour: WarningColour
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
        return self.record_on_loan(ctx, cmd, Loan.raise_warning, uploads)

    @handles(HandleWarning)
    def handle_warning(
        self, ctx: CommandContext, cmd: HandleWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.record_on_loan(ctx, cmd, Loan.handle_warning, uploads)

    @handles(ClearWarning)
    def clear_warning(
        self, ctx: CommandContext, cmd: ClearWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.record_on_loan(ctx, cmd, Loan.clear_warning, uploads)
