"""Value objects and enumerations shared by the aggregates.

Statuses and kinds are :class:`enum.Enum` members (not ``str`` subclasses) so
that the application can register a transcoding for each and events come back
from the store with the same types they were recorded with.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import InvalidInputError

NAMESPACE = uuid5(NAMESPACE_URL, "urn:dossier")
"""Namespace of the deterministic ids derived from natural keys."""

SYSTEM_ID = uuid5(NAMESPACE, "system:console")
"""The actor id of the operator at the server console (the ``dossier`` CLI)."""

CENT = Decimal("0.01")


class LabelledEnum(Enum):
    """An enum whose members carry a Chinese label besides their value."""

    def __new__(cls, value: str, zh: str) -> LabelledEnum:
        member = object.__new__(cls)
        member._value_ = value
        member.zh = zh
        return member

    zh: str

    @classmethod
    def parse(cls, value: Any, field: str) -> Any:
        """Return the member named by ``value`` or raise a bilingual input error."""
        if isinstance(value, cls):
            return value
        for member in cls:
            if value == member.value:
                return member
        allowed = ", ".join(str(m.value) for m in cls)
        raise InvalidInputError(
            f"{field} 的取值 {value!r} 无效，允许：{allowed}",
            f"{field}: {value!r} is not one of {allowed}",
            field=field,
        )


class Role(LabelledEnum):
    """A duty a staff member may hold (岗位)."""

    ACCOUNT_MANAGER = ("account_manager", "客户经理")
    REVIEWER = ("reviewer", "复核人")
    POST_LOAN_OFFICER = ("post_loan_officer", "贷后管理岗")
    RISK_MANAGER = ("risk_manager", "风险经理")
    BRANCH_HEAD = ("branch_head", "行长")
    ARCHIVIST = ("archivist", "档案管理员")
    ARCHIVE_HEAD = ("archive_head", "档案室负责人")
    COMPLIANCE = ("compliance", "合规")
    AUDITOR = ("auditor", "审计")
    ADMINISTRATOR = ("administrator", "系统管理员")
    INTEGRATION = ("integration", "系统对接岗")
    """The identity the core-banking feed runs under (核心系统日终文件导入): it records what
    the core system reports and nothing else, and reads no business data."""


class Product(LabelledEnum):
    """A loan product family; schedules and floors vary by it."""

    CORPORATE_WORKING_CAPITAL = ("corporate_working_capital", "公司流动资金贷款")
    SMALL_BUSINESS = ("small_business", "小微企业贷款")
    INDIVIDUAL_PRODUCTION = ("individual_production", "个人生产经营贷款")
    CONSUMER = ("consumer", "个人消费贷款")
    MORTGAGE = ("mortgage", "个人住房按揭贷款")

    @property
    def is_retail(self) -> bool:
        return self in {Product.INDIVIDUAL_PRODUCTION, Product.CONSUMER, Product.MORTGAGE}


class BorrowerType(LabelledEnum):
    """Whether the borrower is a company or a natural person."""

    CORPORATE = ("corporate", "企业")
    INDIVIDUAL = ("individual", "个人")


class ContactChannel(LabelledEnum):
    """How the bank tried to reach a customer (联系方式): the number or address tried."""

    PHONE = ("phone", "电话")
    VISIT = ("visit", "上门走访")
    SMS = ("sms", "短信")
    LETTER = ("letter", "信函")


class ContactPurpose(LabelledEnum):
    """Why the bank tried to reach a customer (联系事由)."""

    RETURN_VISIT = ("return_visit", "贷后回访")
    COLLECTION = ("collection", "催收")
    REMINDER = ("reminder", "还款提醒")
    OTHER = ("other", "其他")


class EvaluationOccasion(LabelledEnum):
    """When an account manager's post-loan duties are evaluated (贷后管理履职评价时点)."""

    HANDOVER = ("handover", "岗位变动（移交）")
    IN_POST = ("in_post", "任职满期")


class DutyConclusion(LabelledEnum):
    """The conclusion of an evaluation of post-loan duties (履职评价结论)."""

    COMPETENT = ("competent", "称职")
    BASICALLY_COMPETENT = ("basically_competent", "基本称职")
    INCOMPETENT = ("incompetent", "不称职")


