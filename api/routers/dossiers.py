"""Dossiers (档案) and their documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import ArchiveDep, CommandCtx, CommandInput, ReadCtx, command_input, command_openapi
from api.responses import LoanNo, document_copy, respond
from api.schemas import (
    CommandPublic,
    DossierPublic,
    EventPublic,
    EventsPublic,
    SupplementCreate,
)
from domain.values import ReadPurpose

router = APIRouter(prefix="/loans/{loan_no}", tags=["dossiers"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the document")]


@router.get("/dossier", response_model=DossierPublic)
def get_dossier(loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx) -> DossierPublic:
    """The loan's dossier with every filed document and the event it evidences."""
    return DossierPublic.of(archive.get_dossier(ctx, loan_no))


@router.get("/dossier/events", response_model=EventsPublic)
def dossier_events(loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx) -> EventsPublic:
    """The dossier's own events: documents filed, read (by whom, why) and fixity checks."""
    events = [EventPublic.of(e) for e in archive.dossier_events(ctx, loan_no)]
    return EventsPublic(data=events, count=len(events))


@router.post(
    "/dossier/documents",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(SupplementCreate),
)
def file_supplement(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[SupplementCreate], Depends(command_input(SupplementCreate))],
    response: Response,
) -> CommandPublic:
    """File documents that evidence no single new event (补充归档)."""
    result = archive.file_supplement(
        cmd.context(ctx),
        loan_no,
        stage=cmd.body.stage,
        uploads=cmd.uploads,
        filed_on=cmd.body.filed_on,
    )
    return respond(result, response)


@router.get(
    "/documents/{sha256}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "application/ofd": {}, "image/*": {}}},
        410: {"description": "档案已销毁 / the dossier was destroyed: its documents are gone"},
    },
)
def read_document(
    loan_no: LoanNo,
    sha256: Sha256,
    archive: ArchiveDep,
    ctx: ReadCtx,
    purpose: Annotated[ReadPurpose, Query(description="why you read it (查阅目的)")],
    original: Annotated[
        bool, Query(description="the original bytes, for auditors and compliance only")
    ] = False,
) -> Response:
    """A copy of one filed document, watermarked for the reader; the read is recorded first."""
    copy = archive.read_document(ctx, loan_no, sha256, purpose=purpose, original=original)
    return document_copy(copy)
