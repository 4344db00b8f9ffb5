"""The completeness register (完整性台账): requirements opened by loan events, closed by filings.

See :mod:`projections.registers.filing.completeness` for what a requirement is and how a
filing is dated and matched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.collateral import Collateral
from domain.dossier import Dossier
from domain.loan import Loan
from domain.rules import TRIGGERS, RuleSet
from domain.values import GuaranteeType
from projections.changes import Changes
from projections.projection import Listing, Projection
from projections.registers.filing.completeness.tables import (
    DOSSIERS,
    EVIDENCE,
    GAPS,
    LOANS,
    OPEN_ITEMS,
    PROPOSAL_DOCUMENTS,
    REQUIREMENTS,
    SIGNALS,
    SUMMARY,
    RequirementStatus,
)
from projections.rules_state import RULES_TABLE, FollowsRules, handlers_following_rules
from projections.tables import loan_values

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
DossierEvents: Any = Dossier
CollateralEvents: Any = Collateral

SECURED = frozenset({GuaranteeType.MORTGAGE.value, GuaranteeType.PLEDGE.value})

COUNTERSIGN = "countersign"
COUNTERSIGN_RULE = "inspection.countersign"
"""The requirement an inspection opens under rules requiring a countersign (复核意见): its
"document" is the reviewer's act, met by ``InspectionCountersigned``, late after the deadline."""

DATED_EVENTS: Mapping[str, str] = {
    "RepaymentRecorded": "paid_on",
    "WarningRaised": "raised_on",
    "WarningCleared": "cleared_on",
    "AccountManagerHandedOver": "handed_over_on",
    "Registered": "registered_on",
    "CertificateLodged": "lodged_on",
    "CertificateTakenOut": "taken_out_on",
    "CertificateReturned": "returned_on",
    "Revalued": "revalued_on",
    "Released": "released_on",
    "BorrowerInformationChanged": "changed_on",
    "FundsUseRecorded": "used_on",
    "OriginationRecordFiled": "filed_on",
}
"""Events of a loan or its collateral that are no trigger but bring documents, with the field
holding their business date: the documents filed with them are dated by it."""


class CompletenessRegister(FollowsRules, Projection):
    """完整性台账: per loan event, the documents its rules require, and whether they were filed."""

    name = "completeness"
    version = 7  # 4: an inspection awaits its countersign (inspection.countersign); 5: the
    # documents of an information change or a use of the funds dated by it; 6: a transfer to
    # asset preservation is a trigger (preservation.transfer); 7: the handling form filed when a
    # signal is raised kept for its handling, an inspection's checklist tested by requirements
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

    handle = handlers_following_rules()

    # ------------------------------------------------------------------ triggers
    @handle.register(LoanEvents.Disbursed)
    def _disbursed(self, event: Any, changes: Changes) -> None:
        loan_id: UUID = event.originator_id
        dossier_id = Dossier.create_id(loan_id)
        changes.put(
            "loans",
            (loan_id,),
            loan_values(
                event,
                dossier_id=dossier_id,
                product=event.product.value,
                guarantee_type=event.guarantee_type.value,
                borrower_type=event.borrower_type.value,
            ),
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
            event,
            changes,
            "InspectionRecorded",
            event.inspected_on,
            kind=event.kind.value,
            checklist=getattr(event, "checklist", None),
        )
        due_on = self.rules_at(changes).countersign_due(event.inspected_on)
        loan = changes.get("loans", event.originator_id)
        if due_on is None or loan is None:
            return
        # Under rules requiring it, the inspection is complete once countersigned (复核意见):
        # a requirement met by the reviewer's act rather than a document.
        key = (event.originator_id, changes.position, COUNTERSIGN_RULE, COUNTERSIGN)
        row = {
            "loan_no": loan["loan_no"],
            "borrower_name": loan["borrower_name"],
            "branch": loan["branch"],
            "dossier_id": loan["dossier_id"],
            "stage": TRIGGERS["InspectionRecorded"],
            "trigger": "InspectionRecorded",
            "rule_text": "贷后检查：复核人复核意见",
            "rules_version": self.rules_at(changes).version,
            "doc_type_zh": "复核意见",
            "required_since": event.inspected_on,
            "due_on": due_on,
            "status": RequirementStatus.MISSING.value,
        }
        changes.put(REQUIREMENTS.name, key, row)
        changes.put(GAPS.name, key, row)
        changes.put(
            "open_items",
            (event.originator_id, f"{COUNTERSIGN}:{event.inspection_id}"),
            {"queue": json.dumps([[changes.position, COUNTERSIGN_RULE]])},
        )
        self._count(changes, event.originator_id, required=1, missing=1)

    @handle.register(LoanEvents.InspectionCountersigned)
    def _countersigned(self, event: Any, changes: Changes) -> None:
        self._note_evidence(event, changes, event.countersigned_on)
        item = (event.originator_id, f"{COUNTERSIGN}:{event.inspection_id}")
        waiting = changes.get("open_items", *item)
        if waiting is None:  # recorded under rules requiring no countersign
            return
        changes.end("open_items", *item)
        [[trigger_position, rule_id]] = json.loads(waiting["queue"])
        key = (event.originator_id, trigger_position, rule_id, COUNTERSIGN)
        self._close(changes, key, filed_on=event.countersigned_on, position=changes.position)

    @handle.register(LoanEvents.ClassificationApproved)
    def _classified(self, event: Any, changes: Changes) -> None:
        # The approval carries no business date: it counts from the day it was recorded.
        self._require(event, changes, "ClassificationApproved", self._record_date(event))
        self._take_kept(event, changes, event.proposal_id)

    def _take_kept(self, event: Any, changes: Changes, kept_for: UUID) -> None:
        """The documents kept for a proposal or a signal, taken by the event that requires
        them (its trigger) as if filed with it, on the day they were filed."""
        kept = changes.get("proposal_documents", kept_for)
        if kept is None:
            return
        changes.end("proposal_documents", kept_for)
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
        # Under rules allowing it (warnings.form_on_raising), the handling form filled in when
        # the signal is found (发现预警信号填制《风险预警信号处理表》) is kept for the signal:
        # its first handling, which requires it, takes it.
        kept = self.rules_at(changes).warnings.form_on_raising
        self._note_evidence(
            event, changes, event.raised_on, proposal_id=event.signal_id if kept else None
        )

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
        self._take_kept(event, changes, event.signal_id)

    @handle.register(LoanEvents.CollectionStepTaken)
    def _collection_step(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "CollectionStepTaken", event.taken_on, step=event.kind.value)

    @handle.register(LoanEvents.Restructured)
    def _restructured(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "Restructured", event.restructured_on)

    @handle.register(LoanEvents.Extended)
    def _extended(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "Extended", event.approved_on)

    @handle.register(LoanEvents.TransferredToAssetPreservation)
    def _transferred(self, event: Any, changes: Changes) -> None:
        self._require(event, changes, "TransferredToAssetPreservation", event.transferred_on)

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
    @handle.register(LoanEvents.BorrowerInformationChanged)
    @handle.register(LoanEvents.FundsUseRecorded)
    @handle.register(LoanEvents.OriginationRecordFiled)
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
        return self._close(changes, key, filed_on=filed_on, position=position, sha256=sha256)

    def _close(
        self,
        changes: Changes,
        key: tuple[Any, ...],
        *,
        filed_on: date,
        position: int,
        sha256: str | None = None,
    ) -> bool:
        """Mark the requirement ``key`` met on ``filed_on`` (late after its due date)."""
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
        self._count(changes, key[0], filed=1, late=int(late), missing=-1)
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
