"""The archive office (档案室): transfer, cataloguing, holds, retention and appraisal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.custody_schemas import PastRetentionPublic, PastRetentionsPublic
from api.deps import ArchiveDep, ReadCtx
from api.routers import command_route
from archive.commands import custody

router = APIRouter(tags=["archive office"])
DOSSIER = "/loans/{loan_no}/dossier"

for path, command, schema in (
    ("transfers", custody.ListTransfer, "TransferCreate"),
    ("transfers/{transfer_id}/receive", custody.ReceiveTransfer, "TransferReceipt"),
    ("defects/{defect_id}/clear", custody.ClearDefect, "DefectClearance"),
    ("catalogue", custody.Catalogue, "CatalogueCreate"),
    ("holds", custody.PlaceHold, "HoldCreate"),
    ("holds/{hold_id}/release", custody.ReleaseHold, "HoldRelease"),
    ("appraisals", custody.OpenAppraisal, "AppraisalCreate"),
    ("appraisals/{appraisal_id}/decide", custody.DecideAppraisal, "AppraisalDecision"),
    ("retention/extend", custody.ExtendRetention, "RetentionExtension"),
):
    command_route(router, f"{DOSSIER}/{path}", command, schema=schema)


@router.get("/archive/past-retention", response_model=PastRetentionsPublic)
def past_retention(
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: Annotated[date, Query(description="as of this date (YYYY-MM-DD)")],
) -> PastRetentionsPublic:
    """Dossiers whose retention ended before ``on`` (到期档案), earliest first."""
    found = [PastRetentionPublic.of(d) for d in archive.dossiers_past_retention(ctx, on=on)]
    return PastRetentionsPublic(data=found, count=len(found))
