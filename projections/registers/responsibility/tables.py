"""The accountability trail's tables and the enumerations their columns are labelled with."""

from __future__ import annotations

import sqlalchemy as sa

from domain.values import (
    AppealOutcome,
    DutyConclusion,
    EvaluationOccasion,
    LabelledEnum,
    ResponsibilityFinding,
    ResponsibilityStage,
    Role,
)
from projections.tables import PERSON, RECORD, TableSpec, col, loan_columns, loan_facts

ID = sa.Uuid
POSITION = sa.BigInteger
# The summary column's width; summaries are cut to it.
SUMMARY_LENGTH = 500


class AggregateType(LabelledEnum):
    """What kind of record an event belongs to."""

    LOAN = ("loan", "贷款")
    DOSSIER = ("dossier", "档案")
    STAFF = ("staff", "人员")
    COLLATERAL = ("collateral", "押品")
    RECEIPT = ("receipt", "幂等回执")
    BORROWER_INDEX = ("borrower_index", "借款人索引")


class Part(LabelledEnum):
    """The capacity in which a loan event names a person (调查人, 监交人, 复核人...)."""

    INVESTIGATOR = ("investigator", "调查人")
    ORIGINATION_REVIEWER = ("origination_reviewer", "审查人")
    APPROVER = ("approver", "审批人")
    ACCOUNT_MANAGER = ("account_manager", "管户客户经理")
    HANDING = ("handing", "移交人")
    RECEIVING = ("receiving", "接收人")
    SUPERVISOR = ("supervisor", "监交人")
    INSPECTOR = ("inspector", "检查人")
    REVIEWER = ("reviewer", "复核人")
    CORRECTOR = ("corrector", "更正人")
    PROPOSER = ("proposer", "分类提出人")
    CLASSIFICATION_DETERMINER = ("classification_determiner", "分类认定人")
    CLASSIFICATION_APPROVER = ("classification_approver", "分类审批人")
    REJECTER = ("rejecter", "分类否决人")
    RAISER = ("raiser", "预警发起人")
    HANDLER = ("handler", "预警处置人")
    CLEARER = ("clearer", "预警解除人")
    WARNING_REPORTER = ("warning_reporter", "预警报告签收人")
    FEEDBACK_GIVER = ("feedback_giver", "预警反馈人")
    WARNING_DETERMINER = ("warning_determiner", "预警认定人")
    COLLECTOR = ("collector", "催收人")
    WORKOUT_APPROVER = ("workout_approver", "重组/展期/保全/核销办理人")
    DISPOSAL_SUBMITTER = ("disposal_submitter", "处置方案申报人")
    DISPOSAL_APPROVER = ("disposal_approver", "处置方案审批人")
    DISPOSAL_EXECUTOR = ("disposal_executor", "处置执行人")
    AUTHOR = ("author", "异议人")
    PERSON = ("person", "被认定人")
    AUDITOR = ("auditor", "认定人")
    APPELLANT = ("appellant", "复议申请人")
    APPEAL_DECIDER = ("appeal_decider", "复议决定人")
    GROUP_MEMBER = ("group_member", "认定小组成员")
    ATTENDEE = ("attendee", "认定会参会人")
    SIGNER = ("signer", "签批人")
    NOTIFIER = ("notifier", "通知人")
    REFERRER = ("referrer", "移交监察经办人")


STAFF = TableSpec(
    "staff",
    [
        col("staff_id", ID, "人员ID", "staff id", export=False, nullable=False),
        col("staff_no", sa.String(32), "工号", "staff no.", filter=True),
        col("name", sa.String(100), "姓名", "name"),
        *loan_facts("branch"),
        col("roles", sa.String(400), "当前岗位代码", "roles held", export=False),
        col("roles_zh", sa.String(400), "当前岗位", "roles held (Chinese)"),
    ],
    key=("staff_id",),
    indexes=(("staff_no",),),
    dated=False,  # who or what is who: read by every day's events alike
)

