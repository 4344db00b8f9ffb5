"""管户: customers assigned to account managers, and each loan's target-responsibility record.

The branch head assigns a customer (borrower) to a manager to manage (管户分配) — within the
cap of ``[guanhu]`` on corporate customers (a group's members counted as one) and only to a
manager holding a role its amount tier names (行级干部管大户、客户部门管中户、营业单位管小户) —
and takes it off again (移交). The branch head also signs each loan's target-responsibility
record for a year (贷后管理及目标责任书: 管户主责任人, 风险监管责任人, 本息收回计划, 经营目标),
its signed paper filed in the loan's dossier. The 管户台账 (``customer_register``) lists both,
with what each manager collected against the plan and the evaluations of their duties.
"""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate
from pydantic import Field

from archive.commands import Command, LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.documents.ingest import Upload
from archive.fields import Money, Short, StaffNumber, Text
from domain.authorization import Action
from domain.loan import Loan
from domain.staff import Staff
from domain.values import Actor, BorrowerType, DocumentRef

TARGET_RESPONSIBILITY_TYPE = "target_responsibility"


class AssignCustomer(Command):
    """A customer (borrower) assigned to the person named by their staff number to manage
    (管户分配), with the customer's amount (借款金额, for its tier) and its group if any."""

    action = Action.ASSIGN_CUSTOMER
    path = ("staff_no",)
    files_documents = False

    staff_no: StaffNumber
    borrower_id: Short = Field(description="the customer's id (客户号/证件号)")
    borrower_name: Short = Field(description="the customer's name")
    borrower_type: BorrowerType = Field(description="corporate (法人) or individual (自然人)")
    group: Short | None = Field(
        default=None, description="the group (集团客户) it belongs to: its members count as one"
    )
    amount: Money = Field(description="the customer's loans, 元 (借款金额): puts it in a tier")
    assigned_on: date
    reason: Text


class ReleaseCustomer(Command):
    """A customer taken off the person's 管户 (移交), with the reason."""

    action = Action.ASSIGN_CUSTOMER
    path = ("staff_no",)
    files_documents = False

    staff_no: StaffNumber
    borrower_id: Short
    released_on: date
    reason: Text


class SignTargetResponsibility(LoanCommand):
    """The loan's target-responsibility record for a year (贷后管理及目标责任书), signed by the
    branch head for the bank with the manager answering for it and the risk supervisor; the
    signed paper, if sent, is filed in the loan's dossier."""

    action = Action.SIGN_TARGET_RESPONSIBILITY

    year: int = Field(ge=2000, le=2100, description="the year it covers (年度)")
    manager_no: StaffNumber = Field(description="管户主责任人: the loan's A岗 or B岗")
    risk_supervisor_no: StaffNumber = Field(description="风险监管责任人: a risk manager")
    collection_target: Money = Field(description="本息收回计划: principal and interest, 元")
    business_target: Text = Field(description="经营目标")
    signed_on: date


class GuanhuCommands(ArchiveCore):
    """管户 assignments and target-responsibility records."""

    @handles(AssignCustomer)
    def assign_customer(self, ctx: CommandContext, cmd: AssignCustomer) -> CommandResult:
        """Assign a customer to a manager (管户分配), within the cap and tiers of the rules."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            self.check_version(staff, ctx)
            self._manager_within_reach(staff, actor)
            staff.assign_customer(
                borrower_id=cmd.borrower_id,
                borrower_name=cmd.borrower_name,
                borrower_type=cmd.borrower_type,
                group=cmd.group,
                amount=cmd.amount,
                assigned_on=cmd.assigned_on,
                reason=cmd.reason,
                held=staff.roles_at(self.clock()),
                rules=self.rule_set().guanhu,
                actor=actor,
            )
            borrower_id = cmd.borrower_id.strip()
            holding = self.customer_holding(borrower_id)
            holding.hold(staff_no=staff.staff_no, staff_name=staff.name)
            ids = {"staff_no": staff.staff_no, "borrower_id": borrower_id}
            return Work(staff, [staff, holding], ids)

        return self.run(ctx, cmd, body)

    @handles(ReleaseCustomer)
    def release_customer(self, ctx: CommandContext, cmd: ReleaseCustomer) -> CommandResult:
        """Take a customer off a manager's 管户 (移交)."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            self.check_version(staff, ctx)
            self._manager_within_reach(staff, actor)
            borrower_id = cmd.borrower_id.strip()
            staff.release_customer(
                borrower_id=borrower_id,
                released_on=cmd.released_on,
                reason=cmd.reason,
                actor=actor,
            )
            # A customer assigned before holdings were kept has none: nothing to free.
            holding = self.customer_holding(borrower_id)
            version = holding.version
            holding.release(staff_no=staff.staff_no)
            touched: list[Aggregate] = [staff]
            if holding.version != version:
                touched.append(holding)
            return Work(staff, touched, {"staff_no": staff.staff_no})

        return self.run(ctx, cmd, body)

    @handles(SignTargetResponsibility)
    def sign_target_responsibility(
        self,
        ctx: CommandContext,
        cmd: SignTargetResponsibility,
        uploads: list[Upload] | tuple[Upload, ...] = (),
    ) -> CommandResult:
        """Sign a loan's target-responsibility record for a year (贷后管理及目标责任书)."""

        def signed(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            loan.sign_target_responsibility(
                year=cmd.year,
                manager=self.party(cmd.manager_no),
                risk_supervisor=self.party(cmd.risk_supervisor_no),
                collection_target=cmd.collection_target,
                business_target=cmd.business_target,
                signed_on=cmd.signed_on,
                actor=actor,
                documents=refs,
            )

        return self.for_loan(ctx, cmd, signed, uploads)

    def _manager_within_reach(self, staff: Staff, actor: Actor) -> None:
        """Refuse a branch head whose act scope does not hold the manager's unit."""
        reaching = self.reaching(actor, Action.ASSIGN_CUSTOMER)
        if reaching is not None and not reaching.reaches_branch(staff.branch):
            raise reaching.refusal(
                f"{staff.name}（{staff.staff_no}，{staff.branch}）",
                f"{staff.name} ({staff.staff_no}, {staff.branch})",
                field="staff_no",
                branch=staff.branch,
            )
