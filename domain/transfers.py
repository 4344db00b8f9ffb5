"""Transfers to the archive office (移交) and their receipt (接收): the rules and the records.

A transfer list names what the credit side hands over; the archivist checks every item on
receipt, and what is missing, damaged or short stays open as a defect until cleared. A full
transfer, after the loan closed, is matched with the originals received earlier (二次组卷).
:class:`domain.custody.DossierCustody` records all of it as events; the rules it applies before
recording are here, one function each.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from domain.dates import check_not_before
from domain.errors import InvalidInputError, LoanNotClosedError, ReceiptMismatchError
from domain.values import ItemCondition, LoanStatus, TransferKind, require_text
from domain.workdays import WEEKENDS_ONLY, WorkingCalendar

MAX_ITEMS = 500


def add_working_days(start: date, days: int, calendar: WorkingCalendar = WEEKENDS_ONLY) -> date:
    """The date ``days`` working days after ``start`` by the bank's ``calendar``.

    Every working-day deadline passes the calendar of the rules in force
    (``RuleSet.calendar``: public holidays skipped, make-up working days counted); without one,
    Saturdays and Sundays are the only days skipped.
    """
    return calendar.add_working_days(start, days)


@dataclass(frozen=True)
class TransferItem:
    """One line of a transfer list (移交清单)."""

    item_no: int
    doc_type: str
    title: str
    pages: int

    def as_dict(self) -> dict[str, Any]:
        return {"doc_type": self.doc_type, "title": self.title, "pages": self.pages}


@dataclass
class Transfer:
    """A transfer of originals or of the full dossier, and what the archivist found."""

    transfer_id: UUID
    kind: TransferKind
    items: list[TransferItem]
    listed_by: UUID
    listed_on: date
    due_on: date | None
    received_by: UUID | None = None
    received_on: date | None = None
    conditions: dict[int, ItemCondition] = field(default_factory=dict)
    completes: list[dict[str, Any]] = field(default_factory=list)
    transfer_no: str | None = None
    """Its number in the year's series of transfer lists (移交〔2026〕第0001号); none for a
    transfer listed by a release before the numbering."""

    @property
    def received(self) -> bool:
        return self.received_on is not None

    @property
    def late(self) -> bool:
        """Listed after the deadline for originals."""
        return self.due_on is not None and self.listed_on > self.due_on


@dataclass
class Defect:
    """An item of a transfer that was missing, damaged or short of pages on receipt."""

    defect_id: UUID
    transfer_id: UUID
    item_no: int
    condition: ItemCondition
    detail: str
    cleared_on: date | None = None


def defect_id_for(transfer_id: UUID, item_no: int) -> UUID:
    return uuid5(transfer_id, f"defect:{item_no}")


@dataclass(frozen=True)
class TransferList:
    """A transfer list as checked: its items, the signing date kept and the deadline."""

    items: list[TransferItem]
    signed_on: date | None
    due_on: date | None


def transfer_list(
    kind: TransferKind,
    items: Sequence[Mapping[str, Any]],
    listed_on: date,
    signed_on: date | None,
    loan_status: LoanStatus,
    originals_working_days: int,
    calendar: WorkingCalendar = WEEKENDS_ONLY,
) -> TransferList:
    """Check a transfer list (移交清单) and set the deadline of originals.

    Originals are due within ``originals_working_days`` working days of signing, by the
    bank's ``calendar`` (holidays skipped, make-up working days counted); the full
    dossier is listed only once the loan is settled or written off, and has no deadline here.
    """
    if not items or len(items) > MAX_ITEMS:
        raise InvalidInputError(
            f"移交清单须列明 1–{MAX_ITEMS} 项",
            f"a transfer list names 1 to {MAX_ITEMS} items",
            field="items",
        )
    listed = [_item(n, raw) for n, raw in enumerate(items, start=1)]
    if kind is TransferKind.FULL:
        if loan_status is LoanStatus.ACTIVE:
            raise LoanNotClosedError(
                "贷款结清或核销后方可移交整卷档案",
                "the full dossier is transferred only after settlement or write-off",
                status=loan_status.value,
            )
        return TransferList(listed, None, None)
    if signed_on is None:
        raise InvalidInputError(
            "合同原件移交须注明签订日期",
            "originals need the signing date",
            field="signed_on",
        )
    check_not_before(listed_on, signed_on, field="listed_on", since_field="signed_on")
    return TransferList(
        listed, signed_on, add_working_days(signed_on, originals_working_days, calendar)
    )


def _item(item_no: int, raw: Mapping[str, Any]) -> TransferItem:
    doc_type = str(raw.get("doc_type", "")).strip()
    pages = raw.get("pages")
    if not doc_type:
        raise InvalidInputError(
            f"第 {item_no} 项缺少文档类型", f"item {item_no} has no doc_type", field="items"
        )
    if not isinstance(pages, int) or isinstance(pages, bool) or not 1 <= pages <= 100_000:
        raise InvalidInputError(
            f"第 {item_no} 项页数无效", f"item {item_no}: pages must be 1 or more", field="items"
        )
    title = require_text(str(raw.get("title", "")), f"items[{item_no}].title", max_length=500)
    return TransferItem(item_no, doc_type, title, pages)


def receipt_checks(
    transfer: Transfer, checks: Sequence[Mapping[str, Any]]
) -> dict[int, tuple[ItemCondition, int, str]]:
    """Each listed item's check, exactly once: (condition, pages counted, note)."""
    found: dict[int, tuple[ItemCondition, int, str]] = {}
    listed = {i.item_no for i in transfer.items}
    for raw in checks:
        item_no = raw.get("item_no")
        if not isinstance(item_no, int) or item_no not in listed or item_no in found:
            raise ReceiptMismatchError(
                f"接收清点须逐项核对清单第 1–{len(listed)} 项，各一次",
                f"a receipt checks items 1 to {len(listed)} of the list, each exactly once",
                item_no=str(item_no),
            )
        condition = ItemCondition.parse(raw.get("condition"), "condition")
        counted = raw.get("pages_counted", 0)
        if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
            raise InvalidInputError(
                "清点页数无效", "pages_counted must be 0 or more", field="pages_counted"
            )
        if condition is ItemCondition.MISSING:
            counted = 0
        found[item_no] = (condition, counted, str(raw.get("note", "")).strip()[:500])
    if set(found) != listed:
        raise ReceiptMismatchError(
            f"接收清点须逐项核对清单第 1–{len(listed)} 项，各一次",
            f"a receipt checks items 1 to {len(listed)} of the list, each exactly once",
            unchecked=sorted(listed - set(found)),
        )
    return found


