"""Guarantees (保证): guarantors registered on a loan, and their periodic re-assessment.

A guarantee is kept on the loan (:mod:`domain.loan.guarantees`); its documents — the guarantee
contract, the guarantor's assessment report — are filed in the loan's dossier. A
re-assessment finding the guarantor's capacity (代偿能力) weakened or lost raises warning signal
GUA-03 in the same save.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import ONE_LINE, Code, PositiveMoney, Short, Text
from domain.authorization import Action
from domain.loan import Loan
from domain.values import Actor, DocumentRef, GuarantorCapacity, GuarantorKind, PartnerKind

Rating = Annotated[str, Field(max_length=16), ONE_LINE]


class RegisterGuarantee(LoanCommand):
    action = Action.REGISTER_GUARANTEE
    assigned = ("guarantee_id",)

    guarantor_name: Short = Field(description="the guarantor's name (保证人名称)")
    kind: GuarantorKind
    id_no: Code = Field(
        description="ID card number (自然人) or unified social credit code (企业、担保公司)"
    )
    amount: PositiveMoney = Field(description="the amount guaranteed, 元 (担保金额)")
    contract_no: Code = Field(description="the guarantee contract's number (保证合同编号)")
    registered_on: date
    capacity: GuarantorCapacity = GuarantorCapacity.ADEQUATE
    rating: Rating | None = Field(
        default=None, description="the guarantor's credit rating (信用等级)"
    )
    guarantee_id: UUID = Field(default_factory=uuid4)


class ReassessGuarantor(LoanCommand):
    action = Action.REASSESS_GUARANTOR
    path = ("loan_no", "guarantee_id")
    assigned = ("signal_id",)

    guarantee_id: UUID
    assessed_on: date
    capacity: GuarantorCapacity
    rating: Rating | None = Field(
        default=None, description="the credit rating found; none keeps the last"
    )
    findings: Text
    signal_id: UUID = Field(default_factory=uuid4)


class GuaranteeCommands(ArchiveCore):
    """Who guarantees a loan, and whether they still can."""

    @handles(RegisterGuarantee)
    def register_guarantee(
        self, ctx: CommandContext, cmd: RegisterGuarantee, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Register a guarantee on the loan (保证登记); a guarantee company registered as a
        partner institution (合作机构) guarantees nothing new while its cooperation is suspended
        or outside its period."""

        def registered(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            if cmd.kind is GuarantorKind.GUARANTEE_COMPANY:
                self.check_partner_open(
                    cmd.id_no.strip().upper(),
                    PartnerKind.GUARANTEE_COMPANY,
                    cmd.registered_on,
                    "id_no",
                )
            loan.register_guarantee(**cmd.arguments(), actor=actor, documents=refs)

        return self.for_loan(ctx, cmd, registered, uploads)

    @handles(ReassessGuarantor)
    def reassess_guarantor(
        self, ctx: CommandContext, cmd: ReassessGuarantor, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Re-assess a guarantor's capacity (代偿能力) and rating; weakened or lost: GUA-03,
        which follows the warning rules in force."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.reassess_guarantor(
                **cmd.arguments(),
                actor=actor,
                documents=refs,
                warning_rules=self.rule_set().warnings,
            ),
            uploads,
        )
