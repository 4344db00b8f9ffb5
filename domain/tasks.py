"""The deadline engine (期限引擎): which post-loan and archive work is due, whose, and by when.

:func:`tasks_for` judges the facts a deadline depends on (:class:`LoanFacts`,
:class:`BorrowingFacts`, :class:`DossierFacts`) with a rule set on a business date, and returns
the open :class:`Task` objects. A task carries the citation of the rule that produced it and the
rules' version. Nothing here is stored: a task closes by construction once the fact that
satisfies it is recorded (a phone visit on or after the reminder opened, an inspection that
moves the next due date, the handling of a warning, a transfer listed…), and moves with the
date it is judged on.

What each kind of task means:

* ``first_inspection`` / ``routine_inspection`` — the next inspection by
  :meth:`InspectionSchedule.next_due`; a routine one opens the day after the last inspection
  (phone visits are reminders, not inspections);
* ``special_inspection`` — within ``special.within_days`` of a downgrade, a red or orange
  warning, or principal falling overdue, unless a special inspection was made since;
* ``repayment_reminder`` — a phone visit (电话回访) ``reminders.lead_days`` before each due date,
  shown from that day until the due date itself;
* ``collection_step`` — the highest rung of the collection ladder the arrears have reached,
  due the day it is reached, unless a step of its kind was taken in the episode (after the
  previous rung of the same kind, when the ladder repeats a kind);
* ``warning_handling`` — a signal not yet handled, due ``warnings.handling_days`` by colour;
* ``reclassification`` — the grade is better than the statutory floor for the days overdue;
* ``originals_transfer`` — contract originals within ``transfers.originals_working_days``
  working days of signing (the value date); ``full_transfer`` — the full dossier within
  ``transfers.full_after_close_days`` of settlement or write-off;
* ``overdue_borrowing`` — originals still out after their due date, owned by the rung of
  ``borrowing.escalation`` reached;
* ``retention_review`` — retention ended and no appraisal (鉴定) decided since.

Days overdue run on from the latest overdue status record: a loan recorded 30 days overdue on
1 March is 40 days overdue on 11 March, until a status of zero days records the cure.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from domain.classification import Floor, FloorFacts, FloorPolicy, Observation, statutory_floor
from domain.rules import RepaymentConvention, RuleSet
from domain.schedules import add_months, running_days_overdue
from domain.transfers import add_working_days
from domain.values import (
    BorrowerType,
    CollectionStepKind,
    Grade,
    LabelledEnum,
    Product,
    RepaymentMethod,
    RetentionClass,
    Role,
    WarningColour,
)


class TaskKind(LabelledEnum):
    """What a task asks for (工作任务类型)."""

    FIRST_INSPECTION = ("first_inspection", "首次跟踪检查")
    ROUTINE_INSPECTION = ("routine_inspection", "常规检查")
    SPECIAL_INSPECTION = ("special_inspection", "专项检查")
    REPAYMENT_REMINDER = ("repayment_reminder", "还款提示")
    COLLECTION_STEP = ("collection_step", "催收")
    WARNING_HANDLING = ("warning_handling", "预警处置")
    RECLASSIFICATION = ("reclassification", "风险分类调整")
    ORIGINALS_TRANSFER = ("originals_transfer", "合同原件移交")
    FULL_TRANSFER = ("full_transfer", "整卷移交")
    OVERDUE_BORROWING = ("overdue_borrowing", "借阅逾期催还")
    RETENTION_REVIEW = ("retention_review", "保管期满鉴定")


KIND_ORDER = {kind: n for n, kind in enumerate(TaskKind)}


# ------------------------------------------------------------------------------ facts
@dataclass(frozen=True)
class WarningFacts:
    """A warning signal not cleared: whether its handling is still owed."""

    signal_id: UUID
    colour: WarningColour
    raised_on: date
    handled: bool = False


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
    """The grade of a proposal awaiting approval, if any."""
    last_downgrade_on: date | None = None
    last_serious_warning_on: date | None = None
    """When the last red or orange signal was raised."""
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
class Facts:
    """Everything the deadline engine judges."""

    loans: Sequence[LoanFacts] = ()
    borrowings: Sequence[BorrowingFacts] = ()
    dossiers: Sequence[DossierFacts] = ()


# ------------------------------------------------------------------------------ tasks
@dataclass(frozen=True)
class Task:
    """A piece of work due: what, on which loan, borrowing or dossier, whose, when, and why.

    ``subject`` tells tasks of one kind on one loan apart (the repayment due date of a
    reminder, the signal of a warning, the step of the ladder, the floor grade…).
    """

    kind: TaskKind
    subject: str
    loan_no: str | None
    branch: str | None
    owner_role: Role
    owner_id: UUID | None
    opens_on: date
    due_on: date
    overdue: bool
    rule: str
    rules_version: str
    borrowing_id: UUID | None = None
    borrow_no: str | None = None
    dossier_id: UUID | None = None

    @property
    def ref(self) -> str:
        """How the task names what it is about: the borrowing, else the loan."""
        return self.borrow_no or self.loan_no or str(self.dossier_id)


def tasks_for(facts: Facts, rules: RuleSet, today: date) -> list[Task]:
    """The tasks open on ``today``, earliest due first."""
    found: list[Task] = []
    for loan in facts.loans:
        found += loan_tasks(loan, rules, today)
    for borrowing in facts.borrowings:
        found += borrowing_tasks(borrowing, rules, today)
    for dossier in facts.dossiers:
        found += dossier_tasks(dossier, rules, today)
    return sorted(
        (t for t in found if t.opens_on <= today),
        key=lambda t: (t.due_on, KIND_ORDER[t.kind], t.ref, t.subject),
    )


def overdue_floor(loan: LoanFacts, day: date, policy: FloorPolicy) -> Floor | None:
    """The statutory floor the days overdue on ``day`` set (监管下限), or None when current.

    Only the overdue thresholds count here: the floors of an observation period or of the
    borrower's other claims are judged when a grade is approved, from facts the register
    does not keep.
    """
    days = loan.days_overdue_on(day)
    if loan.arrears_start is None or days <= 0:
        return None
    return statutory_floor(
        FloorFacts(
            days_overdue=days,
            current_grade=loan.grade,
            observation=Observation(),
            is_retail=loan.is_retail,
            borrower_npl_share=None,
            normal_repayments_since_arrears=policy.npl_upgrade_min_repayments,
            as_of=day,
        ),
        policy,
    )


def loan_tasks(loan: LoanFacts, rules: RuleSet, today: date) -> list[Task]:
    """The loan's tasks on ``today`` (some may not be open yet: see ``opens_on``)."""
    if today < loan.value_date:
        return []
    judge = _LoanJudge(loan, rules, today)
    if loan.closed_on is not None and loan.closed_on <= today:
        return judge.full_transfer()
    return [
        *judge.inspection(),
        *judge.special_inspection(),
        *judge.reminder(),
        *judge.collection_step(),
        *judge.warning_handling(),
        *judge.reclassification(),
        *judge.originals_transfer(),
    ]