class PartnerKind(LabelledEnum):
    """What an institution cooperates with the bank as (合作机构类型)."""

    GUARANTEE_COMPANY = ("guarantee_company", "担保机构")
    SERVICER = ("servicer", "第三方服务机构")
    OTHER = ("other", "其他合作机构")


class PartnerStatus(LabelledEnum):
    """Whether the cooperation stands (合作状态)."""

    ACTIVE = ("active", "合作中")
    SUSPENDED = ("suspended", "暂停合作")


class CheckSubject(LabelledEnum):
    """What a supervision check of post-loan work looks at (检查对象)."""

    BRANCH = ("branch", "营业机构")
    ACCOUNT_MANAGER = ("account_manager", "客户经理")
    POST_LOAN_OFFICER = ("post_loan_officer", "贷后管理岗")
    PRODUCT_LINE = ("product_line", "业务条线")

    @property
    def personal(self) -> bool:
        """A check of one person's post-loan work (an account manager or a post-loan officer)."""
        return self in (CheckSubject.ACCOUNT_MANAGER, CheckSubject.POST_LOAN_OFFICER)


class FeedbackTopic(LabelledEnum):
    """What a branch's feedback is about (经办行反馈问题类别)."""

    LOAN = ("loan", "贷款业务")
    RULE = ("rule", "制度规则")
    FINDING = ("finding", "检查发现")
    SYSTEM = ("system", "系统操作")
    OTHER = ("other", "其他")


class CheckSource(LabelledEnum):
    """Whose findings a supervision check records (检查来源): its rectification is followed the
    same way whoever found the problems."""

    INTERNAL = ("internal", "内部检查")
    INTERNAL_AUDIT = ("internal_audit", "内部审计")
    EXTERNAL_AUDIT = ("external_audit", "外部审计")
    REGULATOR = ("regulator", "监管检查")


class CampaignKind(LabelledEnum):
    """The kind of inspection campaign a check belongs to (检查活动类别)."""

    COMPREHENSIVE = ("comprehensive", "全面检查")
    SPECIAL = ("special", "专项检查")
    SELF_INSPECTION = ("self_inspection", "年度自查")


class CampaignFrequency(LabelledEnum):
    """How often the campaign's checks are made (检查频次)."""

    ONCE = ("once", "一次性")
    MONTHLY = ("monthly", "按月")
    QUARTERLY = ("quarterly", "按季")
    ANNUAL = ("annual", "按年")


class RepaymentMethod(LabelledEnum):
    """How principal is repaid."""

    BULLET = ("bullet", "到期一次还本")
    INSTALMENT = ("instalment", "分期还款")


class GuaranteeType(LabelledEnum):
    """What secures the loan."""

    CREDIT = ("credit", "信用")
    GUARANTEE = ("guarantee", "保证")
    MORTGAGE = ("mortgage", "抵押")
    PLEDGE = ("pledge", "质押")


class LoanStatus(LabelledEnum):
    """Where the loan stands in its life."""

    ACTIVE = ("active", "存续")
    WRITTEN_OFF = ("written_off", "已核销")
    SETTLED = ("settled", "已结清")


class Grade(LabelledEnum):
    """The five-level risk classification (五级分类), in increasing severity."""

    NORMAL = ("normal", "正常")
    SPECIAL_MENTION = ("special_mention", "关注")
    SUBSTANDARD = ("substandard", "次级")
    DOUBTFUL = ("doubtful", "可疑")
    LOSS = ("loss", "损失")

    @property
    def severity(self) -> int:
        return list(Grade).index(self)

    @property
    def is_non_performing(self) -> bool:
        return self.severity >= Grade.SUBSTANDARD.severity

    def is_better_than(self, other: Grade) -> bool:
        return self.severity < other.severity

    @staticmethod
    def worst(*grades: Grade) -> Grade:
        return max(grades, key=lambda g: g.severity)


