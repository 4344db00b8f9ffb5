"""Partner institutions (合作机构), guarantors' compensations (代偿) and the repayment-behaviour
assessment (还款行为分析).

A risk manager registers an institution (guarantee company, third-party servicer or other),
suspends and resumes the cooperation; the communications with a servicer verifying its
customers' information are recorded on the institution, a change of a borrower's information
found maintained on the loan in the same save. A guarantor's compensation and the progress of
its recovery are recorded on the loan. The rules are in :mod:`domain.partners`,
:mod:`domain.loan.guarantees` and :mod:`domain.repayment_behaviour`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from archive.commands import Command, LoanCommand, handles
from archive.core import SYSTEM_ID, ArchiveCore, CommandContext, CommandResult, Work
from archive.documents.ingest import Upload
from archive.fields import Code, Money, PositiveMoney, Sentence, Short, Text
from domain.authorization import Action
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.information import BorrowerField
from domain.loan import Loan
from domain.partners import Partner, credit_code, partner_id_for
from domain.values import Actor, DocumentRef, PartnerKind


class FieldChange(BaseModel):
    """One item of the borrower's information found changed, and its new value."""

    model_config = ConfigDict(extra="forbid")

    field: BorrowerField = Field(
        description="address, phone, employer, income (元), marital_status, assets, "
        "litigation, rating or repayment_account"
    )
    value: Sentence = Field(description="the new value (新值)")


class RegisterPartner(Command):
    """An institution the bank cooperates with (合作机构准入登记), by a risk manager: its type,
    its unified social credit code, the contact there, the cooperation period and limit."""

    action = Action.MANAGE_PARTNERS
    files_documents = False

    name: Short = Field(description="the institution's name (机构名称)")
    kind: PartnerKind = Field(
        description="guarantee_company (担保机构), servicer (第三方服务机构) or other"
    )
    credit_code: Code = Field(description="unified social credit code (统一社会信用代码)")
    contact: Short = Field(description="the contact there (联系人)")
    contact_phone: Short | None = Field(default=None, description="the contact's phone")
    cooperation_from: date = Field(description="the cooperation's first day (合作起始日)")
    cooperation_to: date | None = Field(
        default=None, description="the cooperation's last day (合作到期日); none: open-ended"
    )
    limit: PositiveMoney | None = Field(
        default=None, description="the cooperation limit, 元 (合作额度); none: no limit"
    )
    registered_on: date


class PartnerCommand(Command):
    """A command on one institution, named by its unified social credit code in the path."""

    path: ClassVar[tuple[str, ...]] = ("credit_code",)
    files_documents = False

    credit_code: Code


class SuspendPartner(PartnerCommand):
    """The cooperation suspended (暂停合作), with the reason: no new loan is guaranteed or
    serviced by the institution until it is resumed."""

    action = Action.MANAGE_PARTNERS

    suspended_on: date
    reason: Text


class ResumePartner(PartnerCommand):
    """A suspended cooperation resumed (恢复合作), with the reason."""

    action = Action.MANAGE_PARTNERS

    resumed_on: date
    reason: Text


class RecordServicerCommunication(PartnerCommand):
    """A communication with a third-party servicer verifying a customer's information
    (与饲料公司定期沟通核实客户信息); the borrower information changes found are maintained on
    the loan in the same act."""

    action = Action.RECORD_SERVICER_COMMUNICATION
    assigned = ("communication_id",)

    communicated_on: date
    loan_no: Code | None = Field(
        default=None, description="the loan whose customer was verified (serviced by it)"
    )
    verified: Text = Field(description="what was verified (核实内容)")
    changes_found: Text | None = Field(
        default=None, description="the changes found (发现的变化); none: nothing changed"
    )
    changes: list[FieldChange] | None = Field(
        default=None,
        max_length=9,
        description="the borrower's information changed accordingly (贷款信息维护; needs loan_no)",
    )
    communication_id: UUID = Field(default_factory=uuid4)

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in super().params().items() if v is not None or k == "loan_no"}


class RecordCompensation(LoanCommand):
    """A guarantor's payment on the borrower's behalf (代偿), with its evidence: the
    guarantor's recovery claim against the borrower (追偿) from then on."""

    action = Action.RECORD_COMPENSATION
    assigned = ("compensation_id",)

    guarantee_id: UUID = Field(description="the guarantee under which it paid")
    amount: PositiveMoney = Field(description="the amount paid, 元 (代偿金额)")
    compensated_on: date
    note: Text = Field(description="what was paid for (代偿说明: 本金、利息、期次)")
    compensation_id: UUID = Field(default_factory=uuid4)


class RecordCompensationRecovery(LoanCommand):
    """The progress of the guarantor's recovery from the borrower (追偿进展)."""

    action = Action.RECORD_COMPENSATION
    path: ClassVar[tuple[str, ...]] = ("loan_no", "compensation_id")

    compensation_id: UUID
    recovered_on: date
    recovered: Money = Field(description="recovered this time, 元 (0: none)")
    progress: Text = Field(description="what was done (追偿进展)")


class AssessRepaymentBehaviour(LoanCommand):
    """The loan's repayment behaviour assessed on a day (还款行为分析): a figure reaching its
    threshold raises the rules' signal with the figures as its reason."""

    action = Action.ASSESS_REPAYMENT_BEHAVIOUR
    assigned = ("signal_id",)
    files_documents = False

    assessed_on: date
    signal_id: UUID = Field(default_factory=uuid4)


