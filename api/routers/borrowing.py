"""Borrowings (借阅): request, approval, check-out, return, electronic copy, overdue notices."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from api.deps import ArchiveDep, CommandCtx, CommandInput, ReadCtx, command_input, command_openapi
from api.fields import MAX_INT, MULTILINE, ONE_LINE
from api.responses import LoanNo, respond
from api.schemas import CommandPublic, EventPublic
from domain.borrowing import Borrowing
from domain.values import BorrowingForm, BorrowingPurpose

router = APIRouter(tags=["borrowings"])
C = 201
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$"), ONE_LINE]
Reason = Annotated[str, Field(max_length=1000), MULTILINE]
Version = Annotated[int, Field(ge=1, le=MAX_INT)]


class BorrowingCreate(BaseModel):
    """A borrowing form (借阅单): whole dossier unless ``documents`` lists some of it."""

    purpose: BorrowingPurpose
    form: BorrowingForm = BorrowingForm.ORIGINAL
    reason: Annotated[Reason, Field(min_length=1)]
    requested_on: date
    due_on: date | None = None
    documents: list[Sha256] | None = Field(default=None, min_length=1, max_length=500)


class BorrowingApproval(BaseModel):
    due_on: date | None = None
    archivist_no: Annotated[str, Field(min_length=1, max_length=64), ONE_LINE] | None = None
    reason: Reason = ""
    expected_version: Version | None = None


class BorrowingRejection(BaseModel):
    reason: Annotated[Reason, Field(min_length=1)]
    expected_version: Version | None = None


class PageCount(BaseModel):
    """The pages of each item, counted at the counter (清点页数)."""

    on: date
    pages: dict[Sha256, Annotated[int, Field(ge=0, le=100_000)]]
    expected_version: Version | None = None


class BorrowingClosure(BaseModel):
    closed_on: date
    reason: Reason = ""
    expected_version: Version | None = None


class CopyIssue(BaseModel):
    issued_on: date
    expires_on: date | None = None


class OverdueNoticeRun(BaseModel):
    on: date


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
            id=b.id,
            borrow_no=b.borrow_no,
            loan_no=b.loan_no,
            version=b.version,
            status=b.status.value,
            purpose=b.purpose.value,
            form=b.form.value,
            scope=b.scope,
            items=list(b.items),
            tier_one_items=list(b.tier_one_items),
            reference_code=b.reference_code,
            requester_id=b.requester_id,
            requested_on=b.requested_on,
            due_on=b.due_on,
            required_approvals=[r.value for r in b.required_approvals],
            approver_ids=list(b.approver_ids),
            archivist_id=b.archivist_id,
            checked_out_on=b.checked_out_on,
            returned_on=b.returned_on,
            pages_out=dict(b.pages_out),
            pages_in=dict(b.pages_in),
            mismatches={k: list(v) for k, v in b.mismatches.items()},
            escalated=b.escalated,
            copy_sha256=b.copy_sha256,
            copy_expires_on=b.copy_expires_on,
            overdue_noted_on=b.overdue_noted_on,
            overdue_days=b.overdue_days,
            closed_on=b.closed_on,
            events=events or [],
        )


class BorrowingsPublic(BaseModel):
    data: list[BorrowingPublic]
    count: int


class OverdueNoticesPublic(BaseModel):
    borrowing_ids: list[str]
    count: int
    position: int | None


def _input(model: type[BaseModel]) -> object:
    return Depends(command_input(model, documents=False))


@router.post(
    "/loans/{loan_no}/dossier/borrowings",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(BorrowingCreate, documents=False),
)
def request_borrowing(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[BorrowingCreate], _input(BorrowingCreate)],
    response: Response,
) -> CommandPublic:
    """Ask to borrow the dossier or listed documents of it (借阅申请)."""
    b = cmd.body
    result = archive.request_borrowing(
        cmd.context(ctx),
        loan_no,
        purpose=b.purpose,
        form=b.form,
        reason=b.reason,
        requested_on=b.requested_on,
        due_on=b.due_on,
        documents=b.documents,
    )
    return respond(result, response)


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


@router.post(
    "/borrowings/{borrowing_id}/approve",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(BorrowingApproval, documents=False),
)
def approve_borrowing(
    borrowing_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[BorrowingApproval], _input(BorrowingApproval)],
    response: Response,
) -> CommandPublic:
    """Approve (审批): the archive head; for tier-1 items the branch head as well."""
    b = cmd.body
    result = archive.approve_borrowing(
        cmd.context(ctx),
        borrowing_id,
        due_on=b.due_on,
        archivist_no=b.archivist_no,
        reason=b.reason,
    )
    return respond(result, response)


@router.post(
    "/borrowings/{borrowing_id}/reject",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(BorrowingRejection, documents=False),
)
def reject_borrowing(
    borrowing_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[BorrowingRejection], _input(BorrowingRejection)],
    response: Response,
) -> CommandPublic:
    """Refuse the borrowing (驳回), with the reason."""
    result = archive.reject_borrowing(cmd.context(ctx), borrowing_id, reason=cmd.body.reason)
    return respond(result, response)


@router.post(
    "/borrowings/{borrowing_id}/check-out",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(PageCount, documents=False),
)
def check_out(
    borrowing_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[PageCount], _input(PageCount)],
    response: Response,
) -> CommandPublic:
    """Hand the originals out (借出), the pages of each item counted."""
    result = archive.check_out(
        cmd.context(ctx), borrowing_id, checked_out_on=cmd.body.on, pages=cmd.body.pages
    )
    return respond(result, response)


@router.post(
    "/borrowings/{borrowing_id}/return",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(PageCount, documents=False),
)
def return_borrowing(
    borrowing_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[PageCount], _input(PageCount)],
    response: Response,
) -> CommandPublic:
    """Take the originals back (归还); a page shortfall is recorded and escalated."""
    result = archive.return_borrowing(
        cmd.context(ctx), borrowing_id, returned_on=cmd.body.on, pages=cmd.body.pages
    )
    return respond(result, response)


@router.post(
    "/borrowings/{borrowing_id}/close",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(BorrowingClosure, documents=False),
)
def close_borrowing(
    borrowing_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[BorrowingClosure], _input(BorrowingClosure)],
    response: Response,
) -> CommandPublic:
    """Close the borrowing (结案); with pages missing, the archive head with a reason."""
    result = archive.close_borrowing(
        cmd.context(ctx), borrowing_id, closed_on=cmd.body.closed_on, reason=cmd.body.reason
    )
    return respond(result, response)


@router.post(
    "/borrowings/{borrowing_id}/electronic-copy",
    status_code=C,
    response_class=Response,
    responses={201: {"content": {"application/pdf": {}}}},
    openapi_extra=command_openapi(CopyIssue, documents=False),
)
def issue_electronic_copy(
    borrowing_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[CopyIssue], _input(CopyIssue)],
) -> Response:
    """The watermarked PDF for the borrower (电子副本); its hash is recorded before it is sent."""
    copy = archive.issue_electronic_copy(
        cmd.context(ctx),
        borrowing_id,
        issued_on=cmd.body.issued_on,
        expires_on=cmd.body.expires_on,
    )
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


@router.post(
    "/borrowings/overdue-notices",
    response_model=OverdueNoticesPublic,
    openapi_extra=command_openapi(OverdueNoticeRun, documents=False),
)
def note_overdue_borrowings(
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[OverdueNoticeRun], _input(OverdueNoticeRun)],
) -> OverdueNoticesPublic:
    """Record today's reminder of every overdue borrowing (逾期催还), at most one a day each."""
    result = archive.note_overdue_borrowings(cmd.context(ctx), on=cmd.body.on)
    if result is None:
        return OverdueNoticesPublic(borrowing_ids=[], count=0, position=None)
    ids = [i for i in result.ids.get("borrowing_ids", "").split(",") if i]
    return OverdueNoticesPublic(borrowing_ids=ids, count=len(ids), position=result.position)