def receipt_defects(
    transfer: Transfer, found: Mapping[int, tuple[ItemCondition, int, str]]
) -> list[dict[str, Any]]:
    """The defects a receipt opens: every item missing, damaged or short of pages."""
    defects: list[dict[str, Any]] = []
    for item in transfer.items:
        condition, counted, note = found[item.item_no]
        detail = note
        if condition is ItemCondition.PRESENT and counted != item.pages:
            detail = f"pages counted {counted} of {item.pages}; {note}".strip("; ")
        elif condition is ItemCondition.PRESENT:
            continue
        defects.append(
            {
                "defect_id": defect_id_for(transfer.transfer_id, item.item_no),
                "item_no": item.item_no,
                "condition": condition,
                "detail": detail,
            }
        )
    return defects


def match_originals(full: Transfer, transfers: Sequence[Transfer]) -> list[dict[str, Any]]:
    """Pair each item of a full transfer with an original received earlier (二次组卷).

    An original of the same document type and title is taken first, else one of the same type;
    each original joins one item at most.
    """
    earlier = [
        (t.transfer_id, i)
        for t in transfers
        if t.kind is TransferKind.ORIGINALS and t.received and t.transfer_id != full.transfer_id
        for i in t.items
        if t.conditions.get(i.item_no) is ItemCondition.PRESENT
    ]
    used: set[tuple[UUID, int]] = set()
    pairs: list[dict[str, Any]] = []
    for item in full.items:
        for exact in (True, False):
            match = next(
                (
                    (tid, o)
                    for tid, o in earlier
                    if (tid, o.item_no) not in used
                    and o.doc_type == item.doc_type
                    and (o.title == item.title or not exact)
                ),
                None,
            )
            if match is not None:
                used.add((match[0], match[1].item_no))
                pairs.append(
                    {
                        "item_no": item.item_no,
                        "original_transfer_id": match[0],
                        "original_item_no": match[1].item_no,
                    }
                )
                break
    return pairs