class InspectionKind(LabelledEnum):
    """Kinds of post-loan inspection (贷后检查)."""

    FIRST_FOLLOW_UP = ("first_follow_up", "首次跟踪检查")
    ROUTINE = ("routine", "常规检查")
    SPECIAL = ("special", "专项检查")
    ON_SITE = ("on_site", "现场检查")
    OFF_SITE = ("off_site", "非现场检查")
    PHONE_VISIT = ("phone_visit", "电话回访")


class ReminderChannel(LabelledEnum):
    """How a repayment reminder (还款提醒) reached the borrower: recorded on the phone visit."""

    PHONE = ("phone", "电话")
    SMS = ("sms", "短信")
    EMAIL = ("email", "电子邮件")
    LETTER = ("letter", "信函")


class MonitoredSystem(LabelledEnum):
    """A system an off-site inspection (系统监测, 非现场检查) queried."""

    CREDIT_MANAGEMENT = ("credit_management", "信贷管理系统")
    PBOC_CREDIT = ("pboc_credit", "人行征信系统")
    CORE_BANKING = ("core_banking", "核心业务系统")
    ACCOUNT_MONITORING = ("account_monitoring", "账户资金监测")


class WarningColour(LabelledEnum):
    """Severity of a risk-warning signal (红橙黄)."""

    RED = ("red", "红色")
    ORANGE = ("orange", "橙色")
    YELLOW = ("yellow", "黄色")


class CollectionStepKind(LabelledEnum):
    """A step of the collection ladder (催收)."""

    PHONE_CALL = ("phone_call", "电话催收")
    VISIT = ("visit", "上门催收")
    JOINT_VISIT = ("joint_visit", "联合上门催收")
    PLAN_REVISED = ("plan_revised", "修订催收方案")
    CONTINGENCY_PLAN = ("contingency_plan", "启动逾期应急预案")
    NOTICE_SERVED = ("notice_served", "送达催收通知书")
    GUARANTOR_NOTIFIED = ("guarantor_notified", "通知保证人")
    HANDOVER = ("handover", "换手催收")
    ON_SITE_INVESTIGATION = ("on_site_investigation", "现场调查")
    LAWYERS_LETTER = ("lawyers_letter", "律师函")
    LITIGATION = ("litigation", "诉讼")
    PRESERVATION = ("preservation", "财产保全")
    ENFORCEMENT = ("enforcement", "强制执行")
    DEBT_FOR_ASSET = ("debt_for_asset", "以资抵债")
    SERVICER_COLLECTION = ("servicer_collection", "第三方服务机构追收")


class CollectionPlan(LabelledEnum):
    """The collection plan a revised plan settles on (催收方案), with the opinion whether to
    recall the loan early (提前收回)."""

    CONTINUE = ("continue", "继续常规催收")
    RESTRUCTURE = ("restructure", "贷款重组")
    LITIGATION = ("litigation", "诉讼")
    RECALL = ("recall", "提前收回贷款")


class WriteOffCriterion(LabelledEnum):
    """The ground on which a write-off (核销) is allowed."""

    BANKRUPTCY = ("bankruptcy", "借款人破产")
    DEATH_OR_DISAPPEARANCE = ("death_or_disappearance", "借款人死亡或失踪")
    UNINSURED_DISASTER = ("uninsured_disaster", "重大自然灾害且无保险")
    LICENCE_REVOKED = ("licence_revoked", "被吊销营业执照")
    ENFORCEMENT_EXHAUSTED = ("enforcement_exhausted", "强制执行终结")


class ResponsibilityStage(LabelledEnum):
    """The stage of the credit process a responsibility finding is about."""

    INVESTIGATION = ("investigation", "贷前调查")
    REVIEW = ("review", "审查")
    APPROVAL = ("approval", "审批")
    POST_LOAN = ("post_loan", "贷后管理")
    COLLECTION = ("collection", "清收")


class ResponsibilityFinding(LabelledEnum):
    """The degree of responsibility found (责任认定结论)."""

    FULL = ("full", "全部责任")
    MAIN = ("main", "主要责任")
    SECONDARY = ("secondary", "次要责任")
    EXEMPT = ("exempt", "尽职免责")