class PartnerCommands(ArchiveCore):
    """Partner institutions, compensations and the repayment-behaviour assessment."""

    def partner(self, code: str) -> Partner:
        return self._load(Partner, partner_id_for(credit_code(code)), "合作机构", "partner")

    @handles(RegisterPartner)
    def register_partner(self, ctx: CommandContext, cmd: RegisterPartner) -> CommandResult:
        """Register a partner institution; its code registered already is a conflict."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            branch = "" if actor.id == SYSTEM_ID else self.staff_by_id(actor.id).branch
            partner = Partner.register(
                name=cmd.name,
                kind=cmd.kind,
                code=cmd.credit_code,
                contact=cmd.contact,
                contact_phone=cmd.contact_phone,
                cooperation_from=cmd.cooperation_from,
                cooperation_to=cmd.cooperation_to,
                limit=cmd.limit,
                branch=branch or "总行",
                registered_on=cmd.registered_on,
                actor=actor,
            )
            existing = self.registered_partner(partner.credit_code)
            if existing is not None:
                raise InvalidTransitionError(
                    f"统一社会信用代码 {partner.credit_code} 已登记为合作机构 {existing.name}",
                    f"{partner.credit_code} is registered already, as {existing.name}",
                )
            return Work(partner, [partner], {"credit_code": partner.credit_code})

        return self.run(ctx, cmd, body)

    @handles(SuspendPartner)
    def suspend_partner(self, ctx: CommandContext, cmd: SuspendPartner) -> CommandResult:
        """Suspend the cooperation with the reason."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            partner = self.partner(cmd.credit_code)
            self.check_version(partner, ctx)
            partner.suspend(suspended_on=cmd.suspended_on, reason=cmd.reason, actor=actor)
            return Work(partner, [partner], {"credit_code": partner.credit_code})

        return self.run(ctx, cmd, body)

    @handles(ResumePartner)
    def resume_partner(self, ctx: CommandContext, cmd: ResumePartner) -> CommandResult:
        """Resume the cooperation with the reason."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            partner = self.partner(cmd.credit_code)
            self.check_version(partner, ctx)
            partner.resume(resumed_on=cmd.resumed_on, reason=cmd.reason, actor=actor)
            return Work(partner, [partner], {"credit_code": partner.credit_code})

        return self.run(ctx, cmd, body)

    @handles(RecordServicerCommunication)
    def record_servicer_communication(
        self, ctx: CommandContext, cmd: RecordServicerCommunication
    ) -> CommandResult:
        """Record the communication; maintain the borrower's information found changed."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            partner = self.partner(cmd.credit_code)
            self.check_version(partner, ctx)
            touched: list[Any] = [partner]
            loan: Loan | None = None
            if cmd.loan_no is not None:
                loan = self.loan(cmd.loan_no)
                serviced = loan.third_party
                if serviced is None or serviced.servicer_code != partner.credit_code:
                    raise InvalidInputError(
                        f"贷款 {loan.loan_no} 不由 {partner.name} 提供第三方服务",
                        f"loan {loan.loan_no} is not serviced by {partner.name}",
                        field="loan_no",
                    )
            elif cmd.changes:
                raise InvalidInputError(
                    "变更借款人信息须写明贷款（loan_no）",
                    "changing a borrower's information names the loan (loan_no)",
                    field="loan_no",
                )
            partner.record_communication(
                communication_id=cmd.communication_id,
                communicated_on=cmd.communicated_on,
                loan_no=loan.loan_no if loan is not None else None,
                verified=cmd.verified,
                changes_found=cmd.changes_found,
                information_changed=bool(cmd.changes),
                actor=actor,
            )
            if loan is not None and cmd.changes:
                loan.change_borrower_information(
                    changed_on=cmd.communicated_on,
                    changes=[(c.field, c.value) for c in cmd.changes],
                    reason=f"与第三方服务机构{partner.name}沟通核实：{cmd.changes_found}",
                    actor=actor,
                )
                touched.append(loan)
            return Work(partner, touched, {"communication_id": str(cmd.communication_id)})

        return self.run(ctx, cmd, body)

    @handles(RecordCompensation)
    def record_compensation(
        self, ctx: CommandContext, cmd: RecordCompensation, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a guarantor's compensation on the loan, with its evidence."""
        return self.record_on_loan(ctx, cmd, Loan.record_compensation, uploads)

    @handles(RecordCompensationRecovery)
    def record_compensation_recovery(
        self, ctx: CommandContext, cmd: RecordCompensationRecovery, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record the progress of the guarantor's recovery from the borrower."""
        return self.record_on_loan(ctx, cmd, Loan.record_recovery, uploads)

    @handles(AssessRepaymentBehaviour)
    def assess_repayment_behaviour(
        self, ctx: CommandContext, cmd: AssessRepaymentBehaviour
    ) -> CommandResult:
        """Assess the loan's repayment behaviour under the rules in force."""

        def assessed(loan: Loan, actor: Actor, _refs: list[DocumentRef]) -> dict[str, str]:
            rules = self.rule_set()
            before = set(loan.warnings)
            loan.assess_repayment_behaviour(
                assessed_on=cmd.assessed_on,
                signal_id=cmd.signal_id,
                rules=rules.repayment_behaviour,
                warning_rules=rules.warnings,
                actor=actor,
            )
            raised = set(loan.warnings) - before
            return {"signal_id": str(cmd.signal_id)} if raised else {}

        params = {k: v for k, v in cmd.params().items() if k != "loan_no"}
        return self.on_loan(ctx, cmd.action, cmd.loan_no, params, assessed)


__all__ = [
    "AssessRepaymentBehaviour",
    "PartnerCommands",
    "RecordCompensation",
    "RecordCompensationRecovery",
    "RecordServicerCommunication",
    "RegisterPartner",
    "ResumePartner",
    "SuspendPartner",
]
