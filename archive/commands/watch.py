"""Closer watch (重点监测): key customers, third-party servicing, and maturity notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload, from_bytes
from archive.fields import Code, Short, Text
from archive.reports.maturity_notices import MaturityNoticeForm, maturity_notice
from domain.authorization import Action
from domain.errors import DomainError, InvalidInputError, NotFoundError
from domain.loan import Loan
from domain.partners import credit_code
from domain.values import Actor, DocumentRef, PartnerKind

MATURITY_NOTICE_TYPE = "maturity_notice"


class DesignateKeyCustomer(LoanCommand):
    """The borrower put on the key-customer list (重点客户), by the branch head or a risk
    manager, with the reason: watched on site quarterly and shown on the watch list."""

    action = Action.DESIGNATE_KEY_CUSTOMER
    files_documents = False

    designated_on: date
    reason: Text


class RemoveKeyCustomer(LoanCommand):
    """The borrower taken off the key-customer list, with the reason."""

    action = Action.DESIGNATE_KEY_CUSTOMER
    files_documents = False

    removed_on: date
    reason: Text


class AssignThirdPartyService(LoanCommand):
    """The loan serviced under the third-party model (第三方服务模式): the servicer and the
    contact there who is phoned every ten days and visited twice a month."""

    action = Action.ASSIGN_THIRD_PARTY_SERVICE
    files_documents = False

    servicer: Short = Field(description="the servicing institution (第三方服务机构)")
    contact: Short = Field(description="the named contact there (联系人)")
    contact_phone: Short | None = Field(default=None, description="the contact's phone")
    assigned_on: date
    servicer_code: Code | None = Field(
        default=None,
        description="the servicer's unified social credit code, where it is a registered "
        "partner institution (合作机构): its registered name, cooperating on the day",
    )

    def params(self) -> dict[str, Any]:
        """The fingerprint's fields: an assignment naming no code exactly as before the code
        was recorded."""
        return {k: v for k, v in super().params().items() if k != "servicer_code" or v}


class IssueMaturityNotice(LoanCommand):
    """The maturity notice (贷款到期通知书) sent to the borrower before the loan falls due;
    the letter is generated and filed in the dossier."""

    action = Action.ISSUE_MATURITY_NOTICE
    assigned = ("notice_id",)

    issued_on: date
    addressee: Short = Field(description="to whom the notice is sent (送达对象)")
    notice_id: UUID = Field(default_factory=uuid4)


class WatchCommands(ArchiveCore):
    """Key customers, third-party servicing and maturity notices."""

    @handles(DesignateKeyCustomer)
    def designate_key_customer(
        self, ctx: CommandContext, cmd: DesignateKeyCustomer
    ) -> CommandResult:
        """Put the loan's borrower on the key-customer list."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, _refs: loan.designate_key_customer(
                designated_on=cmd.designated_on, reason=cmd.reason, actor=actor
            ),
        )

    @handles(RemoveKeyCustomer)
    def remove_key_customer(self, ctx: CommandContext, cmd: RemoveKeyCustomer) -> CommandResult:
        """Take the loan's borrower off the key-customer list."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, _refs: loan.remove_key_customer(
                removed_on=cmd.removed_on, reason=cmd.reason, actor=actor
            ),
        )

    @handles(AssignThirdPartyService)
    def assign_third_party_service(
        self, ctx: CommandContext, cmd: AssignThirdPartyService
    ) -> CommandResult:
        """Name the loan's third-party servicer and contact; a servicer named by its code is a
        registered partner, cooperating on the day, under its registered name."""

        def assign(loan: Loan, actor: Actor, _refs: list[DocumentRef]) -> None:
            code: str | None = None
            if cmd.servicer_code is not None:
                code = credit_code(cmd.servicer_code, "servicer_code")
                partner = self.check_partner_open(
                    code, PartnerKind.SERVICER, cmd.assigned_on, "servicer_code"
                )
                if partner is None:
                    raise NotFoundError(
                        f"统一社会信用代码 {code} 未登记为合作机构",
                        f"no partner institution is registered with {code}",
                    )
                if partner.name != cmd.servicer.strip():
                    raise InvalidInputError(
                        f"服务机构名称须与合作机构登记名称一致：{partner.name}",
                        f"servicer must be the partner's registered name, {partner.name}",
                        field="servicer",
                    )
            loan.assign_third_party_service(
                servicer=cmd.servicer,
                contact=cmd.contact,
                contact_phone=cmd.contact_phone,
                assigned_on=cmd.assigned_on,
                actor=actor,
                servicer_code=code,
            )

        return self.for_loan(ctx, cmd, assign)

    @handles(IssueMaturityNotice)
    def issue_maturity_notice(
        self, ctx: CommandContext, cmd: IssueMaturityNotice, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record the maturity notice and file the letter generated for it."""
        letter = self._maturity_letter(ctx, cmd)

        def issue(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            loan.issue_maturity_notice(
                notice_id=cmd.notice_id,
                issued_on=cmd.issued_on,
                addressee=cmd.addressee,
                actor=actor,
                documents=refs,
            )

        return self.for_loan(ctx, cmd, issue, [*uploads, letter] if letter else uploads)

    def _maturity_letter(self, ctx: CommandContext, cmd: IssueMaturityNotice) -> Upload | None:
        """The notice as a PDF, from the command's fields and the loan's facts; none when the
        command is to be refused (the command path refuses it, in its order)."""
        try:
            actor = self.actor(ctx, Action.ISSUE_MATURITY_NOTICE)
            loan = self.loan(cmd.loan_no)
            issued_by = self.form_name(actor.id)
        except DomainError:
            return None
        maturity = loan.term.maturity_date
        pdf = maturity_notice(
            MaturityNoticeForm(
                addressee=cmd.addressee.strip() or loan.borrower_name,
                loan_no=loan.loan_no,
                borrower_name=loan.borrower_name,
                product=loan.product.zh,
                principal=loan.principal,
                value_date=loan.value_date,
                maturity_date=maturity,
                branch=loan.branch,
                issued_on=cmd.issued_on,
                issued_by=issued_by,
            )
        )
        name = f"maturity-notice-{loan.loan_no}-{maturity.isoformat()}.pdf"
        return from_bytes(MATURITY_NOTICE_TYPE, name, pdf)
