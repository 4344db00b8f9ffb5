"""Work queue (工作任务): the facts every deadline of the post-loan and archive work depends on.

Tasks move with the date they are judged on, so the register keeps their *facts*, not the
tasks: per loan (``loans``: schedule, people, inspections, grade, arrears, transfers), its
warning signals not cleared (``signals``), the latest date of each kind of collection step
taken (``steps``), per dossier its retention and last appraisal (``dossiers``), and per
borrowing of originals its due date and whether it is out (``borrowings``) — versioned, so
"as of" a past position works — with the rules in force (``rules_in_force``, see
:mod:`projections.rules_state`). :mod:`projections.tasks` reads them and judges them
with :func:`domain.tasks.tasks_for`.

People: the account manager follows handovers; the post-loan officer and the risk manager of a
loan are the last who acted on it in that role (none until someone has). Per account manager
(``managers``): since when in post, the last evaluation after years in post, and the earliest
handover not evaluated since (贷后管理履职评价).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa

from domain.accountability import EXTENSION_APPLICATION
from domain.borrowing import Borrowing
from domain.customer import Customer, OperatingRhythm
from domain.dates import recorded_on
from domain.dossier import Dossier
from domain.feedback import BranchFeedback
from domain.loan import Loan
from domain.papers import ManagementPaper
from domain.partners import Partner
from domain.rules import RuleSet
from domain.schedules import InspectionsDone
from domain.staff import Staff
from domain.supervision import SupervisionCheck
from domain.values import (
    BorrowerType,
    CollectionStepKind,
    EvaluationOccasion,
    Grade,
    GuarantorKind,
    InspectionKind,
    LossKind,
    Product,
    RepaymentMethod,
    RetentionClass,
    Role,
    TransferKind,
    WarningColour,
    dossier_id_for,
)
from projections.changes import Changes
from projections.projection import Listing, Projection
from projections.rules_state import RULES_TABLE, FollowsRules, handlers_following_rules
from projections.tables import PERSON, TableSpec, col, loan_facts

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
FeedbackEvents: Any = BranchFeedback
DossierEvents: Any = Dossier
BorrowingEvents: Any = Borrowing
StaffEvents: Any = Staff
CheckEvents: Any = SupervisionCheck
PaperEvents: Any = ManagementPaper
CustomerEvents: Any = Customer
PartnerEvents: Any = Partner


LOANS = TableSpec(
    "loans",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        *loan_facts("loan_no"),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False),
        *loan_facts("borrower_name", "branch", "product"),
        col("borrower_type", sa.String(32), "借款人类型", "borrower type", labels=BorrowerType),
        col("rating", sa.String(16), "信用等级", "rating"),
        col("previous_rating", sa.String(16), "变更前信用等级", "rating before the change"),
        col("rating_changed_on", sa.Date, "信用等级变更日", "rating changed on"),
        col("rating_due_on", sa.Date, "评级变更所定检查到期日", "inspection due by the change"),
        col("repayment_method", sa.String(16), "还款方式", "repayment", labels=RepaymentMethod),
        *loan_facts("value_date"),
        col("maturity_date", sa.Date, "到期日", "maturity date"),
        col("schedule_from", sa.Date, "还款计划起算日", "schedule from"),
        col(
            "account_manager_id",
            sa.Uuid,
            "客户经理",
            "account manager",
            filter=True,
            shows=PERSON,
        ),
        col(
            "post_loan_officer_id",
            sa.Uuid,
            "贷后管理岗",
            "post-loan officer",
            shows=PERSON,
        ),
        col("risk_manager_id", sa.Uuid, "风险经理", "risk manager", shows=PERSON),
        col("b_manager_id", sa.Uuid, "B岗客户经理", "B岗 account manager", shows=PERSON),
        col("principal", sa.Numeric(18, 2), "贷款金额", "principal"),
        col("first_inspected", sa.Boolean, "已首次检查", "first inspection done"),
        col("last_inspected_on", sa.Date, "上次检查日", "last inspection"),
        col("last_special_on", sa.Date, "上次专项检查日", "last special inspection"),
        col("last_phone_visit_on", sa.Date, "上次电话回访日", "last phone visit"),
        *loan_facts("grade"),
        col("proposed_grade", sa.String(20), "待审批分类", "grade proposed", labels=Grade),
        col("proposed_as_of", sa.Date, "分类申请基准日", "proposal as of"),
        col("proposal_undetermined", sa.Boolean, "分类待认定", "proposal awaits determination"),
        col("last_downgrade_on", sa.Date, "上次下调日", "last downgrade"),
        col("last_serious_warning_on", sa.Date, "上次红橙预警日", "last red/orange warning"),
        col(
            "last_reclassify_warning_on",
            sa.Date,
            "上次需调整分类的预警日",
            "last warning calling for re-classification",
        ),
        *loan_facts("overdue_as_of", "days_overdue"),
        col("principal_overdue", sa.Boolean, "本金逾期", "principal overdue"),
        col("principal_overdue_since", sa.Date, "本金逾期起始日", "principal overdue since"),
        col("closed_on", sa.Date, "结清或核销日", "settled or written off on"),
        col("originals_listed_on", sa.Date, "原件移交日", "originals transferred on"),
        col("full_listed_on", sa.Date, "整卷移交日", "full dossier transferred on"),
        col("periodic_review_since", sa.Date, "季度分类检查日", "periodic review since"),
        col("periodic_review_opened_on", sa.Date, "季度分类起算日", "periodic review opened"),
        col("last_proposed_as_of", sa.Date, "最近初分基准日", "last proposal as of"),
        col("key_customer_since", sa.Date, "列为重点客户日", "key customer since"),
        col("third_party_since", sa.Date, "第三方服务起始日", "third-party service since"),
        col("third_party_contact", sa.String(320), "第三方服务联系人", "third-party contact"),
        col("last_on_site_on", sa.Date, "上次现场检查日", "last on-site inspection"),
        col("on_site_month", sa.String(7), "现场检查月份", "on-site month"),
        col("on_site_in_month", sa.Integer, "当月现场检查次数", "on-site visits that month"),
        col("last_off_site_on", sa.Date, "上次非现场检查日", "last off-site inspection"),
        col("maturity_notice_for", sa.Date, "已通知到期日", "maturity notice for"),
        col("zone", sa.String(64), "客户区间", "customer zone"),
        col("zone_reviewed_on", sa.Date, "区间上次评估日", "zone last reviewed"),
        col("zone_responsible_id", sa.Uuid, "区间方案责任人", "zone plan responsible"),
        col("zone_pending_since", sa.Date, "区间划分待审批起", "zone proposal pending since"),
        col("zone_proposed_responsible", sa.Uuid, "拟定方案责任人", "proposed plan responsible"),
        col("disposal_plan_on", sa.Date, "最近处置方案申报日", "last disposal plan submitted"),
        col("in_preservation", sa.Boolean, "已移交资产保全", "with asset preservation"),
        col("graded_on", sa.Date, "现行分类认定日", "grade in force since"),
        col("extension_filed_on", sa.Date, "展期申请资料归档日", "extension materials filed"),
        col("target_years", sa.String(200), "已签目标责任书年度", "target records signed for"),
        col("borrower_id", sa.String(64), "借款人编号", "borrower id"),
        col("rhythm", sa.Text, "客户运营规律", "customer's operating rhythm", export=False),
    ],
    key=("loan_id",),
    indexes=(("loan_no",), ("branch",)),
)

SIGNALS = TableSpec(
    "signals",
    [
        col("signal_id", sa.Uuid, "预警ID", "signal id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id"),
        col("colour", sa.String(16), "预警等级", "colour", labels=WarningColour),
        col("raised_on", sa.Date, "预警日期", "raised on"),
        col("handled_on", sa.Date, "处置日期", "handled on"),
        col("reported_on", sa.Date, "报告签收日期", "reported on"),
        col("plan_required", sa.Boolean, "须启动应急预案", "emergency plan required"),
        col("plan_started_on", sa.Date, "应急预案启动日期", "emergency plan started on"),
    ],
    key=("signal_id",),
    indexes=(("loan_id",),),
)

COUNTERSIGNS = TableSpec(
    "countersigns",
    [
        col("inspection_id", sa.Uuid, "检查ID", "inspection id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id"),
        col("kind", sa.String(32), "检查类型", "kind", labels=InspectionKind),
        col("inspected_on", sa.Date, "检查日期", "inspected on"),
        col("reviewer_id", sa.Uuid, "复核人", "reviewer", shows=PERSON),
    ],
    key=("inspection_id",),
    indexes=(("loan_id",),),
)
"""Inspections recorded under rules requiring a countersign (复核意见), awaiting it."""

STEPS = TableSpec(
    "steps",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", nullable=False),
        col("kind", sa.String(32), "催收措施", "step", nullable=False, labels=CollectionStepKind),
        col("taken_on", sa.Date, "最近采取日", "last taken on"),
    ],
    key=("loan_id", "kind"),
)

GUARANTEES = TableSpec(
    "guarantees",
    [
        col("guarantee_id", sa.Uuid, "保证ID", "guarantee id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id"),
        col("guarantor_name", sa.String(200), "保证人", "guarantor"),
        col("kind", sa.String(32), "保证人类型", "kind", labels=GuarantorKind),
        col("registered_on", sa.Date, "登记日", "registered on"),
        col("assessed_on", sa.Date, "最近评估日", "last assessed on"),
    ],
    key=("guarantee_id",),
    indexes=(("loan_id",),),
)
"""Guarantees (保证) and when their guarantors were last assessed (代偿能力)."""

DOSSIERS = TableSpec(
    "dossiers",
    [
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id"),
        col("loan_no", sa.String(64), "借据号", "loan no."),
        col("branch", sa.String(100), "机构", "branch"),
        col("reference_code", sa.String(64), "档号", "reference code"),
        col("retention", sa.String(8), "保管期限", "retention", labels=RetentionClass),
        col("retention_ends_on", sa.Date, "保管期满日", "retention ends on"),
        col("last_appraised_on", sa.Date, "上次鉴定日", "last appraised on"),
    ],
    key=("dossier_id",),
)

BORROWINGS = TableSpec(
    "borrowings",
    [
        col("borrowing_id", sa.Uuid, "借阅ID", "borrowing id", nullable=False),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id"),
        col("loan_no", sa.String(64), "借据号", "loan no."),
        col("branch", sa.String(100), "机构", "branch"),
        col("borrow_no", sa.String(32), "借阅编号", "borrowing no."),
        col("due_on", sa.Date, "应还日期", "due back on"),
        col("out", sa.Boolean, "已借出", "out"),
        col("archivist_id", sa.Uuid, "档案管理员", "archivist", shows=PERSON),
    ],
    key=("borrowing_id",),
)


LOSSES = TableSpec(
    "losses",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", nullable=False),
        col("loss_key", sa.String(40), "损失", "loss", nullable=False),
        col("kind", sa.String(32), "损失类型", "kind", labels=LossKind),
        col("loss_on", sa.Date, "损失发生日期", "loss on"),
        col("cause", sa.Boolean, "已查明原因", "cause found"),
        col("responsible", sa.Boolean, "已落实责任人", "persons responsible named"),
        col("measures", sa.Boolean, "已落实整改措施", "measures named"),
        col("owner", sa.Boolean, "已落实措施责任人", "measures' owner named"),
        col("closed", sa.Boolean, "已办结", "closed"),
    ],
    key=("loan_id", "loss_key"),
)
"""Losses (三个不放过) and how far each one's review has come."""

