"""Portfolio risk notices (风险预警提示) and the suspension of new lending (停复牌管理).

The risk manager (风险管理部) watches the main risk indicators (不良率, 逾期率) against the lines
of the rules (``[portfolio] npl_alert`` 不良警戒线, ``overdue_target`` 逾期率考核线, SUS-03) and:

* **publishes a risk notice** (:class:`RiskNotice`, SUS-05 to SUS-07) for an industry (行业), a
  region (地区: a branch), a customer (客户) or a product (产品), with the figures that prompted
  it, counted by the archive from the loan ledger on the day named (``figures``), addressed to
  the units it concerns. Each unit acknowledges it (签收) and records its investigation and
  handling (条线风险事项调查与处理: findings and measures); it is closed — every unit having
  acknowledged and reported — by a risk manager or branch head other than its publisher;
* **suspends new lending** (停牌, :class:`Suspension`, SUS-08 to SUS-11) for a unit, a product,
  an account manager or a customer, because a line is breached (the figures on the day show it)
  or a notice says so; the suspension is supervised (跟踪督导, each note dated and signed) and
  lifted (复牌) by a risk manager other than the one who suspended, with a reason, only when the
  signal has cleared: for a breach, the figures on the day of lifting no longer breach the line
  that was breached; for a notice, the notice is closed. A loan booked while its unit, product,
  manager or customer is suspended is recorded and flagged on the suspension (the credit system
  grants loans; the archive does not refuse what was granted).

:class:`ActiveSuspensions` is the one list of the suspensions in force, read at each booking.

Pure: the standard library, ``domain`` and ``eventsourcing.domain`` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.values import Actor, LabelledEnum, Role, require_text

MAX_UNITS = 50


class RiskSubject(LabelledEnum):
    """What a risk notice or a suspension concerns (对象)."""

    INDUSTRY = ("industry", "行业")
    BRANCH = ("branch", "地区（机构）")
    CUSTOMER = ("customer", "客户")
    PRODUCT = ("product", "产品")
    MANAGER = ("manager", "客户经理")


NOTICE_SUBJECTS = (
    RiskSubject.INDUSTRY,
    RiskSubject.BRANCH,
    RiskSubject.CUSTOMER,
    RiskSubject.PRODUCT,
)
"""What a risk notice may concern (发布行业、地区、客户、产品风险预警信息)."""
SUSPENSION_SUBJECTS = (
    RiskSubject.BRANCH,
    RiskSubject.PRODUCT,
    RiskSubject.MANAGER,
    RiskSubject.CUSTOMER,
)
"""Whose new lending may be suspended (停牌): a unit, a product, a manager, a customer."""


class SuspensionBasis(LabelledEnum):
    """Why new lending is suspended (停牌依据)."""

    BREACH = ("breach", "突破警戒线（考核线）")
    NOTICE = ("notice", "风险预警提示")


class NoticeState(LabelledEnum):
    """Where a risk notice stands."""

    PUBLISHED = ("published", "已发布待签收")
    ACKNOWLEDGED = ("acknowledged", "已签收调查处理中")
    INVESTIGATED = ("investigated", "已调查处理待办结")
    CLOSED = ("closed", "已办结")


class SuspensionState(LabelledEnum):
    """Where a suspension stands."""

    SUSPENDED = ("suspended", "停牌中")
    LIFTED = ("lifted", "已复牌")


# --------------------------------------------------------------------------- figures
@dataclass(frozen=True)
class Figures:
    """The figures of a subject's loans on a day, as the archive counted them from the loan
    ledger (指标): what prompted a notice or a suspension, or showed the signal cleared."""

    on: date
    loans: int
    balance: Decimal
    npl_rate: Decimal | None
    overdue_rate: Decimal | None
    npl_alert: Decimal | None
    overdue_target: Decimal | None

    @property
    def npl_breach(self) -> bool:
        return (
            self.npl_alert is not None
            and self.npl_rate is not None
            and self.npl_rate > self.npl_alert
        )

    @property
    def overdue_breach(self) -> bool:
        return (
            self.overdue_target is not None
            and self.overdue_rate is not None
            and self.overdue_rate > self.overdue_target
        )

    @property
    def breached(self) -> tuple[str, ...]:
        """The lines breached: ``npl_alert``, ``overdue_target``."""
        return tuple(
            name
            for name, hit in (
                ("npl_alert", self.npl_breach),
                ("overdue_target", self.overdue_breach),
            )
            if hit
        )

    def to_record(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "on": self.on.isoformat(),
            "loans": self.loans,
            "balance": str(self.balance),
            "npl_rate": text(self.npl_rate),
            "overdue_rate": text(self.overdue_rate),
            "npl_alert": text(self.npl_alert),
            "overdue_target": text(self.overdue_target),
            "npl_breach": self.npl_breach,
            "overdue_breach": self.overdue_breach,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Figures:
        def number(value: Any) -> Decimal | None:
            return None if value is None else Decimal(str(value))

        return cls(
            on=date.fromisoformat(str(record["on"])),
            loans=int(record["loans"]),
            balance=Decimal(str(record["balance"])),
            npl_rate=number(record.get("npl_rate")),
            overdue_rate=number(record.get("overdue_rate")),
            npl_alert=number(record.get("npl_alert")),
            overdue_target=number(record.get("overdue_target")),
        )

    def summary(self) -> str:
        """``截至2026-09-30：贷款3笔，余额…元，不良率…%（警戒线…%），逾期率…%（考核线…%）``."""

        def rate(value: Decimal | None) -> str:
            return "—" if value is None else f"{value}%"

        return (
            f"截至{self.on.isoformat()}：贷款{self.loans}笔，余额{self.balance}元，"
            f"不良率{rate(self.npl_rate)}（警戒线{rate(self.npl_alert)}），"
            f"逾期率{rate(self.overdue_rate)}（考核线{rate(self.overdue_target)}）"
        )


def _subject(subject: RiskSubject, allowed: Sequence[RiskSubject], what: str) -> RiskSubject:
    subject = RiskSubject.parse(subject, "subject")
    if subject not in allowed:
        names = "、".join(s.zh for s in allowed)
        raise InvalidInputError(
            f"{what}的对象须为{names}，而非{subject.zh}",
            f"a {what} concerns one of {', '.join(s.value for s in allowed)}, not {subject.value}",
            field="subject",
        )
    return subject


# ------------------------------------------------------------------------ risk notice
@dataclass(frozen=True)
class Investigation:
    """A unit's investigation and handling of the matter noticed (调查与处理)."""

    unit: str
    investigated_on: date
    findings: str
    measures: str
    actor_id: UUID


