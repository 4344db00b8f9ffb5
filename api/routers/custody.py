"""The archive office (档案室): transfer, cataloguing, holds, retention and appraisal."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from api.custody_schemas import (
    AppraisalCreate,
    AppraisalDecision,
    CatalogueCreate,
    DefectClearance,
    HoldCreate,
    HoldRelease,
    PastRetentionPublic,
    PastRetentionsPublic,
    RetentionExtension,
    TransferCreate,
    TransferReceipt,
)
from api.deps import ArchiveDep, CommandCtx, CommandInput, ReadCtx, command_input, command_openapi
from api.responses import LoanNo, respond
from api.schemas import CommandPublic

router = APIRouter(tags=["archive office"])
C = 201
DOSSIER = "/loans/{loan_no}/dossier"


@router.post(
    f"{DOSSIER}/transfers",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(TransferCreate),
)
def list_transfer(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[TransferCreate], Depends(command_input(TransferCreate))],
    response: Response,
) -> CommandPublic:
    """List a transfer to the archive office (移交清单): contract originals or the full dossier."""
    b = cmd.body
    result = archive.list_transfer(
        cmd.context(ctx),
        loan_no,
        kind=b.kind,
        items=[i.model_dump() for i in b.items],
        listed_on=b.listed_on,
        signed_on=b.signed_on,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    f"{DOSSIER}/transfers/{{transfer_id}}/receive",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(TransferReceipt),
)
def receive_transfer(
    loan_no: LoanNo,
    transfer_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[TransferReceipt], Depends(command_input(TransferReceipt))],
    response: Response,
) -> CommandPublic:
    """Check each item and sign the receipt (接收); missing or damaged items become defects."""
    result = archive.receive_transfer(
        cmd.context(ctx),
        loan_no,
        transfer_id,
        checks=[c.model_dump() for c in cmd.body.checks],
        received_on=cmd.body.received_on,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    f"{DOSSIER}/defects/{{defect_id}}/clear",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(DefectClearance),
)
def clear_defect(
    loan_no: LoanNo,
    defect_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[DefectClearance], Depends(command_input(DefectClearance))],
    response: Response,
) -> CommandPublic:
    """Close a transfer defect: the item came in, or its absence is explained."""
    result = archive.clear_defect(
        cmd.context(ctx),
        loan_no,
        defect_id,
        cleared_on=cmd.body.cleared_on,
        note=cmd.body.note,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    f"{DOSSIER}/catalogue",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(CatalogueCreate, documents=False),
)
def catalogue(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[CatalogueCreate], Depends(command_input(CatalogueCreate, documents=False))
    ],
    response: Response,
) -> CommandPublic:
    """Catalogue the dossier (编目): its reference code (档号) is in ``ids.reference_code``."""
    result = archive.catalogue(
        cmd.context(ctx),
        loan_no,
        shelf_location=cmd.body.shelf_location,
        catalogued_on=cmd.body.catalogued_on,
    )
    return respond(result, response)


@router.post(
    f"{DOSSIER}/holds",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(HoldCreate),
)
def place_hold(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[HoldCreate], Depends(command_input(HoldCreate))],
    response: Response,
) -> CommandPublic:
    """Freeze the dossier (冻结) for litigation, audit or investigation; holds stack."""
    b = cmd.body
    result = archive.place_hold(
        cmd.context(ctx),
        loan_no,
        kind=b.kind,
        reason=b.reason,
        reference=b.reference,
        placed_on=b.placed_on,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    f"{DOSSIER}/holds/{{hold_id}}/release",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(HoldRelease),
)
def release_hold(
    loan_no: LoanNo,
    hold_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[HoldRelease], Depends(command_input(HoldRelease))],
    response: Response,
) -> CommandPublic:
    """Release one hold (解除冻结)."""
    result = archive.release_hold(
        cmd.context(ctx),
        loan_no,
        hold_id,
        reason=cmd.body.reason,
        released_on=cmd.body.released_on,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    f"{DOSSIER}/appraisals",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(AppraisalCreate, documents=False),
)
def open_appraisal(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[AppraisalCreate], Depends(command_input(AppraisalCreate, documents=False))
    ],
    response: Response,
) -> CommandPublic:
    """Open the appraisal (鉴定) of a dossier whose retention has ended."""
    result = archive.open_appraisal(
        cmd.context(ctx), loan_no, opened_on=cmd.body.opened_on, group_nos=cmd.body.group_nos
    )
    return respond(result, response)


@router.post(
    f"{DOSSIER}/appraisals/{{appraisal_id}}/decide",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(AppraisalDecision),
)
def decide_appraisal(
    loan_no: LoanNo,
    appraisal_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[AppraisalDecision], Depends(command_input(AppraisalDecision))],
    response: Response,
) -> CommandPublic:
    """Record the appraisal opinion (鉴定意见): destroy, or extend retention."""
    b = cmd.body
    result = archive.decide_appraisal(
        cmd.context(ctx),
        loan_no,
        appraisal_id,
        opinion=b.opinion,
        text=b.text,
        decided_on=b.decided_on,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    f"{DOSSIER}/retention/extend",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(RetentionExtension, documents=False),
)
def extend_retention(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[RetentionExtension],
        Depends(command_input(RetentionExtension, documents=False)),
    ],
    response: Response,
) -> CommandPublic:
    """Keep the dossier until a later date (延长保管期限)."""
    b = cmd.body
    result = archive.extend_retention(
        cmd.context(ctx),
        loan_no,
        ends_on=b.ends_on,
        reason=b.reason,
        extended_on=b.extended_on,
        appraisal_id=b.appraisal_id,
    )
    return respond(result, response)


@router.get("/archive/past-retention", response_model=PastRetentionsPublic)
def past_retention(
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: Annotated[date, Query(description="as of this date (YYYY-MM-DD)")],
) -> PastRetentionsPublic:
    """Dossiers whose retention ended before ``on`` (到期档案), earliest first."""
    found = [PastRetentionPublic.of(d) for d in archive.dossiers_past_retention(ctx, on=on)]
    return PastRetentionsPublic(data=found, count=len(found))
