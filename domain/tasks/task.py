"""What a task is (工作任务): its kind, and what it names — work, owner, dates, the rule.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.values import LabelledEnum, Role


class TaskKind(LabelledEnum):
    """What a task asks for (工作任务类型)."""

    FIRST_INSPECTION = ("first_inspection", "首次跟踪检查")
    ROUTINE_INSPECTION = ("routine_inspection", "常规检查")
    SPECIAL_INSPECTION = ("special_inspection", "专项检查")
    COUNTERSIGN = ("countersign", "检查复核")
    REPAYMENT_REMINDER = ("repayment_reminder", "还款提示")
    COLLECTION_STEP = ("collection_step", "催收")
    WARNING_HANDLING = ("warning_handling", "预警处置")
    WARNING_REPORT = ("warning_report", "预警报告")
    RECLASSIFICATION = ("reclassification", "风险分类调整")
    PERIODIC_RECLASSIFICATION = ("periodic_reclassification", "季度风险分类更新")
    ORIGINALS_TRANSFER = ("originals_transfer", "合同原件移交")
    FULL_TRANSFER = ("full_transfer", "整卷移交")
    OVERDUE_BORROWING = ("overdue_borrowing", "借阅逾期催还")
    RETENTION_REVIEW = ("retention_review", "保管期满鉴定")
    B_POST_ASSIGNMENT = ("b_post_assignment", "配置B岗")
    DUTY_EVALUATION = ("duty_evaluation", "贷后管理履职评价")
    KEY_CUSTOMER_ON_SITE = ("key_customer_on_site", "重点客户现场监测")
    LARGE_CUSTOMER_OFF_SITE = ("large_customer_off_site", "大额客户非现场监测")
    THIRD_PARTY_PHONE_VISIT = ("third_party_phone_visit", "第三方服务电话回访")
    THIRD_PARTY_ON_SITE = ("third_party_on_site", "第三方服务现场走访")
    RHYTHM_PHONE_VISIT = ("rhythm_phone_visit", "按客户运营规律电话回访")
    SIGNAL_WATCH_ON_SITE = ("signal_watch_on_site", "预警客户加密现场监测")
    MATURITY_NOTICE = ("maturity_notice", "到期提示")
    GUARANTOR_REASSESSMENT = ("guarantor_reassessment", "保证人代偿能力重估")
    RECTIFICATION = ("rectification", "限期整改")
    RECTIFICATION_ACCEPTANCE = ("rectification_acceptance", "整改验收")
    ZONE_REVIEW = ("zone_review", "客户区间定期评估")
    ZONE_APPROVAL = ("zone_approval", "客户区间审批")
    EMERGENCY_PLAN = ("emergency_plan", "启动应急预案")
    FEEDBACK_ASSIGNMENT = ("feedback_assignment", "反馈问题分派")
    FEEDBACK_ANSWER = ("feedback_answer", "反馈问题答复")
    FEEDBACK_CLOSURE = ("feedback_closure", "反馈问题确认办结")
    PAPER_REVIEW = ("paper_review", "贷后管理文书审阅")
    PAPER_REVISION = ("paper_revision", "贷后管理文书退回修改")
    PAPER_ACKNOWLEDGEMENT = ("paper_acknowledgement", "上报文书阅知")
    TOP_CUSTOMER_ON_SITE = ("top_customer_on_site", "前N大客户实地检查")
    LEAD_ON_SITE = ("lead_on_site", "上级行牵头现场检查")
    MONTHLY_MONITORING = ("monthly_monitoring", "月度非现场监测")
    FLAG_VERIFICATION = ("flag_verification", "监测疑点核实")
    FLAG_DECISION = ("flag_decision", "监测疑点认定")
    NPL_PLAN = ("npl_plan", "不良贷款管理方案")
    PRESERVATION_TRANSFER = ("preservation_transfer", "移交资产保全")
    PRESERVATION_RETURN = ("preservation_return", "退回客户部管理")
    EXTENSION_PREPARATION = ("extension_preparation", "展期（借新还旧）申报准备")
    TARGET_RECORD = ("target_record", "逐笔经营责任认定（目标责任书）")
    LOSS_REVIEW = ("loss_review", "三个不放过（损失分析）")
    SERVICER_COMMUNICATION = ("servicer_communication", "与第三方服务机构定期沟通核实")


KIND_ORDER = {kind: n for n, kind in enumerate(TaskKind)}


@dataclass(frozen=True)
class Task:
    """A piece of work due: what, on which loan, borrowing, dossier or person, whose, when, and why.

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
    staff_id: UUID | None = None
    """The person a task is about (an evaluation of their duties), not one on a loan."""
    staff_no: str | None = None
    notice_no: str | None = None
    """The rectification notice (限期整改通知书) a task is about."""
    paper_no: str | None = None
    """The post-loan management paper (贷后管理文书) a task is about."""
    customer: str | None = None
    """The customer a task is about (key-customer monitoring): 名称（客户号）."""
    partner_code: str | None = None
    """The partner institution (合作机构) a task is about, by its credit code."""

    @property
    def ref(self) -> str:
        """How the task names what it is about: the borrowing, else the loan, else the
        notice, else the customer, else the person."""
        return (
            self.borrow_no
            or self.loan_no
            or self.notice_no
            or self.paper_no
            or self.customer
            or self.partner_code
            or self.staff_no
            or str(self.dossier_id)
        )


def days_text(n: int) -> str:
    """``n`` days, as a rule's citation writes it."""
    return f"{n} day" if n == 1 else f"{n} days"
