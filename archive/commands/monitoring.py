"""Key-customer monitoring (重点客户监测): the online monitor designated, each month's off-site
monitoring recorded, and its flag filtered three times (三层过滤).

The branch head designates a post-loan officer or a risk manager of a unit within their act
scope as online monitor (专职信贷在线监测员) for a period. The monitor records a customer's
monitoring of the month (named by any of its loans) — only on a day they are designated, for a
customer of their unit or one below it. A record judged 关注 or 预警 is verified by the
customer's account manager and confirmed or dismissed by a risk manager; a confirmed flag that
named a signal of the warning catalogue raises it on the loan in the same save. The rules are
in :mod:`domain.monitoring`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from pydantic import BaseModel, ConfigDict, Field

from archive.commands import Command, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.fields import ONE_LINE, Short, StaffNumber, Text
from domain.authorization import Action
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.loan import Loan
from domain.monitoring import Figure, Judgment, MonitoringRecord, month_text
from domain.values import Actor, DocumentRef


class FigureIn(BaseModel):
    """One figure looked at (监测指标) and the value read, e.g. 贷款余额 / 3.2亿元."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Short = Field(description="the figure (指标), e.g. 资产负债率")
    value: Short = Field(description="the value read (数值), e.g. 72%")


class DesignateOnlineMonitor(Command):
    """The person named by the staff number designated online monitor (专职信贷在线监测员) from
    ``since``, until ``until`` or further notice."""

    action = Action.DESIGNATE_ONLINE_MONITOR
    path = ("staff_no",)
    files_documents = False

    staff_no: StaffNumber
    since: date
    until: date | None = Field(default=None, description="the last day (none: until ended)")
    reason: Text

    def params(self) -> dict[str, object]:
        return {k: v for k, v in super().params().items() if k != "until" or v is not None}


class EndOnlineMonitor(Command):
    """The person's spell as online monitor ended on ``ended_on``."""

    action = Action.DESIGNATE_ONLINE_MONITOR
    path = ("staff_no",)
    files_documents = False

    staff_no: StaffNumber
    ended_on: date
    reason: Text


class RecordMonitoring(Command):
    """A customer's off-site monitoring of the month of ``monitored_on`` (非现场监测), by the
    designated online monitor: the customer named by any of its loans."""

    action = Action.RECORD_MONITORING
    files_documents = False

    loan_no: Short = Field(description="a loan of the customer (借据号)")
    monitored_on: date
    figures: list[FigureIn] = Field(
        min_length=1, max_length=30, description="the figures looked at (监测指标)"
    )
    findings: Text = Field(description="what the monitoring found (监测发现)")
    judgment: Judgment = Field(description="normal (正常), watch (关注) or warning (预警)")
    signal_code: Annotated[str, Field(min_length=1, max_length=32), ONE_LINE] | None = Field(
        default=None,
        description="a signal of the warning catalogue proposed (预警信号代码), raised on the "
        "loan once a risk manager confirms the flag",
    )

    def params(self) -> dict[str, object]:
        return {k: v for k, v in super().params().items() if k != "signal_code" or v is not None}


class VerifyMonitoringFlag(Command):
    """The account manager's verification of a flag (疑点核实): borne out or not, and why."""

    action = Action.VERIFY_MONITORING_FLAG
    path = ("record_id",)
    files_documents = False

    record_id: UUID
    verified_on: date
    substantiated: bool = Field(description="whether what was flagged is borne out (属实)")
    opinion: Text = Field(description="what the verification found (核实情况)")


class DecideMonitoringFlag(Command):
    """A risk manager's decision on a verified flag (疑点认定): confirmed or dismissed."""

    action = Action.DECIDE_MONITORING_FLAG
    path = ("record_id",)
    files_documents = False

    record_id: UUID
    decided_on: date
    confirmed: bool = Field(description="confirmed (确认) or dismissed (排除)")
    reason: Text = Field(description="the grounds (认定意见)")


