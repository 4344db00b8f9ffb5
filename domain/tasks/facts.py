"""The facts a deadline depends on, as the log has recorded them (贷款、借阅、档案).

The registers gather them; :func:`domain.tasks.tasks_for` judges them.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from domain.customer import OperatingRhythm
from domain.rules import RepaymentConvention
from domain.schedules import add_months, running_days_overdue
from domain.values import (
    BorrowerType,
    CollectionStepKind,
    Grade,
    GuarantorKind,
    LossKind,
    Product,
    RepaymentMethod,
    RetentionClass,
    Role,
    WarningColour,
)


@dataclass(frozen=True)
class WarningFacts:
    """A warning signal not cleared: whether its handling and its report are still owed."""

    signal_id: UUID
    colour: WarningColour
    raised_on: date
    handled: bool = False
    reported: bool = False
    plan_required: bool = False
    """Its colour started an emergency plan (应急预案) under the rules when it was raised."""
    plan_started: bool = False


@dataclass(frozen=True)
class GuaranteeFacts:
    """A guarantee on the loan (保证): whose, and when its guarantor was last assessed."""

    guarantee_id: UUID
    guarantor_name: str
    kind: GuarantorKind
    assessed_on: date


@dataclass(frozen=True)
class CountersignFacts:
    """An inspection awaiting its named reviewer's countersign (复核意见)."""

    inspection_id: UUID
    inspected_on: date
    reviewer_id: UUID


@dataclass(frozen=True)
class LossFacts:
    """A loss of the loan (三个不放过): what, when, and where its review stands."""

    kind: LossKind
    on: date
    recorded: bool = False
    closed: bool = False


@dataclass(frozen=True)
class LoanFacts:
    """What the loan's deadlines depend on, as the log has recorded it."""

    loan_id: UUID
    loan_no: str
    branch: str
    product: Product
    borrower_type: BorrowerType
    rating: str
    repayment_method: RepaymentMethod
    value_date: date
    maturity_date: date
    account_manager_id: UUID
    schedule_from: date | None = None
    """Where the repayment schedule starts: the value date, or the last restructuring."""
    post_loan_officer_id: UUID | None = None
    risk_manager_id: UUID | None = None
    first_inspection_done: bool = False
    last_inspected_on: date | None = None
    last_special_inspection_on: date | None = None
    last_phone_visit_on: date | None = None
    grade: Grade = Grade.NORMAL
    proposed_grade: Grade | None = None
    """The grade of a proposal awaiting approval, if any (the determined one once determined)."""
    proposal_undetermined: bool = False
    """The proposal awaits its determination (认定), the rules having required one."""
    last_downgrade_on: date | None = None
    last_serious_warning_on: date | None = None
    """When the last red or orange signal was raised."""
    last_reclassify_warning_on: date | None = None
    """When the last signal of a colour calling for re-classification (``warnings.
    reclassify_colours``, red) was raised."""
    warnings: tuple[WarningFacts, ...] = ()
    overdue_as_of: date | None = None
    days_overdue: int = 0
    principal_overdue: bool = False
    principal_overdue_since: date | None = None
    steps_taken: Mapping[CollectionStepKind, date] = field(default_factory=dict)
    """The latest date each kind of collection step was taken."""
    closed_on: date | None = None
    """Settled or written off (the first of them)."""
    originals_transferred: bool = False
    full_transferred: bool = False
    awaiting_countersign: tuple[CountersignFacts, ...] = ()
    """Inspections recorded under rules requiring a countersign, not yet countersigned."""
    periodic_review_since: date | None = None
    """The date of the last countersigned routine inspection (it opens the quarterly
    re-classification); ``periodic_review_opened_on`` is the day it was countersigned."""
    periodic_review_opened_on: date | None = None
    last_proposed_as_of: date | None = None
    """The latest as-of date (基准日) of a classification proposal (初分) recorded."""
    b_manager_id: UUID | None = None
    """The B岗 beside the account manager (A岗), if the loan has one."""
    principal: Decimal | None = None
    rating_change: tuple[date, date | None] | None = None
    """The effective date of the latest change of rating and the due date it fixed (INF-55)."""
    key_customer_since: date | None = None
    """On the key-customer list (重点客户) since this day; None: not a key customer's."""
    third_party_since: date | None = None
    """Serviced under the third-party model since this day (第三方服务模式); None: not."""
    third_party_contact: str | None = None
    """The servicer's contact phoned and visited: 服务机构（联系人）."""
    last_on_site_on: date | None = None
    """The latest on-site inspection (现场检查) recorded."""
    on_site_month: str | None = None
    """The latest month (YYYY-MM) with on-site inspections, ``on_site_in_month`` of them."""
    on_site_in_month: int = 0
    last_off_site_on: date | None = None
    """The latest off-site inspection (非现场检查) recorded."""
    maturity_notice_for: date | None = None
    """The maturity date the latest maturity notice (贷款到期通知书) announced."""
    guarantees: tuple[GuaranteeFacts, ...] = ()
    """The loan's guarantees (保证), in registration order."""
    rhythm: OperatingRhythm | None = None
    """The customer's operating rhythm (客户运营规律): when it is phoned (电话回访)."""
    zone: str | None = None
    """The customer's zone in force (三大区间), once one was approved."""
    zone_reviewed_on: date | None = None
    """The zone's approval or its latest review, whichever is later."""
    zone_responsible_id: UUID | None = None
    """The person the zone's plan names responsible (一户一策)."""
    zone_pending_since: date | None = None
    """A zone proposed on this day awaits approval."""
    last_disposal_plan_on: date | None = None
    """The latest disposal plan (处置方案) submitted: an NPL management plan."""
    in_asset_preservation: bool = False
    """Transferred to asset preservation (资产保全) and not handed back."""
    graded_on: date | None = None
    """When the grade in force was approved (a downgrade into non-performing, an upgrade)."""
    extension_filed_on: date | None = None
    """The latest filing of extension application materials (展期申请资料) in the dossier."""
    losses: tuple[LossFacts, ...] = ()
    """The loan's losses (三个不放过) and whether each one's review was closed."""
    target_years: frozenset[int] = frozenset()
    """The years the loan's target-responsibility record (目标责任书) was signed for."""

    @property
    def is_retail(self) -> bool:
        return self.product.is_retail or self.borrower_type is BorrowerType.INDIVIDUAL

    @property
    def arrears_start(self) -> date | None:
        """Day 0 of the current arrears (the due date first missed), or None when current."""
        if self.overdue_as_of is None or self.days_overdue <= 0:
            return None
        return self.overdue_as_of - timedelta(days=self.days_overdue)

    def days_overdue_on(self, day: date) -> int:
        """Days overdue on ``day``, running on from the latest status record."""
        return running_days_overdue(self.days_overdue, self.overdue_as_of, day)

    @property
    def last_collection_step(self) -> tuple[CollectionStepKind, date] | None:
        if not self.steps_taken:
            return None
        kind, taken = max(self.steps_taken.items(), key=lambda item: (item[1], item[0].value))
        return kind, taken

    def instalment_months(self, convention: RepaymentConvention) -> int:
        if self.is_retail:
            return convention.instalment_months_retail
        return convention.instalment_months_business

    def due_dates(self, rule: RepaymentConvention) -> Iterator[date]:
        """Every repayment due date, ascending: instalments, or interest at the end of each
        period (``[repayment]`` of the rules: quarterly on the 20th) then the principal at
        maturity."""
        start = self.schedule_from or self.value_date
        if self.repayment_method is RepaymentMethod.INSTALMENT:
            step, every = 1, self.instalment_months(rule)
            while (due := add_months(start, every * step)) < self.maturity_date:
                yield due
                step += 1
        else:
            every = rule.interest_every_months
            year, month = start.year, start.month + (-start.month) % every
            while (due := date(year, month, rule.interest_day)) < self.maturity_date:
                if due > start:
                    yield due
                year, month = (
                    (year + 1, month + every - 12) if month + every > 12 else (year, month + every)
                )
        yield self.maturity_date


