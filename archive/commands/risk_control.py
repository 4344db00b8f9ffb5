"""Portfolio risk notices (风险预警提示) and the suspension of new lending (停复牌).

A notice or a suspension records the figures of its subject on a day (``figures_on``): the
route (or the CLI) counts them from the loan ledger as ``GET /portfolio/metrics`` counts them,
within the caller's data scope, and hands them to the command (``figures``, never sent by a
request). The rules are in :mod:`domain.risk_control`; the booking of a loan is checked against
the suspensions in force here too (:func:`booking_flags`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from pydantic import Field

from archive.commands import Command, handles
from archive.core import SYSTEM_ID, ArchiveCore, CommandContext, CommandResult, Work
from archive.fields import Short, Text
from archive.receipts import BorrowerIndex
from domain.authorization import Action
from domain.display import person
from domain.errors import InvalidInputError, NotFoundError
from domain.industry import Industry
from domain.loan import Loan
from domain.numbering import FormKind
from domain.risk_control import (
    MAX_UNITS,
    ActiveSuspensions,
    Figures,
    RiskNotice,
    RiskSubject,
    Suspension,
    SuspensionBasis,
)
from domain.values import Actor, DocumentRef, Product


class PublishRiskNotice(Command):
    """A portfolio risk notice (风险预警提示) on an industry, a region, a customer or a product,
    with the figures that prompted it, to the units it concerns."""

    action = Action.PUBLISH_RISK_NOTICE
    assigned = ("notice_id", "figures")
    files_documents = False

    subject: RiskSubject = Field(
        description="industry (行业), branch (地区), customer (客户) or product (产品)"
    )
    subject_key: Short = Field(
        description="the GB/T 4754 section letter, the branch, the borrower id or the product code"
    )
    units: Annotated[list[Short], Field(max_length=MAX_UNITS)] = Field(
        default_factory=list,
        description="the units concerned, who acknowledge and investigate (所涉机构); for a "
        "branch, itself when none is named",
    )
    title: Short = Field(description="the notice's title (提示事项)")
    content: Text = Field(description="what is noticed and what is asked (提示内容及要求)")
    figures_on: date = Field(description="the day the figures are counted on (指标统计日)")
    published_on: date = Field(description="the day the notice is published (发布日期)")
    notice_id: UUID = Field(default_factory=uuid4)
    figures: dict[str, Any] | None = None


class NoticeCommand(Command):
    """A command on one risk notice, named by its id in the path."""

    path = ("notice_id",)
    files_documents = False

    notice_id: UUID


class AcknowledgeRiskNotice(NoticeCommand):
    """A unit concerned acknowledges the notice (签收)."""

    action = Action.ACKNOWLEDGE_RISK_NOTICE

    acknowledged_on: date


class InvestigateRiskNotice(NoticeCommand):
    """A unit concerned records its investigation and handling (条线风险事项调查与处理)."""

    action = Action.INVESTIGATE_RISK_NOTICE

    investigated_on: date
    findings: Text = Field(description="what the investigation found (调查情况)")
    measures: Text = Field(description="the measures taken (处理措施)")


class CloseRiskNotice(NoticeCommand):
    """The notice is closed (办结) by someone other than its publisher."""

    action = Action.CLOSE_RISK_NOTICE

    closed_on: date
    conclusion: Text = Field(description="the conclusion (办结意见)")


class SuspendLending(Command):
    """Suspend new lending (停牌) for a unit, a product, a manager or a customer, on a breached
    line or on a risk notice, with the figures on the day."""

    action = Action.SUSPEND_LENDING
    assigned = ("suspension_id", "figures")
    files_documents = False

    subject: RiskSubject = Field(
        description="branch (机构), product (产品), manager (客户经理) or customer (客户)"
    )
    subject_key: Short = Field(
        description="the branch, the product code, the manager's staff number or the borrower id"
    )
    basis: SuspensionBasis = Field(
        description="breach (突破不良警戒线或逾期率考核线) or notice (风险预警提示)"
    )
    notice_id: UUID | None = Field(default=None, description="the notice (basis notice)")
    reason: Text = Field(description="why (停牌原因)")
    figures_on: date = Field(description="the day the figures are counted on (指标统计日)")
    suspended_on: date = Field(description="the day new lending stops (停牌日期)")
    suspension_id: UUID = Field(default_factory=uuid4)
    figures: dict[str, Any] | None = None

    def params(self) -> dict[str, Any]:
        found = super().params()
        if self.notice_id is None:
            found.pop("notice_id")
        return found


class SuspensionCommand(Command):
    """A command on one suspension, named by its id in the path."""

    path = ("suspension_id",)
    files_documents = False

    suspension_id: UUID


class SuperviseSuspension(SuspensionCommand):
    """A note of the supervision of the rectification while suspended (跟踪督导)."""

    action = Action.SUPERVISE_SUSPENSION

    supervised_on: date
    note: Text = Field(description="what was checked and urged (督导情况)")


class LiftSuspension(SuspensionCommand):
    """Lift the suspension (复牌) once the signal has cleared, with the figures on the day."""

    action = Action.LIFT_SUSPENSION
    assigned = ("figures",)

    lifted_on: date
    reason: Text = Field(description="why the signal is cleared (复牌理由)")
    figures_on: date = Field(description="the day the figures are counted on (指标统计日)")
    figures: dict[str, Any] | None = None


def _figures(raw: dict[str, Any] | None) -> Figures:
    if raw is None:
        raise InvalidInputError(
            "指标未计算：请经 API 或命令行提交（由档案按贷后管理台账计算）",
            "the figures were not counted: submit through the API or the CLI, which count them "
            "from the loan ledger",
            field="figures_on",
        )
    return Figures.from_record(raw)


class RiskControlCommands(ArchiveCore):
    """Risk notices and suspensions, and their reading."""

    def risk_notice(self, notice_id: UUID) -> RiskNotice:
        return self._load(RiskNotice, notice_id, "风险预警提示", "risk notice")

    def suspension(self, suspension_id: UUID) -> Suspension:
        return self._load(Suspension, suspension_id, "停牌记录", "suspension")

    def active_suspensions(self) -> list[Suspension]:
        """The suspensions in force now."""
        index_id = ActiveSuspensions.create_id()
        if not self.recorder.select_events(index_id, limit=1):
            return []
        index: Aggregate = self.repository.get(index_id)
        assert isinstance(index, ActiveSuspensions)
        return [self.suspension(sid) for sid in index.entries]

    def risk_subject(
        self, subject: RiskSubject, key: str, actor: Actor, action: Action
    ) -> tuple[str, str, str | None]:
        """The subject's key as recorded, its name as people read it, and its unit (for the
        register's data scope; None for an industry or a product, bank-wide)."""
        if subject is RiskSubject.INDUSTRY:
            found = Industry.parse(key.strip().upper(), "subject_key")
            return found.value, found.label, None
        if subject is RiskSubject.PRODUCT:
            product = Product.parse(key.strip(), "subject_key")
            return product.value, product.zh, None
        if subject is RiskSubject.BRANCH:
            self.rule_set().scope.hierarchy.check_known(key, "subject_key")
            self._reach(key, actor, action, key)
            return key, key, key
        if subject is RiskSubject.MANAGER:
            try:
                staff = self.staff(key)
            except NotFoundError:
                raise NotFoundError(
                    f"客户经理工号 {key} 不存在",
                    f"subject_key: staff member {key} does not exist",
                    field="subject_key",
                ) from None
            self._reach(staff.branch, actor, action, staff.name)
            return staff.staff_no, person(staff.name, staff.staff_no), staff.branch
        index_id = BorrowerIndex.create_id(key)
        if not self.recorder.select_events(index_id, limit=1):
            raise NotFoundError(
                f"客户 {key} 无贷款记录",
                f"subject_key: borrower {key} has no loan on record",
                field="subject_key",
            )
        index: Aggregate = self.repository.get(index_id)
        assert isinstance(index, BorrowerIndex)
        loan: Aggregate = self.repository.get(index.loan_ids[-1])
        assert isinstance(loan, Loan)
        self._reach(loan.branch, actor, action, loan.borrower_name)
        return key, f"{loan.borrower_name}（{key}）", loan.branch

    @handles(PublishRiskNotice)
    def publish_risk_notice(self, ctx: CommandContext, cmd: PublishRiskNotice) -> CommandResult:
        """Publish a risk notice (风险预警提示) with the figures that prompted it."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            key, name, unit = self.risk_subject(
                cmd.subject, cmd.subject_key, actor, Action.PUBLISH_RISK_NOTICE
            )
            units = list(cmd.units) or (
                [unit] if cmd.subject is RiskSubject.BRANCH and unit else []
            )
            for u in units:
                self.rule_set().scope.hierarchy.check_known(u, "units")
                self._reach(u, actor, Action.PUBLISH_RISK_NOTICE, u)
            figures = _figures(cmd.figures)
            book = self.number_book(FormKind.RISK_NOTICE, cmd.published_on.year)
            notice = RiskNotice.publish(
                notice_id=cmd.notice_id,
                notice_no=book.take(),
                subject=cmd.subject,
                subject_key=key,
                subject_name=name,
                units=units,
                title=cmd.title,
                content=cmd.content,
                figures=figures,
                published_on=cmd.published_on,
                actor=actor,
            )
            ids = {"notice_id": str(cmd.notice_id), "notice_no": notice.notice_no}
            return Work(notice, [notice, book], ids)

        return self.run(ctx, cmd, body)

    @handles(AcknowledgeRiskNotice)
    def acknowledge_risk_notice(
        self, ctx: CommandContext, cmd: AcknowledgeRiskNotice
    ) -> CommandResult:
        """A unit concerned acknowledges the notice (签收)."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            notice = self.risk_notice(cmd.notice_id)
            self.check_version(notice, ctx)
            notice.acknowledge(
                acknowledged_on=cmd.acknowledged_on,
                actor=actor,
                actor_branch=self._branch_of(actor),
            )
            return Work(notice, [notice], {"notice_id": str(notice.id)})

        return self.run(ctx, cmd, body)

    @handles(InvestigateRiskNotice)
    def investigate_risk_notice(
        self, ctx: CommandContext, cmd: InvestigateRiskNotice
    ) -> CommandResult:
        """A unit concerned records its investigation and handling of the matter noticed."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            notice = self.risk_notice(cmd.notice_id)
            self.check_version(notice, ctx)
            notice.record_investigation(
                investigated_on=cmd.investigated_on,
                findings=cmd.findings,
                measures=cmd.measures,
                actor=actor,
                actor_branch=self._branch_of(actor),
            )
            return Work(notice, [notice], {"notice_id": str(notice.id)})

        return self.run(ctx, cmd, body)

    @handles(CloseRiskNotice)
    def close_risk_notice(self, ctx: CommandContext, cmd: CloseRiskNotice) -> CommandResult:
        """Close the notice (办结): every unit has acknowledged and reported."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            notice = self.risk_notice(cmd.notice_id)
            self.check_version(notice, ctx)
            for unit in notice.units:
                self._reach(unit, actor, Action.CLOSE_RISK_NOTICE, notice.notice_no)
            notice.close(closed_on=cmd.closed_on, conclusion=cmd.conclusion, actor=actor)
            return Work(notice, [notice], {"notice_id": str(notice.id)})

        return self.run(ctx, cmd, body)

    @handles(SuspendLending)
    def suspend_lending(self, ctx: CommandContext, cmd: SuspendLending) -> CommandResult:
        """Suspend new lending (停牌) on a breached line or a risk notice."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            key, name, unit = self.risk_subject(
                cmd.subject, cmd.subject_key, actor, Action.SUSPEND_LENDING
            )
            notice = None
            if cmd.notice_id is not None:
                try:
                    notice = self.risk_notice(cmd.notice_id)
                except NotFoundError:
                    raise NotFoundError(
                        "风险预警提示不存在", "notice_id: no such risk notice", field="notice_id"
                    ) from None
            index_id = ActiveSuspensions.create_id()
            if self.recorder.select_events(index_id, limit=1):
                stored: Aggregate = self.repository.get(index_id)
                assert isinstance(stored, ActiveSuspensions)
                index = stored
            else:
                index = ActiveSuspensions.open()
            if index.matching({cmd.subject: key}):
                raise InvalidInputError(
                    f"{name} 已在停牌中", f"{name} is already suspended", field="subject_key"
                )
            book = self.number_book(FormKind.SUSPENSION, cmd.suspended_on.year)
            suspension = Suspension.suspend(
                suspension_id=cmd.suspension_id,
                suspension_no=book.take(),
                subject=cmd.subject,
                subject_key=key,
                subject_name=name,
                branch=unit,
                basis=cmd.basis,
                notice=notice,
                reason=cmd.reason,
                figures=_figures(cmd.figures),
                suspended_on=cmd.suspended_on,
                actor=actor,
            )
            index.add(suspension)
            ids = {
                "suspension_id": str(cmd.suspension_id),
                "suspension_no": suspension.suspension_no,
            }
            return Work(suspension, [suspension, book, index], ids)

        return self.run(ctx, cmd, body)

    @handles(SuperviseSuspension)
    def supervise_suspension(self, ctx: CommandContext, cmd: SuperviseSuspension) -> CommandResult:
        """A note of the supervision while suspended (跟踪督导)."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            suspension = self.suspension(cmd.suspension_id)
            self.check_version(suspension, ctx)
            if suspension.branch is not None:
                self._reach(
                    suspension.branch,
                    actor,
                    Action.SUPERVISE_SUSPENSION,
                    suspension.suspension_no,
                )
            suspension.supervise(supervised_on=cmd.supervised_on, note=cmd.note, actor=actor)
            return Work(suspension, [suspension], {"suspension_id": str(suspension.id)})

        return self.run(ctx, cmd, body)

    @handles(LiftSuspension)
    def lift_suspension(self, ctx: CommandContext, cmd: LiftSuspension) -> CommandResult:
        """Lift the suspension (复牌) when the signal has cleared."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            suspension = self.suspension(cmd.suspension_id)
            self.check_version(suspension, ctx)
            if suspension.branch is not None:
                self._reach(
                    suspension.branch, actor, Action.LIFT_SUSPENSION, suspension.suspension_no
                )
            notice = (
                self.risk_notice(suspension.notice_id) if suspension.notice_id is not None else None
            )
            suspension.lift(
                lifted_on=cmd.lifted_on,
                reason=cmd.reason,
                figures=_figures(cmd.figures),
                notice=notice,
                actor=actor,
            )
            index: Aggregate = self.repository.get(ActiveSuspensions.create_id())
            assert isinstance(index, ActiveSuspensions)
            index.remove(suspension)
            return Work(suspension, [suspension, index], {"suspension_id": str(suspension.id)})

        return self.run(ctx, cmd, body)

    # -------------------------------------------------------------------- reading
    def read_risk_notice(self, ctx: CommandContext, notice_id: UUID) -> RiskNotice:
        """A notice, to whoever reads business data and reaches one of the units it concerns."""
        actor = self.actor(ctx, Action.READ_BUSINESS)
        notice = self.risk_notice(notice_id)
        reaching = self.reaching(actor, Action.READ_BUSINESS)
        if reaching is not None and not any(reaching.reaches_branch(u) for u in notice.units):
            self._reach(notice.units[0], actor, Action.READ_BUSINESS, notice.notice_no)
        return notice

    def read_suspension(self, ctx: CommandContext, suspension_id: UUID) -> Suspension:
        """A suspension, to whoever reads business data and reaches its unit (a product's or
        an industry's, bank-wide: to every such reader)."""
        actor = self.actor(ctx, Action.READ_BUSINESS)
        suspension = self.suspension(suspension_id)
        if suspension.branch is not None:
            self._reach(suspension.branch, actor, Action.READ_BUSINESS, suspension.suspension_no)
        return suspension

    def suspensions_of_loan(self, loan: Loan) -> list[Suspension]:
        """The suspensions in force now over the loan's branch, product, A岗 or borrower."""
        manager_no = None
        try:
            manager_no = self.staff_by_id(loan.account_manager_id).staff_no
        except NotFoundError:
            manager_no = None
        keys = {
            RiskSubject.BRANCH: loan.branch,
            RiskSubject.PRODUCT: loan.product.value,
            RiskSubject.MANAGER: manager_no,
            RiskSubject.CUSTOMER: loan.borrower_id,
        }
        return [
            s
            for s in self.active_suspensions()
            if any(s.subject is k and s.subject_key == v for k, v in keys.items())
        ]

    def _branch_of(self, actor: Actor) -> str:
        return "" if actor.id == SYSTEM_ID else self.staff_by_id(actor.id).branch

    def _reach(self, branch: str, actor: Actor, action: Action, what: str) -> None:
        reaching = self.reaching(actor, action)
        if reaching is not None and not reaching.reaches_branch(branch):
            raise reaching.refusal(
                f"{what}（{branch}）", f"{what} ({branch})", field="subject_key", branch=branch
            )
