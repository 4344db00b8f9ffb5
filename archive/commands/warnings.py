"""Risk-warning signals (风险预警): raised → handled → cleared."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from domain.authorization import Action
from domain.loan import Loan
from domain.values import Actor, DocumentRef, WarningColour


class WarningCommands(ArchiveCore):
    """Warning signals on a loan, from raising to clearing."""

    def raise_warning(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        colour: WarningColour,
        code: str,
        raised_on: date,
        reason: str,
        uploads: Sequence[Upload] = (),
        signal_id: UUID | None = None,
    ) -> CommandResult:
        new_id = signal_id or uuid4()
        params = {"colour": colour, "code": code, "raised_on": raised_on, "reason": reason}

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.raise_warning(
                signal_id=new_id,
                colour=colour,
                code=code,
                raised_on=raised_on,
                reason=reason,
                actor=actor,
                documents=refs,
            )
            return {"signal_id": str(new_id)}

        return self.on_loan(ctx, Action.RAISE_WARNING, loan_no, params, command, uploads)

    def handle_warning(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        signal_id: UUID,
        handled_on: date,
        measures: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {"signal_id": signal_id, "handled_on": handled_on, "measures": measures}
        return self.on_loan(
            ctx,
            Action.HANDLE_WARNING,
            loan_no,
            params,
            lambda loan, actor, refs: loan.handle_warning(
                signal_id=signal_id,
                handled_on=handled_on,
                measures=measures,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def clear_warning(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        signal_id: UUID,
        cleared_on: date,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {"signal_id": signal_id, "cleared_on": cleared_on, "reason": reason}
        return self.on_loan(
            ctx,
            Action.CLEAR_WARNING,
            loan_no,
            params,
            lambda loan, actor, refs: loan.clear_warning(
                signal_id=signal_id,
                cleared_on=cleared_on,
                reason=reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )
