"""Archive catalogue (档案目录): every dossier as the archive office knows it, with its transfers
and holds.

One row per dossier, from the day it is opened with the loan: its reference code (档号) and
shelf once catalogued, its retention class and period (extended on an appraisal's opinion),
which transfers have come in — contract originals, the full dossier, and whether the full one
was matched with the originals (二次组卷) — how many receipt defects and holds are open, the
latest appraisal opinion, and finally its destruction. A destroyed dossier keeps its row: the
catalogue says it existed and when and in which batch it was destroyed. Only metadata carried
by events is kept here, never a document's content.

``transfers`` has a row per transfer (移交), ``holds`` a row per hold (冻结); ``loans`` is an
internal helper with each loan's branch.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.dossier import Dossier
from domain.loan import Loan
from domain.values import (
    AppraisalOpinion,
    HoldKind,
    ItemCondition,
    LabelledEnum,
    RetentionClass,
    TransferKind,
    dossier_id_for,
)
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col, loan_columns, loan_facts

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
DossierEvents: Any = Dossier
LoanEvents: Any = Loan


class CatalogueStatus(LabelledEnum):
    """Where a dossier stands in the archive office (档案状态)."""

    OPENED = ("opened", "未移交")
    RECEIVED = ("received", "已接收待编目")
    CATALOGUED = ("catalogued", "已编目")
    DESTROYED = ("destroyed", "已销毁")


CONDITIONS = {member.value: member.zh for member in ItemCondition}
RECEIVED_ON = {
    TransferKind.ORIGINALS.value: "originals_received_on",
    TransferKind.FULL.value: "full_received_on",
}

LOANS = TableSpec(
    "loans",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("branch", sa.String(100), "机构", "branch"),
    ],
    key=("loan_id",),
)

DOSSIERS = TableSpec(
    "dossiers",
    [
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False, nullable=False),
        *loan_columns(id_nullable=True),
        col("reference_code", sa.String(100), "档号", "reference code", filter=True),
        col("shelf_location", sa.String(200), "存放位置", "shelf location"),
        col("retention", sa.String(8), "保管期限", "retention", filter=True, labels=RetentionClass),
        col("retention_starts_on", sa.Date, "保管起算日", "retention starts"),
        col("retention_ends_on", sa.Date, "保管期满日", "retention ends"),
        col("extended_to", sa.Date, "延长保管至", "extended to"),
        col("catalogued_on", sa.Date, "编目日期", "catalogued on"),
        col("catalogued_by", sa.Uuid, "编目人", "catalogued by", shows=PERSON),
        col("originals_received_on", sa.Date, "合同原件接收日", "originals received on"),
        col("full_received_on", sa.Date, "整卷接收日", "full dossier received on"),
        col("matched", sa.Boolean, "已二次组卷", "matched with originals", filter=True),
        col("matched_items", sa.Integer, "组卷匹配件数", "items matched"),
        col("open_defects", sa.Integer, "未销项缺陷", "open defects"),
        col("open_holds", sa.Integer, "未解除冻结", "open holds"),
        col("under_appraisal", sa.Boolean, "鉴定中", "under appraisal", filter=True),
        col(
            "appraisal_opinion",
            sa.String(16),
            "鉴定意见",
            "appraisal opinion",
            filter=True,
            labels=AppraisalOpinion,
        ),
        col("appraised_on", sa.Date, "鉴定日期", "appraised on"),
        col("destroyed", sa.Boolean, "已销毁", "destroyed", filter=True),
        col("destruction_batch_id", sa.Uuid, "销毁批次", "destruction batch"),
        col("destroyed_on", sa.Date, "销毁日期", "destroyed on"),
        col("status", sa.String(16), "状态", "status", filter=True, labels=CatalogueStatus),
    ],
    key=("dossier_id",),
    indexes=(("loan_no",), ("reference_code",)),
)

TRANSFERS = TableSpec(
    "transfers",
    [
        col("transfer_id", sa.Uuid, "移交ID", "transfer id", export=False, nullable=False),
        col("transfer_no", sa.String(32), "移交清单编号", "transfer list no.", filter=True),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False),
        *loan_facts("loan_no"),
        col("kind", sa.String(16), "移交类型", "kind", filter=True, labels=TransferKind),
        col("listed_on", sa.Date, "移交日期", "listed on"),
        col("listed_by", sa.Uuid, "移交人", "listed by", shows=PERSON),
        col("due_on", sa.Date, "应移交日", "due on"),
        col("late", sa.Boolean, "逾期移交", "late", filter=True),
        col("items", sa.Integer, "清单件数", "items listed"),
        col("pages", sa.Integer, "清单页数", "pages listed"),
        col("received_on", sa.Date, "接收日期", "received on"),
        col("received_by", sa.Uuid, "接收人", "received by", shows=PERSON),
        col("defects", sa.Integer, "缺陷件数", "defects"),
        col("defect_detail", sa.Text, "缺陷说明", "defect detail"),
        col("matched_items", sa.Integer, "组卷匹配件数", "items matched"),
    ],
    key=("transfer_id",),
    indexes=(("loan_no",),),
)

HOLDS = TableSpec(
    "holds",
    [
        col("hold_id", sa.Uuid, "冻结ID", "hold id", nullable=False),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False),
        *loan_facts("loan_no"),
        col("kind", sa.String(16), "冻结类型", "kind", filter=True, labels=HoldKind),
        col("reason", sa.Text, "冻结原因", "reason"),
        col("reference", sa.String(200), "依据文号", "reference"),
        col("placed_on", sa.Date, "冻结日期", "placed on"),
        col("placed_by", sa.Uuid, "冻结人", "placed by", shows=PERSON),
        col("released_on", sa.Date, "解除日期", "released on"),
        col("released_by", sa.Uuid, "解除人", "released by", shows=PERSON),
        col("release_reason", sa.Text, "解除原因", "release reason"),
    ],
    key=("hold_id",),
    indexes=(("loan_no",),),
)


def plain(value: Any) -> Any:
    """An enum member as its stored value; anything else as it is."""
    return value.value if isinstance(value, Enum) else value


def _defect_text(defect: dict[str, Any]) -> str:
    """``第2项 缺失（保证合同未随附）``: an item present but short of pages is 页数不符."""
    condition = plain(defect["condition"])
    label = "页数不符" if condition == ItemCondition.PRESENT.value else CONDITIONS.get(condition)
    note = f"（{defect['detail']}）" if defect.get("detail") else ""
    return f"第{defect['item_no']}项 {label or condition}{note}"


def _status(row: dict[str, Any]) -> CatalogueStatus:
    if row["destroyed"]:
        return CatalogueStatus.DESTROYED
    if row["catalogued_on"] is not None:
        return CatalogueStatus.CATALOGUED
    if row["originals_received_on"] is not None or row["full_received_on"] is not None:
        return CatalogueStatus.RECEIVED
    return CatalogueStatus.OPENED


class ArchiveCatalogue(Projection):
    """档案目录: each dossier's reference code, shelf, retention, transfers, holds and fate."""

    name = "archive_catalogue"
    version = 3  # 3: rows dated by business date (业务日期), read on a day (on=)
    title_zh = "档案目录"
    title_en = "Archive catalogue"
    tables = (LOANS, DOSSIERS, TRANSFERS, HOLDS)
    listings: ClassVar[dict[str, Listing]] = {
        "dossiers": Listing("dossiers", ("reference_code", "loan_no"), title_zh, title_en),
        "transfers": Listing("transfers", ("listed_on", "loan_no"), "移交登记", "Transfers"),
        "holds": Listing("holds", ("placed_on", "loan_no"), "冻结登记", "Holds"),
    }

    handle = handlers()

    def _change(self, changes: Changes, dossier_id: Any, **values: Any) -> dict[str, Any] | None:
        """Change a dossier's row and derive its status; None for a dossier never opened here."""
        row = changes.get("dossiers", dossier_id)
        if row is None:
            return None
        row.update(values)
        row["status"] = _status(row).value
        changes.put("dossiers", (dossier_id,), row)
        return row

    # ---------------------------------------------------------------- the dossier
    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("loans", (event.originator_id,), {"branch": event.branch})
        # The dossier is opened in the same save, after the loan; if ever before, fill it in.
        changes.update("dossiers", (dossier_id_for(event.originator_id),), branch=event.branch)

    @handle.register(DossierEvents.Opened)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("loans", event.loan_id) or {}
        row: dict[str, Any] = dict.fromkeys(DOSSIERS.column_names)
        row |= {
            "loan_id": event.loan_id,
            "loan_no": event.loan_no,
            "borrower_name": event.borrower_name,
            "branch": loan.get("branch"),
            "matched": False,
            "matched_items": 0,
            "open_defects": 0,
            "open_holds": 0,
            "under_appraisal": False,
            "destroyed": False,
        }
        row["status"] = _status(row).value
        changes.put("dossiers", (event.originator_id,), row)

    # ---------------------------------------------------------------- transfers
    @handle.register(DossierEvents.TransferListed)
    def _(self, event: Any, changes: Changes) -> None:
        dossier = changes.get("dossiers", event.originator_id) or {}
        due_on = event.due_on
        changes.put(
            "transfers",
            (event.transfer_id,),
            {
                "dossier_id": event.originator_id,
                # Transfers listed before the numbering have none.
                "transfer_no": getattr(event, "transfer_no", None),
                "loan_no": dossier.get("loan_no"),
                "kind": plain(event.kind),
                "listed_on": event.listed_on,
                "listed_by": event.actor_id,
                "due_on": due_on,
                "late": due_on is not None and event.listed_on > due_on,
                "items": len(event.items),
                "pages": sum(int(i["pages"]) for i in event.items),
                "defects": 0,
                "matched_items": 0,
            },
        )

    @handle.register(DossierEvents.TransferReceived)
    def _(self, event: Any, changes: Changes) -> None:
        detail = "；".join(_defect_text(d) for d in event.defects)
        transfer = changes.update(
            "transfers",
            (event.transfer_id,),
            received_on=event.received_on,
            received_by=event.actor_id,
            defects=len(event.defects),
            defect_detail=detail or None,
            matched_items=len(event.completes),
        )
        row = changes.get("dossiers", event.originator_id)
        if row is None:
            return
        # The first receipt of each kind is the one the catalogue dates.
        first = RECEIVED_ON.get(transfer["kind"]) if transfer is not None else None
        received = {first: event.received_on} if first and row[first] is None else {}
        self._change(
            changes,
            event.originator_id,
            **received,
            matched=bool(row["matched"] or event.completes),
            matched_items=row["matched_items"] + len(event.completes),
            open_defects=row["open_defects"] + len(event.defects),
        )

    @handle.register(DossierEvents.DefectCleared)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("dossiers", event.originator_id)
        if row is not None:
            self._change(changes, event.originator_id, open_defects=max(row["open_defects"] - 1, 0))

    # --------------------------------------------------------- catalogue, retention
    @handle.register(DossierEvents.Catalogued)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            reference_code=event.reference_code,
            shelf_location=event.shelf_location,
            retention=plain(event.retention),
            catalogued_on=event.catalogued_on,
            catalogued_by=event.actor_id,
        )

    @handle.register(DossierEvents.RetentionStarted)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            retention_starts_on=event.starts_on,
            retention_ends_on=event.ends_on,
        )

    @handle.register(DossierEvents.RetentionExtended)
    def _(self, event: Any, changes: Changes) -> None:
        # retention_ends_on keeps the period as first computed; extended_to is the new end.
        self._change(changes, event.originator_id, extended_to=event.ends_on)

    # -------------------------------------------------------------------- holds
    @handle.register(DossierEvents.HoldPlaced)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("dossiers", event.originator_id)
        changes.put(
            "holds",
            (event.hold_id,),
            {
                "dossier_id": event.originator_id,
                "loan_no": row["loan_no"] if row is not None else None,
                "kind": plain(event.kind),
                "reason": event.reason,
                "reference": event.reference,
                "placed_on": event.placed_on,
                "placed_by": event.actor_id,
            },
        )
        if row is not None:
            self._change(changes, event.originator_id, open_holds=row["open_holds"] + 1)

    @handle.register(DossierEvents.HoldReleased)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update(
            "holds",
            (event.hold_id,),
            released_on=event.released_on,
            released_by=event.actor_id,
            release_reason=event.reason,
        )
        row = changes.get("dossiers", event.originator_id)
        if row is not None:
            self._change(changes, event.originator_id, open_holds=max(row["open_holds"] - 1, 0))

    # ---------------------------------------------------------------- appraisal
    @handle.register(DossierEvents.AppraisalOpened)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(changes, event.originator_id, under_appraisal=True)

    @handle.register(DossierEvents.Appraised)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event.originator_id,
            under_appraisal=False,
            appraisal_opinion=plain(event.opinion),
            appraised_on=event.decided_on,
        )

    # -------------------------------------------------------------- destruction
    @handle.register(DossierEvents.Destroyed)
    def _(self, event: Any, changes: Changes) -> None:
        """The row stays: the catalogue says the dossier existed and was destroyed."""
        self._change(
            changes,
            event.originator_id,
            destroyed=True,
            destruction_batch_id=event.batch_id,
            destroyed_on=event.destroyed_on,
        )
