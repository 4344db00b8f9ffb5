"""Accountability trail (责任追溯): every action, by whom, in which role, when, on what evidence.

One row per event that has an actor, whatever aggregate it belongs to: the log position that
resolves it to the event, the person and the role they held at that moment (as the event
recorded it), the loan it concerns, a short summary in Chinese and the hashes of the documents
it cites. Beside it, for the responsibility determination of a non-performing loan (不良贷款责任
认定), every person each loan event names and in which capacity (``parts``), the origination
parties (``origination``) and the findings with their appeals (``determinations``).

Helper tables keep what events do not repeat: staff numbers, names and current roles
(``staff``), and which loan each aggregate belongs to (``subjects``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa

from domain.dossier import Dossier
from domain.loan import Loan
from domain.staff import Staff
from domain.values import (
    AppealOutcome,
    LabelledEnum,
    ResponsibilityFinding,
    ResponsibilityStage,
    Role,
)
from domain.authorization import Action
from projections.changes import Changes
from projections.projection import Listing, Projection
from projections.query import AsOf, visible
from projections.store import RegisterStore
from projections.tables import POS, SEQ, TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
DossierEvents: Any = Dossier
StaffEvents: Any = Staff

ID = sa.Uuid
POSITION = sa.BigInteger


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
    CLASSIFICATION_APPROVER = ("classification_approver", "分类审批人")
    REJECTER = ("rejecter", "分类否决人")
    RAISER = ("raiser", "预警发起人")
    HANDLER = ("handler", "预警处置人")
    CLEARER = ("clearer", "预警解除人")
    COLLECTOR = ("collector", "催收人")
    WORKOUT_APPROVER = ("workout_approver", "重组/展期/保全/核销办理人")
    AUTHOR = ("author", "异议人")
    PERSON = ("person", "被认定人")
    AUDITOR = ("auditor", "认定人")
    APPELLANT = ("appellant", "复议申请人")
    APPEAL_DECIDER = ("appeal_decider", "复议决定人")


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
    "ClassificationProposed": "提出五级分类",
    "ClassificationApproved": "审批五级分类",
    "ClassificationRejected": "否决五级分类",
    "WarningRaised": "发出预警",
    "WarningHandled": "处置预警",
    "WarningCleared": "解除预警",
    "CollectionStepTaken": "催收",
    "Restructured": "重组",
    "Extended": "展期",
    "AccountManagerHandedOver": "移交客户经理",
    "TransferredToAssetPreservation": "移交资产保全",
    "WrittenOff": "核销",
    "Settled": "结清",
    "ResponsibilityDetermined": "责任认定",
    "ResponsibilityAppealed": "申请复议",
    "AppealDecided": "复议决定",
    "ObjectionRecorded": "登记书面异议",
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
    "value_date",
    "registered_on",
    "lodged_on",
    "taken_out_on",
    "returned_on",
    "revalued_on",
    "lapsed_on",
    "released_on",
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
# Attributes naming the other person an event concerns, in order of preference.
SUBJECT_FIELDS = ("person_id", "receiving_id", "reviewer_id", "proposer_id")
SUMMARY_LENGTH = 500

# ------------------------------------------------------------------------------------ tables
STAFF = TableSpec(
    "staff",
    [
        col("staff_id", ID, "人员ID", "staff id", export=False, nullable=False),
        col("staff_no", sa.String(32), "工号", "staff no.", filter=True),
        col("name", sa.String(100), "姓名", "name"),
        col("branch", sa.String(100), "机构", "branch", filter=True),
        col("roles", sa.String(400), "当前岗位代码", "roles held", export=False),
        col("roles_zh", sa.String(400), "当前岗位", "roles held (Chinese)"),
    ],
    key=("staff_id",),
    indexes=(("staff_no",),),
)

SUBJECTS = TableSpec(
    "subjects",
    [
        col("aggregate_id", ID, "对象ID", "aggregate id", nullable=False),
        col("aggregate", sa.String(32), "对象类型", "aggregate", labels=AggregateType),
        col("loan_id", ID, "贷款ID", "loan id", export=False),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
    ],
    key=("aggregate_id",),
)

ORIGINATION = TableSpec(
    "origination",
    [
        col("loan_id", ID, "贷款ID", "loan id", export=False, nullable=False),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
        col("borrower_name", sa.String(200), "借款人", "borrower"),
        col("branch", sa.String(100), "机构", "branch", filter=True),
        col("value_date", sa.Date, "起息日", "value date"),
        col("investigator_id", ID, "调查人", "investigator", filter=True),
        col("origination_reviewer_id", ID, "审查人", "origination reviewer", filter=True),
        col("approver_id", ID, "审批人", "approver", filter=True),
        col("account_manager_id", ID, "放款客户经理", "account manager at disbursement"),
        col("current_manager_id", ID, "现管户客户经理", "current account manager", filter=True),
        col("position", POSITION, "放款日志位置", "disbursement position"),
    ],
    key=("loan_id",),
    indexes=(("loan_no",),),
)

ACTIONS = TableSpec(
    "actions",
    [
        col("position", POSITION, "日志位置", "log position", filter=True, nullable=False),
        col("recorded_at", sa.DateTime, "记录时间(UTC)", "recorded at (UTC)"),
        col("actor_id", ID, "操作人ID", "actor id", filter=True, export=False),
        col("actor_staff_no", sa.String(32), "操作人工号", "actor staff no.", filter=True),
        col("actor_name", sa.String(100), "操作人", "actor"),
        col("role", sa.String(32), "当时岗位", "role held", filter=True, labels=Role),
        col("aggregate", sa.String(32), "对象类型", "aggregate", filter=True, labels=AggregateType),
        col("originator_id", ID, "对象ID", "aggregate id", filter=True),
        col("originator_version", sa.Integer, "对象版本", "aggregate version"),
        col("event", sa.String(64), "事件", "event", filter=True),
        col("loan_id", ID, "贷款ID", "loan id", filter=True, export=False),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
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
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
        col("position", POSITION, "日志位置", "log position", nullable=False),
        col("recorded_at", sa.DateTime, "记录时间(UTC)", "recorded at (UTC)"),
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
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
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
    ],
    key=("determination_id",),
    indexes=(("loan_id",), ("person_id",)),
)


# ----------------------------------------------------------------------------------- helpers
def aggregate_of(event: object) -> str:
    """``loan``, ``dossier``, ``staff``... from the event class's qualified name."""
    prefix = type(event).__qualname__.split(".")[0]
    if prefix.startswith("Loan"):
        return str(AggregateType.LOAN.value)
    known = AGGREGATE_PREFIXES.get(prefix)
    if known is not None:
        return known
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in prefix).lstrip("_")


