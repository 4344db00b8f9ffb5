"""Circulation register (借阅登记簿): every borrowing of a dossier, from request to closing.

One row per borrowing: who asked, for what purpose, for the whole dossier or listed documents,
as originals or as a watermarked electronic copy, due when; who approved and when — the
archive head for originals and, when a custody tier-1 item is in scope, the branch head as
well — or who rejected it; the archivist who handed it out and the pages counted out and back;
a page count that did not match on return (recorded and escalated, never silently accepted);
the electronic copy issued (its hash and expiry); the latest overdue reminder; the closing.

Approvals carry no business date of their own, so their time is the event's record time.
Page counts are totals over the items in scope; the mismatch detail names each item short
(or over) by its title, the name it was filed under (by the first twelve characters of its hash
only if the dossier never filed it). ``dossiers`` and ``documents`` are internal helpers with
each dossier's borrower and the title of each document filed.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.borrowing import Borrowing
from domain.display import document_title
from domain.dossier import Dossier
from domain.values import (
    BorrowingForm,
    BorrowingPurpose,
    BorrowingStatus,
    LabelledEnum,
    Role,
)
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.registers.custody import plain
from projections.tables import PERSON, TableSpec, col, loan_facts

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
BorrowingEvents: Any = Borrowing
DossierEvents: Any = Dossier


class BorrowingScope(LabelledEnum):
    """What a borrowing covers (借阅范围)."""

    DOSSIER = ("dossier", "整卷")
    DOCUMENTS = ("documents", "指定文件")


DOSSIERS = TableSpec(
    "dossiers",
    [
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False, nullable=False),
        *loan_facts("borrower_name"),
    ],
    key=("dossier_id",),
    dated=False,  # who or what is who: read by every day's events alike
)

DOCUMENTS = TableSpec(
    "documents",
    [
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False, nullable=False),
        col("sha256", sa.String(64), "文件哈希", "sha256", export=False, nullable=False),
        col("title", sa.String(500), "文件题名", "title"),
    ],
    key=("dossier_id", "sha256"),
    dated=False,  # who or what is who: read by every day's events alike
)

BORROWINGS = TableSpec(
    "borrowings",
    [
        col("borrowing_id", sa.Uuid, "借阅ID", "borrowing id", export=False, nullable=False),
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", export=False),
        col("borrow_no", sa.String(32), "借阅单号", "borrowing no.", filter=True),
        *loan_facts("loan_no", "borrower_name"),
        col("reference_code", sa.String(100), "档号", "reference code", filter=True),
        col("requested_by", sa.Uuid, "借阅人", "requested by", filter=True, shows=PERSON),
        col("requester_role", sa.String(32), "借阅人岗位", "requester's role", labels=Role),
        col("purpose", sa.String(16), "借阅目的", "purpose", filter=True, labels=BorrowingPurpose),
        col("reason", sa.Text, "借阅事由", "reason"),
        col("scope", sa.String(16), "借阅范围", "scope", labels=BorrowingScope),
        col("items", sa.Integer, "借阅件数", "items"),
        col("tier_one", sa.Boolean, "含一级保管物", "tier-1 items in scope", filter=True),
        col("form", sa.String(16), "借阅形式", "form", filter=True, labels=BorrowingForm),
        col("requested_on", sa.Date, "申请日期", "requested on"),
        col("due_on", sa.Date, "应还日期", "due on"),
        col("required_approvals", sa.String(100), "需审批岗位", "approvals required", labels=Role),
        col(
            "archive_head_approved_by",
            sa.Uuid,
            "档案室负责人审批人",
            "archive head approval by",
            shows=PERSON,
        ),
        col(
            "archive_head_approved_at",
            sa.DateTime,
            "档案室负责人审批时间",
            "archive head approval at",
        ),
        col(
            "branch_head_approved_by",
            sa.Uuid,
            "行长审批人",
            "branch head approval by",
            shows=PERSON,
        ),
        col("branch_head_approved_at", sa.DateTime, "行长审批时间", "branch head approval at"),
        col("rejected", sa.Boolean, "已驳回", "rejected", filter=True),
        col("rejected_by", sa.Uuid, "驳回人", "rejected by", shows=PERSON),
        col("reject_reason", sa.Text, "驳回理由", "reject reason"),
        col("checked_out_on", sa.Date, "借出日期", "checked out on"),
        col("checked_out_by", sa.Uuid, "借出经办人", "checked out by", shows=PERSON),
        col("pages_out", sa.Integer, "借出页数", "pages out"),
        col("returned_on", sa.Date, "归还日期", "returned on"),
        col("returned_to", sa.Uuid, "归还经办人", "returned to", shows=PERSON),
        col("pages_in", sa.Integer, "归还页数", "pages in"),
        col("page_mismatch", sa.Boolean, "页数不符", "page count mismatch", filter=True),
        col("mismatch_detail", sa.Text, "页数不符说明", "mismatch detail"),
        col("escalated", sa.Boolean, "已上报", "escalated", filter=True),
        col("escalated_to", sa.String(32), "上报至", "escalated to", labels=Role),
        col("copy_issued_on", sa.Date, "电子副本发放日", "copy issued on"),
        col("copy_issued_by", sa.Uuid, "副本发放人", "copy issued by", shows=PERSON),
        col("copy_sha256", sa.String(64), "电子副本哈希", "copy sha256"),
        col("copy_expires_on", sa.Date, "副本有效期至", "copy expires on"),
        col("overdue_noted_on", sa.Date, "最近催还日", "last overdue reminder"),
        *loan_facts("days_overdue"),
        col("closed_on", sa.Date, "结案日期", "closed on"),
        col("closed_by", sa.Uuid, "结案人", "closed by", shows=PERSON),
        col("close_reason", sa.Text, "结案说明", "close reason"),
        col("status", sa.String(16), "状态", "status", filter=True, labels=BorrowingStatus),
    ],
    key=("borrowing_id",),
    indexes=(("loan_no",), ("due_on",)),
)

APPROVER_COLUMNS = {
    Role.ARCHIVE_HEAD.value: ("archive_head_approved_by", "archive_head_approved_at"),
    Role.BRANCH_HEAD.value: ("branch_head_approved_by", "branch_head_approved_at"),
}


def _mismatches(mismatches: dict[str, list[int]], titles: dict[str, str]) -> str:
    """``借款合同-DK2025000178：借出3页，归还2页`` for each item whose count changed, by title."""
    named = sorted(
        (titles.get(sha) or sha[:12], out, back) for sha, (out, back) in mismatches.items()
    )
    return "；".join(f"{title}：借出{out}页，归还{back}页" for title, out, back in named)


class CirculationRegister(Projection):
    """借阅登记簿: each borrowing's request, approvals, hand-out, return, copy and closing."""

    name = "circulation_register"
    version = 3  # 3: rows dated by business date (业务日期), read on a day (on=)
    title_zh = "借阅登记簿"
    title_en = "Circulation register"
    tables = (DOSSIERS, DOCUMENTS, BORROWINGS)
    listings: ClassVar[dict[str, Listing]] = {
        "borrowings": Listing("borrowings", ("requested_on", "borrow_no"), title_zh, title_en)
    }

    handle = handlers()

    def _change(self, changes: Changes, event: Any, **values: Any) -> dict[str, Any] | None:
        return changes.update("borrowings", (event.originator_id,), **values)

    @handle.register(DossierEvents.Opened)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("dossiers", (event.originator_id,), {"borrower_name": event.borrower_name})

    @handle.register(DossierEvents.DocumentFiled)
    def _(self, event: Any, changes: Changes) -> None:
        document = event.document
        title = document_title(document.filename, document.sha256[:12])
        changes.put("documents", (event.originator_id, document.sha256), {"title": title})

    @handle.register(BorrowingEvents.Requested)
    def _(self, event: Any, changes: Changes) -> None:
        dossier = changes.get("dossiers", event.dossier_id) or {}
        row: dict[str, Any] = dict.fromkeys(BORROWINGS.column_names)
        row |= {
            "dossier_id": event.dossier_id,
            "borrow_no": event.borrow_no,
            "loan_no": event.loan_no,
            "borrower_name": dossier.get("borrower_name"),
            "reference_code": event.reference_code,
            "requested_by": event.actor_id,
            "requester_role": plain(event.role),
            "purpose": plain(event.purpose),
            "reason": event.reason,
            "scope": event.scope,
            "items": len(event.items),
            "tier_one": bool(event.tier_one_items),
            "form": plain(event.form),
            "requested_on": event.requested_on,
            "due_on": event.due_on,
            "required_approvals": ",".join(plain(r) for r in event.required_approvals),
            "rejected": False,
            "page_mismatch": False,
            "escalated": False,
            "status": BorrowingStatus.REQUESTED.value,
        }
        changes.put("borrowings", (event.originator_id,), row)

    @handle.register(BorrowingEvents.Approved)
    def _(self, event: Any, changes: Changes) -> None:
        by, at = APPROVER_COLUMNS.get(
            plain(event.role), ("archive_head_approved_by", "archive_head_approved_at")
        )
        values: dict[str, Any] = {"due_on": event.due_on, by: event.actor_id, at: changes.at}
        if event.complete:
            values["status"] = BorrowingStatus.APPROVED.value
        self._change(changes, event, **values)

    @handle.register(BorrowingEvents.Rejected)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event,
            rejected=True,
            rejected_by=event.actor_id,
            reject_reason=event.reason,
            status=BorrowingStatus.REJECTED.value,
        )

    @handle.register(BorrowingEvents.CheckedOut)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event,
            checked_out_on=event.checked_out_on,
            checked_out_by=event.actor_id,
            pages_out=sum(event.pages.values()),
            status=BorrowingStatus.CHECKED_OUT.value,
        )

    @handle.register(BorrowingEvents.Returned)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event,
            returned_on=event.returned_on,
            returned_to=event.actor_id,
            pages_in=sum(event.pages.values()),
            status=BorrowingStatus.RETURNED.value,
        )

    @handle.register(BorrowingEvents.PageCountMismatched)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("borrowings", event.originator_id) or {}
        titles = {}
        for sha in event.mismatches:
            found = changes.get("documents", row.get("dossier_id"), sha)
            if found is not None:
                titles[sha] = found["title"]
        self._change(
            changes,
            event,
            page_mismatch=True,
            mismatch_detail=_mismatches(event.mismatches, titles),
            escalated=True,
            escalated_to=plain(event.escalated_to),
        )

    @handle.register(BorrowingEvents.ElectronicCopyIssued)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event,
            copy_issued_on=event.issued_on,
            copy_issued_by=event.actor_id,
            copy_sha256=event.copy_sha256,
            copy_expires_on=event.expires_on,
            status=BorrowingStatus.COPY_ISSUED.value,
        )

    @handle.register(BorrowingEvents.OverdueNoted)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("borrowings", event.originator_id)
        if row is None:
            return
        told = plain(event.escalated_to)
        # A first reminder is the archivist's own; past it the heads are told: escalated.
        escalated = row["escalated"] or told != Role.ARCHIVIST.value
        self._change(
            changes,
            event,
            overdue_noted_on=event.on,
            days_overdue=event.days_overdue,
            escalated=escalated,
            escalated_to=told if told != Role.ARCHIVIST.value else row["escalated_to"],
        )

    @handle.register(BorrowingEvents.Closed)
    def _(self, event: Any, changes: Changes) -> None:
        self._change(
            changes,
            event,
            closed_on=event.closed_on,
            closed_by=event.actor_id,
            close_reason=event.reason or None,
            status=BorrowingStatus.CLOSED.value,
        )
