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
* ``collection_step`` — the highest rung of the collection ladder the arrears have reached
  (each rung of those days, when the ladder lists several; a ``guarantors_only`` rung only on
  a loan with a guarantee), due the day it is reached, unless a step of its kind was taken in
  the episode (after the previous rung of the same kind, when the ladder repeats a kind);
* ``warning_handling`` — a signal not yet handled, due ``warnings.handling_days`` by colour;
* ``warning_report`` — a signal not yet reported on its colour's route (``warnings.reporting``):
  the route's role's, due ``within_days`` after raising, escalated to ``escalate_to`` once late;
* ``countersign`` — an inspection recorded under rules with ``inspections.countersign_days``
  awaits its named reviewer's countersign (复核意见), due that many working days after it; until
  then it does not count for the schedule above;
* ``periodic_reclassification`` — a countersigned routine inspection asks for a classification
  proposal (初分) as of its date or later, within ``classification.review_within_days`` of the
  countersign (季度风险分类更新);
* ``reclassification`` — the grade is better than the statutory floor for the days overdue;
  or (subject ``warning``) a signal of ``warnings.reclassify_colours`` (red) was raised and no
  proposal as of its day or later has been made since, due ``warnings.reclassify_within_days``;
* ``originals_transfer`` — contract originals within ``transfers.originals_working_days``
  working days of signing (the value date); ``full_transfer`` — the full dossier within
  ``transfers.full_after_close_days`` of settlement or write-off;
* ``overdue_borrowing`` — originals still out after their due date, owned by the rung of
  ``borrowing.escalation`` reached;
* ``retention_review`` — retention ended and no appraisal (鉴定) decided since;
* ``b_post_assignment`` — a loan ``managers.b_post_required`` names has no B岗 (配置B岗);
* ``duty_evaluation`` — an account manager handed a loan over, or has been in post
  ``managers.evaluation_every_years``, and no evaluation of their duties followed (履职评价);
* ``key_customer_on_site`` — a key customer (重点客户) monitored on site every
  ``watch.key_customer_on_site_months`` from its designation or the last on-site inspection;
  ``large_customer_off_site`` — a loan of ``watch.large_customer_min_principal`` or more
  monitored off site every ``watch.large_customer_off_site_months``;
* ``third_party_phone_visit`` / ``third_party_on_site`` — a loan serviced under the third-party
  model phoned every ``watch.third_party_phone_visit_days`` and visited on site
  ``watch.third_party_on_site_per_month`` times in each calendar month;
* ``rhythm_phone_visit`` — a customer whose operating rhythm is recorded (客户运营规律,
  ``domain.customer``) phoned in the days of its months, due by the last of them, until a phone
  visit is recorded within them (docs/rules.md CSF-05);
* ``signal_watch_on_site`` — while a warning signal of a colour
  ``watch.open_signal_on_site_days`` names is open (not cleared), the loan inspected on site
  every that many days from the signal's raising or the last on-site inspection since (加密监测);
* ``maturity_notice`` — a loan maturing in a month, from the first day of the month
  ``watch.maturity_notice_months_ahead`` before, by the last day of the month before it
  matures, until a maturity notice (贷款到期通知书) announcing its maturity date is recorded.
* ``guarantor_reassessment`` — a guarantor's capacity (代偿能力) is re-assessed
  ``guarantors.reassess_every_months`` (by kind of guarantor) after the guarantee's
  registration or its last re-assessment; the task opens a month before.
* ``rectification`` — a supervision check's rectification notice (限期整改通知书) owes its
  report by the notice's deadline, the account manager's or the branch head's of the unit
  checked; ``rectification_acceptance`` — a reported rectification owes the checker's
  acceptance (验收), by the deadline or the day of the report if later.
* ``top_customer_on_site``, ``lead_on_site``, ``monthly_monitoring``, ``flag_verification``,
  ``flag_decision`` — key customers (重点客户, ``[monitoring]``) inspected on site on schedule
  (led by the lead unit for group and large ones), monitored off site each month by the online
  monitor, and their flags filtered by the account manager and a risk manager
  (:mod:`domain.tasks.monitoring`).
* ``zone_review`` — a customer's zone and plan (三大区间, 一户一策) reviewed every
  ``review_months`` of its zone (``[[zones]]``) after the approval or the last review, by the
  person the plan names responsible; the task opens a month before;
  ``zone_approval`` — a zone proposed and awaiting approval, from the day proposed.
* ``emergency_plan`` — a signal of the colours ``warnings.emergency_plan_colours`` lists owes
  its emergency plan (应急预案) ``warnings.emergency_plan_days`` after raising (0: that day).