def _value(member: Any) -> Any:
    return member.value if isinstance(member, Enum) else member


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


def _roles(values: Iterable[str]) -> dict[str, str]:
    order = [r.value for r in Role]
    held = sorted(set(values), key=order.index)
    return {
        "roles": ",".join(held),
        "roles_zh": "、".join(Role.parse(r, "role").zh for r in held),
    }


# -------------------------------------------------------------------------------- register
class AccountabilityTrail(Projection):
    """责任追溯: per person and per loan, every action, role, time, event position and hash."""

    name = "accountability_trail"
    read_action = Action.READ_TRAIL
    version = 1
    title_zh = "责任追溯"
    title_en = "Accountability trail"
    tables = (STAFF, SUBJECTS, ORIGINATION, ACTIONS, PARTS, DETERMINATIONS)
    listings: ClassVar[dict[str, Listing]] = {
        "actions": Listing("actions", ("position",), title_zh, title_en),
        "parts": Listing(
            "parts", ("loan_no", "position"), "不良贷款责任环节", "Who did what on each loan"
        ),
        "determinations": Listing(
            "determinations", ("loan_no",), "不良贷款责任认定", "Responsibility determinations"
        ),
        "origination": Listing("origination", ("loan_no",), "贷款发放责任人", "Origination"),
        "staff": Listing("staff", ("staff_no",), "人员与岗位", "Staff and roles"),
    }
    all_events = True

    @singledispatchmethod
    def handle(self, event: object, changes: Changes) -> None:
        """Every event without a handler of its own: one row if it is an action."""
        self._record(event, changes)

    # ------------------------------------------------------------------------ the log row
    def _record(self, event: Any, changes: Changes, subject_id: UUID | None = None) -> None:
        """Append the event's row to ``actions`` if it has an actor (receipts and indexes
        have none: they are bookkeeping of the actions, not actions)."""
        self._note_subject(event, changes)
        actor_id = getattr(event, "actor_id", None)
        role = getattr(event, "role", None)
        if actor_id is None or role is None:
            return
        aggregate = aggregate_of(event)
        if subject_id is None:
            subject_id = self._subject(event, aggregate, actor_id)
        loan = changes.get("subjects", event.originator_id) or {}
        actor = changes.get("staff", actor_id) or {}
        subject = (changes.get("staff", subject_id) or {}) if subject_id is not None else {}
        hashes = cited_hashes(event)
        changes.append(
            "actions",
            {
                "position": changes.position,
                "recorded_at": changes.at,
                "actor_id": actor_id,
                "actor_staff_no": actor.get("staff_no"),
                "actor_name": actor.get("name"),
                "role": _value(role),
                "aggregate": aggregate,
                "originator_id": event.originator_id,
                "originator_version": event.originator_version,
                "event": type(event).__name__,
                "loan_id": loan.get("loan_id"),
                "loan_no": loan.get("loan_no"),
                "business_date": business_date(event),
                "summary": summary(event),
                "document_count": len(hashes),
                "documents": ",".join(hashes),
                "subject_id": subject_id,
                "subject_staff_no": subject.get("staff_no"),
                "subject_name": subject.get("name"),
            },
        )

    @staticmethod
    def _note_subject(event: Any, changes: Changes) -> None:
        """An aggregate created for a loan (its dossier, a collateral) belongs to that loan."""
        loan_id = getattr(event, "loan_id", None)
        loan_no = getattr(event, "loan_no", None)
        if event.originator_version == 1 and isinstance(loan_id, UUID) and loan_no:
            changes.put(
                "subjects",
                (event.originator_id,),
                {"aggregate": aggregate_of(event), "loan_id": loan_id, "loan_no": loan_no},
            )

    @staticmethod
    def _subject(event: Any, aggregate: str, actor_id: UUID) -> UUID | None:
        """The other person the event concerns, if any."""
        if aggregate == AggregateType.STAFF.value:
            subject: UUID = event.originator_id
            return subject
        for field in SUBJECT_FIELDS:
            value = getattr(event, field, None)
            if isinstance(value, UUID):
                return value
        for custodian in getattr(event, "custodian_ids", None) or ():
            if custodian != actor_id:
                other: UUID = custodian
                return other
        return None

    # ----------------------------------------------------------------- loan parts
    def _part(
        self,
        event: Any,
        changes: Changes,
        part: Part,
        person_id: UUID | None,
        *,
        stage: ResponsibilityStage | None,
        on_date: date | None = None,
        record_id: UUID | None = None,
        label: str | None = None,
        text: str | None = None,
    ) -> None:
        """One person named by a loan event, in one capacity."""
        if person_id is None:
            return
        loan = changes.get("subjects", event.originator_id) or {}
        person = changes.get("staff", person_id) or {}
        changes.append(
            "parts",
            {
                "loan_id": loan.get("loan_id", event.originator_id),
                "loan_no": loan.get("loan_no"),
                "position": changes.position,
                "recorded_at": changes.at,
                "event": type(event).__name__,
                "stage": stage.value if stage is not None else None,
                "part": part.value,
                "person_id": person_id,
                "staff_no": person.get("staff_no"),
                "name": person.get("name"),
                "role": _value(event.role) if person_id == event.actor_id else None,
                "on_date": on_date,
                "record_id": record_id,
                "label": label[:200] if label else label,
                "text": text,
            },
        )

    def _actor_part(
        self, event: Any, changes: Changes, part: Part, stage: ResponsibilityStage | None, **kw: Any
    ) -> None:
        self._record(event, changes)
        self._part(event, changes, part, event.actor_id, stage=stage, **kw)

    # ----------------------------------------------------------------------- staff
    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "staff",
            (event.originator_id,),
            {"staff_no": event.staff_no, "name": event.name, "branch": event.branch} | _roles(()),
        )
        self._record(event, changes)

    @handle.register(StaffEvents.RoleGranted)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("staff", event.originator_id)
        if row is not None:
            held = [r for r in (row["roles"] or "").split(",") if r]
            row |= _roles([*held, event.granted_role.value])
            changes.put("staff", (event.originator_id,), row)
        self._record(event, changes)

    @handle.register(StaffEvents.RoleRevoked)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("staff", event.originator_id)
        if row is not None:
            held = [r for r in (row["roles"] or "").split(",") if r]
            row |= _roles(r for r in held if r != event.revoked_role.value)
            changes.put("staff", (event.originator_id,), row)
        self._record(event, changes)

    # ----------------------------------------------------------------- origination
    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        changes.put(
            "subjects",
            (loan_id,),
            {"aggregate": AggregateType.LOAN.value, "loan_id": loan_id, "loan_no": event.loan_no},
        )
        investigator = getattr(event, "investigator_id", None)
        reviewer = getattr(event, "origination_reviewer_id", None)
        approver = getattr(event, "approver_id", None)
        changes.put(
            "origination",
            (loan_id,),
            {
                "loan_no": event.loan_no,
                "borrower_name": event.borrower_name,
                "branch": event.branch,
                "value_date": event.value_date,
                "investigator_id": investigator,
                "origination_reviewer_id": reviewer,
                "approver_id": approver,
                "account_manager_id": event.account_manager_id,
                "current_manager_id": event.account_manager_id,
                "position": changes.position,
            },
        )
        self._record(event, changes)
        on = event.value_date
        stages = ResponsibilityStage
        self._part(event, changes, Part.INVESTIGATOR, investigator, stage=stages.INVESTIGATION)
        self._part(event, changes, Part.ORIGINATION_REVIEWER, reviewer, stage=stages.REVIEW)
        self._part(event, changes, Part.APPROVER, approver, stage=stages.APPROVAL)
        self._part(
            event,
            changes,
            Part.ACCOUNT_MANAGER,
            event.account_manager_id,
            stage=stages.POST_LOAN,
            on_date=on,
        )

    @handle.register(LoanEvents.AccountManagerHandedOver)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("origination", (event.originator_id,), current_manager_id=event.receiving_id)
        self._record(event, changes)
        common: dict[str, Any] = {
            "stage": ResponsibilityStage.POST_LOAN,
            "on_date": event.handed_over_on,
            "text": event.reason,
        }
        self._part(event, changes, Part.HANDING, event.handing_id, **common)
        self._part(event, changes, Part.RECEIVING, event.receiving_id, **common)
        self._part(event, changes, Part.SUPERVISOR, event.supervisor_id, **common)

    # ----------------------------------------------------------------- inspections
    @handle.register(LoanEvents.InspectionRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        self._record(event, changes)
        common: dict[str, Any] = {
            "stage": ResponsibilityStage.POST_LOAN,
            "on_date": event.inspected_on,
            "record_id": event.inspection_id,
            "label": event.kind.zh,
            "text": event.findings,
        }
        self._part(event, changes, Part.INSPECTOR, event.inspector_id, **common)
        self._part(event, changes, Part.REVIEWER, event.reviewer_id, **common)

    @handle.register(LoanEvents.InspectionCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        self._actor_part(
            event,
            changes,
            Part.CORRECTOR,
            ResponsibilityStage.POST_LOAN,
            record_id=event.inspection_id,
            label=event.reason,
            text=event.findings,
        )

    # -------------------------------------------------------------- classification
    @handle.register(LoanEvents.ClassificationProposed)
    def _(self, event: Any, changes: Changes) -> None:
        self._actor_part(
            event,
            changes,
            Part.PROPOSER,
            ResponsibilityStage.POST_LOAN,
            on_date=event.as_of,
            record_id=event.proposal_id,
            label=event.grade.zh,
            text=event.reason,
        )

    @handle.register(LoanEvents.ClassificationApproved)
    def _(self, event: Any, changes: Changes) -> None:
        common: dict[str, Any] = {
            "stage": ResponsibilityStage.POST_LOAN,
            "record_id": event.proposal_id,
            "label": event.grade.zh,
            "text": event.reason,
        }
        self._actor_part(event, changes, Part.CLASSIFICATION_APPROVER, **common)
        self._part(event, changes, Part.PROPOSER, event.proposer_id, **common)

    @handle.register(LoanEvents.ClassificationRejected)
    def _(self, event: Any, changes: Changes) -> None:
        self._actor_part(
            event,
            changes,
            Part.REJECTER,
            ResponsibilityStage.POST_LOAN,
            record_id=event.proposal_id,
            text=event.reason,
        )

    # -------------------------------------------------------------------- warnings
    @handle.register(LoanEvents.WarningRaised)
    def _(self, event: Any, changes: Changes) -> None:
        self._actor_part(
            event,
            changes,
            Part.RAISER,
            ResponsibilityStage.POST_LOAN,
            on_date=event.raised_on,
            record_id=event.signal_id,
            label=f"{event.colour.zh} {event.code}",
            text=event.reason,
        )

    @handle.register(LoanEvents.WarningHandled)
    def _(self, event: Any, changes: Changes) -> None:
        self._actor_part(
            event,
            changes,
            Part.HANDLER,
            ResponsibilityStage.POST_LOAN,
            on_date=event.handled_on,
            record_id=event.signal_id,
            text=event.measures,
        )

    @handle.register(LoanEvents.WarningCleared)
    def _(self, event: Any, changes: Changes) -> None:
        self._actor_part(
            event,
            changes,
            Part.CLEARER,
            ResponsibilityStage.POST_LOAN,
            on_date=event.cleared_on,
            record_id=event.signal_id,
            text=event.reason,
        )

    # ------------------------------------------------------------ collection, workout
    @handle.register(LoanEvents.CollectionStepTaken)
    def _(self, event: Any, changes: Changes) -> None:
        self._actor_part(
            event,
            changes,
            Part.COLLECTOR,
            ResponsibilityStage.COLLECTION,
            on_date=event.taken_on,
            record_id=event.step_id,
            label=event.kind.zh,
            text=event.outcome,
        )

    @handle.register(LoanEvents.Restructured)
    def _(self, event: Any, changes: Changes) -> None:
        self._workout(event, changes, event.restructured_on, ResponsibilityStage.POST_LOAN)

    @handle.register(LoanEvents.Extended)
    def _(self, event: Any, changes: Changes) -> None:
        self._workout(event, changes, event.approved_on, ResponsibilityStage.POST_LOAN)

    @handle.register(LoanEvents.TransferredToAssetPreservation)
    def _(self, event: Any, changes: Changes) -> None:
        self._workout(event, changes, event.transferred_on, ResponsibilityStage.COLLECTION)

    @handle.register(LoanEvents.WrittenOff)
    def _(self, event: Any, changes: Changes) -> None:
        self._workout(event, changes, event.written_off_on, ResponsibilityStage.COLLECTION)

    def _workout(self, event: Any, changes: Changes, on: date, stage: ResponsibilityStage) -> None:
        self._actor_part(
            event,
            changes,
            Part.WORKOUT_APPROVER,
            stage,
            on_date=on,
            label=VERBS[type(event).__name__],
            text=event.reason,
        )

    # -------------------------------------------------------------- accountability
    @handle.register(LoanEvents.ObjectionRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        self._actor_part(
            event,
            changes,
            Part.AUTHOR,
            None,
            record_id=event.objection_id,
            label=event.subject,
            text=event.text,
        )

    @handle.register(LoanEvents.ResponsibilityDetermined)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("subjects", event.originator_id) or {}
        person = changes.get("staff", event.person_id) or {}
        auditor = changes.get("staff", event.actor_id) or {}
        changes.put(
            "determinations",
            (event.determination_id,),
            {
                "loan_id": event.originator_id,
                "loan_no": loan.get("loan_no"),
                "person_id": event.person_id,
                "person_staff_no": person.get("staff_no"),
                "person_name": person.get("name"),
                "stage": event.stage.value,
                "finding": event.finding.value,
                "sanction": event.sanction,
                "reason": event.reason,
                "determined_by_id": event.actor_id,
                "determined_by_name": auditor.get("name"),
                "determined_position": changes.position,
                "final_finding": event.finding.value,
            },
        )
        common: dict[str, Any] = {
            "stage": event.stage,
            "record_id": event.determination_id,
            "label": event.finding.zh,
            "text": event.reason,
        }
        self._record(event, changes)
        self._part(event, changes, Part.PERSON, event.person_id, **common)
        self._part(event, changes, Part.AUDITOR, event.actor_id, **common)

    @handle.register(LoanEvents.ResponsibilityAppealed)
    def _(self, event: Any, changes: Changes) -> None:
        found = changes.update(
            "determinations",
            (event.determination_id,),
            appeal_reason=event.reason,
            appealed_position=changes.position,
        )
        stage = ResponsibilityStage.parse(found["stage"], "stage") if found else None
        self._record(event, changes, subject_id=found["person_id"] if found else None)
        self._part(
            event,
            changes,
            Part.APPELLANT,
            event.actor_id,
            stage=stage,
            record_id=event.determination_id,
            text=event.reason,
        )

    @handle.register(LoanEvents.AppealDecided)
    def _(self, event: Any, changes: Changes) -> None:
        decider = changes.get("staff", event.actor_id) or {}
        found = changes.update(
            "determinations",
            (event.determination_id,),
            outcome=event.outcome.value,
            final_finding=event.finding.value,
            decided_by_id=event.actor_id,
            decided_by_name=decider.get("name"),
            decided_position=changes.position,
        )
        person_id = found["person_id"] if found else None
        common: dict[str, Any] = {
            "stage": ResponsibilityStage.parse(found["stage"], "stage") if found else None,
            "record_id": event.determination_id,
            "label": f"{event.outcome.zh} {event.finding.zh}",
            "text": event.reason,
        }
        self._record(event, changes, subject_id=person_id)
        self._part(event, changes, Part.APPEAL_DECIDER, event.actor_id, **common)
        self._part(event, changes, Part.PERSON, person_id, **common)


# ------------------------------------------------------------------------------------ queries
def _rows(
    conn: sa.Connection,
    store: RegisterStore,
    projection: Projection,
    name: str,
    as_of: AsOf,
    *where: Any,
) -> list[dict[str, Any]]:
    spec = projection.specs()[name]
    table = store.live_tables(conn, projection)[name]
    order = [table.c[POS], table.c[SEQ]] if not spec.versioned else [table.c[k] for k in spec.key]
    found = conn.execute(
        sa.select(*[table.c[n] for n in spec.column_names])
        .where(*visible(table, spec, as_of), *[w(table) for w in where])
        .order_by(*order)
    )
    return [dict(r._mapping) for r in found]


def person_trail(
    store: RegisterStore, projection: Projection, staff_id: UUID, as_of: AsOf = AsOf()
) -> list[dict[str, Any]]:
    """Every action the person took (as of a past point), in log order, with the role held."""
    with store.reading() as conn:
        return _rows(conn, store, projection, "actions", as_of, lambda t: t.c.actor_id == staff_id)


def loan_trail(
    store: RegisterStore, projection: Projection, loan_id: UUID, as_of: AsOf = AsOf()
) -> list[dict[str, Any]]:
    """Every action on the loan, its dossier and its collateral, in log order."""
    with store.reading() as conn:
        return _rows(conn, store, projection, "actions", as_of, lambda t: t.c.loan_id == loan_id)


# Which list of the responsibility view each loan event goes to.
CATEGORIES = {
    "AccountManagerHandedOver": "handovers",
    "InspectionRecorded": "inspections",
    "InspectionCorrected": "inspections",
    "ClassificationProposed": "classifications",
    "ClassificationApproved": "classifications",
    "ClassificationRejected": "classifications",
    "WarningRaised": "warnings",
    "WarningHandled": "warnings",
    "WarningCleared": "warnings",
    "CollectionStepTaken": "collection",
    "Restructured": "workout",
    "Extended": "workout",
    "TransferredToAssetPreservation": "workout",
    "WrittenOff": "workout",
    "ObjectionRecorded": "objections",
    "ResponsibilityDetermined": "determinations",
    "ResponsibilityAppealed": "determinations",
    "AppealDecided": "determinations",
}


def responsibility_view(
    store: RegisterStore, projection: Projection, loan_id: UUID, as_of: AsOf = AsOf()
) -> dict[str, Any]:
    """Who did what on a (non-performing) loan, per stage, for a responsibility determination.

    ``origination``: who investigated, reviewed and approved it and who disbursed it;
    ``account_managers``: each manager's period (from disbursement and each handover);
    then one entry per event — ``handovers``, ``inspections``, ``classifications``,
    ``warnings``, ``collection``, ``workout``, ``objections``, ``determinations`` — naming each
    person in their capacity (``inspector``, ``reviewer``, ``supervisor``...), each with the
    ``position`` of its event; ``people``: every person named, with their parts and stages.
    A person is ``{"staff_id", "staff_no", "name"}`` from the staff table, plus the ``role`` held
    when they are the one who acted.
    """
    with store.reading() as conn:
        origination = _rows(
            conn, store, projection, "origination", as_of, lambda t: t.c.loan_id == loan_id
        )
        parts = _rows(conn, store, projection, "parts", as_of, lambda t: t.c.loan_id == loan_id)
        determinations = {
            d["determination_id"]: d
            for d in _rows(
                conn, store, projection, "determinations", as_of, lambda t: t.c.loan_id == loan_id
            )
        }
        ids = {p["person_id"] for p in parts}
        for row in origination:
            ids |= {row[k] for k in ("account_manager_id", "current_manager_id")}
        staff = {
            s["staff_id"]: s
            for s in _rows(
                conn, store, projection, "staff", as_of, lambda t: t.c.staff_id.in_(ids - {None})
            )
        }

    def who(person_id: UUID | None, role: str | None = None) -> dict[str, Any] | None:
        if person_id is None:
            return None
        row = staff.get(person_id, {})
        person = {"staff_id": person_id, "staff_no": row.get("staff_no"), "name": row.get("name")}
        if role is not None:
            person["role"] = role
        return person

    view: dict[str, Any] = {
        "loan_id": loan_id,
        "loan_no": None,
        "borrower_name": None,
        "origination": None,
        "account_managers": [],
        **{category: [] for category in sorted(set(CATEGORIES.values()))},
        "people": [],
    }
    if origination:
        row = origination[0]
        view |= {"loan_no": row["loan_no"], "borrower_name": row["borrower_name"]}
        view["origination"] = {
            "position": row["position"],
            "value_date": row["value_date"],
            "investigator": who(row["investigator_id"]),
            "reviewer": who(row["origination_reviewer_id"]),
            "approver": who(row["approver_id"]),
            "account_manager": who(row["account_manager_id"]),
        }
        view["account_managers"].append(
            {
                "person": who(row["account_manager_id"]),
                "from": row["value_date"],
                "to": None,
                "position": row["position"],
                "ended_position": None,
            }
        )

    entries: dict[int, dict[str, Any]] = {}
    people: dict[UUID, dict[str, Any]] = {}
    for part in parts:
        view["loan_no"] = view["loan_no"] or part["loan_no"]
        person = people.setdefault(
            part["person_id"], {"person": who(part["person_id"]), "stages": [], "parts": []}
        )
        if part["stage"] and part["stage"] not in person["stages"]:
            person["stages"].append(part["stage"])
        person["parts"].append(
            {
                "part": part["part"],
                "stage": part["stage"],
                "event": part["event"],
                "position": part["position"],
                "role": part["role"],
            }
        )
        category = CATEGORIES.get(part["event"])
        if category is None:
            continue
        entry = entries.get(part["position"])
        if entry is None:
            entry = {
                "position": part["position"],
                "event": part["event"],
                "recorded_at": part["recorded_at"],
                "on": part["on_date"],
                "record_id": part["record_id"],
                "stage": part["stage"],
                "label": part["label"],
                "text": part["text"],
            }
            entries[part["position"]] = entry
            view[category].append(entry)
        entry[part["part"]] = who(part["person_id"], part["role"])

    for entry in view["objections"]:
        entry |= {"subject": entry["label"]}
    for entry in view["determinations"]:
        found = determinations.get(entry["record_id"]) or {}
        entry |= {
            "finding": found.get("finding"),
            "sanction": found.get("sanction"),
            "outcome": found.get("outcome") if entry["event"] == "AppealDecided" else None,
            "final_finding": found.get("final_finding"),
        }
    periods = view["account_managers"]
    for handover in view["handovers"]:
        if periods:
            periods[-1] |= {"to": handover["on"], "ended_position": handover["position"]}
        else:
            periods.append(
                {
                    "person": handover.get(Part.HANDING.value),
                    "from": None,
                    "to": handover["on"],
                    "position": None,
                    "ended_position": handover["position"],
                }
            )
        periods.append(
            {
                "person": handover.get(Part.RECEIVING.value),
                "from": handover["on"],
                "to": None,
                "position": handover["position"],
                "ended_position": None,
                "supervisor": handover.get(Part.SUPERVISOR.value),
            }
        )
    view["people"] = list(people.values())
    return view