def borrowing_tasks(borrowing: BorrowingFacts, rules: RuleSet, today: date) -> list[Task]:
    """Originals still out past their due date: the escalation rung reached owns the task."""
    if not borrowing.out or today <= borrowing.due_on:
        return []
    days = (today - borrowing.due_on).days
    rung = next(((d, role) for d, role in rules.borrowing_escalation if days >= d), None)
    if rung is None:
        return []
    rung_days, role = rung
    return [
        Task(
            kind=TaskKind.OVERDUE_BORROWING,
            subject=borrowing.borrow_no,
            loan_no=borrowing.loan_no,
            branch=borrowing.branch,
            owner_role=role,
            owner_id=borrowing.archivist_id if role is Role.ARCHIVIST else None,
            opens_on=borrowing.due_on,
            due_on=borrowing.due_on,
            overdue=True,
            rule=f"borrowing.escalation[{_days(rung_days)}] {role.value}",
            rules_version=rules.version,
            borrowing_id=borrowing.borrowing_id,
            borrow_no=borrowing.borrow_no,
        )
    ]


def dossier_tasks(dossier: DossierFacts, rules: RuleSet, today: date) -> list[Task]:
    """A dossier whose retention has ended waits for the archive head's appraisal."""
    ends = dossier.retention_ends_on
    if ends is None or today <= ends or dossier.appraised:
        return []
    opens = ends + timedelta(days=1)
    retention = dossier.retention.value if dossier.retention is not None else "?"
    return [
        Task(
            kind=TaskKind.RETENTION_REVIEW,
            subject=dossier.reference_code or "",
            loan_no=dossier.loan_no,
            branch=dossier.branch,
            owner_role=rules.task_owners.retention_review,
            owner_id=None,
            opens_on=opens,
            due_on=opens,
            overdue=today > opens,
            rule=f"retention {retention} ended {ends.isoformat()}",
            rules_version=rules.version,
            dossier_id=dossier.dossier_id,
        )
    ]


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


