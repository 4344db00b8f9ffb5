"""Fixity and the four properties (四性检测) over HTTP; each check is recorded as an event."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ArchiveDep, CommandCtx
from api.responses import LoanNo
from api.schemas import DossierFixityPublic, FixityReportPublic

router = APIRouter(tags=["integrity"])


@router.post(
    "/loans/{loan_no}/dossier/fixity-checks", status_code=201, response_model=DossierFixityPublic
)
def check_dossier(loan_no: LoanNo, archive: ArchiveDep, ctx: CommandCtx) -> DossierFixityPublic:
    """Re-read, decrypt, hash and re-validate every document of one dossier; recorded."""
    [outcome] = archive.check_fixity(ctx, loan_no=loan_no)
    return DossierFixityPublic.of(outcome)


@router.post("/integrity/fixity-checks", status_code=201, response_model=FixityReportPublic)
def check_archive(archive: ArchiveDep, ctx: CommandCtx) -> FixityReportPublic:
    """The same for every dossier (long-running on a large archive; prefer `dossier check`)."""
    outcomes = archive.check_fixity(ctx)
    failures = [DossierFixityPublic.of(o) for o in outcomes if not o.passed]
    return FixityReportPublic(
        passed=not failures,
        dossiers=len(outcomes),
        documents=sum(len(o.results) for o in outcomes),
        failures=failures,
    )
