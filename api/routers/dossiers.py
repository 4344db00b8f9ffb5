"""Dossiers (档案) and their documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import StreamingResponse

from api.deps import ArchiveDep, CommandCtx, CommandInput, ReadCtx, command_input, command_openapi
from api.responses import LoanNo, respond
from api.schemas import CommandPublic, DossierPublic, SupplementCreate

router = APIRouter(prefix="/loans/{loan_no}", tags=["dossiers"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the document")]


@router.get("/dossier", response_model=DossierPublic)
def get_dossier(loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx) -> DossierPublic:
    """The loan's dossier with every filed document and the event it evidences."""
    return DossierPublic.of(archive.get_dossier(ctx, loan_no))


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
        cmd.context(ctx), loan_no, stage=cmd.body.stage, uploads=cmd.uploads
    )
    return respond(result, response)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(64 * 1024):
            yield chunk
    finally:
        stream.close()


@router.get(
    "/documents/{sha256}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/pdf": {}, "image/*": {}}}},
)
def download_document(
    loan_no: LoanNo, sha256: Sha256, archive: ArchiveDep, ctx: ReadCtx
) -> StreamingResponse:
    """The bytes of one filed document."""
    document = archive.open_document(ctx, loan_no, sha256)
    ref = document.ref
    return StreamingResponse(
        _chunks(document.stream),
        media_type=ref.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(ref.filename)}",
            "Content-Length": str(ref.size),
            "X-Content-SHA256": ref.sha256,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
