"""Borrowings (借阅): request, approval, check-out, return, electronic copy, overdue notices."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import ArchiveDep, ReadCtx
from api.responses import LoanNo
from api.routers import command_route
from api.schemas import EventPublic, read_fields
from archive.commands.borrowing import (
    ApproveBorrowing,
    CheckOut,
    CloseBorrowing,
    ElectronicCopy,
    IssueElectronicCopy,
    NoteOverdueBorrowings,
    RejectBorrowing,
    RequestBorrowing,
    ReturnBorrowing,
)
from archive.core import CommandResult
from domain.borrowing import Borrowing

router = APIRouter(tags=["borrowings"])
C = 201


class BorrowingPublic(BaseModel):
    id: UUID
    borrow_no: str
    loan_no: str
    version: int
    status: str
    purpose: str
    form: str
    scope: str
    items: list[str]
    tier_one_items: list[str]
    reference_code: str | None
    requester_id: UUID
    requested_on: date
    due_on: date
    required_approvals: list[str]
    approver_ids: list[UUID]
    archivist_id: UUID | None
    checked_out_on: date | None
    returned_on: date | None
    pages_out: dict[str, int]
    pages_in: dict[str, int]
    mismatches: dict[str, list[int]]
    escalated: bool
    copy_sha256: str | None
    copy_expires_on: date | None
    overdue_noted_on: date | None
    overdue_days: int
    closed_on: date | None
    events: list[EventPublic] = []

    @classmethod
    def of(cls, b: Borrowing, events: list[EventPublic] | None = None) -> BorrowingPublic:
        return cls(
            **read_fields(
                cls,
                b,
                status=b.status.value,
                purpose=b.purpose.value,
                form=b.form.value,
                items=list(b.items),
                tier_one_items=list(b.tier_one_items),
                required_approvals=[r.value for r in b.required_approvals],
                approver_ids=list(b.approver_ids),
                pages_out=dict(b.pages_out),
                pages_in=dict(b.pages_in),
                mismatches={k: list(v) for k, v in b.mismatches.items()},
                events=events or [],
            )
        )


class BorrowingsPublic(BaseModel):
    data: list[BorrowingPublic]
    count: int


class OverdueNoticesPublic(BaseModel):
    borrowing_ids: list[str]
    count: int
    position: int | None


command_route(
    router, "/loans/{loan_no}/dossier/borrowings", RequestBorrowing, schema="BorrowingCreate"
)


@router.get("/loans/{loan_no}/dossier/borrowings", response_model=BorrowingsPublic)
def list_borrowings(loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx) -> BorrowingsPublic:
    """The dossier's borrowings in request order (借阅登记)."""
    found = [BorrowingPublic.of(b) for b in archive.list_borrowings(ctx, loan_no)]
    return BorrowingsPublic(data=found, count=len(found))


@router.get("/borrowings/{borrowing_id}", response_model=BorrowingPublic)
def get_borrowing(
    borrowing_id: UUID, archive: ArchiveDep, ctx: ReadCtx, response: Response
) -> BorrowingPublic:
    """One borrowing as it stands, with its events (who approved, handed out, took back)."""
    borrowing = archive.get_borrowing(ctx, borrowing_id)
    response.headers["ETag"] = f'"{borrowing.version}"'
    events = [EventPublic.of(e) for e in archive.borrowing_events(ctx, borrowing_id)]
    return BorrowingPublic.of(borrowing, events)


ONE = "/borrowings/{borrowing_id}"
command_route(router, f"{ONE}/approve", ApproveBorrowing, schema="BorrowingApproval")
command_route(router, f"{ONE}/reject", RejectBorrowing, schema="BorrowingRejection")
command_route(router, f"{ONE}/check-out", CheckOut, schema="PageCount")
command_route(router, f"{ONE}/return", ReturnBorrowing, schema="PageCount")
command_route(router, f"{ONE}/close", CloseBorrowing, schema="BorrowingClosure")


def _copy(copy: ElectronicCopy, response: Response) -> Response:
    return Response(
        content=copy.content,
        status_code=C,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(copy.filename)}",
            "X-Content-SHA256": copy.sha256,
            "X-Event-Position": str(copy.result.position),
            "ETag": f'"{copy.result.version}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


command_route(
    router,
    f"{ONE}/electronic-copy",
    IssueElectronicCopy,
    schema="CopyIssue",
    answer=_copy,
    response_class=Response,
    response_model=None,
    responses={201: {"content": {"application/pdf": {}}}},
)


def _noted(result: CommandResult | None, response: Response) -> OverdueNoticesPublic:
    if result is None:
        return OverdueNoticesPublic(borrowing_ids=[], count=0, position=None)
    ids = [i for i in result.ids.get("borrowing_ids", "").split(",") if i]
    return OverdueNoticesPublic(borrowing_ids=ids, count=len(ids), position=result.position)


command_route(
    router,
    "/borrowings/overdue-notices",
    NoteOverdueBorrowings,
    schema="OverdueNoticeRun",
    answer=_noted,
    status_code=200,
    response_model=OverdueNoticesPublic,
)
