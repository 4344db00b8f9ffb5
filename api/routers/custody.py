"""The archive office (档案室): transfer, cataloguing, holds, retention and appraisal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.custody_schemas import PastRetentionPublic, PastRetentionsPublic
from api.deps import ArchiveDep, ReadCtx
from api.routers import command_route
from archive.commands.custody import (
    Catalogue,
    ClearDefect,
    DecideAppraisal,
    ExtendRetention,
    ListTransfer,
    OpenAppraisal,
    PlaceHold,
    ReceiveTransfer,
    ReleaseHold,
)

router = APIRouter(tags=["archive office"])
DOSSIER = "/loans/{loan_no}/dossier"

command_route(router, f"{DOSSIER}/transfers", ListTransfer, schema="TransferCreate")
command_route(
    router,
    f"{DOSSIER}/transfers/{{transfer_id}}/receive",
    ReceiveTransfer,
    schema="TransferReceipt",
)
command_route(
    router, f"{DOSSIER}/defects/{{defect_id}}/clear", ClearDefect, schema="DefectClearance"
)
command_route(router, f"{DOSSIER}/catalogue", Catalogue, schema="CatalogueCreate")
command_route(router, f"{DOSSIER}/holds", PlaceHold, schema="HoldCreate")
command_route(router, f"{DOSSIER}/holds/{{hold_id}}/release", ReleaseHold, schema="HoldRelease")
command_route(router, f"{DOSSIER}/appraisals", OpenAppraisal, schema="AppraisalCreate")
command_route(
    router,
    f"{DOSSIER}/appraisals/{{appraisal_id}}/decide",
    DecideAppraisal,
    schema="AppraisalDecision",
)
command_route(router, f"{DOSSIER}/retention/extend", ExtendRetention, schema="RetentionExtension")


@router.get("/archive/past-retention", response_model=PastRetentionsPublic)
def past_retention(
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: Annotated[date, Query(description="as of this date (YYYY-MM-DD)")],
) -> PastRetentionsPublic:
    """Dossiers whose retention ended before ``on`` (到期档案), earliest first."""
    found = [PastRetentionPublic.of(d) for d in archive.dossiers_past_retention(ctx, on=on)]
    return PastRetentionsPublic(data=found, count=len(found))
