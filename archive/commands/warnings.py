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
from domain.values import Actor, DocumentRef, WarningColour


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
        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.raise_warning(
                signal_id=cmd.signal_id,
                colour=cmd.colour,
                code=cmd.code,
                raised_on=cmd.raised_on,
                reason=cmd.reason,
                actor=actor,
                documents=refs,
            )
            return {"signal_id": str(cmd.signal_id)}

        return self.for_loan(ctx, cmd, command, uploads)

    @handles(HandleWarning)
    def handle_warning(
        self, ctx: CommandContext, cmd: HandleWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.handle_warning(
                signal_id=cmd.signal_id,
                handled_on=cmd.handled_on,
                measures=cmd.measures,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(ClearWarning)
    def clear_warning(
        self, ctx: CommandContext, cmd: ClearWarning, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.clear_warning(
                signal_id=cmd.signal_id,
                cleared_on=cmd.cleared_on,
                reason=cmd.reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )
