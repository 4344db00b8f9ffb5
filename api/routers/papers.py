"""Post-loan management papers (贷后管理文书): drafted with their document, reviewed through the
chain their kind names, revised when returned, submitted up and read there (阅知).

``POST /papers`` drafts one (multipart: the fields as ``data``, the PDF as a document of type
``management_paper``); ``POST /papers/{id}/reviews`` approves or returns it at the step awaited;
``POST /papers/{id}/revisions`` revises a returned one (a new PDF); ``POST
/papers/{id}/acknowledgement`` records its reading by a head of the unit above. ``GET
/papers/{id}`` reads it, every person by name; ``GET /papers/{id}/document.pdf`` its document
as stored. The register of papers (and of the loans minutes discussed, by loan) is
``/registers/paper_register``.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx
from api.routers import command_route
from archive.application import DossierArchive
from archive.commands.papers import AcknowledgePaper, DraftPaper, ReviewPaper, RevisePaper
from domain.display import UNKNOWN_PERSON
from domain.errors import NotFoundError
from domain.papers import ManagementPaper

router = APIRouter(prefix="/papers", tags=["papers 贷后管理文书"])


class StepPublic(BaseModel):
    """One step of the chain: its role and name, and how it was taken in the current round."""

    step: int
    role: str
    role_zh: str
    zh: str = Field(description="what the bank calls the step (团队经理审查)")


class ReviewPublic(BaseModel):
    step: int
    role: str
    approved: bool
    reason: str
    vetted_on: date
    reviewer: str = Field(description="姓名（工号）")
    round: int


class DocumentPublic(BaseModel):
    sha256: str
    filename: str
    size: int
    pages: int | None


class LoanMeasuresPublic(BaseModel):
    loan_no: str
    borrower_name: str
    measures: str


class PaperPublic(BaseModel):
    """A post-loan management paper: what, whose, due when, where it stands in its chain."""

    paper_id: UUID
    version: int
    paper_no: str
    kind: str
    kind_zh: str
    branch: str
    period_kind: str
    period: str
    period_start: date
    period_end: date
    due_on: date = Field(description="through the chain by (bank's working days)")
    title: str
    author: str = Field(description="姓名（工号）")
    author_role: str
    drafted_on: date
    chain: list[StepPublic]
    next_step: int | None = Field(description="the step awaited (index into chain), if any")
    reviews: list[ReviewPublic]
    documents: list[DocumentPublic] = Field(description="as drafted, then each revision")
    loans: list[LoanMeasuresPublic] = Field(description="minutes: loans and measures decided")
    submitted_to: str | None
    submitted_on: date | None
    acknowledged_on: date | None
    acknowledged_by: str | None
    acknowledgement: str | None
    state: str
    state_zh: str
    rules_version: str


def _name(archive: DossierArchive, staff_id: UUID | None) -> str | None:
    if staff_id is None:
        return None
    try:
        return archive.form_name(staff_id)
    except NotFoundError:
        return UNKNOWN_PERSON


def public(archive: DossierArchive, paper: ManagementPaper) -> PaperPublic:
    return PaperPublic(
        paper_id=paper.id,
        version=paper.version,
        paper_no=paper.paper_no,
        kind=paper.kind,
        kind_zh=paper.kind_zh,
        branch=paper.branch,
        period_kind=paper.period_kind.value,
        period=paper.period,
        period_start=paper.period_start,
        period_end=paper.period_end,
        due_on=paper.due_on,
        title=paper.title,
        author=_name(archive, paper.author_id) or UNKNOWN_PERSON,
        author_role=paper.author_role.value,
        drafted_on=paper.drafted_on,
        chain=[
            StepPublic(step=n, role=role.value, role_zh=role.zh, zh=zh)
            for n, (role, zh) in enumerate(paper.chain)
        ],
        next_step=paper.next_step,
        reviews=[
            ReviewPublic(
                step=r.step,
                role=r.role.value,
                approved=r.approved,
                reason=r.reason,
                vetted_on=r.on,
                reviewer=_name(archive, r.by) or UNKNOWN_PERSON,
                round=r.round,
            )
            for r in paper.reviews
        ],
        documents=[
            DocumentPublic(sha256=d.sha256, filename=d.filename, size=d.size, pages=d.pages)
            for d in paper.documents
        ],
        loans=[
            LoanMeasuresPublic(
                loan_no=m.loan_no, borrower_name=m.borrower_name, measures=m.measures
            )
            for m in paper.loans
        ],
        submitted_to=paper.submitted_to,
        submitted_on=paper.submitted_on,
        acknowledged_on=paper.acknowledged_on,
        acknowledged_by=_name(archive, paper.acknowledged_by),
        acknowledgement=paper.acknowledgement,
        state=paper.state.value,
        state_zh=paper.state.zh,
        rules_version=paper.rules_version,
    )


command_route(router, "", DraftPaper, schema="PaperDraft")
command_route(router, "/{paper_id}/reviews", ReviewPaper, schema="PaperReview")
command_route(router, "/{paper_id}/revisions", RevisePaper, schema="PaperRevision")
command_route(
    router, "/{paper_id}/acknowledgement", AcknowledgePaper, schema="PaperAcknowledgement"
)


@router.get("/{paper_id}", response_model=PaperPublic, summary="贷后管理文书 / a paper")
async def paper(paper_id: UUID, archive: ArchiveDep, ctx: ReadCtx) -> PaperPublic:
    """The paper, its chain step by step and where it stands: to those who read its unit's
    business within their scope, and to the unit it was submitted to."""
    found = await run_in_threadpool(archive.read_paper, ctx, paper_id)
    return await run_in_threadpool(public, archive, found)


@router.get(
    "/{paper_id}/document.pdf",
    responses={200: {"content": {"application/pdf": {}}}},
    summary="文书正文 / the paper's document",
)
async def paper_document(
    paper_id: UUID,
    archive: ArchiveDep,
    ctx: ReadCtx,
    sha256: str | None = Query(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="an earlier revision, by its SHA-256 (default: the latest)",
    ),
) -> Response:
    """The paper's document as uploaded (the latest revision unless one is named)."""
    found, ref, data = await run_in_threadpool(archive.paper_document, ctx, paper_id, sha256)
    return Response(
        content=data,
        media_type=ref.media_type,
        headers={
            "Content-Disposition": 'attachment; filename="paper.pdf"; '
            f"filename*=UTF-8''{quote(found.paper_no + '.pdf')}",
            "X-Dossier-SHA256": ref.sha256,
        },
    )