MANAGERS = TableSpec(
    "managers",
    [
        col("staff_id", sa.Uuid, "人员ID", "staff id", nullable=False, shows=PERSON),
        col("staff_no", sa.String(32), "工号", "staff no."),
        col("branch", sa.String(100), "机构", "branch"),
        col("in_post_since", sa.Date, "任客户经理起始日", "account manager since"),
        col("last_in_post_on", sa.Date, "上次任职满期评价日", "last in-post evaluation"),
        col("handover_pending_on", sa.Date, "待评价移交日", "handover awaiting evaluation"),
        col("handover_loan_no", sa.String(64), "移交贷款借据号", "loan handed over"),
    ],
    key=("staff_id",),
    dated=False,  # people: read by every day's events alike (a handover dated before enrolment)
)
"""Account managers (客户经理): what the evaluation of their post-loan duties hangs on."""

RHYTHMS = TableSpec(
    "rhythms",
    [
        col("borrower_id", sa.String(64), "借款人编号", "borrower id", nullable=False),
        col("loan_ids", sa.Text, "贷款", "loans", export=False),
        col("rhythm", sa.Text, "客户运营规律", "operating rhythm", export=False),
    ],
    key=("borrower_id",),
    dated=False,  # a customer's: read by every day's events alike, as the people are
)
"""Each customer's loans and operating rhythm (客户运营规律), which its loans' phone visits
follow."""

CUSTOMER_IDS = TableSpec(
    "customer_ids",
    [
        col("customer_id", sa.Uuid, "客户档案ID", "customer file id", nullable=False),
        col("borrower_id", sa.String(64), "借款人编号", "borrower id"),
    ],
    key=("customer_id",),
    dated=False,
)
SERVICERS = TableSpec(
    "servicers",
    [
        col("credit_code", sa.String(18), "统一社会信用代码", "credit code", nullable=False),
        col("partner_id", sa.Uuid, "合作机构ID", "partner id", export=False),
        col("name", sa.String(200), "服务机构", "servicer"),
        col("branch", sa.String(100), "管理机构", "managed by unit"),
        col("registered_on", sa.Date, "登记日期", "registered on"),
        col("last_communicated_on", sa.Date, "最近沟通核实日", "last communication"),
        col("active", sa.Boolean, "合作中", "cooperating"),
    ],
    key=("credit_code",),
    dated=False,  # read by every day's events alike, as the people are
)
"""Third-party servicers registered as partners (合作机构): what their communications hang on."""

