"""The completeness register's tables (完整性台账) and the enumerations they are labelled with."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.values import LabelledEnum
from projections.tables import TableSpec, col, loan_columns, loan_facts


class RequirementStatus(LabelledEnum):
    """Where a required document stands (归档状态)."""

    MISSING = ("missing", "缺失")
    FILED = ("filed", "已归档")
    FILED_LATE = ("filed_late", "逾期归档")


class Stage(LabelledEnum):
    """The lifecycle stage whose event requires a document (the stages of ``TRIGGERS``)."""

    DISBURSEMENT = ("disbursement", "放款")
    INSPECTION = ("inspection", "贷后检查")
    CLASSIFICATION = ("classification", "五级分类")
    WARNING = ("warning", "风险预警")
    COLLECTION = ("collection", "催收")
    RESTRUCTURING = ("restructuring", "重组")
    EXTENSION = ("extension", "展期")
    PRESERVATION = ("preservation", "资产保全")
    WRITE_OFF = ("write_off", "核销")
    SETTLEMENT = ("settlement", "结清")


REQUIREMENT_KEY = ("loan_id", "trigger_position", "rule_id", "doc_type")


def _requirement_columns(*, with_filing: bool) -> list[sa.Column[Any]]:
    """The columns of a requirement; ``gaps`` leaves out the filing (a gap has none)."""
    columns = [
        *loan_columns(),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False),
        col("stage", sa.String(32), "阶段", "stage", filter=True, labels=Stage),
        col("trigger", sa.String(64), "触发事件", "trigger event", filter=True),
        col("trigger_position", sa.BigInteger, "触发事件位置", "trigger position", nullable=False),
        col("rule_id", sa.String(64), "规则编号", "rule id", filter=True, nullable=False),
        col("rule_text", sa.Text, "规则内容", "rule"),
        col("rules_version", sa.String(64), "规则版本", "rules version", filter=True),
        col("doc_type", sa.String(64), "文档类型", "document type", filter=True, nullable=False),
        col("doc_type_zh", sa.String(100), "文档名称", "document name"),
        col("required_since", sa.Date, "应归档起始日", "required since"),
        col("due_on", sa.Date, "归档期限", "due on"),
        col("status", sa.String(16), "状态", "status", filter=True, labels=RequirementStatus),
    ]
    if with_filing:
        columns += [
            col("filed_on", sa.Date, "归档日期", "filed on"),
            col("filed_position", sa.BigInteger, "归档事件位置", "filed at position"),
            col("filed_sha256", sa.String(64), "归档文档哈希", "filed document (SHA-256)"),
            col("days_late", sa.Integer, "逾期天数", "days late"),
        ]
    return columns


REQUIREMENTS = TableSpec(
    "requirements",
    _requirement_columns(with_filing=True),
    key=REQUIREMENT_KEY,
    indexes=(("loan_no",), ("status",), ("due_on",)),
)

GAPS = TableSpec(
    "gaps",
    _requirement_columns(with_filing=False),
    key=REQUIREMENT_KEY,
    indexes=(("loan_no",), ("due_on",)),
)

SUMMARY = TableSpec(
    "summary",
    [
        *loan_columns(),
        col("required", sa.Integer, "应归档", "required"),
        col("filed", sa.Integer, "已归档", "filed"),
        col("late", sa.Integer, "其中逾期归档", "of which late"),
        col("missing", sa.Integer, "缺失", "missing"),
        col("complete", sa.Boolean, "齐全", "complete", filter=True),
    ],
    key=("loan_id",),
    indexes=(("loan_no",),),
)

LOANS = TableSpec(
    "loans",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", nullable=False),
        col("loan_no", sa.String(64), "借据号", "loan no."),
        *loan_facts("borrower_name"),
        col("branch", sa.String(100), "机构", "branch"),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id"),
        col("product", sa.String(64), "产品", "product"),
        col("guarantee_type", sa.String(32), "担保方式", "guarantee type"),
        col("borrower_type", sa.String(32), "借款人类型", "borrower type"),
    ],
    key=("loan_id",),
)

EVIDENCE = TableSpec(
    "evidence",
    [
        col("aggregate_id", sa.Uuid, "贷款或押品ID", "loan or collateral id", nullable=False),
        col("version", sa.Integer, "事件版本", "event version"),
        col("business_date", sa.Date, "业务日期", "business date"),
        col("position", sa.BigInteger, "事件位置", "event position"),
        col("proposal_id", sa.Uuid, "分类申请ID", "classification proposal id"),
    ],
    key=("aggregate_id",),
)

PROPOSAL_DOCUMENTS = TableSpec(
    "proposal_documents",
    [
        col("proposal_id", sa.Uuid, "分类申请ID", "classification proposal id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id"),
        # JSON [[doc type, sha256, filed on (ISO date), position], …], in filing order.
        col("documents", sa.Text, "待认领文档", "unclaimed documents (JSON)"),
    ],
    key=("proposal_id",),
)

DOSSIERS = TableSpec(
    "dossiers",
    [
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id"),
    ],
    key=("dossier_id",),
    dated=False,  # who or what is who: read by every day's events alike
)

SIGNALS = TableSpec(
    "signals",
    [
        col("signal_id", sa.Uuid, "预警ID", "signal id", nullable=False),
        col("colour", sa.String(16), "预警等级", "colour"),
        col("handled", sa.Boolean, "已处置", "handled"),
    ],
    key=("signal_id",),
)

OPEN_ITEMS = TableSpec(
    "open_items",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", nullable=False),
        col("doc_type", sa.String(64), "文档类型", "document type", nullable=False),
        # JSON [[trigger position, rule id], …], earliest first: the missing requirements.
        col("queue", sa.Text, "待归档队列", "missing requirements (JSON)"),
    ],
    key=("loan_id", "doc_type"),
)