class AppealOutcome(LabelledEnum):
    """What the committee decided on an appeal (复议)."""

    UPHELD = ("upheld", "维持原认定")
    AMENDED = ("amended", "变更认定")


class DeterminationStep(LabelledEnum):
    """A step of a responsibility determination after the finding (认定程序)."""

    SIGNED_OFF = ("signed_off", "逐级签批")
    NOTIFIED = ("notified", "通知被认定人")
    REFERRED = ("referred", "移交监察部门")


class ReadPurpose(LabelledEnum):
    """Why someone reads a document's content (查阅目的)."""

    AUDIT = ("audit", "审计")
    INSPECTION = ("inspection", "检查")
    LITIGATION = ("litigation", "诉讼")
    BUSINESS = ("business", "业务需要")


class FixityStatus(LabelledEnum):
    """The outcome of re-checking one stored document (四性检测)."""

    INTACT = ("intact", "完好")
    MISSING = ("missing", "缺失")
    HASH_MISMATCH = ("hash_mismatch", "哈希不符")
    UNREADABLE = ("unreadable", "无法解密或读取")
    INVALID_FORMAT = ("invalid_format", "格式无效")
    METADATA_INVALID = ("metadata_invalid", "元数据不完整")
    DESTROYED = ("destroyed", "已依法销毁")
    """Gone on purpose: its dossier was destroyed by an executed destruction batch."""
    NOT_DESTROYED = ("not_destroyed", "销毁未完成")
    """Its dossier was destroyed, yet the bytes are still stored and not recorded as retained."""

    @property
    def passes(self) -> bool:
        """Whether the document is as it should be: intact, or lawfully destroyed."""
        return self in (FixityStatus.INTACT, FixityStatus.DESTROYED)


class CollateralKind(LabelledEnum):
    """What a collateral (押品) is."""

    REAL_ESTATE = ("real_estate", "房产")
    LAND_USE_RIGHT = ("land_use_right", "土地使用权")
    VEHICLE = ("vehicle", "车辆")
    EQUIPMENT = ("equipment", "机器设备")
    DEPOSIT_RECEIPT = ("deposit_receipt", "存单")
    OTHER = ("other", "其他")


class GuarantorKind(LabelledEnum):
    """Who guarantees a loan (保证人类型)."""

    PERSON = ("person", "自然人")
    COMPANY = ("company", "企业")
    GUARANTEE_COMPANY = ("guarantee_company", "担保公司")


class GuarantorCapacity(LabelledEnum):
    """A guarantor's capacity to repay for the borrower (代偿能力), as last assessed."""

    ADEQUATE = ("adequate", "代偿能力充足")
    WEAKENED = ("weakened", "代偿能力明显下降")
    LOST = ("lost", "丧失代偿能力")


class CollateralStatus(LabelledEnum):
    """Whether a collateral still secures its loan."""

    REGISTERED = ("registered", "在押")
    RELEASED = ("released", "已注销")


class CertificateStatus(LabelledEnum):
    """Where a collateral's title certificate (权证) is: custody tier 1."""

    NOT_LODGED = ("not_lodged", "未入库")
    IN_VAULT = ("in_vault", "在库")
    OUT = ("out", "出库")
    RELEASED = ("released", "已注销")


@dataclass(frozen=True)
class Actor:
    """Who performs a command, in which role they held at that moment."""

    id: UUID
    role: Role


@dataclass(frozen=True)
class Party:
    """Another person a command names (a reviewer, a receiving party) and the roles they hold now."""

    id: UUID
    roles: frozenset[Role]


UNSTAMPED_MEDIA_TYPES = frozenset({"application/ofd"})
"""Formats no watermark can be put on (OFD, GB/T 33190): a reader is handed the original, so
reading one unwatermarked needs only the right to read documents, not to read originals."""


