"""How an event reads on the trail: its aggregate, business date, cited documents and a short
summary in Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from domain.values import LabelledEnum
from projections.registers.responsibility.tables import SUMMARY_LENGTH, AggregateType

# The aggregate of an event, from its class's qualified name (``LoanWarnings.WarningRaised``:
# the loan is built as a chain of classes whose names all start with "Loan").
AGGREGATE_PREFIXES: dict[str, str] = {
    "Dossier": AggregateType.DOSSIER.value,
    "Staff": AggregateType.STAFF.value,
    "Collateral": AggregateType.COLLATERAL.value,
    "CommandReceipt": AggregateType.RECEIPT.value,
    "BorrowerIndex": AggregateType.BORROWER_INDEX.value,
}

VERBS = {
    # loan
    "Disbursed": "放款",
    "RepaymentRecorded": "登记还款",
    "OverdueStatusRecorded": "登记逾期",
    "InspectionRecorded": "登记贷后检查",
    "InspectionCorrected": "更正贷后检查",
    "InspectionCountersigned": "复核贷后检查",
    "ClassificationProposed": "提出五级分类",
    "ClassificationDetermined": "认定五级分类",
    "ClassificationApproved": "审批五级分类",
    "ClassificationRejected": "否决五级分类",
    "WarningRaised": "发出预警",
    "WarningHandled": "处置预警",
    "WarningReported": "签收预警报告",
    "WarningFeedbackGiven": "反馈预警处置结果",
    "WarningDetermined": "认定预警",
    "WarningCleared": "解除预警",
    "CollectionStepTaken": "催收",
    "Restructured": "重组",
    "Extended": "展期",
    "AccountManagerHandedOver": "移交客户经理",
    "TransferredToAssetPreservation": "移交资产保全",
    "WrittenOff": "核销",
    "DisposalPlanSubmitted": "申报处置方案",
    "DisposalPlanDecided": "审批处置方案",
    "DisposalResultRecorded": "登记处置结果",
    "Settled": "结清",
    "MasterDataChanged": "核心系统变更贷款信息",
    "RepaymentCorrected": "更正还款",
    "ArrearsCorrected": "更正逾期情况",
    "SettlementCorrected": "更正结清日",
    "BatchStarted": "开始导入核心系统日终文件",
    "BatchApplied": "核心系统日终文件导入完成",
    "Reconciled": "核心系统日终文件对账",
    "ResponsibilityDetermined": "责任认定",
    "ResponsibilityAppealed": "申请复议",
    "AppealDecided": "复议决定",
    "DeterminationStepRecorded": "认定程序（签批、通知、移交监察）",
    "ObjectionRecorded": "登记书面异议",
    "BorrowerInformationChanged": "变更借款人信息",
    "FundsUseRecorded": "登记资金使用",
    "KeyCustomerDesignated": "列为重点客户",
    "KeyCustomerRemoved": "移出重点客户",
    "ThirdPartyServiceAssigned": "指定第三方服务",
    "MaturityNoticeIssued": "发出贷款到期通知书",
    "IndustryRecorded": "登记所属行业",
    "OriginationRecordFiled": "补录贷前资料",
    # dossier
    "Opened": "开立档案",
    "DocumentFiled": "归档",
    "DocumentRead": "调阅文档",
    "FixityChecked": "四性检测",
    # staff
    "Enrolled": "登记人员",
    "RoleGranted": "授予岗位",
    "RoleRevoked": "撤销岗位",
    "TokenIssued": "签发访问令牌",
    "TokenRevoked": "吊销访问令牌",
    # collateral
    "Registered": "登记押品",
    "CertificateLodged": "权证入库",
    "CertificateTakenOut": "权证出库",
    "CertificateReturned": "权证归还",
    "Revalued": "押品重估",
    "InsuranceRenewed": "续保",
    "InsuranceLapsed": "登记脱保",
    "Released": "押品注销",
}

# The business date of an event: the first of these it has.
DATE_FIELDS = (
    "countersigned_on",  # before inspected_on: a countersign also carries its inspection's date
    "inspected_on",
    "as_of",
    "raised_on",
    "handled_on",
    "cleared_on",
    "taken_on",
    "paid_on",
    "restructured_on",
    "approved_on",
    "handed_over_on",
    "transferred_on",
    "written_off_on",
    "settled_on",
    "changed_on",
    "classified_on",
    "used_on",
    "value_date",
    "registered_on",
    "lodged_on",
    "taken_out_on",
    "returned_on",
    "revalued_on",
    "lapsed_on",
    "released_on",
    "designated_on",
    "removed_on",
)
# What the summary shows after the verb: enumerations by their Chinese label, these texts as
# they are, then the business date.
DETAIL_FIELDS = (
    "loan_no",
    "borrower_name",
    "collateral_no",
    "name",
    "kind",
    "grade",
    "colour",
    "code",
    "stage",
    "finding",
    "outcome",
    "granted_role",
    "revoked_role",
    "purpose",
    "criterion",
    "subject",
    "certificate_no",
)
TEXT_DETAILS = frozenset(
    {"loan_no", "borrower_name", "collateral_no", "name", "code", "subject", "certificate_no"}
)


def aggregate_of(event: object) -> str:
    """``loan``, ``dossier``, ``staff``... from the event class's qualified name."""
    prefix = type(event).__qualname__.split(".")[0]
    if prefix.startswith("Loan"):
        return str(AggregateType.LOAN.value)
    known = AGGREGATE_PREFIXES.get(prefix)
    if known is not None:
        return known
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in prefix).lstrip("_")


def cited_hashes(event: object) -> list[str]:
    """The SHA-256 of every document the event cites, in the order it cites them."""
    documents = getattr(event, "documents", None)
    if documents is None:
        document = getattr(event, "document", None)
        documents = [document] if document is not None else []
    return [d["sha256"] if isinstance(d, Mapping) else d.sha256 for d in documents]


def business_date(event: object) -> date | None:
    for name in DATE_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, date):
            return value.date() if isinstance(value, datetime) else value
    return None


def summary(event: object) -> str:
    """The verb of the event in Chinese and its salient facts, e.g. "催收 电话催收 2025-03-02"."""
    name = type(event).__name__
    words = [VERBS.get(name, name)]
    for field in DETAIL_FIELDS:
        value = getattr(event, field, None)
        if isinstance(value, LabelledEnum):
            words.append(value.zh)
        elif isinstance(value, str) and value and field in TEXT_DETAILS:
            words.append(value)
    document = getattr(event, "document", None)
    if document is not None:
        words.append(document["filename"] if isinstance(document, Mapping) else document.filename)
    passed = getattr(event, "passed", None)
    if isinstance(passed, bool):
        words.append("通过" if passed else "未通过")
    when = business_date(event)
    if when is not None:
        words.append(when.isoformat())
    return " ".join(words)[:SUMMARY_LENGTH]