class RiskNotice(Aggregate):
    """A portfolio risk notice (风险预警提示), from its publication to its closure."""

    @classmethod
    def publish(
        cls,
        *,
        notice_id: UUID,
        notice_no: str,
        subject: RiskSubject,
        subject_key: str,
        subject_name: str,
        units: Sequence[str],
        title: str,
        content: str,
        figures: Figures,
        published_on: date,
        actor: Actor,
    ) -> Self:
        """Publish a notice on an industry, a region, a customer or a product, with the
        figures that prompted it, to the units it concerns (at least one, each once)."""
        authorize(actor, Action.PUBLISH_RISK_NOTICE)
        subject = _subject(subject, NOTICE_SUBJECTS, "风险预警提示")
        named = [require_text(u, "units", max_length=100) for u in units]
        if not named or len(named) > MAX_UNITS or len(set(named)) != len(named):
            raise InvalidInputError(
                f"须写明所涉机构（units），1–{MAX_UNITS} 个，不重复",
                f"name the units concerned (units): 1 to {MAX_UNITS}, each once",
                field="units",
            )
        check_not_before(published_on, figures.on, field="published_on", since_field="figures_on")
        return cls(
            notice_id=notice_id,
            notice_no=notice_no,
            subject=subject.value,
            subject_key=require_text(subject_key, "subject_key", max_length=100),
            subject_name=require_text(subject_name, "subject_key", max_length=200),
            units=named,
            title=require_text(title, "title", max_length=200),
            content=require_text(content, "content"),
            figures=figures.to_record(),
            published_on=published_on,
            actor_id=actor.id,
            role=actor.role,
        )

    @staticmethod
    def create_id(notice_id: UUID) -> UUID:
        return notice_id

    @event("RiskNoticePublished")
    def __init__(
        self,
        *,
        notice_id: UUID,
        notice_no: str,
        subject: str,
        subject_key: str,
        subject_name: str,
        units: list[str],
        title: str,
        content: str,
        figures: dict[str, Any],
        published_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.notice_no = notice_no
        self.subject = RiskSubject.parse(subject, "subject")
        self.subject_key = subject_key
        self.subject_name = subject_name
        self.units = list(units)
        self.title = title
        self.content = content
        self.figures = Figures.from_record(figures)
        self.published_on = published_on
        self.publisher_id = actor_id
        self.acknowledged: dict[str, tuple[date, UUID]] = {}
        self.investigations: list[Investigation] = []
        self.closed_on: date | None = None
        self.conclusion: str | None = None
        self.closed_by: UUID | None = None

    @property
    def state(self) -> NoticeState:
        if self.closed_on is not None:
            return NoticeState.CLOSED
        if self.units and all(u in self.investigated_units for u in self.units):
            return NoticeState.INVESTIGATED
        if self.acknowledged:
            return NoticeState.ACKNOWLEDGED
        return NoticeState.PUBLISHED

    @property
    def investigated_units(self) -> frozenset[str]:
        return frozenset(i.unit for i in self.investigations)

    def _open(self) -> None:
        if self.closed_on is not None:
            raise InvalidTransitionError(
                f"风险预警提示 {self.notice_no} 已办结", f"notice {self.notice_no} is closed"
            )

    def _unit(self, actor_branch: str) -> str:
        if actor_branch not in self.units:
            raise SegregationOfDutiesError(
                f"风险预警提示 {self.notice_no} 不涉及本机构（{actor_branch}）：由所涉机构办理",
                f"notice {self.notice_no} does not concern your unit ({actor_branch}): the "
                "units it concerns act on it",
            )
        return actor_branch

    def acknowledge(self, *, acknowledged_on: date, actor: Actor, actor_branch: str) -> None:
        """Someone of a unit concerned acknowledges the notice (签收), once per unit."""
        authorize(actor, Action.ACKNOWLEDGE_RISK_NOTICE)
        self._open()
        unit = self._unit(actor_branch)
        if unit in self.acknowledged:
            raise InvalidTransitionError(
                f"{unit} 已签收风险预警提示 {self.notice_no}",
                f"{unit} has already acknowledged notice {self.notice_no}",
            )
        check_not_before(
            acknowledged_on, self.published_on, field="acknowledged_on", since_field="published_on"
        )
        self._acknowledged(
            unit=unit, acknowledged_on=acknowledged_on, actor_id=actor.id, role=actor.role
        )

    @event("RiskNoticeAcknowledged")
    def _acknowledged(
        self, *, unit: str, acknowledged_on: date, actor_id: UUID, role: Role
    ) -> None:
        self.acknowledged[unit] = (acknowledged_on, actor_id)

    def record_investigation(
        self,
        *,
        investigated_on: date,
        findings: str,
        measures: str,
        actor: Actor,
        actor_branch: str,
    ) -> None:
        """A unit concerned records its investigation and handling (条线风险事项调查与处理):
        what it found and the measures taken, after acknowledging the notice; once per unit."""
        authorize(actor, Action.INVESTIGATE_RISK_NOTICE)
        self._open()
        unit = self._unit(actor_branch)
        if unit not in self.acknowledged:
            raise InvalidTransitionError(
                f"{unit} 尚未签收风险预警提示 {self.notice_no}",
                f"{unit} has not acknowledged notice {self.notice_no} yet",
            )
        if unit in self.investigated_units:
            raise InvalidTransitionError(
                f"{unit} 已报告调查处理情况", f"{unit} has already reported its investigation"
            )
        check_not_before(
            investigated_on,
            self.acknowledged[unit][0],
            field="investigated_on",
            since_field="acknowledged_on",
        )
        self._investigated(
            unit=unit,
            investigated_on=investigated_on,
            findings=require_text(findings, "findings"),
            measures=require_text(measures, "measures"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("RiskNoticeInvestigated")
    def _investigated(
        self,
        *,
        unit: str,
        investigated_on: date,
        findings: str,
        measures: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.investigations.append(
            Investigation(unit, investigated_on, findings, measures, actor_id)
        )

    def close(self, *, closed_on: date, conclusion: str, actor: Actor) -> None:
        """Close the notice (办结) once every unit concerned has acknowledged it and reported its
        investigation: by a risk manager or branch head other than its publisher."""
        authorize(actor, Action.CLOSE_RISK_NOTICE)
        self._open()
        if actor.id == self.publisher_id:
            raise SegregationOfDutiesError(
                "风险预警提示由发布人以外的人办结",
                "a risk notice is closed by someone other than its publisher",
            )
        missing = [u for u in self.units if u not in self.investigated_units]
        if missing:
            raise InvalidTransitionError(
                f"尚有机构未报告调查处理情况：{'、'.join(missing)}",
                f"units yet to report their investigation: {', '.join(missing)}",
            )
        last = max(i.investigated_on for i in self.investigations)
        check_not_before(closed_on, last, field="closed_on", since_field="investigated_on")
        self._closed(
            closed_on=closed_on,
            conclusion=require_text(conclusion, "conclusion"),
            units=list(self.units),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("RiskNoticeClosed")
    def _closed(
        self, *, closed_on: date, conclusion: str, units: list[str], actor_id: UUID, role: Role
    ) -> None:
        self.closed_on = closed_on
        self.conclusion = conclusion
        self.closed_by = actor_id


# ------------------------------------------------------------------------- suspension
@dataclass(frozen=True)
class FlaggedLoan:
    """A loan booked while the suspension was in force (停牌期间发放)."""

    loan_no: str
    booked_on: date
    principal: Decimal
    booked_by: UUID


class Suspension(Aggregate):
    """The suspension of new lending (停牌) for a unit, a product, a manager or a customer."""

    @classmethod
    def suspend(
        cls,
        *,
        suspension_id: UUID,
        suspension_no: str,
        subject: RiskSubject,
        subject_key: str,
        subject_name: str,
        branch: str | None,
        basis: SuspensionBasis,
        notice: RiskNotice | None,
        reason: str,
        figures: Figures,
        suspended_on: date,
        actor: Actor,
    ) -> Self:
        """Suspend new lending: on a breach the figures on the day must breach a line (SUS-08);
        on a notice, the notice is named."""
        authorize(actor, Action.SUSPEND_LENDING)
        subject = _subject(subject, SUSPENSION_SUBJECTS, "停牌")
        basis = SuspensionBasis.parse(basis, "basis")
        if basis is SuspensionBasis.BREACH and not figures.breached:
            raise InvalidInputError(
                f"{subject_name} 的指标未突破警戒线或考核线（{figures.summary()}）：不能以此停牌",
                f"{subject_name} breaches no line on {figures.on} (NPL ratio "
                f"{figures.npl_rate}, overdue ratio {figures.overdue_rate}): no suspension on "
                "that basis",
                field="basis",
            )
        if (basis is SuspensionBasis.NOTICE) != (notice is not None):
            raise InvalidInputError(
                "以风险预警提示停牌须写明提示（notice_id），以突破警戒线停牌不写",
                "a suspension on a notice names it (notice_id); one on a breach does not",
                field="notice_id",
            )
        check_not_before(suspended_on, figures.on, field="suspended_on", since_field="figures_on")
        if notice is not None:
            check_not_before(
                suspended_on, notice.published_on, field="suspended_on", since_field="published_on"
            )
        return cls(
            suspension_id=suspension_id,
            suspension_no=suspension_no,
            subject=subject.value,
            subject_key=require_text(subject_key, "subject_key", max_length=100),
            subject_name=require_text(subject_name, "subject_key", max_length=200),
            branch=branch,
            basis=basis.value,
            notice_id=notice.id if notice is not None else None,
            notice_no=notice.notice_no if notice is not None else None,
            reason=require_text(reason, "reason"),
            figures=figures.to_record(),
            suspended_on=suspended_on,
            actor_id=actor.id,
            role=actor.role,
        )

    @staticmethod
    def create_id(suspension_id: UUID) -> UUID:
        return suspension_id

    @event("LendingSuspended")
    def __init__(
        self,
        *,
        suspension_id: UUID,
        suspension_no: str,
        subject: str,
        subject_key: str,
        subject_name: str,
        branch: str | None,
        basis: str,
        notice_id: UUID | None,
        notice_no: str | None,
        reason: str,
        figures: dict[str, Any],
        suspended_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.suspension_no = suspension_no
        self.subject = RiskSubject.parse(subject, "subject")
        self.subject_key = subject_key
        self.subject_name = subject_name
        self.branch = branch
        self.basis = SuspensionBasis.parse(basis, "basis")
        self.notice_id = notice_id
        self.notice_no = notice_no
        self.reason = reason
        self.figures = Figures.from_record(figures)
        self.suspended_on = suspended_on
        self.suspended_by = actor_id
        self.notes: list[tuple[date, str, UUID]] = []
        self.flagged: list[FlaggedLoan] = []
        self.lifted_on: date | None = None
        self.lift_reason: str | None = None
        self.lift_figures: Figures | None = None
        self.lifted_by: UUID | None = None

    @property
    def state(self) -> SuspensionState:
        return SuspensionState.SUSPENDED if self.lifted_on is None else SuspensionState.LIFTED

    def in_force_on(self, day: date) -> bool:
        return self.suspended_on <= day and (self.lifted_on is None or day < self.lifted_on)

    def _in_force(self) -> None:
        if self.lifted_on is not None:
            raise InvalidTransitionError(
                f"停牌 {self.suspension_no} 已于 {self.lifted_on} 复牌",
                f"suspension {self.suspension_no} was lifted on {self.lifted_on}",
            )

    def supervise(self, *, supervised_on: date, note: str, actor: Actor) -> None:
        """A note of the supervision of the rectification (跟踪督导) while suspended."""
        authorize(actor, Action.SUPERVISE_SUSPENSION)
        self._in_force()
        last = self.notes[-1][0] if self.notes else self.suspended_on
        check_not_before(supervised_on, last, field="supervised_on", since_field="suspended_on")
        self._supervised(
            supervised_on=supervised_on,
            note=require_text(note, "note"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("SuspensionSupervised")
    def _supervised(self, *, supervised_on: date, note: str, actor_id: UUID, role: Role) -> None:
        self.notes.append((supervised_on, note, actor_id))

    def flag_booking(
        self, *, loan_no: str, booked_on: date, principal: Decimal, actor: Actor
    ) -> None:
        """Record a loan booked for the subject while suspended (SUS-10)."""
        self._in_force()
        if any(f.loan_no == loan_no for f in self.flagged):
            return
        self._booking_flagged(
            loan_no=loan_no,
            booked_on=booked_on,
            principal=principal,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("BookingFlagged")
    def _booking_flagged(
        self, *, loan_no: str, booked_on: date, principal: Decimal, actor_id: UUID, role: Role
    ) -> None:
        self.flagged.append(FlaggedLoan(loan_no, booked_on, principal, actor_id))

    def lift(
        self,
        *,
        lifted_on: date,
        reason: str,
        figures: Figures,
        notice: RiskNotice | None,
        actor: Actor,
    ) -> None:
        """Lift the suspension (复牌) when the signal has cleared (SUS-09): by a risk manager
        other than the one who suspended; on a breach, the figures on the day breach no line
        breached at the suspension; on a notice, the notice is closed."""
        authorize(actor, Action.LIFT_SUSPENSION)
        self._in_force()
        if actor.id == self.suspended_by:
            raise SegregationOfDutiesError(
                "复牌由停牌人以外的风险经理决定",
                "a suspension is lifted by a risk manager other than the one who suspended",
            )
        check_not_before(
            lifted_on, self.suspended_on, field="lifted_on", since_field="suspended_on"
        )
        check_not_before(figures.on, self.figures.on, field="figures_on", since_field="figures_on")
        if self.basis is SuspensionBasis.BREACH:
            still = [b for b in self.figures.breached if b in figures.breached]
            if still:
                raise InvalidTransitionError(
                    f"风险信号尚未解除，不能复牌：{figures.summary()}",
                    f"the signal has not cleared, the suspension stays: on {figures.on} the "
                    f"NPL ratio is {figures.npl_rate}%, the overdue ratio {figures.overdue_rate}%",
                )
        elif notice is None or notice.closed_on is None:
            raise InvalidTransitionError(
                f"风险预警提示 {self.notice_no} 尚未办结，不能复牌",
                f"notice {self.notice_no} is not closed yet: the suspension stays",
            )
        self._lifted(
            lifted_on=lifted_on,
            reason=require_text(reason, "reason"),
            figures=figures.to_record(),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("SuspensionLifted")
    def _lifted(
        self,
        *,
        lifted_on: date,
        reason: str,
        figures: dict[str, Any],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.lifted_on = lifted_on
        self.lift_reason = reason
        self.lift_figures = Figures.from_record(figures)
        self.lifted_by = actor_id


class ActiveSuspensions(Aggregate):
    """The suspensions in force, by subject: what each booking is checked against."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "dossier:active-suspensions")

    @classmethod
    def open(cls) -> ActiveSuspensions:
        return cls()

    @event("Opened")
    def __init__(self) -> None:
        self.entries: dict[UUID, tuple[str, str]] = {}

    def add(self, suspension: Suspension) -> None:
        self._added(
            suspension_id=suspension.id,
            subject=suspension.subject.value,
            subject_key=suspension.subject_key,
        )

    @event("Added")
    def _added(self, *, suspension_id: UUID, subject: str, subject_key: str) -> None:
        self.entries[suspension_id] = (subject, subject_key)

    def remove(self, suspension: Suspension) -> None:
        if suspension.id in self.entries:
            self._removed(suspension_id=suspension.id)

    @event("Removed")
    def _removed(self, *, suspension_id: UUID) -> None:
        self.entries.pop(suspension_id, None)

    def matching(self, keys: Mapping[RiskSubject, str | None]) -> list[UUID]:
        """The suspensions in force whose subject is one of ``keys`` (subject → key)."""
        return [
            sid
            for sid, (subject, key) in self.entries.items()
            if any(s.value == subject and k is not None and k == key for s, k in keys.items())
        ]
