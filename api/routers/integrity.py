"""Fixity and the four properties (四性检测) over HTTP; each check is recorded as an event."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import ArchiveDep, CommandCtx
from api.responses import LoanNo
from archive.fixity import DossierFixity

router = APIRouter(tags=["integrity"])


class FixityResultPublic(BaseModel):
    sha256: str
    doc_type: str
    status: str
    detail: str


class DossierFixityPublic(BaseModel):
    dossier_id: UUID
    loan_no: str
    passed: bool
    position: int
    results: list[FixityResultPublic]

    @classmethod
    def of(cls, outcome: DossierFixity) -> DossierFixityPublic:
        return cls(
            dossier_id=outcome.dossier_id,
            loan_no=outcome.loan_no,
            passed=outcome.passed,
            position=outcome.position,
            results=[FixityResultPublic(**r.as_dict()) for r in outcome.results],
        )


class FixityReportPublic(BaseModel):
    passed: bool
    dossiers: int
    documents: int
    failures: list[DossierFixityPublic]


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