SUBJECTS = TableSpec(
    "subjects",
    [
        col("aggregate_id", ID, "对象ID", "aggregate id", nullable=False),
        col("aggregate", sa.String(32), "对象类型", "aggregate", labels=AggregateType),
        col("loan_id", ID, "贷款ID", "loan id", export=False),
        *loan_facts("loan_no"),
    ],
    key=("aggregate_id",),
    dated=False,  # who or what is who: read by every day's events alike
)

ORIGINATION = TableSpec(
    "origination",
    [
        *loan_columns(),
        *loan_facts("value_date"),
        col("investigator_id", ID, "调查人", "investigator", filter=True, shows=PERSON),
        col(
            "origination_reviewer_id",
            ID,
            "审查人",
            "origination reviewer",
            filter=True,
            shows=PERSON,
        ),
        col("approver_id", ID, "审批人", "approver", filter=True, shows=PERSON),
        col(
            "account_manager_id",
            ID,
            "放款客户经理",
            "account manager at disbursement",
            shows=PERSON,
        ),
        col(
            "current_manager_id",
            ID,
            "现管户客户经理",
            "current account manager",
            filter=True,
            shows=PERSON,
        ),
        col("position", POSITION, "放款日志位置", "disbursement position"),
    ],
    key=("loan_id",),
    indexes=(("loan_no",),),
)

ACTIONS = TableSpec(
    "actions",
    [
        col("position", POSITION, "日志位置", "log position", filter=True, nullable=False),
        col("recorded_at", sa.DateTime, "记录时间", "recorded at"),
        col("actor_id", ID, "操作人ID", "actor id", filter=True, export=False),
        col("actor_staff_no", sa.String(32), "操作人工号", "actor staff no.", filter=True),
        col("actor_name", sa.String(100), "操作人", "actor"),
        col("role", sa.String(32), "当时岗位", "role held", filter=True, labels=Role),
        col("aggregate", sa.String(32), "对象类型", "aggregate", filter=True, labels=AggregateType),
        col("originator_id", ID, "对象ID", "aggregate id", filter=True, shows=RECORD),
        col("originator_version", sa.Integer, "对象版本", "aggregate version"),
        col("event", sa.String(64), "事件", "event", filter=True),
        col("loan_id", ID, "贷款ID", "loan id", filter=True, export=False),
        *loan_facts("loan_no"),
        col("business_date", sa.Date, "业务日期", "business date"),
        col("summary", sa.String(SUMMARY_LENGTH), "摘要", "summary"),
        col("document_count", sa.Integer, "文件数", "documents cited"),
        col("documents", sa.Text, "文件哈希(SHA-256)", "document hashes (SHA-256)"),
        col("subject_id", ID, "涉及人员ID", "person concerned id", filter=True, export=False),
        col("subject_staff_no", sa.String(32), "涉及人员工号", "person concerned staff no."),
        col("subject_name", sa.String(100), "涉及人员", "person concerned"),
    ],
    indexes=(("actor_id", "position"), ("loan_id", "position"), ("subject_id", "position")),
)

PARTS = TableSpec(
    "parts",
    [
        col("loan_id", ID, "贷款ID", "loan id", filter=True, export=False),
        *loan_facts("loan_no"),
        col("position", POSITION, "日志位置", "log position", nullable=False),
        col("recorded_at", sa.DateTime, "记录时间", "recorded at"),
        col("event", sa.String(64), "事件", "event", filter=True),
        col("stage", sa.String(32), "环节", "stage", filter=True, labels=ResponsibilityStage),
        col("part", sa.String(32), "职责", "part", filter=True, labels=Part),
        col("person_id", ID, "人员ID", "person id", filter=True, export=False),
        col("staff_no", sa.String(32), "工号", "staff no.", filter=True),
        col("name", sa.String(100), "姓名", "name"),
        col("role", sa.String(32), "当时岗位", "role held", labels=Role),
        col("on_date", sa.Date, "业务日期", "business date"),
        col("record_id", ID, "记录ID", "record id", export=False),
        col("label", sa.String(200), "事项", "item"),
        col("text", sa.Text, "说明", "text"),
    ],
    indexes=(("loan_id", "position"), ("person_id", "position")),
)