class MonitoringCommands(ArchiveCore):
    """Online monitors, monthly off-site monitoring and the three-layer filter of its flags."""

    @handles(DesignateOnlineMonitor)
    def designate_online_monitor(
        self, ctx: CommandContext, cmd: DesignateOnlineMonitor
    ) -> CommandResult:
        """Designate an online monitor (by the branch head of a unit reaching theirs)."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            self.check_version(staff, ctx)
            self._reach(staff.branch, actor, Action.DESIGNATE_ONLINE_MONITOR, staff.name)
            staff.designate_online_monitor(
                since=cmd.since,
                until=cmd.until,
                reason=cmd.reason,
                held=staff.roles_at(self.clock()),
                actor=actor,
            )
            return Work(staff, [staff], {"staff_no": staff.staff_no})

        return self.run(ctx, cmd, body)

    @handles(EndOnlineMonitor)
    def end_online_monitor(self, ctx: CommandContext, cmd: EndOnlineMonitor) -> CommandResult:
        """End a person's spell as online monitor."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            self.check_version(staff, ctx)
            self._reach(staff.branch, actor, Action.DESIGNATE_ONLINE_MONITOR, staff.name)
            staff.end_online_monitor(ended_on=cmd.ended_on, reason=cmd.reason, actor=actor)
            return Work(staff, [staff], {"staff_no": staff.staff_no})

        return self.run(ctx, cmd, body)

    @handles(RecordMonitoring)
    def record_monitoring(self, ctx: CommandContext, cmd: RecordMonitoring) -> CommandResult:
        """Record a customer's monitoring of the month, by its designated online monitor."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            loan = self.loan(cmd.loan_no)
            self._reach_loan(loan, actor, Action.RECORD_MONITORING)
            rules = self.rule_set()
            if cmd.signal_code is not None:
                try:
                    listed = rules.warnings.signal(cmd.signal_code)
                except InvalidInputError as exc:  # named by this command's field
                    raise InvalidInputError(exc.zh, exc.en, field="signal_code") from None
                if listed is None:
                    raise InvalidInputError(
                        "现行规则没有预警信号指标库，监测不能提出信号",
                        "the rules in force have no warning catalogue: no signal to propose",
                        field="signal_code",
                    )
            monitor = self.staff_by_id(actor.id)
            units = rules.scope.hierarchy.path(loan.branch)
            unit = monitor.branch_on(cmd.monitored_on)
            if unit not in units:
                raise InvalidInputError(
                    f"{monitor.name} 属 {unit}，不负责 {loan.branch} 客户的在线监测",
                    f"{monitor.staff_no} is of {unit}: the online monitor of {loan.branch}'s "
                    "customers is of that unit or one above it",
                    field="loan_no",
                )
            month = month_text(cmd.monitored_on)
            record_id = MonitoringRecord.create_id(loan.borrower_id, month)
            if self.recorder.select_events(record_id, limit=1):
                raise InvalidTransitionError(
                    f"{loan.borrower_name} {month} 的非现场监测已登记",
                    f"the {month} monitoring of {loan.borrower_name} is already recorded",
                    field="monitored_on",
                )
            record = MonitoringRecord.record(
                borrower_id=loan.borrower_id,
                borrower_name=loan.borrower_name,
                branch=loan.branch,
                loan_no=loan.loan_no,
                monitored_on=cmd.monitored_on,
                figures=[Figure(f.name, f.value) for f in cmd.figures],
                findings=cmd.findings,
                judgment=cmd.judgment,
                signal_code=cmd.signal_code,
                designated=monitor.online_monitor_on(cmd.monitored_on),
                actor=actor,
            )
            ids = {"record_id": str(record.id), "month": month, "state": record.state.value}
            return Work(record, [record], ids)

        return self.run(ctx, cmd, body)

    @handles(VerifyMonitoringFlag)
    def verify_monitoring_flag(
        self, ctx: CommandContext, cmd: VerifyMonitoringFlag
    ) -> CommandResult:
        """The customer's account manager verifies a flag (second layer)."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            record = self.monitoring_record(cmd.record_id)
            self.check_version(record, ctx)
            loan = self.loan(record.loan_no)
            self._reach_loan(loan, actor, Action.VERIFY_MONITORING_FLAG)
            record.verify(
                verified_on=cmd.verified_on,
                substantiated=cmd.substantiated,
                opinion=cmd.opinion,
                managers=loan.managers,
                actor=actor,
            )
            return Work(record, [record], {"record_id": str(record.id)})

        return self.run(ctx, cmd, body)

    @handles(DecideMonitoringFlag)
    def decide_monitoring_flag(
        self, ctx: CommandContext, cmd: DecideMonitoringFlag
    ) -> CommandResult:
        """A risk manager confirms or dismisses a verified flag (third layer); a confirmed flag
        naming a catalogue signal raises it on the customer's loan in the same save."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            record = self.monitoring_record(cmd.record_id)
            self.check_version(record, ctx)
            loan = self.loan(record.loan_no)
            self._reach_loan(loan, actor, Action.DECIDE_MONITORING_FLAG)
            touched: list[Aggregate] = [record]
            signal_id = None
            if cmd.confirmed and record.signal_code is not None:
                signal_id = uuid4()
                loan.raise_warning(
                    signal_id=signal_id,
                    code=record.signal_code,
                    raised_on=cmd.decided_on,
                    reason=f"{record.month} 非现场监测（{record.judgment.zh}）经核实、认定：{cmd.reason}",
                    actor=actor,
                    rules=self.rule_set().warnings,
                )
                touched.append(loan)
            record.decide(
                decided_on=cmd.decided_on,
                confirmed=cmd.confirmed,
                reason=cmd.reason,
                signal_id=signal_id,
                actor=actor,
            )
            ids = {"record_id": str(record.id)}
            if signal_id is not None:
                ids["signal_id"] = str(signal_id)
            return Work(record, touched, ids, loan.loan_no if signal_id else None)

        return self.run(ctx, cmd, body)

    # ---------------------------------------------------------------- reading
    def monitoring_record(self, record_id: UUID) -> MonitoringRecord:
        return self._load(
            MonitoringRecord, record_id, f"监测记录 {record_id} ", f"monitoring record {record_id}"
        )

    def _reach_loan(self, loan: Loan, actor: Actor, action: Action) -> None:
        reaching = self.reaching(actor, action)
        if reaching is not None:
            reaching.check(loan.loan_no, loan.branch, loan.managers)

    def _reach(self, branch: str, actor: Actor, action: Action, what: str) -> None:
        reaching = self.reaching(actor, action)
        if reaching is not None and not reaching.reaches_branch(branch):
            raise reaching.refusal(
                f"{what}（{branch}）", f"{what} ({branch})", field="staff_no", branch=branch
            )