@dataclass(frozen=True)
class DocumentRef:
    """A document stored in the blob store and cited by an event.

    ``sha256`` is the hash of the plaintext as received; ``key`` is where the
    bytes live in the blob store.
    """

    doc_type: str
    sha256: str
    size: int
    media_type: str
    filename: str
    pages: int | None = None

    _SHA256 = re.compile(r"^[0-9a-f]{64}$")

    def __post_init__(self) -> None:
        if not self._SHA256.match(self.sha256):
            raise InvalidInputError("文档哈希格式无效", "document sha256 is malformed")
        if self.size < 0:
            raise InvalidInputError("文档大小无效", "document size is negative")

    @property
    def stampable(self) -> bool:
        """True when a watermarked copy can be made of it (every format but OFD)."""
        return self.media_type not in UNSTAMPED_MEDIA_TYPES

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentRef:
        return cls(**data)


def money(value: Any, field: str, *, positive: bool = False) -> Decimal:
    """Parse an amount of yuan: a finite decimal with at most two places."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInputError(
            f"{field} 不是有效金额：{value!r}", f"{field} is not an amount: {value!r}", field=field
        ) from None
    try:
        exact = amount.is_finite() and amount.quantize(CENT) == amount
    except InvalidOperation:
        # quantize() cannot hold the amount to the cent in the context's precision (e.g. 1e30)
        raise InvalidInputError(
            f"{field} 金额超出范围：{value!r}", f"{field} is out of range: {value!r}", field=field
        ) from None
    if not exact:
        raise InvalidInputError(
            f"{field} 须为最多两位小数的金额",
            f"{field} must have at most two decimal places",
            field=field,
        )
    if amount < 0 or (positive and amount == 0):
        sign = "大于零" if positive else "非负"
        raise InvalidInputError(
            f"{field} 须{sign}", f"{field} must be {'positive' if positive else 'non-negative'}"
        )
    return amount.quantize(CENT)


def require_text(value: str, field: str, *, max_length: int = 4000) -> str:
    """Refuse blank or overlong free text (reasons, findings, measures)."""
    text = value.strip()
    if not text:
        raise InvalidInputError(f"{field} 不能为空", f"{field} must not be blank", field=field)
    if len(text) > max_length:
        raise InvalidInputError(
            f"{field} 超过 {max_length} 字", f"{field} is longer than {max_length} characters"
        )
    return text


@lru_cache(maxsize=1 << 16)  # a batch names each loan on many lines
def loan_id_for(loan_no: str) -> UUID:
    """The deterministic id of the loan with this loan number (借据号)."""
    return uuid5(NAMESPACE, f"loan:{loan_no}")


def dossier_id_for(loan_id: UUID) -> UUID:
    """The deterministic id of the dossier opened with this loan."""
    return uuid5(NAMESPACE, f"dossier:{loan_id}")


def collateral_id_for(loan_id: UUID, collateral_no: str) -> UUID:
    """The deterministic id of the collateral with this number (押品编号) on this loan."""
    return uuid5(NAMESPACE, f"collateral:{loan_id}:{collateral_no}")


def staff_id_for(staff_no: str) -> UUID:
    """The deterministic id of the staff member with this staff number (工号)."""
    return uuid5(NAMESPACE, f"staff:{staff_no}")


class DisposalRoute(LabelledEnum):
    """How a non-performing loan is being disposed of (不良贷款处置方式)."""

    COLLECTION = ("collection", "清收")
    LITIGATION = ("litigation", "诉讼")
    REVITALISATION = ("revitalisation", "盘活")
    PRESERVATION = ("preservation", "保全")
    DEBT_FOR_ASSET = ("debt_for_asset", "以资抵债")
    WRITTEN_OFF = ("written_off", "核销")


class LossKind(LabelledEnum):
    """What made a loss a review (三个不放过) is owed for."""

    WRITE_OFF = ("write_off", "核销")
    SETTLED_WITH_LOSS = ("settled_with_loss", "损失结清")
    DOWNGRADE = ("downgrade", "下调为可疑/损失类")


class DisposalMethod(LabelledEnum):
    """How a disposal plan (不良/特殊资产处置方案) means to get the money back."""

    COLLECTION = ("collection", "清收")
    EARLY_RECALL = ("early_recall", "提前收回")
    LITIGATION = ("litigation", "诉讼")
    AUCTION = ("auction", "拍卖抵押物")
    SALE = ("sale", "变卖抵押物")
    TRANSFER = ("transfer", "债权转让")
    DEBT_FOR_ASSET = ("debt_for_asset", "以资抵债")
    FORECLOSED_ASSET = ("foreclosed_asset", "抵债资产经营处置")
    RESTRUCTURING = ("restructuring", "重组盘活")
    WRITE_OFF = ("write_off", "核销")


class BorrowingPurpose(LabelledEnum):
    """Why a dossier is borrowed (借阅目的): the only four grounds allowed (docs/rules.md BOR-01)."""

    AUDIT = ("audit", "审计")
    INSPECTION = ("inspection", "检查")
    LITIGATION = ("litigation", "诉讼")
    BUSINESS = ("business", "业务需要")


class BorrowingForm(LabelledEnum):
    """What the borrower is handed: the paper originals or a watermarked electronic copy."""

    ORIGINAL = ("original", "原件")
    ELECTRONIC_COPY = ("electronic_copy", "电子副本")


class BorrowingStatus(LabelledEnum):
    """Where a borrowing (借阅) stands."""

    REQUESTED = ("requested", "待审批")
    APPROVED = ("approved", "已批准")
    REJECTED = ("rejected", "已驳回")
    CHECKED_OUT = ("checked_out", "已借出")
    COPY_ISSUED = ("copy_issued", "已发放电子副本")
    RETURNED = ("returned", "已归还")
    CLOSED = ("closed", "已结案")


def circulation_id_for(dossier_id: UUID) -> UUID:
    """The deterministic id of the record of what of this dossier is out on loan."""
    return uuid5(NAMESPACE, f"circulation:{dossier_id}")


def borrowing_id_for(dossier_id: UUID, borrow_no: str) -> UUID:
    """The deterministic id of the borrowing with this number (借阅单号) of this dossier."""
    return uuid5(NAMESPACE, f"borrowing:{dossier_id}:{borrow_no}")


# ------------------------------------------------------------------ the archive office (档案室)
class TransferKind(LabelledEnum):
    """What the credit side hands to the archive office (移交)."""

    ORIGINALS = ("originals", "合同原件")
    FULL = ("full", "整卷")


class ItemCondition(LabelledEnum):
    """What the archivist found for one item of a transfer list."""

    PRESENT = ("present", "完好")
    MISSING = ("missing", "缺失")
    DAMAGED = ("damaged", "破损")


class RetentionClass(LabelledEnum):
    """How long a record is kept (保管期限), counted from the year after the loan closed."""

    PERMANENT = ("Y", "永久")
    THIRTY_YEARS = ("D30", "30年")
    TEN_YEARS = ("D10", "10年")

    @property
    def years(self) -> int | None:
        """Years kept, or None for permanent."""
        return {"Y": None, "D30": 30, "D10": 10}[str(self.value)]

    @property
    def rank(self) -> int:
        """Longer retention ranks higher: a dossier keeps the longest class of its records."""
        return {"Y": 3, "D30": 2, "D10": 1}[str(self.value)]


class HoldKind(LabelledEnum):
    """Why a dossier is frozen (冻结) against destruction."""

    LITIGATION = ("litigation", "诉讼")
    AUDIT = ("audit", "审计")
    INVESTIGATION = ("investigation", "调查")


class AppraisalOpinion(LabelledEnum):
    """What an appraisal (鉴定) concludes for an expired dossier."""

    DESTROY = ("destroy", "销毁")
    EXTEND = ("extend", "延长保管期限")


class LoginFailure(LabelledEnum):
    """Why a sign-in with a staff number and password was refused (登录失败原因)."""

    WRONG_PASSWORD = ("wrong_password", "密码错误")
    LOCKED = ("locked", "账户已锁定")
    NO_PASSWORD = ("no_password", "尚未设置密码")
    NO_ROLE = ("no_role", "当前未担任任何岗位")


def reference_series_id_for(series: str) -> UUID:
    """The deterministic id of the item-number counter of one reference-code series."""
    return uuid5(NAMESPACE, f"reference-series:{series}")
