"""Workout: restructuring, extension, handover, asset preservation, write-off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from archive.core import ArchiveCore, CommandContext, CommandResult, start_retention_on_close
from archive.documents.ingest import Upload
from domain.authorization import Action
from domain.values import WriteOffCriterion


class WorkoutCommands(ArchiveCore):
    """Changing the loan, handing it on, or ending it."""

    def restructure(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        restructured_on: date,
        new_maturity_date: date,
        new_interest_rate: str,
        terms: str,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {
            "restructured_on": restructured_on,
            "new_maturity_date": new_maturity_date,
            "new_interest_rate": new_interest_rate,
            "terms": terms,
            "reason": reason,
        }
        return self.on_loan(
            ctx,
            Action.RESTRUCTURE,
            loan_no,
            params,
            lambda loan, actor, refs: loan.restructure(
                restructured_on=restructured_on,
                new_maturity_date=new_maturity_date,
                new_interest_rate=new_interest_rate,
                terms=terms,
                reason=reason,
                policy=self.rule_set().floor_policy,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def extend(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        approved_on: date,
        new_maturity_date: date,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {
            "approved_on": approved_on,
            "new_maturity_date": new_maturity_date,
            "reason": reason,
        }
        return self.on_loan(
            ctx,
            Action.EXTEND,
            loan_no,
            params,
            lambda loan, actor, refs: loan.extend(
                approved_on=approved_on,
                new_maturity_date=new_maturity_date,
                reason=reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def hand_over(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        handed_over_on: date,
        receiving_no: str,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {"handed_over_on": handed_over_on, "receiving_no": receiving_no, "reason": reason}
        return self.on_loan(
            ctx,
            Action.HAND_OVER,
            loan_no,
            params,
            lambda loan, actor, refs: loan.hand_over(
                handed_over_on=handed_over_on,
                receiving=self.party(receiving_no),
                reason=reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def transfer_to_asset_preservation(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        transferred_on: date,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {"transferred_on": transferred_on, "reason": reason}
        return self.on_loan(
            ctx,
            Action.TRANSFER_TO_PRESERVATION,
            loan_no,
            params,
            lambda loan, actor, refs: loan.transfer_to_asset_preservation(
                transferred_on=transferred_on, reason=reason, actor=actor, documents=refs
            ),
            uploads,
        )

    def write_off(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        written_off_on: date,
        criterion: WriteOffCriterion,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {"written_off_on": written_off_on, "criterion": criterion, "reason": reason}
        return self.on_loan(
            ctx,
            Action.WRITE_OFF,
            loan_no,
            params,
            lambda loan, actor, refs: loan.write_off(
                written_off_on=written_off_on,
                criterion=criterion,
                reason=reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
            on_dossier=start_retention_on_close,
        )
