"""Core-feed batch register (核心系统日终文件台账): every batch of the core system, how far its
import went, and its reconciliation (对账).

``batches``: one row per batch, known by its control file's hash — the business date and bank,
whether it corrects an applied date and whether it was applied with its refused lines left
out (partial), in progress or applied, the lines done and events recorded so far, the lines
refused, and whether the archive's totals balanced the control file's. ``files``: per batch and
file, the control file's records and amount beside the archive's own and the lines refused
(filled when reconciled).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.feed import FeedBatch
from domain.values import LabelledEnum
from projections.changes import Changes
from projections.fed import SHORT_HASH
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
BatchEvents: Any = FeedBatch

MONEY = sa.Numeric(18, 2)


class BatchStatus(LabelledEnum):
    """How far a batch's import went (导入状态)."""

    IN_PROGRESS = ("in_progress", "导入中")
    APPLIED = ("applied", "已导入")


BATCHES = TableSpec(
    "batches",
    [
        col("batch_id", sa.Uuid, "批次ID", "batch id", export=False, nullable=False),
        col("business_date", sa.Date, "业务日期", "business date", filter=True),
        col("bank", sa.String(200), "报送银行", "bank"),
        col("control_hash", sa.String(16), "控制文件摘要", "control hash", filter=True),
        col("control_sha256", sa.String(64), "控制文件SHA-256", "control SHA-256", export=False),
        col("correction", sa.Boolean, "更正批次", "correction", filter=True),
        col("partial", sa.Boolean, "部分导入", "partial", filter=True),
        col("status", sa.String(16), "状态", "status", filter=True, labels=BatchStatus),
        col("lines_done", sa.Integer, "已处理行数", "lines done"),
        col("events_recorded", sa.Integer, "登记事件数", "events recorded"),
        col("refused", sa.Integer, "拒绝行数", "lines refused"),
        col("balanced", sa.Boolean, "对账平衡", "balanced", filter=True),
        col("files", sa.Integer, "文件数", "files"),
        col("started_by", sa.Uuid, "导入人", "imported by", shows=PERSON),
    ],
    key=("batch_id",),
    dated=False,  # a batch is the archive's own record: it holds from when it was recorded
    indexes=(("business_date",),),
)

FILES = TableSpec(
    "files",
    [
        col("batch_id", sa.Uuid, "批次ID", "batch id", export=False, nullable=False),
        col("business_date", sa.Date, "业务日期", "business date", filter=True),
        col("control_hash", sa.String(16), "控制文件摘要", "control hash", filter=True),
        col("file", sa.String(64), "文件", "file", nullable=False),
        col("control_records", sa.Integer, "控制记录数", "control records"),
        col("archive_records", sa.Integer, "档案记录数", "archive records"),
        col("control_amount", MONEY, "控制金额", "control amount"),
        col("archive_amount", MONEY, "档案金额", "archive amount"),
        col("refused_records", sa.Integer, "拒绝行数", "lines refused"),
        col("balanced", sa.Boolean, "对账平衡", "balanced", filter=True),
    ],
    key=("batch_id", "file"),
    dated=False,
    indexes=(("business_date",),),
)


def _amount(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def _count(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


class FeedBatchRegister(Projection):
    """核心系统日终文件台账: each batch from its start to its reconciliation."""

    name = "feed_batches"
    version = 1
    title_zh = "核心系统日终文件台账"
    title_en = "Core feed batches"
    tables = (BATCHES, FILES)
    listings: ClassVar[dict[str, Listing]] = {
        "batches": Listing("batches", ("business_date", "control_hash"), title_zh, title_en),
        "files": Listing(
            "files", ("business_date", "control_hash", "file"), "批次文件对账", "Batch files"
        ),
    }

    handle = handlers()

    @handle.register(BatchEvents.Started)
    def _(self, event: Any, changes: Changes) -> None:
        batch_id = event.originator_id
        short = event.control_sha256[:SHORT_HASH]
        row: dict[str, Any] = dict.fromkeys(BATCHES.column_names)
        row |= {
            "batch_id": batch_id,
            "business_date": event.business_date,
            "bank": event.bank,
            "control_hash": short,
            "control_sha256": event.control_sha256,
            "correction": bool(event.correction),
            "partial": bool(event.partial),
            "status": BatchStatus.IN_PROGRESS.value,
            "lines_done": 0,
            "events_recorded": 0,
            "refused": event.refused,
            "balanced": None,
            "files": len(event.files),
            "started_by": event.actor_id,
        }
        changes.put("batches", (batch_id,), row)
        for name, control in sorted(event.files.items()):
            changes.put(
                "files",
                (batch_id, name),
                {
                    "business_date": event.business_date,
                    "control_hash": short,
                    "control_records": _count(control.get("records")),
                    "control_amount": _amount(control.get("amount")),
                },
            )

    @handle.register(BatchEvents.Progressed)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("batches", event.originator_id)
        if row is None:
            return
        changes.update(
            "batches",
            (event.originator_id,),
            lines_done=event.lines_done,
            events_recorded=(row["events_recorded"] or 0) + event.events,
        )

    @handle.register(BatchEvents.Reconciled)
    def _(self, event: Any, changes: Changes) -> None:
        batch_id = event.originator_id
        row = changes.update(
            "batches",
            (batch_id,),
            status=BatchStatus.APPLIED.value,
            balanced=bool(event.balanced),
        )
        if row is None:
            return
        for name, totals in sorted(event.totals.items()):
            found = changes.get("files", batch_id, name) or {}
            control_records = _count(totals.get("control_records"))
            archive_records = _count(totals.get("archive_records"))
            control_amount = _amount(totals.get("control_amount"))
            archive_amount = _amount(totals.get("archive_amount"))
            changes.put(
                "files",
                (batch_id, name),
                {
                    **found,
                    "business_date": row["business_date"],
                    "control_hash": row["control_hash"],
                    "control_records": control_records,
                    "archive_records": archive_records,
                    "control_amount": control_amount,
                    "archive_amount": archive_amount,
                    "refused_records": _count(totals.get("refused_records")),
                    "balanced": control_records == archive_records
                    and control_amount == archive_amount,
                },
            )