PARTNER_IDS = TableSpec(
    "partner_ids",
    [
        col("partner_id", sa.Uuid, "合作机构ID", "partner id", nullable=False),
        col("credit_code", sa.String(18), "统一社会信用代码", "credit code"),
    ],
    key=("partner_id",),
    dated=False,
)
"""Internal helper: a servicer's code by its id, for the events that name only the id."""

RECTIFICATIONS = TableSpec(
    "rectifications",
    [
        col("check_id", sa.Uuid, "检查ID", "check id", nullable=False),
        col("check_no", sa.String(40), "检查编号", "check no."),
        col("notice_no", sa.String(40), "整改通知书编号", "notice no."),
        col("branch", sa.String(100), "被检查机构", "branch checked"),
        col("staff_id", sa.Uuid, "被检查客户经理", "account manager checked", shows=PERSON),
        col("checker_id", sa.Uuid, "检查人", "checked by", shows=PERSON),
        col("checker_role", sa.String(32), "检查人岗位", "checker's role", labels=Role),
        col("issued_on", sa.Date, "通知书制发日期", "notice issued on"),
        col("deadline", sa.Date, "整改期限", "deadline"),
        col("reported_on", sa.Date, "整改报告日期", "reported on"),
        col("closed", sa.Boolean, "已验收", "accepted"),
    ],
    key=("check_id",),
    dated=False,  # read by every day's events alike, as the people are
)
"""Rectification notices (限期整改通知书) not yet accepted: what their tasks hang on."""

FEEDBACK = TableSpec(
    "feedback",
    [
        col("feedback_id", sa.Uuid, "反馈ID", "feedback id", nullable=False),
        col("feedback_no", sa.String(40), "反馈编号", "feedback no."),
        col("branch", sa.String(100), "反馈机构", "branch raising"),
        col("staff_id", sa.Uuid, "反馈人", "raised by", shows=PERSON),
        col("raiser_role", sa.String(32), "反馈人岗位", "raiser's role", labels=Role),
        col("state", sa.String(16), "状态", "state"),
        col("raised_on", sa.Date, "反馈日期", "raised on"),
        col("answer_due", sa.Date, "答复期限", "answer due"),
        col("handler_id", sa.Uuid, "处理人", "handled by", shows=PERSON),
        col("handler_role", sa.String(32), "处理人岗位", "handler's role", labels=Role),
        col("assigned_on", sa.Date, "分派日期", "assigned on"),
        col("answered_on", sa.Date, "答复日期", "answered on"),
        col("escalated_on", sa.Date, "升级日期", "escalated on"),
        col("escalated_to", sa.String(32), "升级对象", "escalated to", labels=Role),
    ],
    key=("feedback_id",),
    dated=False,  # read by every day's events alike, as the rectifications are
)
"""The operating branches' feedback (经办行反馈问题) not closed: what its tasks hang on."""
PAPERS_DUE = TableSpec(
    "papers_due",
    [
        col("paper_id", sa.Uuid, "文书ID", "paper id", nullable=False),
        col("paper_no", sa.String(40), "文书编号", "paper no."),
        col("kind", sa.String(64), "文书种类", "kind"),
        col("period", sa.String(20), "所属期间", "period"),
        col("branch", sa.String(100), "待办机构", "unit owing the work"),
        col("author_id", sa.Uuid, "起草人", "drafted by", shows=PERSON),
        col("author_role", sa.String(32), "起草人岗位", "author's role", labels=Role),
        col("drafted_on", sa.Date, "起草日期", "drafted on"),
        col("due_on", sa.Date, "应完成日期", "due on"),
        col("chain", sa.Text, "审阅链", "review chain"),
        col("step", sa.Integer, "待审阅环节序号", "step awaited"),
        col("returned", sa.Boolean, "已退回", "returned"),
        col("submitted_on", sa.Date, "报送日期", "submitted on"),
        col("done", sa.Boolean, "已办结", "done"),
    ],
    key=("paper_id",),
    dated=False,  # read by every day's events alike, as the people are
)
"""Post-loan management papers (贷后管理文书) not yet done: what their tasks hang on."""


def plain(value: Any) -> Any:
    """An enum member as its stored value; anything else as it is."""
    return value.value if isinstance(value, Enum) else value


def later(current: Any, new: Any) -> Any:
    """The later of two dates, either of which may be missing."""
    if current is None:
        return new
    if new is None:
        return current
    return max(current, new)