DETERMINATIONS = TableSpec(
    "determinations",
    [
        col("determination_id", ID, "认定ID", "determination id", export=False, nullable=False),
        col("loan_id", ID, "贷款ID", "loan id", filter=True, export=False),
        *loan_facts("loan_no"),
        col("person_id", ID, "被认定人ID", "person id", filter=True, export=False),
        col("person_staff_no", sa.String(32), "被认定人工号", "person staff no.", filter=True),
        col("person_name", sa.String(100), "被认定人", "person"),
        col("stage", sa.String(32), "环节", "stage", filter=True, labels=ResponsibilityStage),
        col("finding", sa.String(32), "认定结论", "finding", labels=ResponsibilityFinding),
        col("sanction", sa.Text, "处理措施", "sanction"),
        col("reason", sa.Text, "认定理由", "reason"),
        col("determined_by_id", ID, "认定人ID", "determined by", export=False),
        col("determined_by_name", sa.String(100), "认定人", "determined by"),
        col("determined_position", POSITION, "认定日志位置", "determination position"),
        col("appeal_reason", sa.Text, "复议理由", "appeal reason"),
        col("appealed_position", POSITION, "复议日志位置", "appeal position"),
        col("outcome", sa.String(16), "复议结果", "appeal outcome", labels=AppealOutcome),
        col(
            "final_finding",
            sa.String(32),
            "最终结论",
            "final finding",
            filter=True,
            labels=ResponsibilityFinding,
        ),
        col("decided_by_id", ID, "复议决定人ID", "decided by", export=False),
        col("decided_by_name", sa.String(100), "复议决定人", "decided by"),
        col("decided_position", POSITION, "复议决定日志位置", "decision position"),
        col("group_members", sa.Text, "认定小组成员", "determination group"),
        col("meeting_on", sa.Date, "认定会日期", "meeting on"),
        col("attendees", sa.Text, "认定会参会人员", "meeting attendees"),
        col("written", sa.Boolean, "已出具认定书", "written determination filed"),
        col("signed_off_by", sa.Text, "逐级签批人", "signed off by (in order)"),
        col("sign_off_levels", sa.Integer, "签批级数", "sign-off levels"),
        col("notified_on", sa.Date, "通知被认定人日期", "person notified on"),
        col("referred_on", sa.Date, "移交监察日期", "referred on"),
        col("referred_to", sa.String(100), "接收部门", "referred to"),
    ],
    key=("determination_id",),
    indexes=(("loan_id",), ("person_id",)),
)

EVALUATIONS = TableSpec(
    "evaluations",
    [
        col("evaluation_id", ID, "评价ID", "evaluation id", export=False, nullable=False),
        col("staff_id", ID, "被评价人", "person evaluated", export=False, shows=PERSON),
        col("staff_no", sa.String(32), "被评价人工号", "staff no.", filter=True),
        col("name", sa.String(100), "被评价人", "person evaluated"),
        *loan_facts("branch"),
        col(
            "occasion",
            sa.String(16),
            "评价时点",
            "occasion",
            filter=True,
            labels=EvaluationOccasion,
        ),
        col("period_from", sa.Date, "评价期间起", "period from"),
        col("period_to", sa.Date, "评价期间止", "period to"),
        col("evaluated_on", sa.Date, "评价日期", "evaluated on"),
        col(
            "conclusion",
            sa.String(32),
            "评价结论",
            "conclusion",
            filter=True,
            labels=DutyConclusion,
        ),
        col("findings", sa.Text, "评价意见", "findings"),
        col("loan_nos", sa.Text, "所评贷款", "loans reviewed"),
        col("evaluator_id", ID, "评价人", "evaluated by", shows=PERSON),
        col("evaluator_role", sa.String(32), "评价人岗位", "evaluator's role", labels=Role),
        col("position", POSITION, "日志位置", "log position"),
    ],
    key=("evaluation_id",),
    indexes=(("staff_no",),),
)
"""Evaluations of account managers' post-loan duties (贷后管理履职评价), one row each."""
