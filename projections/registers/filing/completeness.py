"""Completeness register (完整性台账): every document a loan event requires, and whether it came.

Each loan event the rule set names as a trigger (``domain.rules.TRIGGERS``: 放款, 检查, 分类,
预警处置, 催收, 重组, 展期, 核销, 结清) creates — with the rules in force at that point of the
log (:class:`~projections.rules_state.FollowsRules`) — one row of ``requirements`` per document
each applicable requirement lists. A row names the rule (``rule_id``, its text) and the version of
the rule set that made it: a later ``RulesInForce.Replaced`` changes the rows created after it,
never those created before.

A document the loan's dossier files (``Dossier.DocumentFiled``) of type D satisfies a
still-missing requirement of D for that loan: the one of the event it was filed with, when that
event asks for D (the documents a command brings are filed in the same save, right after the
command's loan event — a form filed with one warning's handling is that warning's, not an
older one's); otherwise the earliest (by the log position of its trigger, then by the order of
the rules). The register applies the log in order, so every such requirement was created
before the filing. A document no open requirement asks for changes nothing. A warning signal owes one handling form: its first
handling is the trigger (the one its deadline judges, as in the warning ledger); a later
handling requires nothing more.

Dates (business dates, in the bank's time zone — Asia/Shanghai unless told otherwise):

* ``required_since`` is the triggering event's business date: the value date of a
  disbursement, the date inspected, handled, taken, restructured, approved (extension),
  written off or settled; a classification approval carries no date and counts from the day it
  was recorded.
* ``due_on`` is ``required_since`` plus the requirement's ``within_days``.
* ``filed_on``: a document filed with a command is dated by the business date of the event
  that command recorded and the document evidences (same save): the trigger itself, or another
  dated event of the loan or of its collateral (a repayment's ``paid_on``, a collateral's
  ``registered_on``…; ``DATED_EVENTS``) — it was there when the event was recorded. Any other
  filing (a supplement, 补充归档, or one with an event that carries no date) is dated by its
  record time in the bank's time zone: the archive cannot know an earlier date than the day it
  received the document. A filing after ``due_on`` closes the gap as ``filed_late`` and
  ``days_late`` keeps the lateness visible.

One exception to "filed after its trigger": the documents filed with a classification proposal
(初分, typically the 五级分类认定表) that nothing claimed when they were filed are kept for
that proposal, and its approval — the trigger — takes them as if filed with it.

``gaps`` holds the requirements while they are missing (the main listing); ``summary`` keeps
each loan's counts in step (``filed`` counts the late ones too, ``late`` says how many were).
The other tables are internal helpers: ``loans`` (a loan's facts), ``dossiers`` (whose dossier
is whose), ``signals`` (each signal's colour — a handling does not carry it — and whether it
was handled), ``evidence`` (per loan or collateral, the last dated event that brought
documents), ``proposal_documents`` (the unclaimed documents of a classification proposal),
``open_items`` (per loan and document type, the queue of missing requirements) and
``rules_in_force``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from domain.collateral import Collateral
from domain.dossier import Dossier
from domain.loan import Loan
from domain.rules import TRIGGERS, RuleSet
from domain.values import GuaranteeType, LabelledEnum
from projections.changes import Changes
from projections.projection import Listing, Projection
from projections.query import AsOf, visible
from projections.rules_state import RULES_TABLE, FollowsRules, RulesEvents
from projections.store import RegisterStore
from projections.tables import TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
DossierEvents: Any = Dossier
CollateralEvents: Any = Collateral

SECURED = frozenset({GuaranteeType.MORTGAGE.value, GuaranteeType.PLEDGE.value})

DATED_EVENTS: Mapping[str, str] = {
    "RepaymentRecorded": "paid_on",
    "WarningRaised": "raised_on",
    "WarningCleared": "cleared_on",
    "AccountManagerHandedOver": "handed_over_on",
    "TransferredToAssetPreservation": "transferred_on",
    "Registered": "registered_on",
    "CertificateLodged": "lodged_on",
    "CertificateTakenOut": "taken_out_on",
    "CertificateReturned": "returned_on",
    "Revalued": "revalued_on",
    "Released": "released_on",
}
"""Events of a loan or its collateral that are no trigger but bring documents, with the field
holding their business date: the documents filed with them are dated by it."""


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
    WRITE_OFF = ("write_off", "核销")
    SETTLEMENT = ("settlement", "结清")


REQUIREMENT_KEY = ("loan_id", "trigger_position", "rule_id", "doc_type")


def _requirement_columns(*, with_filing: bool) -> list[sa.Column[Any]]:
    """The columns of a requirement; ``gaps`` leaves out the filing (a gap has none)."""
    columns = [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
        col("borrower_name", sa.String(200), "借款人", "borrower"),
        col("branch", sa.String(100), "机构", "branch", filter=True),
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
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
        col("borrower_name", sa.String(200), "借款人", "borrower"),
        col("branch", sa.String(100), "机构", "branch", filter=True),
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
        col("borrower_name", sa.String(200), "借款人", "borrower"),
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


class CompletenessRegister(FollowsRules, Projection):
    """完整性台账: per loan event, the documents its rules require, and whether they were filed."""

    name = "completeness"
    version = 2  # 2: loans moved between branches follow them
    title_zh = "完整性台账"
    title_en = "Completeness register"
    tables = (
        REQUIREMENTS,
        GAPS,
        SUMMARY,
        LOANS,
        DOSSIERS,
        SIGNALS,
        EVIDENCE,
        PROPOSAL_DOCUMENTS,
        OPEN_ITEMS,
        RULES_TABLE,
    )
    listings: ClassVar[dict[str, Listing]] = {
        "gaps": Listing("gaps", ("due_on", "loan_no"), "归档缺失清单", "Missing documents"),
        "requirements": Listing(
            "requirements", ("loan_no", "trigger_position"), title_zh, title_en
        ),
        "summary": Listing("summary", ("loan_no",), "档案完整性汇总", "Completeness by loan"),
    }

    def __init__(self, default_rules: RuleSet | None = None, zone: str = "Asia/Shanghai") -> None:
        """``default_rules`` judge the log before its first adoption (default: the shipped
        rules); ``zone`` is the bank's time zone, in which record times become dates."""
        super().__init__(default_rules)
        self.zone = ZoneInfo(zone)

    @singledispatchmethod
    def handle(self, event: object, changes: Changes) -> None:
        """Events this register does not follow change nothing."""

    # ------------------------------------------------------------------ rules in force
    @handle.register(RulesEvents.Adopted)
    @handle.register(RulesEvents.Replaced)
    def _rules(self, event: Any, changes: Changes) -> None:
        self.adopt(event, changes)

    # ------------------------------------------------------------------ triggers
    @handle.register(LoanEvents.Disbursed)
    def _disbursed(self, event: Any, changes: Changes) -> None:
        loan_id: UUID = event.originator_id
        dossier_id = Dossier.create_id(loan_id)
        changes.put(
            "loans",
            (loan_id,),
            {
                "loan_no": event.loan_no,
                "borrower_name": event.borrower_name,
                "branch": event.branch,
                "dossier_id": dossier_id,
                "product": event.product.value,
                "guarantee_type": event.guarantee_type.value,
                "borrower_type": event.borrower_type.value,
            },
        )
        changes.put("dossiers", (dossier_id,), {"loan_id": loan_id})
        changes.put(
            "summary",
            (loan_id,),
            {
                "loan_no": event.loan_no,
                "borrower_name": event.borrower_name,
                "branch": event.branch,
                "required": 0,
                "filed": 0,
                "late": 0,
                "missing": 0,
                "complete": True,
            },
        )
        self._require(event, changes, "Disbursed", event.value_date)

    @handle.register(LoanEvents.BranchChanged)
    def _moved(self, event: Any, changes: Changes) -> None:
        # The loan and its summary follow it to its new branch; each gap keeps the branch the
        # loan belonged to when the document fell due.
        changes.update("loans", (event.originator_id,), branch=event.branch)
        changes.update("summary", (event.originator_id,), branch=event.branch)

    @handle.register(LoanEvents.InspectionRecorded)
    def _inspected(self, event: Any, changes: Changes) -> None:
        self._require(
            event, changes, "InspectionRecorded", event.inspected_on, kind=event.kind.value
        )

    @handle.register(LoanEvents.ClassificationApproved)
    def _classified(self, event: Any, changes: Changes) -> None:
        # The approval carries no business date: it counts from the day it was recorded.
        self._require(event, changes, "ClassificationApproved", self._record_date(event))
        kept = changes.get("proposal_documents", event.proposal_id)
        if kept is None:
            return
        changes.end("proposal_documents", event.proposal_id)
        for doc_type, sha256, filed_on, position in json.loads(kept["documents"]):
            self._satisfy(
                changes,
                event.originator_id,
                doc_type,
                sha256=sha256,
                filed_on=date.fromisoformat(filed_on),
                position=position,
                own_trigger=changes.position,
            )

    @handle.register(LoanEvents.WarningRaised)
    def _warning_raised(self, event: Any, changes: Changes) -> None:
        changes.put("signals", (event.signal_id,), {"colour": event.colour.value, "handled": False})
        self._dated(event, changes)

    @handle.register(LoanEvents.WarningHandled)
    def _warning_handled(self, event: Any, changes: Changes) -> None:
        # One handling form per signal: the first handling requires it, as it is the one
        # the deadline judges; a later handling only dates the documents it brings.
        signal = changes.get("signals", event.signal_id) or {}
        if signal.get("handled"):
            self._note_evidence(event, changes, event.handled_on)
            return
        changes.update("signals", (event.signal_id,), handled=True)
        self._require(
            event, changes, "WarningHandled", event.handled_on, colour=signal.get("colour")
        )

    @handle.register(LoanEvents.CollectionStepTaken)
    def _collection_step(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "CollectionStepTaken", event.taken_on, step=event.kind.value)

    @handle.register(LoanEvents.Restructured)
    def _restructured(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "Restructured", event.restructured_on)

    @handle.register(LoanEvents.Extended)
    def _extended(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "Extended", event.approved_on)

    @handle.register(LoanEvents.WrittenOff)
    def _written_off(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "WrittenOff", event.written_off_on)

    @handle.register(LoanEvents.Settled)
    def _settled(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "Settled", event.settled_on)

    def _record_date(self, event: Any) -> date:
        """The day an event was recorded, in the bank's time zone."""
        found: date = event.timestamp.astimezone(self.zone).date()
        return found

    def _require(
        self, event: Any, changes: Changes, trigger: str, on: date, **event_facts: str | None
    ) -> None:
        """Open one requirement row per document the rules in force ask of this event."""
        loan_id: UUID = event.originator_id
        loan = changes.get("loans", loan_id)
        if loan is None:
            return
        self._note_evidence(event, changes, on)
        rules = self.rules_at(changes)
        facts: dict[str, str | None] = {
            "product": loan["product"],
            "guarantee_type": loan["guarantee_type"],
            "borrower_type": loan["borrower_type"],
            "secured": str(loan["guarantee_type"] in SECURED).lower(),
            **event_facts,
        }
        position = changes.position
        opened = 0
        for requirement in rules.requirements_for(trigger, facts):
            due_on = on + timedelta(days=requirement.within_days)
            for doc_type in dict.fromkeys(requirement.documents):
                described = rules.document_types.get(doc_type)
                row = {
                    "loan_no": loan["loan_no"],
                    "borrower_name": loan["borrower_name"],
                    "branch": loan["branch"],
                    "dossier_id": loan["dossier_id"],
                    "stage": TRIGGERS[trigger],
                    "trigger": trigger,
                    "rule_text": requirement.text_zh,
                    "rules_version": rules.version,
                    "doc_type_zh": described.zh if described is not None else doc_type,
                    "required_since": on,
                    "due_on": due_on,
                    "status": RequirementStatus.MISSING.value,
                }
                key = (loan_id, position, requirement.rule_id, doc_type)
                changes.put(REQUIREMENTS.name, key, row)
                changes.put(GAPS.name, key, row)
                self._enqueue(changes, loan_id, doc_type, [position, requirement.rule_id])
                opened += 1
        if opened:
            self._count(changes, loan_id, required=opened, missing=opened)

    # ------------------------------------------------------------------ dated events
    @handle.register(LoanEvents.RepaymentRecorded)
    @handle.register(LoanEvents.WarningCleared)
    @handle.register(LoanEvents.AccountManagerHandedOver)
    @handle.register(LoanEvents.TransferredToAssetPreservation)
    @handle.register(CollateralEvents.Registered)
    @handle.register(CollateralEvents.CertificateLodged)
    @handle.register(CollateralEvents.CertificateTakenOut)
    @handle.register(CollateralEvents.CertificateReturned)
    @handle.register(CollateralEvents.Revalued)
    @handle.register(CollateralEvents.Released)
    def _dated(self, event: Any, changes: Changes) -> None:
        self._note_evidence(event, changes, getattr(event, DATED_EVENTS[type(event).__name__]))

    @handle.register(LoanEvents.ClassificationProposed)
    def _proposed(self, event: Any, changes: Changes) -> None:
        self._note_evidence(event, changes, event.as_of, proposal_id=event.proposal_id)

    @staticmethod
    def _note_evidence(
        event: Any, changes: Changes, on: date, *, proposal_id: UUID | None = None
    ) -> None:
        """Remember the business date of an event that brings documents, for their filing."""
        if event.documents:
            changes.put(
                "evidence",
                (event.originator_id,),
                {
                    "version": event.originator_version,
                    "business_date": on,
                    "position": changes.position,
                    "proposal_id": proposal_id,
                },
            )

    # ------------------------------------------------------------------ filings
    @handle.register(DossierEvents.DocumentFiled)
    def _filed(self, event: Any, changes: Changes) -> None:
        dossier = changes.get("dossiers", event.originator_id)
        if dossier is None:
            return
        loan_id: UUID = dossier["loan_id"]
        evidenced = self._evidenced(event, changes)
        filed_on = evidenced["business_date"] if evidenced else self._record_date(event)
        claimed = self._satisfy(
            changes,
            loan_id,
            event.document.doc_type,
            sha256=event.document.sha256,
            filed_on=filed_on,
            position=changes.position,
            own_trigger=evidenced["position"] if evidenced else None,
        )
        proposal_id = evidenced["proposal_id"] if evidenced else None
        if not claimed and proposal_id is not None:
            # Kept for the approval of this proposal, which will require it.
            kept = changes.get("proposal_documents", proposal_id)
            documents = json.loads(kept["documents"]) if kept else []
            documents.append(
                [
                    event.document.doc_type,
                    event.document.sha256,
                    filed_on.isoformat(),
                    changes.position,
                ]
            )
            changes.put(
                "proposal_documents",
                (proposal_id,),
                {"loan_id": loan_id, "documents": json.dumps(documents)},
            )

    @staticmethod
    def _evidenced(event: Any, changes: Changes) -> dict[str, Any] | None:
        """The noted event a filing evidences, when it was recorded in the same save."""
        if event.evidences_id is None or event.evidences_version is None:
            return None
        noted = changes.get("evidence", event.evidences_id)
        if noted is None or noted["version"] != event.evidences_version:
            return None
        return noted

    def _satisfy(
        self,
        changes: Changes,
        loan_id: UUID,
        doc_type: str,
        *,
        sha256: str,
        filed_on: date,
        position: int,
        own_trigger: int | None,
    ) -> bool:
        """Close the missing requirement of ``doc_type`` of the ``own_trigger`` (the position of
        the event the document came with), else the earliest; False when none is missing."""
        waiting = changes.get("open_items", loan_id, doc_type)
        if waiting is None:
            return False
        queue: list[list[Any]] = json.loads(waiting["queue"])
        chosen = next((n for n, item in enumerate(queue) if item[0] == own_trigger), 0)
        trigger_position, rule_id = queue.pop(chosen)
        if queue:
            changes.put("open_items", (loan_id, doc_type), {"queue": json.dumps(queue)})
        else:
            changes.end("open_items", loan_id, doc_type)
        key = (loan_id, trigger_position, rule_id, doc_type)
        row = changes.get(REQUIREMENTS.name, *key)
        if row is None:
            return False
        late = filed_on > row["due_on"]
        row.update(
            status=(RequirementStatus.FILED_LATE if late else RequirementStatus.FILED).value,
            filed_on=filed_on,
            filed_position=position,
            filed_sha256=sha256,
            days_late=(filed_on - row["due_on"]).days if late else 0,
        )
        changes.put(REQUIREMENTS.name, key, row)
        changes.end(GAPS.name, *key)
        self._count(changes, loan_id, filed=1, late=int(late), missing=-1)
        return True

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _enqueue(changes: Changes, loan_id: UUID, doc_type: str, item: list[Any]) -> None:
        waiting = changes.get("open_items", loan_id, doc_type)
        queue: list[list[Any]] = json.loads(waiting["queue"]) if waiting else []
        queue.append(item)
        changes.put("open_items", (loan_id, doc_type), {"queue": json.dumps(queue)})

    @staticmethod
    def _count(changes: Changes, loan_id: UUID, **deltas: int) -> None:
        summary = changes.get("summary", loan_id)
        if summary is None:
            return
        for name, delta in deltas.items():
            summary[name] = int(summary[name] or 0) + delta
        summary["complete"] = summary["missing"] == 0
        changes.put("summary", (loan_id,), summary)


def overdue_gaps(
    store: RegisterStore,
    projection: Projection,
    *,
    on: date,
    as_of: AsOf = AsOf(),
    filters: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The documents still missing at ``as_of`` whose due date was before ``on``.

    Each is a row of ``gaps`` with ``days_past_due`` added, most overdue first; ``filters`` are
    exact matches on its columns (``loan_no``, ``branch``, ``rule_id``…).
    """
    spec = projection.specs()[GAPS.name]
    with store.reading() as conn:
        table = store.live_tables(conn, projection)[GAPS.name]
        clauses: Sequence[Any] = [
            *visible(table, spec, as_of),
            table.c.due_on < on,
            *[table.c[name] == value for name, value in (filters or {}).items()],
        ]
        found = conn.execute(
            sa.select(*[table.c[n] for n in spec.column_names])
            .where(*clauses)
            .order_by(table.c.due_on, table.c.loan_no, *[table.c[k] for k in spec.key])
        )
        rows = [dict(r._mapping) for r in found]
    for row in rows:
        row["days_past_due"] = (on - row["due_on"]).days
    return rows