@dataclass(frozen=True)
class BorrowingFacts:
    """A borrowing of a dossier's originals: when it is due back, and whether it is out."""

    borrowing_id: UUID
    borrow_no: str
    loan_no: str
    branch: str | None
    due_on: date
    out: bool
    archivist_id: UUID | None = None


@dataclass(frozen=True)
class DossierFacts:
    """A dossier in the archive office: when its retention ends, when it was last appraised."""

    dossier_id: UUID
    loan_no: str
    branch: str | None
    reference_code: str | None = None
    retention: RetentionClass | None = None
    retention_ends_on: date | None = None
    last_appraised_on: date | None = None

    @property
    def appraised(self) -> bool:
        """An appraisal was decided after the retention ended."""
        return (
            self.retention_ends_on is not None
            and self.last_appraised_on is not None
            and self.last_appraised_on > self.retention_ends_on
        )


@dataclass(frozen=True)
class StaffFacts:
    """An account manager: since when in post, when last evaluated after years in post, and
    the earliest handover of a loan not evaluated since (贷后管理履职评价)."""

    staff_id: UUID
    staff_no: str
    branch: str | None
    in_post_since: date | None
    """The day the current spell as account manager began (None: not one now)."""
    last_in_post_evaluation_on: date | None = None
    handover_pending_on: date | None = None
    """The earliest handover of a loan by the person not followed by an evaluation."""
    handover_loan_no: str | None = None


@dataclass(frozen=True)
class RectificationFacts:
    """A rectification notice (限期整改通知书) not yet accepted: whose, by when, reported or not."""

    check_id: UUID
    check_no: str
    notice_no: str
    branch: str
    staff_id: UUID | None
    """The account manager checked; None: a branch checked."""
    checker_id: UUID
    checker_role: Role
    issued_on: date
    deadline: date
    reported_on: date | None = None


@dataclass(frozen=True)
class FeedbackFacts:
    """A branch's feedback not closed (经办行反馈问题): whose turn it is, and by when."""

    feedback_id: UUID
    feedback_no: str
    branch: str
    state: str
    """raised, assigned, answered or returned (domain.feedback.FeedbackState)."""
    raised_on: date
    raiser_id: UUID
    raiser_role: Role
    answer_due: date
    handler_id: UUID | None = None
    handler_role: Role | None = None
    assigned_on: date | None = None
    answered_on: date | None = None
    escalated_on: date | None = None
    escalated_to: Role | None = None


@dataclass(frozen=True)
class PaperFacts:
    """A post-loan management paper (贷后管理文书) not yet done: whose unit, due when, awaiting
    which step, returned, or submitted to the unit above (``branch`` is then that unit)."""

    paper_id: UUID
    paper_no: str
    kind: str
    period: str
    branch: str
    author_id: UUID
    author_role: Role
    drafted_on: date
    due_on: date
    next_role: Role | None = None
    next_step: str | None = None
    returned: bool = False
    submitted_on: date | None = None


@dataclass(frozen=True)
class PartnerFacts:
    """A third-party servicer cooperating (合作机构): its unit, and when it was last talked to."""

    credit_code: str
    name: str
    branch: str
    registered_on: date
    last_communicated_on: date | None = None
