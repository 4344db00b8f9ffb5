"""Sub-records a loan keeps: inspections, proposals, warnings, determinations.

Mutable on purpose: they only ever change inside an event's apply method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.values import (
    AppealOutcome,
    CollectionPlan,
    CollectionStepKind,
    Grade,
    GuarantorCapacity,
    GuarantorKind,
    InspectionKind,
    LossKind,
    ResponsibilityFinding,
    ResponsibilityStage,
    WarningColour,
)


@dataclass
class Inspection:
    """A post-loan inspection (贷后检查) with its countersigning reviewer."""

    id: UUID
    kind: InspectionKind
    inspected_on: date
    inspector_id: UUID
    reviewer_id: UUID
    findings: str
    corrections: int = 0
    # Checklist answers (贷后检查表): none on a free-text inspection (before checklists).
    checklist: str | None = None
    answers: list[dict[str, str]] | None = None
    """Each item answered: {"item", "result" (normal/abnormal), "note"}."""
    figures: dict[str, str] | None = None
    """Key financial figures in 元 (decimal strings) by code."""
    judgment: str | None = None
    measures: str | None = None
    counterpart: str | None = None
    """Whom the inspector spoke to or met (回访对象), where the record names them."""
    reminder_channel: str | None = None
    """How a phone visit's repayment reminder reached the borrower (电话, 短信, 邮件, 信函)."""
    systems_queried: list[str] | None = None
    """The systems an off-site inspection queried (系统监测): 信贷管理系统, 人行征信…"""
    assistant_id: UUID | None = None
    """The assistant inspector (辅助检查人, B岗) beside the main one (主检查人, A岗): none on
    an inspection by one person, or recorded before the assistant was."""
    joint: list[dict[str, str]] | None = None
    """Who took part from other departments (会同有关部门现场检查): each {"department",
    "staff_id"}; none on an inspection by the branch alone."""
    lead_unit: str | None = None
    """The unit that led an on-site inspection of a key customer (牵头机构: 省分行/总行)."""
    led_by: UUID | None = None
    """The person of the lead unit who led the inspection team (牵头人)."""

    @property
    def abnormal(self) -> int | None:
        """How many items were answered abnormal; None on a free-text inspection."""
        if self.answers is None:
            return None
        return sum(1 for a in self.answers if a.get("result") == "abnormal")

    # The reviewer's countersign (复核意见), once given: see LoanInspections.countersign_inspection.
    countersigned_on: date | None = None
    countersign_opinion: str | None = None
    countersign_measures: str | None = None
    countersign_due_on: date | None = None
    countersign_late: bool = False


@dataclass
class Proposal:
    """A proposed change of five-level grade (初分) awaiting determination (认定) and approval."""

    id: UUID
    grade: Grade
    sub_grade: str | None
    proposer_id: UUID
    reason: str
    as_of: date
    status: str = "pending"
    awaits_determination: bool = False
    """Proposed under rules requiring 认定, and not yet determined."""
    determiner_id: UUID | None = None
    """Who determined it (认定), when it has been; the determined grade replaces the proposed."""
    determined_grade: Grade | None = None
    determined_sub_grade: str | None = None

    @property
    def stage(self) -> str:
        """``awaiting_determination`` (待认定), ``pending`` (待审批), ``approved``, ``rejected``."""
        if self.status == "pending" and self.awaits_determination:
            return "awaiting_determination"
        return self.status

    @property
    def final_grade(self) -> Grade:
        """The grade an approval would give: the determined one, else the proposed."""
        return self.determined_grade or self.grade

    @property
    def final_sub_grade(self) -> str | None:
        return self.sub_grade if self.determiner_id is None else self.determined_sub_grade


@dataclass
class WarningSignal:
    """A risk-warning signal (预警信号): 发布 → 处置 → (反馈 → 认定 →) 消除.

    ``closed_loop``: the rules in force when it was raised asked for the feedback (反馈) and
    the determination (认定) before clearing; signals raised before have two steps.
    """

    id: UUID
    colour: WarningColour
    code: str
    raised_on: date
    reason: str
    handled_on: date | None = None
    measures: str | None = None
    cleared_on: date | None = None
    closed_loop: bool = False
    raiser_id: UUID | None = None
    handler_ids: set[UUID] = field(default_factory=set)
    """Everyone who recorded measures on it (处置)."""
    feedback_on: date | None = None
    feedback_by: set[UUID] = field(default_factory=set)
    """Everyone who reported the result of the measures (反馈)."""
    determined_on: date | None = None
    determiner_id: UUID | None = None
    confirmed: bool | None = None
    """The determination (认定): the risk confirmed (True) or dismissed (False)."""
    reported_on: date | None = None
    plan_required: bool = False
    """The rules in force when it was raised asked for an emergency plan (应急预案)."""
    plan_started_on: date | None = None
    plan_owner_id: UUID | None = None
    plan_due_on: date | None = None
    plan_progress: int = 0
    """How many times the plan's progress was recorded."""

    @property
    def status(self) -> str:
        if self.cleared_on is not None:
            return "cleared"
        if self.determined_on is not None:
            return "determined"
        if self.feedback_on is not None:
            return "fed_back"
        if self.handled_on is not None:
            return "handled"
        return "raised"


@dataclass
class CollectionStep:
    """One rung of the collection ladder that was taken."""

    id: UUID
    kind: CollectionStepKind
    taken_on: date
    days_overdue: int
    outcome: str
    promised_date: date | None
    actor_id: UUID | None = None
    """Who took the step (换手催收: the step at a hand-over rung is someone else's)."""
    participants: tuple[UUID, ...] = ()
    """Others who took part (一同上门, 主管级以上领导)."""
    plan: CollectionPlan | None = None
    """The plan a revised plan settled on (催收方案; 提前收回)."""
    servicer: str | None = None
    """The third-party servicer that chased the borrower (第三方服务机构追收), by name."""


@dataclass
class Guarantee:
    """A guarantee (保证) on the loan: who guarantees how much, and their capacity as last
    assessed (代偿能力, 信用等级)."""

    id: UUID
    guarantor_name: str
    kind: GuarantorKind
    id_no: str
    amount: Decimal
    contract_no: str
    registered_on: date
    capacity: GuarantorCapacity
    rating: str
    assessed_on: date
    assessments: int = 0
    """Re-assessments recorded since registration."""


@dataclass(frozen=True)
class Loss:
    """A loss of the loan (三个不放过): what, on which day, how much (the balance then)."""

    kind: LossKind
    on: date
    amount: Decimal


def note_loss(state: dict[str, Any], kind: LossKind, on: date | None, amount: Decimal) -> None:
    """Keep a loss in a loan's state (called by the mutators of the events that make one; an
    event stored without its date makes none)."""
    if on is not None:
        state["_losses"] = [*state.get("_losses", []), Loss(kind, on, amount)]


@dataclass
class Determination:
    """A responsibility finding for one person and one stage (责任认定)."""

    id: UUID
    person_id: UUID
    stage: ResponsibilityStage
    finding: ResponsibilityFinding
    sanction: str
    determined_by: UUID
    appeal_reason: str | None = None
    outcome: AppealOutcome | None = None
    final_finding: ResponsibilityFinding | None = None
    written: bool = False
    """Whether a written determination (认定书) was filed with it or a later step."""
    signed_off_by: list[UUID] = field(default_factory=list)
    notified_on: date | None = None
    referred_on: date | None = None


@dataclass
class Term:
    """The repayment terms currently in force."""

    maturity_date: date
    interest_rate: str
    extensions: int = 0
    history: list[tuple[str, date]] = field(default_factory=list)