@dataclass(frozen=True)
class _LoanJudge:
    """One loan judged on one day with one rule set."""

    loan: LoanFacts
    rules: RuleSet
    today: date

    @property
    def policy(self) -> FloorPolicy:
        return self.rules.floor_policy

    def task(
        self,
        kind: TaskKind,
        *,
        opens_on: date,
        due_on: date,
        rule: str,
        owner_role: Role,
        subject: str = "",
    ) -> Task:
        return Task(
            kind=kind,
            subject=subject,
            loan_no=self.loan.loan_no,
            branch=self.loan.branch,
            owner_role=owner_role,
            owner_id=self.owner(owner_role),
            opens_on=opens_on,
            due_on=due_on,
            overdue=self.today > due_on,
            rule=rule,
            rules_version=self.rules.version,
        )

    def owner(self, role: Role) -> UUID | None:
        """The person holding ``role`` for this loan, when the log has named one."""
        people = {
            Role.ACCOUNT_MANAGER: self.loan.account_manager_id,
            Role.POST_LOAN_OFFICER: self.loan.post_loan_officer_id,
            Role.RISK_MANAGER: self.loan.risk_manager_id,
        }
        return people.get(role)

    # ------------------------------------------------------------------ inspections
    def inspection(self) -> list[Task]:
        loan, schedule = self.loan, self.rules.inspections
        due = schedule.next_due(
            value_date=loan.value_date,
            borrower_type=loan.borrower_type,
            product=loan.product,
            rating=loan.rating,
            repayment_method=loan.repayment_method,
            first_done=loan.first_inspection_done,
            last_inspected_on=loan.last_inspected_on,
        )
        if due is None:
            return []
        owners = self.rules.task_owners
        if not loan.first_inspection_done:
            name = schedule.first_follow_up_rule(loan.borrower_type, loan.product)
            return [
                self.task(
                    TaskKind.FIRST_INSPECTION,
                    opens_on=loan.value_date,
                    due_on=due,
                    rule=f"inspections.{name} = {getattr(schedule, name)}",
                    owner_role=owners.first_inspection,
                )
            ]
        routine = schedule.routine_rule(loan.rating, loan.product, loan.repayment_method)
        last = loan.last_inspected_on or loan.value_date
        return [
            self.task(
                TaskKind.ROUTINE_INSPECTION,
                opens_on=last + timedelta(days=1),
                due_on=due,
                rule=f"inspections.{routine} = {getattr(schedule, str(routine))}",
                owner_role=owners.routine_inspection,
            )
        ]

    def special_inspection(self) -> list[Task]:
        loan = self.loan
        triggers = [
            (loan.last_downgrade_on, "downgrade"),
            (loan.last_serious_warning_on, "red_or_orange_warning"),
            (loan.principal_overdue_since if loan.principal_overdue else None, "principal_overdue"),
        ]
        done = loan.last_special_inspection_on
        open_triggers = sorted(
            (on, why) for on, why in triggers if on is not None and (done is None or done < on)
        )
        if not open_triggers:
            return []
        on, why = open_triggers[0]
        days = self.rules.special_inspection_days
        return [
            self.task(
                TaskKind.SPECIAL_INSPECTION,
                opens_on=on,
                due_on=on + timedelta(days=days),
                rule=f"special.within_days = {days} after {why.replace('_', ' ')}",
                owner_role=self.rules.task_owners.special_inspection,
                subject=why,
            )
        ]

    # ------------------------------------------------------------------- repayment
    def reminder(self) -> list[Task]:
        lead = self.rules.reminder_lead_days
        for due in self.loan.due_dates(self.rules.repayment):
            if due < self.today:
                continue
            opens = due - timedelta(days=lead)
            if opens > self.today:
                return []
            visited = self.loan.last_phone_visit_on
            if visited is not None and visited >= opens:
                continue
            return [
                self.task(
                    TaskKind.REPAYMENT_REMINDER,
                    opens_on=opens,
                    due_on=opens,
                    rule=f"reminders.lead_days = {lead}",
                    owner_role=self.rules.task_owners.repayment_reminder,
                    subject=due.isoformat(),
                )
            ]
        return []

    def collection_step(self) -> list[Task]:
        start = self.loan.arrears_start
        days = self.loan.days_overdue_on(self.today)
        if start is None or days <= 0:
            return []
        reached = [r for r in self.rules.collection_ladder if r.days <= days]
        if not reached:
            return []
        rung = reached[-1]
        earlier = [r.days for r in reached[:-1] if r.step is rung.step]
        since = start + timedelta(days=earlier[-1] + 1) if earlier else start
        taken = self.loan.steps_taken.get(rung.step)
        if taken is not None and taken >= since:
            return []
        opens = start + timedelta(days=rung.days)
        return [
            self.task(
                TaskKind.COLLECTION_STEP,
                opens_on=opens,
                due_on=opens,
                rule=f"collection.ladder[{_days(rung.days)}] {rung.step.value}",
                owner_role=rung.owner,
                subject=rung.step.value,
            )
        ]

    # --------------------------------------------------------- warnings, grading
    def warning_handling(self) -> list[Task]:
        found = []
        for signal in self.loan.warnings:
            if signal.handled:
                continue
            days = self.rules.warning_handling_days[signal.colour]
            found.append(
                self.task(
                    TaskKind.WARNING_HANDLING,
                    opens_on=signal.raised_on,
                    due_on=signal.raised_on + timedelta(days=days),
                    rule=f"warnings.handling_days.{signal.colour.value} = {days}",
                    owner_role=self.rules.task_owners.warning_handling,
                    subject=str(signal.signal_id),
                )
            )
        return found

    def reclassification(self) -> list[Task]:
        loan = self.loan
        start = loan.arrears_start
        days = loan.days_overdue_on(self.today)
        floor = overdue_floor(loan, self.today, self.policy)
        if start is None or floor is None or floor.grade.severity <= loan.grade.severity:
            return []
        threshold = max(
            (t for t, g in self.policy.overdue_thresholds if days > t and g is floor.grade),
            default=0,
        )
        opens = start + timedelta(days=threshold + 1)
        proposed = loan.proposed_grade
        # A proposal at or below the floor awaits the risk manager's approval (审批).
        awaiting = proposed is not None and proposed.severity >= floor.grade.severity
        return [
            self.task(
                TaskKind.RECLASSIFICATION,
                opens_on=opens,
                due_on=opens,
                rule=f"floor: overdue > {_days(threshold)} ⇒ at least {floor.grade.zh}",
                owner_role=(
                    self.rules.task_owners.reclassification_awaiting_approval
                    if awaiting
                    else self.rules.task_owners.reclassification
                ),
                subject=floor.grade.value,
            )
        ]

    # ------------------------------------------------------------------- transfers
    def originals_transfer(self) -> list[Task]:
        if self.loan.originals_transferred:
            return []
        days = self.rules.originals_transfer_working_days
        return [
            self.task(
                TaskKind.ORIGINALS_TRANSFER,
                opens_on=self.loan.value_date,
                due_on=add_working_days(self.loan.value_date, days),
                rule=f"transfers.originals_working_days = {days}",
                owner_role=self.rules.task_owners.originals_transfer,
            )
        ]

    def full_transfer(self) -> list[Task]:
        closed = self.loan.closed_on
        if closed is None or self.loan.full_transferred:
            return []
        days = self.rules.full_transfer_days
        return [
            self.task(
                TaskKind.FULL_TRANSFER,
                opens_on=closed,
                due_on=closed + timedelta(days=days),
                rule=f"transfers.full_after_close_days = {days}",
                owner_role=self.rules.task_owners.full_transfer,
            )
        ]
