"""Workout: restructuring, extension, handover, asset preservation, write-off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, start_retention_on_close
from archive.documents.ingest import Upload
from archive.fields import Rate, Short, Text
from domain.accountability import EXTENSION_APPLICATION
from domain.authorization import Action
from domain.loan import Loan
from domain.values import Actor, DocumentRef, RepaymentMethod, WriteOffCriterion


class Restructure(LoanCommand):
    action = Action.RESTRUCTURE

    restructured_on: date
    new_maturity_date: date
    new_interest_rate: Rate
    terms: Text
    reason: Text
    new_repayment_method: RepaymentMethod | None = Field(
        default=None, description="the repayment method from now on (变更还款方式), if it changes"
    )

    def params(self) -> dict[str, Any]:
        """The fingerprint's fields: a restructuring keeping the repayment method exactly as
        before the method could change."""
        return {
            name: value
            for name, value in super().params().items()
            if name != "new_repayment_method" or value is not None
        }


class Extend(LoanCommand):
    action = Action.EXTEND

    approved_on: date
    new_maturity_date: date
    reason: Text


class HandOver(LoanCommand):
    action = Action.HAND_OVER

    handed_over_on: date
    receiving_no: Short = Field(description="staff number of the receiving account manager")
    reason: Text


class TransferToAssetPreservation(LoanCommand):
    action = Action.TRANSFER_TO_PRESERVATION

    transferred_on: date
    reason: Text


class ReturnFromAssetPreservation(LoanCommand):
    action = Action.TRANSFER_TO_PRESERVATION

    returned_on: date
    reason: Text


class WriteOff(LoanCommand):
    action = Action.WRITE_OFF

    written_off_on: date
    criterion: WriteOffCriterion
    reason: Text


class WorkoutCommands(ArchiveCore):
    """Changing the loan, handing it on, or ending it."""

    @handles(Restructure)
    def restructure(
        self, ctx: CommandContext, cmd: Restructure, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record an approved restructuring (重组); starts the observation period."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.restructure(
                **cmd.arguments(),
                policy=self.rule_set().floor_policy,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(Extend)
    def extend(
        self, ctx: CommandContext, cmd: Extend, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record an approved extension (展期), citing the application materials (展期申请资料)
        filed in the dossier beforehand."""

        def extend(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            filed = self.dossier_of(loan).documents
            loan.extend(
                **cmd.arguments(),
                actor=actor,
                documents=refs,
                applications=[
                    d.ref.sha256 for d in filed if d.ref.doc_type == EXTENSION_APPLICATION
                ],
            )

        return self.for_loan(ctx, cmd, extend, uploads)

    @handles(HandOver)
    def hand_over(
        self, ctx: CommandContext, cmd: HandOver, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Hand the loan to another account manager, the caller supervising (监交人)."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.hand_over(
                **cmd.arguments("receiving_no"),
                receiving=self.party(cmd.receiving_no),
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(TransferToAssetPreservation)
    def transfer_to_asset_preservation(
        self, ctx: CommandContext, cmd: TransferToAssetPreservation, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Transfer a non-performing loan to asset preservation (资产保全)."""
        return self.record_on_loan(ctx, cmd, Loan.transfer_to_asset_preservation, uploads)

    @handles(ReturnFromAssetPreservation)
    def return_from_asset_preservation(
        self,
        ctx: CommandContext,
        cmd: ReturnFromAssetPreservation,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        """Hand a loan upgraded back to performing to the customer department (退回)."""
        return self.record_on_loan(ctx, cmd, Loan.return_from_asset_preservation, uploads)

    @handles(WriteOff)
    def write_off(
        self, ctx: CommandContext, cmd: WriteOff, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Write the loan off (核销) with the evidence for its criterion."""
        return self.record_on_loan(
            ctx, cmd, Loan.write_off, uploads, on_dossier=start_retention_on_close
        )
