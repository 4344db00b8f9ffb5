"""Destruction register (销毁清册): every dossier proposed for destruction, and every batch.

Kept permanently. One row per dossier of a batch — its reference code, title, years, retention
class, pages and appraisal opinion as the archive head proposed them — with the batch's
approvals (the branch head, then compliance), its execution (when, by which archivist, before
which supervisors and IT supervisor, by what method), how many documents the dossier's own
``Destroyed`` event says were destroyed, and whether the blobs were all deleted or some are
still retained under object lock. ``batches`` has one row per batch.

No row is ever ended or purged — not when the dossier is destroyed, not by anything: what was
destroyed, when and on whose authority must outlive the records themselves, and a rebuild
from the log shows it again. Only the metadata the events carry is here, never content.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa

from domain.disposition import DestructionBatch
from domain.dossier import Dossier
from domain.values import LabelledEnum, RetentionClass
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PEOPLE, PERSON, TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
BatchEvents: Any = DestructionBatch
DossierEvents: Any = Dossier


class DestructionStatus(LabelledEnum):
    """Where a destruction batch stands (销毁批次状态).

    ``compliance_approved`` once compliance has approved, whether or not before the branch
    head: ``approved_by`` says whether the branch head has.
    """

    PROPOSED = ("proposed", "已提出")
    APPROVED = ("approved", "行长已批准")
    COMPLIANCE_APPROVED = ("compliance_approved", "合规已审批")
    EXECUTED = ("executed", "已执行销毁")
    COMPLETED = ("completed", "已完成")


def _batch_columns() -> list[sa.Column[Any]]:
    """What entries and batches share: approvals, execution, completion and status."""
    return [
        col("proposed_on", sa.Date, "提出日期", "proposed on"),
        col("proposed_by", sa.Uuid, "提出人", "proposed by", shows=PERSON),
        col("approved_on", sa.Date, "批准日期", "approved on"),
        col(
            "approved_by",
            sa.Uuid,
            "批准人（行长）",
            "approved by (branch head)",
            shows=PERSON,
        ),
        col("compliance_approved_on", sa.Date, "合规审批日期", "compliance approved on"),
        col(
            "compliance_approved_by",
            sa.Uuid,
            "合规审批人",
            "compliance approved by",
            shows=PERSON,
        ),
        col("executed_on", sa.Date, "销毁日期", "executed on"),
        col("executed_by", sa.Uuid, "执行人", "executed by", shows=PERSON),
        col("supervisors", sa.String(200), "监销人", "supervisors", shows=PEOPLE),
        col("it_supervisor", sa.Uuid, "信息技术监销人", "IT supervisor", shows=PERSON),
        col("method", sa.Text, "销毁方式", "method"),
        col("completed", sa.Boolean, "已完成", "completed", filter=True),
        col("retained_blobs", sa.Integer, "留存加密文件数", "blobs retained"),
        col("status", sa.String(24), "状态", "status", filter=True, labels=DestructionStatus),
    ]


ENTRIES = TableSpec(
    "entries",
    [
        col("batch_id", sa.Uuid, "销毁批次", "batch id", filter=True, nullable=False),
        col("batch_no", sa.String(32), "销毁批次编号", "batch no.", filter=True),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False, nullable=False),
        col("reference_code", sa.String(100), "档号", "reference code", filter=True),
        col("title", sa.String(500), "案卷题名", "title"),
        col("years", sa.String(16), "年度", "years"),
        col("retention", sa.String(8), "保管期限", "retention", labels=RetentionClass),
        col("pages", sa.Integer, "页数", "pages"),
        col("opinion", sa.Text, "鉴定意见", "appraisal opinion"),
        col("documents_destroyed", sa.Integer, "销毁文件数", "documents destroyed"),
        *_batch_columns(),
    ],
    key=("batch_id", "dossier_id"),
    indexes=(("reference_code",),),
)

BATCHES = TableSpec(
    "batches",
    [
        col("batch_id", sa.Uuid, "销毁批次", "batch id", nullable=False),
        col("batch_no", sa.String(32), "销毁批次编号", "batch no."),
        col("dossiers", sa.Integer, "案卷数", "dossiers"),
        col("pages", sa.Integer, "页数", "pages"),
        *_batch_columns(),
        # The batch's dossiers, so that a batch event reaches each of its entries.
        col("dossier_ids", sa.Text, "档案ID", "dossier ids", export=False),
    ],
    key=("batch_id",),
)


def _ids(ids: list[Any]) -> str:
    return ",".join(str(i) for i in ids)


class DestructionRegister(Projection):
    """销毁清册: what was destroyed, on whose proposal and approvals, before whom, and how."""

    name = "destruction_register"
    version = 3  # 3: rows dated by business date (业务日期), read on a day (on=)
    title_zh = "销毁清册"
    title_en = "Destruction register"
    tables = (ENTRIES, BATCHES)
    listings: ClassVar[dict[str, Listing]] = {
        "entries": Listing("entries", ("proposed_on", "reference_code"), title_zh, title_en),
        "batches": Listing("batches", ("proposed_on",), "销毁批次", "Destruction batches"),
    }

    handle = handlers()

    def _change_batch(
        self,
        changes: Changes,
        batch_id: UUID,
        each: Callable[[str], dict[str, Any]] | None = None,
        **values: Any,
    ) -> None:
        """Change the batch and every one of its entries alike (``each`` gives what differs
        per entry, by dossier id); the status follows."""
        batch = changes.get("batches", batch_id)
        if batch is None:
            return
        batch.update(values)
        if batch["completed"]:
            status = DestructionStatus.COMPLETED
        elif batch["executed_on"] is not None:
            status = DestructionStatus.EXECUTED
        elif batch["compliance_approved_by"] is not None:
            status = DestructionStatus.COMPLIANCE_APPROVED
        elif batch["approved_by"] is not None:
            status = DestructionStatus.APPROVED
        else:
            status = DestructionStatus.PROPOSED
        batch["status"] = status.value
        changes.put("batches", (batch_id,), batch)
        shared = {k: batch[k] for k in values} | {"status": status.value}
        for dossier_id in (batch["dossier_ids"] or "").split(","):
            if dossier_id:
                own = each(dossier_id) if each is not None else {}
                changes.update("entries", (batch_id, UUID(dossier_id)), **(shared | own))

    @handle.register(BatchEvents.Proposed)
    def _(self, event: Any, changes: Changes) -> None:
        batch_id = event.originator_id
        common = {
            # Batches proposed before the numbering have none.
            "batch_no": getattr(event, "batch_no", None),
            "proposed_on": event.proposed_on,
            "proposed_by": event.actor_id,
            "completed": False,
            "status": DestructionStatus.PROPOSED.value,
        }
        dossier_ids = [UUID(str(e["dossier_id"])) for e in event.entries]
        for entry, dossier_id in zip(event.entries, dossier_ids, strict=True):
            changes.put(
                "entries",
                (batch_id, dossier_id),
                {
                    "reference_code": entry["reference_code"],
                    "title": entry["title"],
                    "years": str(entry["years"]),
                    "retention": str(entry["retention"]),
                    "pages": int(entry["pages"]),
                    "opinion": entry["opinion"],
                    **common,
                },
            )
        changes.put(
            "batches",
            (batch_id,),
            {
                "dossiers": len(dossier_ids),
                "pages": sum(int(e["pages"]) for e in event.entries),
                "dossier_ids": _ids(dossier_ids),
                **common,
            },
        )

    @handle.register(BatchEvents.Approved)
    def _(self, event: Any, changes: Changes) -> None:
        self._change_batch(
            changes, event.originator_id, approved_on=event.approved_on, approved_by=event.actor_id
        )

    @handle.register(BatchEvents.ComplianceApproved)
    def _(self, event: Any, changes: Changes) -> None:
        self._change_batch(
            changes,
            event.originator_id,
            compliance_approved_on=event.approved_on,
            compliance_approved_by=event.actor_id,
        )

    @handle.register(BatchEvents.Executed)
    def _(self, event: Any, changes: Changes) -> None:
        self._change_batch(
            changes,
            event.originator_id,
            executed_on=event.executed_on,
            executed_by=event.actor_id,
            supervisors=_ids(event.supervisors),
            it_supervisor=event.it_supervisor,
            method=event.method,
        )

    @handle.register(DossierEvents.Destroyed)
    def _(self, event: Any, changes: Changes) -> None:
        """The dossier's own record of its destruction: how many documents went. The entry
        stays, as every entry does."""
        changes.update(
            "entries",
            (event.batch_id, event.originator_id),
            documents_destroyed=len(event.documents),
        )

    @handle.register(BatchEvents.Completed)
    def _(self, event: Any, changes: Changes) -> None:
        retained = [str(k) for k in event.retained_blobs]

        def own(dossier_id: str) -> dict[str, Any]:
            # An entry's retained blobs are those under its dossier's key prefix.
            return {"retained_blobs": sum(k.startswith(f"{dossier_id}/") for k in retained)}

        self._change_batch(
            changes, event.originator_id, own, completed=True, retained_blobs=len(retained)
        )