* ``feedback_assignment``, ``feedback_answer``, ``feedback_closure`` — a branch's feedback
  (经办行反馈问题) owes its assignment by a risk manager (once escalated: the role it went to),
  its handler's answer by its deadline, its raiser's closing (``[feedback]`` working days).
* ``paper_review`` — a post-loan management paper (贷后管理文书) awaits the review of the step
  of its chain (the step's role in the author's unit), due by the paper's due date;
  ``paper_revision`` — a returned paper owes its author's revision by the same date;
  ``paper_acknowledgement`` — a paper submitted up owes the reading (阅知) of a branch head of
  the unit above within ``[papers] acknowledge_working_days``.
* ``servicer_communication`` — a third-party servicer cooperating with the bank is talked to
  every ``partners.communication_every_days`` to verify its customers' information (与饲料公司
  定期沟通核实), the post-loan officer's of the unit managing the cooperation, from its
  registration or its last communication; a suspended servicer asks for none.

Days overdue run on from the latest overdue status record: a loan recorded 30 days overdue on
1 March is 40 days overdue on 11 March, until a status of zero days records the cure.

The package: ``task`` (what a task is), ``facts`` (what the engine judges), ``loans`` (a
loan's tasks), ``archive_office`` (overdue borrowings, retention reviews) and ``staff``
(evaluations of account managers' duties); this module
judges them all and names the engine's interface.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.rules import RuleSet
from domain.tasks.archive_office import borrowing_tasks, dossier_tasks
from domain.tasks.facts import (
    BorrowingFacts,
    CountersignFacts,
    DossierFacts,
    FeedbackFacts,
    GuaranteeFacts,
    LoanFacts,
    LossFacts,
    PaperFacts,
    PartnerFacts,
    RectificationFacts,
    StaffFacts,
    WarningFacts,
)
from domain.tasks.feedback import feedback_tasks
from domain.tasks.loans import loan_tasks, overdue_floor
from domain.tasks.monitoring import CustomerFacts, FlagFacts, MonitorFacts, monitoring_tasks
from domain.tasks.papers import paper_tasks
from domain.tasks.partners import communication_tasks
from domain.tasks.staff import staff_tasks
from domain.tasks.supervision import rectification_tasks
from domain.tasks.task import KIND_ORDER, Task, TaskKind

__all__ = [
    "BorrowingFacts",
    "CountersignFacts",
    "CustomerFacts",
    "DossierFacts",
    "Facts",
    "FeedbackFacts",
    "FlagFacts",
    "GuaranteeFacts",
    "LoanFacts",
    "LossFacts",
    "MonitorFacts",
    "PaperFacts",
    "PartnerFacts",
    "RectificationFacts",
    "StaffFacts",
    "Task",
    "TaskKind",
    "WarningFacts",
    "borrowing_tasks",
    "dossier_tasks",
    "loan_tasks",
    "overdue_floor",
    "staff_tasks",
    "tasks_for",
]


@dataclass(frozen=True)
class Facts:
    """Everything the deadline engine judges."""

    loans: Sequence[LoanFacts] = ()
    borrowings: Sequence[BorrowingFacts] = ()
    dossiers: Sequence[DossierFacts] = ()
    staff: Sequence[StaffFacts] = ()
    rectifications: Sequence[RectificationFacts] = ()
    feedback: Sequence[FeedbackFacts] = ()
    papers: Sequence[PaperFacts] = ()
    customers: Sequence[CustomerFacts] = ()
    """Key customers on the day judged (重点客户, ``[monitoring]``)."""
    monitors: Sequence[MonitorFacts] = ()
    flags: Sequence[FlagFacts] = ()
    servicers: Sequence[PartnerFacts] = ()


def tasks_for(facts: Facts, rules: RuleSet, today: date) -> list[Task]:
    """The tasks open on ``today``, earliest due first."""
    found: list[Task] = []
    for loan in facts.loans:
        found += loan_tasks(loan, rules, today)
    for borrowing in facts.borrowings:
        found += borrowing_tasks(borrowing, rules, today)
    for dossier in facts.dossiers:
        found += dossier_tasks(dossier, rules, today)
    for person in facts.staff:
        found += staff_tasks(person, rules, today)
    for notice in facts.rectifications:
        found += rectification_tasks(notice, rules, today)
    for raised in facts.feedback:
        found += feedback_tasks(raised, rules, today)
    for paper in facts.papers:
        found += paper_tasks(paper, rules, today)
    found += monitoring_tasks(facts.customers, facts.monitors, facts.flags, rules, today)
    for servicer in facts.servicers:
        found += communication_tasks(servicer, rules, today)
    return sorted(
        (t for t in found if t.opens_on <= today),
        key=lambda t: (t.due_on, KIND_ORDER[t.kind], t.ref, t.subject),
    )
