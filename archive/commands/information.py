"""Borrower information maintenance (贷款信息维护) and the use of the funds (贷款用途监控)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import PositiveMoney, Sentence, Short, Text
from domain.authorization import Action
from domain.information import BorrowerField, PaymentMethod
from domain.loan import Loan
from domain.values import Actor, DocumentRef


class FieldChange(BaseModel):
    """One item of the borrower's information and its new value."""

    model_config = ConfigDict(extra="forbid")

    field: BorrowerField = Field(
        description="address, phone, employer, income (元), marital_status (single/married/"
        "divorced/widowed), assets, litigation, rating or repayment_account"
    )
    value: Sentence = Field(description="the new value (新值)")


class ChangeBorrowerInformation(LoanCommand):
    """Changes of the borrower's information from a date, with the reason and the evidence.

    The account manager or the post-loan officer records them; a change of rating is the risk
    manager's and files the new rating form (``rating_form``). Each field once; the old value
    is the loan's, as recorded.
    """

    action = Action.CHANGE_BORROWER_INFORMATION

    changed_on: date = Field(description="the date the changes take effect (生效日期)")
    changes: list[FieldChange] = Field(min_length=1, max_length=9)
    reason: Text = Field(description="why the information changed (变更原因)")


class RecordFundsUse(LoanCommand):
    """One use of the loan's funds checked against its stated purpose (贷款用途).

    A use against the purpose (``matches_purpose`` false) raises the warning signal BEH-05
    (贷款资金未按约定用途使用, orange) in the same act, unless one is open already.
    """

    action = Action.RECORD_FUNDS_USE
    assigned = ("record_id",)

    used_on: date = Field(description="the date of the payment (支付日期)")
    amount: PositiveMoney = Field(description="the amount paid, in 元")
    payee: Short = Field(description="who was paid (收款人)")
    use: Sentence = Field(description="what the funds were used for (资金用途)")
    matches_purpose: bool = Field(description="whether the use matches the stated purpose")
    payment_method: PaymentMethod = Field(
        description="self (自主支付) or entrusted (受托支付) payment"
    )
    record_id: UUID = Field(default_factory=uuid4)


class InformationCommands(ArchiveCore):
    """The borrower's information kept up, and the use of the funds checked."""

    @handles(ChangeBorrowerInformation)
    def change_borrower_information(
        self, ctx: CommandContext, cmd: ChangeBorrowerInformation, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record changes of the borrower's information (贷款信息维护) with their evidence.

        A change of rating re-derives the next inspection's due date from its effective date.
        """

        def changed(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            loan.change_borrower_information(
                changed_on=cmd.changed_on,
                changes=[(c.field, c.value) for c in cmd.changes],
                reason=cmd.reason,
                actor=actor,
                documents=refs,
            )

        return self.for_loan(ctx, cmd, changed, uploads)

    @handles(RecordFundsUse)
    def record_funds_use(
        self, ctx: CommandContext, cmd: RecordFundsUse, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a use of the funds against the stated purpose (贷款用途监控).

        A use against the purpose raises the BEH-05 warning signal in the same act.
        """

        def recorded(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            raised = loan.record_funds_use(
                **cmd.arguments(),
                actor=actor,
                documents=refs,
                warning_rules=self.rule_set().warnings,
            )
            return {"signal_id": str(raised)} if raised is not None else {}

        return self.for_loan(ctx, cmd, recorded, uploads)