class WorkQueue(FollowsRules, Projection):
    """工作任务: the facts of every deadline, and the rules in force to judge them."""

    name = "work_queue"
    version = 18  # 18: the core system's master data and corrections; 17: emergency plans (应急预案), branch feedback (经办行反馈问题);
    # 16: servicers' communications (与第三方服务机构定期沟通); 15: management
    # papers (贷后管理文书); 14: NPL plans, asset preservation by lead unit, extension materials,
    # target records by year, losses (三个不放过); 13: the customer's operating rhythm (客户运营规律);
    # 12: rectification notices (限期整改); 4: 认定; 5: B岗, principal, account managers (履职评价); 6: countersigns
    # awaited, the quarterly re-classification (季度风险分类更新); 7: a change of rating; 8: warning
    # reports, the re-classification a red signal opens; 9: closer watch (重点客户,
    # 第三方服务, on-site and off-site monitoring) and maturity notices (到期提示); 10:
    # guarantees (保证人重估); 11: customer zones (三大区间) reviewed and approved
    title_zh = "工作任务"
    title_en = "Work queue"
    tables = (
        LOANS,
        SIGNALS,
        COUNTERSIGNS,
        STEPS,
        GUARANTEES,
        LOSSES,
        DOSSIERS,
        BORROWINGS,
        MANAGERS,
        RECTIFICATIONS,
        FEEDBACK,
        PAPERS_DUE,
        RHYTHMS,
        CUSTOMER_IDS,
        SERVICERS,
        PARTNER_IDS,
        RULES_TABLE,
    )
    listings: ClassVar[dict[str, Listing]] = {
        "loans": Listing("loans", ("loan_no",), "工作任务（贷款事实）", "Work queue: loan facts")
    }

    def __init__(self, default_rules: RuleSet | None = None, zone: str = "Asia/Shanghai") -> None:
        """``default_rules`` judge the log before its first adoption (default: the shipped);
        ``zone`` is the bank's, in which the moment a role was granted becomes a date."""
        FollowsRules.__init__(self, default_rules)
        self.zone = zone

    handle = handlers_following_rules()

    # ------------------------------------------------------------------ the loan
    @staticmethod
    def _loan(changes: Changes, event: Any, **values: Any) -> None:
        """Change the loan's row, noting who acted as its post-loan officer or risk manager."""
        row = changes.get("loans", event.originator_id)
        if row is None:  # an event of a loan whose disbursement this register never saw
            return
        before = dict(row)
        role = plain(getattr(event, "role", None))
        if role == Role.POST_LOAN_OFFICER.value:
            row["post_loan_officer_id"] = event.actor_id
        elif role == Role.RISK_MANAGER.value:
            row["risk_manager_id"] = event.actor_id
        row.update(values)
        if row != before:  # no new version for an event that changes no fact
            changes.put("loans", (event.originator_id,), row)

    @staticmethod
    def _row(changes: Changes, event: Any) -> dict[str, Any]:
        return changes.get("loans", event.originator_id) or {}

    @handle.register(LoanEvents.Disbursed)
    def _disbursed(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(LOANS.column_names)
        row |= {
            "loan_no": event.loan_no,
            "dossier_id": dossier_id_for(event.originator_id),
            "borrower_name": event.borrower_name,
            "branch": event.branch,
            "product": plain(event.product),
            "borrower_type": plain(event.borrower_type),
            "rating": event.borrower_rating,
            "repayment_method": plain(event.repayment_method),
            "value_date": event.value_date,
            "maturity_date": event.maturity_date,
            "schedule_from": event.value_date,
            "account_manager_id": event.account_manager_id,
            "principal": event.principal,
            "first_inspected": False,
            "grade": Grade.NORMAL.value,
            "days_overdue": 0,
            "principal_overdue": False,
            "borrower_id": event.borrower_id,
        }
        customer = changes.get("rhythms", event.borrower_id) or {"loan_ids": "", "rhythm": None}
        row["rhythm"] = customer["rhythm"]
        loans = [x for x in (customer["loan_ids"] or "").split(",") if x]
        customer["loan_ids"] = ",".join([*loans, str(event.originator_id)])
        changes.put("rhythms", (event.borrower_id,), customer)
        changes.put("loans", (event.originator_id,), row)

    @handle.register(CustomerEvents.RhythmRecorded)
    def _rhythm(self, event: Any, changes: Changes) -> None:
        """The customer's rhythm, copied to each of its loans (their phone visits follow it)."""
        rhythm = OperatingRhythm(
            tuple(event.months), event.from_day, event.to_day, event.call_window, event.note
        ).encode()
        borrower_id = self._borrower_of(changes, event.originator_id)
        if borrower_id is None:
            return
        customer = changes.get("rhythms", borrower_id) or {"loan_ids": "", "rhythm": None}
        customer["rhythm"] = rhythm
        changes.put("rhythms", (borrower_id,), customer)
        for loan_id in (customer["loan_ids"] or "").split(","):
            if loan_id and changes.get("loans", UUID(loan_id)) is not None:
                changes.update("loans", (UUID(loan_id),), rhythm=rhythm)

    @handle.register(CustomerEvents.Opened)
    def _customer_opened(self, event: Any, changes: Changes) -> None:
        changes.put("customer_ids", (event.originator_id,), {"borrower_id": event.borrower_id})

    @staticmethod
    def _borrower_of(changes: Changes, customer_id: Any) -> str | None:
        found = changes.get("customer_ids", customer_id)
        return found["borrower_id"] if found else None

    @handle.register(LoanEvents.OverdueStatusRecorded)
    def _overdue(self, event: Any, changes: Changes) -> None:
        row = self._row(changes, event)
        principal = event.overdue_principal > 0
        # Principal first seen overdue on this record's date, unless it was already.
        since = (row.get("principal_overdue_since") or event.as_of) if principal else None
        self._loan(
            changes,
            event,
            overdue_as_of=event.as_of,
            days_overdue=event.days_overdue,
            principal_overdue=principal,
            principal_overdue_since=since,
        )

    @handle.register(LoanEvents.ArrearsCorrected)
    def _arrears_corrected(self, event: Any, changes: Changes) -> None:
        # The arrears of the day last recorded are the loan's; an earlier day's changes nothing.
        if self._row(changes, event).get("overdue_as_of") == event.as_of:
            self._overdue(event, changes)

    @handle.register(LoanEvents.InspectionRecorded)
    def _inspected(self, event: Any, changes: Changes) -> None:
        row = self._row(changes, event)
        kind = InspectionKind.parse(event.kind, "kind")
        values: dict[str, Any] = {}
        if kind is InspectionKind.PHONE_VISIT:  # a reminder given, countersigned or not
            values["last_phone_visit_on"] = later(
                row.get("last_phone_visit_on"), event.inspected_on
            )
        values |= self._monitored(row, kind, event.inspected_on)
        if row and self.rules_at(changes).countersign_days is not None:
            # Under rules requiring a countersign it counts once countersigned (复核).
            changes.put(
                "countersigns",
                (event.inspection_id,),
                {
                    "loan_id": event.originator_id,
                    "kind": kind.value,
                    "inspected_on": event.inspected_on,
                    "reviewer_id": event.reviewer_id,
                },
            )
        else:
            values |= self._counted(row, kind, event.inspected_on)
        self._loan(changes, event, **values)

    @staticmethod
    def _monitored(row: dict[str, Any], kind: InspectionKind, on: Any) -> dict[str, Any]:
        """The closer watch's facts once an on-site or off-site inspection is recorded (the
        visit made, countersigned or not): the latest of each, and the on-site visits of the
        latest month that had any."""
        if kind is InspectionKind.OFF_SITE:
            return {"last_off_site_on": later(row.get("last_off_site_on"), on)}
        if kind is not InspectionKind.ON_SITE:
            return {}
        month = on.strftime("%Y-%m")
        current = row.get("on_site_month")
        values: dict[str, Any] = {"last_on_site_on": later(row.get("last_on_site_on"), on)}
        if current is None or month > current:
            values |= {"on_site_month": month, "on_site_in_month": 1}
        elif month == current:
            values["on_site_in_month"] = int(row.get("on_site_in_month") or 0) + 1
        return values

    @staticmethod
    def _counted(row: dict[str, Any], kind: InspectionKind, on: Any) -> dict[str, Any]:
        """The loan's values once an inspection of ``kind`` on ``on`` counts."""
        done = InspectionsDone(
            bool(row.get("first_inspected")), row.get("last_inspected_on")
        ).after(kind, on)
        values = {"last_inspected_on": done.last_inspected_on, "first_inspected": done.first_done}
        if kind is InspectionKind.SPECIAL:
            values["last_special_on"] = later(row.get("last_special_on"), on)
        return values

    @handle.register(LoanEvents.InspectionCountersigned)
    def _countersigned(self, event: Any, changes: Changes) -> None:
        row = self._row(changes, event)
        kind = InspectionKind.parse(event.kind, "kind")
        if changes.get("countersigns", event.inspection_id) is not None:
            changes.end("countersigns", event.inspection_id)
        values = self._counted(row, kind, event.inspected_on)
        since = row.get("periodic_review_since")
        if kind is InspectionKind.ROUTINE and (since is None or event.inspected_on >= since):
            values |= {
                "periodic_review_since": event.inspected_on,
                "periodic_review_opened_on": event.countersigned_on,
            }
        self._loan(changes, event, **values)

    @handle.register(LoanEvents.BorrowerInformationChanged)
    def _information_changed(self, event: Any, changes: Changes) -> None:
        # A change of rating re-derives the inspection schedule from its date (INF-55).
        row = self._row(changes, event)
        for change in event.changes:
            if change["field"] == "rating" and row:
                schedule = self.rules_at(changes).inspections
                facts = {
                    "value_date": row["value_date"],
                    "borrower_type": BorrowerType.parse(row["borrower_type"], "borrower_type"),
                    "product": Product.parse(row["product"], "product"),
                    "repayment_method": RepaymentMethod.parse(
                        row["repayment_method"], "repayment_method"
                    ),
                    "first_done": bool(row.get("first_inspected")),
                    "last_inspected_on": row.get("last_inspected_on"),
                }
                changed = row.get("rating_changed_on")
                due_before = schedule.next_due(
                    **facts,
                    rating=row["rating"],
                    rating_change=(changed, row.get("rating_due_on")) if changed else None,
                )
                self._loan(
                    changes,
                    event,
                    rating=change["new"],
                    previous_rating=row.get("rating"),
                    rating_changed_on=event.changed_on,
                    rating_due_on=schedule.due_at_rating_change(
                        **facts,
                        changed_on=event.changed_on,
                        due_before=due_before,
                        rating=change["new"],
                    ),
                )

    @handle.register(LoanEvents.OriginationRecordFiled)
    def _origination_filed(self, event: Any, changes: Changes) -> None:
        # The rating the loan was granted on, filed after the core booked it unrated: the
        # schedule from its value date, as for a loan booked with it (no change of rating).
        self._loan(changes, event, rating=event.borrower_rating)

    @handle.register(LoanEvents.ZoneProposed)
    def _zone_proposed(self, event: Any, changes: Changes) -> None:
        self._loan(
            changes,
            event,
            zone_pending_since=event.proposed_on,
            zone_proposed_responsible=event.responsible_id,
        )

    @handle.register(LoanEvents.ZoneRejected)
    def _zone_rejected(self, event: Any, changes: Changes) -> None:
        self._loan(changes, event, zone_pending_since=None)

    @handle.register(LoanEvents.ZoneApproved)
    def _zone_approved(self, event: Any, changes: Changes) -> None:
        # The plan's person responsible, as the proposal approved (only one is pending) named.
        self._loan(
            changes,
            event,
            zone=event.zone,
            zone_reviewed_on=event.approved_on,
            zone_pending_since=None,
            zone_responsible_id=self._row(changes, event).get("zone_proposed_responsible"),
        )

    @handle.register(LoanEvents.ZoneReviewed)
    def _zone_reviewed(self, event: Any, changes: Changes) -> None:
        self._loan(changes, event, zone_reviewed_on=event.reviewed_on)

    @handle.register(LoanEvents.ClassificationProposed)
    def _proposed(self, event: Any, changes: Changes) -> None:
        last = later(self._row(changes, event).get("last_proposed_as_of"), event.as_of)
        self._loan(
            changes,
            event,
            proposed_grade=plain(event.grade),
            proposed_as_of=event.as_of,
            last_proposed_as_of=last,
            proposal_undetermined=bool(getattr(event, "determination_required", False)),
        )

    @handle.register(LoanEvents.ClassificationDetermined)
    def _determined(self, event: Any, changes: Changes) -> None:
        # The determined grade (认定) is the one awaiting approval from now on.
        self._loan(changes, event, proposed_grade=plain(event.grade), proposal_undetermined=False)

    @handle.register(LoanEvents.ClassificationApproved)
    def _approved(self, event: Any, changes: Changes) -> None:
        row = self._row(changes, event)
        values: dict[str, Any] = {
            "grade": plain(event.grade),
            "proposed_grade": None,
            "proposed_as_of": None,
            "proposal_undetermined": False,
        }
        graded = row.get("proposed_as_of") or changes.at.date()
        if event.grade != event.previous_grade:
            values["graded_on"] = graded
        if event.grade.severity > event.previous_grade.severity:
            # A downgrade dates from the proposal's as-of date (the approval carries none).
            values["last_downgrade_on"] = graded
            if event.grade in (Grade.DOUBTFUL, Grade.LOSS):  # a loss (三个不放过)
                on = getattr(event, "as_of", None)
                self._loss(changes, event.originator_id, LossKind.DOWNGRADE, on)
        self._loan(changes, event, **values)

    @handle.register(LoanEvents.ClassificationRejected)
    def _rejected(self, event: Any, changes: Changes) -> None:
        self._loan(
            changes, event, proposed_grade=None, proposed_as_of=None, proposal_undetermined=False
        )

    @handle.register(LoanEvents.WarningRaised)
    def _warning_raised(self, event: Any, changes: Changes) -> None:
        colour = plain(event.colour)
        changes.put(
            "signals",
            (event.signal_id,),
            {
                "loan_id": event.originator_id,
                "colour": colour,
                "raised_on": event.raised_on,
                "plan_required": bool(getattr(event, "emergency_plan", None)),
            },
        )
        row = self._row(changes, event)
        values = {}
        serious = {c.value for c in self.rules_at(changes).special_warning_colours}
        if colour in serious:
            values["last_serious_warning_on"] = later(
                row.get("last_serious_warning_on"), event.raised_on
            )
        reclassify = {c.value for c in self.rules_at(changes).warnings.reclassify_colours}
        if colour in reclassify:
            values["last_reclassify_warning_on"] = later(
                row.get("last_reclassify_warning_on"), event.raised_on
            )
        self._loan(changes, event, **values)

    @handle.register(LoanEvents.WarningReported)
    def _warning_reported(self, event: Any, changes: Changes) -> None:
        changes.update("signals", (event.signal_id,), reported_on=event.reported_on)
        self._loan(changes, event)

    @handle.register(LoanEvents.WarningHandled)
    def _warning_handled(self, event: Any, changes: Changes) -> None:
        signal = changes.get("signals", event.signal_id)
        if signal is not None and signal["handled_on"] is None:
            changes.update("signals", (event.signal_id,), handled_on=event.handled_on)
        self._loan(changes, event)

    @handle.register(LoanEvents.EmergencyPlanStarted)
    def _emergency_plan_started(self, event: Any, changes: Changes) -> None:
        changes.update("signals", (event.signal_id,), plan_started_on=event.started_on)
        self._loan(changes, event)

    @handle.register(LoanEvents.WarningCleared)
    def _warning_cleared(self, event: Any, changes: Changes) -> None:
        changes.end("signals", event.signal_id)
        self._loan(changes, event)

    @handle.register(LoanEvents.CollectionStepTaken)
    def _collection_step(self, event: Any, changes: Changes) -> None:
        key = (event.originator_id, plain(event.kind))
        step = changes.get("steps", *key) or {}
        changes.put("steps", key, {"taken_on": later(step.get("taken_on"), event.taken_on)})
        self._loan(changes, event)

    @handle.register(LoanEvents.DisposalPlanSubmitted)
    def _disposal_plan(self, event: Any, changes: Changes) -> None:
        row = self._row(changes, event)
        on = later(row.get("disposal_plan_on"), event.submitted_on)
        self._loan(changes, event, disposal_plan_on=on)

    @handle.register(LoanEvents.TargetResponsibilitySigned)
    def _target_signed(self, event: Any, changes: Changes) -> None:
        years = {y for y in (self._row(changes, event).get("target_years") or "").split(",") if y}
        signed = ",".join(sorted(years | {str(event.year)}))
        self._loan(changes, event, target_years=signed)

    @handle.register(LoanEvents.TransferredToAssetPreservation)
    def _to_preservation(self, event: Any, changes: Changes) -> None:
        self._loan(changes, event, in_preservation=True)

    @handle.register(LoanEvents.ReturnedFromAssetPreservation)
    def _from_preservation(self, event: Any, changes: Changes) -> None:
        self._loan(changes, event, in_preservation=False)

    @handle.register(LoanEvents.KeyCustomerDesignated)
    def _key_customer(self, event: Any, changes: Changes) -> None:
        self._loan(changes, event, key_customer_since=event.designated_on)

    @handle.register(LoanEvents.KeyCustomerRemoved)
    def _key_customer_removed(self, event: Any, changes: Changes) -> None:
        self._loan(changes, event, key_customer_since=None)

    @handle.register(LoanEvents.ThirdPartyServiceAssigned)
    def _third_party(self, event: Any, changes: Changes) -> None:
        self._loan(
            changes,
            event,
            third_party_since=event.assigned_on,
            third_party_contact=f"{event.servicer}（{event.contact}）",
        )

    @handle.register(LoanEvents.MaturityNoticeIssued)
    def _maturity_notice(self, event: Any, changes: Changes) -> None:
        row = self._row(changes, event)
        notified = later(row.get("maturity_notice_for"), event.maturity_date)
        self._loan(changes, event, maturity_notice_for=notified)

    @handle.register(LoanEvents.GuaranteeRegistered)
    def _guarantee_registered(self, event: Any, changes: Changes) -> None:
        changes.put(
            "guarantees",
            (event.guarantee_id,),
            {
                "loan_id": event.originator_id,
                "guarantor_name": event.guarantor_name,
                "kind": plain(event.kind),
                "registered_on": event.registered_on,
                "assessed_on": event.registered_on,
            },
        )
        self._loan(changes, event)

    @handle.register(LoanEvents.GuarantorReassessed)
    def _guarantor_reassessed(self, event: Any, changes: Changes) -> None:
        changes.update("guarantees", (event.guarantee_id,), assessed_on=event.assessed_on)
        self._loan(changes, event)

    @handle.register(LoanEvents.Restructured)
    def _restructured(self, event: Any, changes: Changes) -> None:
        self._loan(
            changes,
            event,
            maturity_date=event.new_maturity_date,
            schedule_from=event.restructured_on,
        )

    @handle.register(LoanEvents.Extended)
    def _extended(self, event: Any, changes: Changes) -> None:
        self._loan(changes, event, maturity_date=event.new_maturity_date)

    @handle.register(LoanEvents.MasterDataChanged)
    def _master_data_changed(self, event: Any, changes: Changes) -> None:
        """The master data the core system changed that deadlines hang on."""
        values: dict[str, Any] = {}
        for name, (_old, new) in event.changes.items():
            if name == "principal":
                values["principal"] = Decimal(new)
            elif name in ("value_date", "maturity_date"):
                values[name] = date.fromisoformat(new)
            elif name in ("product", "borrower_type", "repayment_method"):
                values[name] = new
        if values:
            self._loan(changes, event, **values)

    @handle.register(LoanEvents.AccountManagerHandedOver)
    def _handed_over(self, event: Any, changes: Changes) -> None:
        row = self._row(changes, event)
        values: dict[str, Any] = {"account_manager_id": event.receiving_id}
        if row.get("b_manager_id") == event.receiving_id:  # the B岗 took over as A岗
            values["b_manager_id"] = None
        self._left(changes, event.handing_id, event.handed_over_on, row.get("loan_no"))
        self._loan(changes, event, **values)

    @handle.register(LoanEvents.AccountManagersAssigned)
    def _managers_assigned(self, event: Any, changes: Changes) -> None:
        # The A岗 owns the account manager's tasks; the B岗 stands beside them.
        if event.previous_a_id not in (event.a_manager_id, event.b_manager_id):
            loan_no = self._row(changes, event).get("loan_no")
            self._left(changes, event.previous_a_id, event.assigned_on, loan_no)
        self._loan(
            changes, event, account_manager_id=event.a_manager_id, b_manager_id=event.b_manager_id
        )

    @staticmethod
    def _left(changes: Changes, staff_id: Any, on: Any, loan_no: str | None) -> None:
        """An account manager left a loan (岗位变动): their duties are to be evaluated, from the
        earliest such day not evaluated since."""
        row = changes.get("managers", staff_id)
        if row is None or row["handover_pending_on"] is not None:
            return
        changes.update("managers", (staff_id,), handover_pending_on=on, handover_loan_no=loan_no)

    # ------------------------------------------------------------ account managers
    @handle.register(StaffEvents.Enrolled)
    def _enrolled(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(MANAGERS.column_names)
        row |= {"staff_no": event.staff_no, "branch": event.branch}
        changes.put("managers", (event.originator_id,), row)

    @handle.register(StaffEvents.Transferred)
    def _staff_moved(self, event: Any, changes: Changes) -> None:
        changes.update("managers", (event.originator_id,), branch=event.branch)

    @handle.register(StaffEvents.RoleGranted)
    def _granted(self, event: Any, changes: Changes) -> None:
        if plain(event.granted_role) == Role.ACCOUNT_MANAGER.value:
            since = recorded_on(event.granted_at, self.zone)  # the grant's own moment
            changes.update(
                "managers", (event.originator_id,), in_post_since=since, last_in_post_on=None
            )

    @handle.register(StaffEvents.RoleRevoked)
    def _revoked(self, event: Any, changes: Changes) -> None:
        if plain(event.revoked_role) == Role.ACCOUNT_MANAGER.value:
            changes.update("managers", (event.originator_id,), in_post_since=None)

    @handle.register(StaffEvents.PostLoanDutiesEvaluated)
    def _evaluated(self, event: Any, changes: Changes) -> None:
        row = changes.get("managers", event.originator_id)
        if row is None:
            return
        on = event.evaluated_on
        if plain(event.occasion) == EvaluationOccasion.IN_POST.value:
            changes.update(
                "managers",
                (event.originator_id,),
                last_in_post_on=later(row["last_in_post_on"], on),
            )
        elif row["handover_pending_on"] is not None and row["handover_pending_on"] <= on:
            changes.update(
                "managers", (event.originator_id,), handover_pending_on=None, handover_loan_no=None
            )

    # ------------------------------------------ servicers' communications (定期沟通核实)
    def _servicer(self, changes: Changes, partner_id: Any) -> dict[str, Any] | None:
        found = changes.get("partner_ids", partner_id)
        return changes.get("servicers", found["credit_code"]) if found else None

    @handle.register(PartnerEvents.PartnerRegistered)
    def _partner_registered(self, event: Any, changes: Changes) -> None:
        if plain(event.kind) != "servicer":
            return
        changes.put("partner_ids", (event.originator_id,), {"credit_code": event.credit_code})
        changes.put(
            "servicers",
            (event.credit_code,),
            {
                "partner_id": event.originator_id,
                "name": event.name,
                "branch": event.branch,
                "registered_on": event.registered_on,
                "active": True,
            },
        )

    def _servicer_change(self, event: Any, changes: Changes, **values: Any) -> None:
        row = self._servicer(changes, event.originator_id)
        if row is not None:
            changes.update("servicers", (row["credit_code"],), **values)

    @handle.register(PartnerEvents.PartnerSuspended)
    def _partner_suspended(self, event: Any, changes: Changes) -> None:
        self._servicer_change(event, changes, active=False)

    @handle.register(PartnerEvents.PartnerResumed)
    def _partner_resumed(self, event: Any, changes: Changes) -> None:
        self._servicer_change(event, changes, active=True)

    @handle.register(PartnerEvents.ServicerCommunicationRecorded)
    def _servicer_communicated(self, event: Any, changes: Changes) -> None:
        row = self._servicer(changes, event.originator_id)
        if row is None:
            return
        last = row["last_communicated_on"]
        on = event.communicated_on if last is None else max(last, event.communicated_on)
        changes.update("servicers", (row["credit_code"],), last_communicated_on=on)

    # ------------------------------------------------ rectification notices (限期整改)
    @handle.register(CheckEvents.Checked)
    def _checked(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(RECTIFICATIONS.column_names)
        row |= {
            "check_no": event.check_no,
            "branch": event.branch,
            "staff_id": event.staff_id,
            "checker_id": event.actor_id,
            "checker_role": plain(event.role),
            "closed": False,
        }
        changes.put("rectifications", (event.originator_id,), row)

    @handle.register(CheckEvents.NoticeIssued)
    def _notice_issued(self, event: Any, changes: Changes) -> None:
        changes.update(
            "rectifications",
            (event.originator_id,),
            notice_no=event.notice_no,
            issued_on=event.issued_on,
            deadline=event.deadline,
        )

    @handle.register(CheckEvents.RectificationReported)
    def _rectification_reported(self, event: Any, changes: Changes) -> None:
        changes.update("rectifications", (event.originator_id,), reported_on=event.reported_on)

    @handle.register(CheckEvents.RectificationAccepted)
    def _rectification_accepted(self, event: Any, changes: Changes) -> None:
        if event.accepted:
            changes.update("rectifications", (event.originator_id,), closed=True)
        else:
            changes.update("rectifications", (event.originator_id,), reported_on=None)

    # ------------------------------------------------ branch feedback (经办行反馈问题)
    @handle.register(FeedbackEvents.FeedbackRaised)
    def _feedback_raised(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(FEEDBACK.column_names)
        row |= {
            "feedback_no": event.feedback_no,
            "branch": event.branch,
            "staff_id": event.actor_id,
            "raiser_role": plain(event.role),
            "state": "raised",
            "raised_on": event.raised_on,
            "answer_due": event.answer_due,
        }
        changes.put("feedback", (event.originator_id,), row)

    @handle.register(FeedbackEvents.FeedbackAssigned)
    def _feedback_assigned(self, event: Any, changes: Changes) -> None:
        row = changes.get("feedback", event.originator_id)
        if row is None:
            return
        row |= {
            "handler_id": event.handler_id,
            "handler_role": plain(event.handler_role),
            "assigned_on": event.assigned_on,
            "answer_due": event.answer_due or row["answer_due"],
            "state": "returned" if row["state"] == "returned" else "assigned",
        }
        changes.put("feedback", (event.originator_id,), row)

    @handle.register(FeedbackEvents.FeedbackAnswered)
    def _feedback_answered(self, event: Any, changes: Changes) -> None:
        changes.update(
            "feedback", (event.originator_id,), answered_on=event.answered_on, state="answered"
        )

    @handle.register(FeedbackEvents.FeedbackConcluded)
    def _feedback_concluded(self, event: Any, changes: Changes) -> None:
        if event.accepted:
            changes.end("feedback", event.originator_id)
            return
        row = changes.get("feedback", event.originator_id)
        if row is None:
            return
        row |= {
            "answered_on": None,
            "answer_due": event.answer_due or row["answer_due"],
            "state": "returned",
        }
        changes.put("feedback", (event.originator_id,), row)

    @handle.register(FeedbackEvents.FeedbackEscalated)
    def _feedback_escalated(self, event: Any, changes: Changes) -> None:
        changes.update(
            "feedback",
            (event.originator_id,),
            escalated_on=event.escalated_on,
            escalated_to=plain(event.escalated_to),
        )

    # ------------------------------------------------ management papers (贷后管理文书)
    @handle.register(PaperEvents.PaperDrafted)
    def _paper_drafted(self, event: Any, changes: Changes) -> None:
        row: dict[str, Any] = dict.fromkeys(PAPERS_DUE.column_names)
        row |= {
            "paper_no": event.paper_no,
            "kind": event.kind,
            "period": event.period,
            "branch": event.branch,
            "author_id": event.actor_id,
            "author_role": plain(event.role),
            "drafted_on": event.drafted_on,
            "due_on": event.due_on,
            "chain": json.dumps([list(step) for step in event.chain], ensure_ascii=False),
            "step": 0,
            "returned": False,
            "done": False,
        }
        changes.put("papers_due", (event.originator_id,), row)

    @handle.register(PaperEvents.PaperReviewed)
    def _paper_reviewed(self, event: Any, changes: Changes) -> None:
        row = changes.get("papers_due", event.originator_id)
        if row is None:
            return
        if not event.approved:
            row["returned"] = True
        elif event.step >= len(json.loads(row["chain"] or "[]")) - 1:
            row["done"] = True  # final unless submitted up (PaperSubmitted follows)
        else:
            row["step"] = event.step + 1
        changes.put("papers_due", (event.originator_id,), row)

    @handle.register(PaperEvents.PaperRevised)
    def _paper_revised(self, event: Any, changes: Changes) -> None:
        changes.update("papers_due", (event.originator_id,), returned=False, step=0)

    @handle.register(PaperEvents.PaperSubmitted)
    def _paper_submitted(self, event: Any, changes: Changes) -> None:
        # From now on the paper is the unit above's to read: its queue, not the author's.
        changes.update(
            "papers_due",
            (event.originator_id,),
            branch=event.submitted_to,
            submitted_on=event.submitted_on,
            done=False,
        )

    @handle.register(PaperEvents.PaperAcknowledged)
    def _paper_acknowledged(self, event: Any, changes: Changes) -> None:
        changes.update("papers_due", (event.originator_id,), done=True)

    @handle.register(LoanEvents.BranchChanged)
    def _branch_changed(self, event: Any, changes: Changes) -> None:
        self._loan(changes, event, branch=event.branch)
        changes.update("dossiers", (dossier_id_for(event.originator_id),), branch=event.branch)

    @handle.register(LoanEvents.WrittenOff)
    def _written_off(self, event: Any, changes: Changes) -> None:
        closed = self._row(changes, event).get("closed_on") or event.written_off_on
        self._loss(changes, event.originator_id, LossKind.WRITE_OFF, event.written_off_on)
        self._loan(changes, event, closed_on=closed)

    @handle.register(LoanEvents.Settled)
    def _settled(self, event: Any, changes: Changes) -> None:
        # After a write-off, settlement ends the recovery: the loan closed at the write-off.
        before = self._row(changes, event).get("closed_on")
        if before is not None and event.outstanding > 0:  # written off, a balance lost
            self._loss(changes, event.originator_id, LossKind.SETTLED_WITH_LOSS, event.settled_on)
        self._loan(changes, event, closed_on=before or event.settled_on)

    @handle.register(LoanEvents.SettlementCorrected)
    def _settlement_corrected(self, event: Any, changes: Changes) -> None:
        closed = self._row(changes, event).get("closed_on")
        if closed is not None and closed.isoformat() == event.previous:  # closed by settling
            self._loan(changes, event, closed_on=event.settled_on)

    # ------------------------------------------------------------ 三个不放过
    @staticmethod
    def _loss(changes: Changes, loan_id: Any, kind: LossKind, on: Any) -> None:
        if on is None or changes.get("loans", loan_id) is None:
            return
        changes.put(
            "losses",
            (loan_id, f"{kind.value}:{on.isoformat()}"),
            {
                "kind": kind.value,
                "loss_on": on,
                "cause": False,
                "responsible": False,
                "measures": False,
                "owner": False,
                "closed": False,
            },
        )

    @handle.register(LoanEvents.LossReviewRecorded)
    def _loss_reviewed(self, event: Any, changes: Changes) -> None:
        key = (event.originator_id, f"{plain(event.loss)}:{event.loss_on.isoformat()}")
        row = changes.get("losses", *key)
        if row is None:
            return
        changes.update(
            "losses",
            key,
            cause=bool(row["cause"] or event.cause),
            responsible=bool(row["responsible"] or event.responsible),
            measures=bool(row["measures"] or event.measures),
            owner=bool(row["owner"] or event.measures_owner),
        )

    @handle.register(LoanEvents.LossReviewClosed)
    def _loss_closed(self, event: Any, changes: Changes) -> None:
        key = (event.originator_id, f"{plain(event.loss)}:{event.loss_on.isoformat()}")
        if changes.get("losses", *key) is not None:
            changes.update("losses", key, closed=True)

    # --------------------------------------------------------------- the dossier
    @handle.register(DossierEvents.Opened)
    def _opened(self, event: Any, changes: Changes) -> None:
        loan = changes.get("loans", event.loan_id) or {}
        row: dict[str, Any] = dict.fromkeys(DOSSIERS.column_names)
        row |= {"loan_id": event.loan_id, "loan_no": event.loan_no, "branch": loan.get("branch")}
        changes.put("dossiers", (event.originator_id,), row)

    @handle.register(DossierEvents.TransferListed)
    def _transfer_listed(self, event: Any, changes: Changes) -> None:
        dossier = changes.get("dossiers", event.originator_id)
        if dossier is None:
            return
        column = (
            "originals_listed_on"
            if plain(event.kind) == TransferKind.ORIGINALS.value
            else "full_listed_on"
        )
        loan = changes.get("loans", dossier["loan_id"])
        if loan is not None and loan[column] is None:
            changes.update("loans", (dossier["loan_id"],), **{column: event.listed_on})

    @handle.register(DossierEvents.DocumentFiled)
    def _document_filed(self, event: Any, changes: Changes) -> None:
        """Extension application materials (展期申请资料) filed in the loan's dossier."""
        if event.document.doc_type != EXTENSION_APPLICATION:
            return
        dossier = changes.get("dossiers", event.originator_id)
        loan = changes.get("loans", dossier["loan_id"]) if dossier is not None else None
        if dossier is None or loan is None:
            return
        filed = later(loan.get("extension_filed_on"), event.filed_on or changes.at.date())
        changes.update("loans", (dossier["loan_id"],), extension_filed_on=filed)

    @handle.register(DossierEvents.Catalogued)
    def _catalogued(self, event: Any, changes: Changes) -> None:
        changes.update(
            "dossiers",
            (event.originator_id,),
            reference_code=event.reference_code,
            retention=plain(event.retention),
        )

    @handle.register(DossierEvents.RetentionStarted)
    @handle.register(DossierEvents.RetentionExtended)
    def _retention(self, event: Any, changes: Changes) -> None:
        changes.update("dossiers", (event.originator_id,), retention_ends_on=event.ends_on)

    @handle.register(DossierEvents.Appraised)
    def _appraised(self, event: Any, changes: Changes) -> None:
        row = changes.get("dossiers", event.originator_id)
        if row is not None:
            changes.update(
                "dossiers",
                (event.originator_id,),
                last_appraised_on=later(row["last_appraised_on"], event.decided_on),
            )

    @handle.register(DossierEvents.Destroyed)
    def _destroyed(self, event: Any, changes: Changes) -> None:
        changes.end("dossiers", event.originator_id)

    # ------------------------------------------------------------- borrowings
    @handle.register(BorrowingEvents.Requested)
    def _requested(self, event: Any, changes: Changes) -> None:
        dossier = changes.get("dossiers", event.dossier_id) or {}
        changes.put(
            "borrowings",
            (event.originator_id,),
            {
                "dossier_id": event.dossier_id,
                "loan_no": event.loan_no,
                "branch": dossier.get("branch"),
                "borrow_no": event.borrow_no,
                "due_on": event.due_on,
                "out": False,
            },
        )

    @handle.register(BorrowingEvents.Approved)
    def _borrowing_approved(self, event: Any, changes: Changes) -> None:
        row = changes.get("borrowings", event.originator_id)
        if row is not None:
            changes.update(
                "borrowings",
                (event.originator_id,),
                due_on=event.due_on,
                archivist_id=event.archivist_id or row["archivist_id"],
            )

    @handle.register(BorrowingEvents.CheckedOut)
    def _checked_out(self, event: Any, changes: Changes) -> None:
        changes.update("borrowings", (event.originator_id,), out=True, archivist_id=event.actor_id)

    @handle.register(BorrowingEvents.Returned)
    @handle.register(BorrowingEvents.Rejected)
    @handle.register(BorrowingEvents.ElectronicCopyIssued)
    @handle.register(BorrowingEvents.Closed)
    def _not_out(self, event: Any, changes: Changes) -> None:
        """Back, refused, served as a copy or closed: nothing of it is out any more."""
        changes.end("borrowings", event.originator_id)
