"""Fixity and the four properties (四性检测) over HTTP; each check is recorded as an event."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.routers import command_route
from api.schemas import DossierFixityPublic, FixityReportPublic
from archive.commands.integrity import CheckDossierFixity, CheckFixity, DossierFixity

router = APIRouter(tags=["integrity"])


def _dossier(outcome: DossierFixity, response: Response) -> DossierFixityPublic:
    return DossierFixityPublic.of(outcome)


def _report(outcomes: list[DossierFixity], response: Response) -> FixityReportPublic:
    failures = [DossierFixityPublic.of(o) for o in outcomes if not o.passed]
    return FixityReportPublic(
        passed=not failures,
        dossiers=len(outcomes),
        documents=sum(len(o.results) for o in outcomes),
        failures=failures,
    )


command_route(
    router,
    "/loans/{loan_no}/dossier/fixity-checks",
    CheckDossierFixity,
    name="check_dossier",
    answer=_dossier,
    response_model=DossierFixityPublic,
)
command_route(
    router,
    "/integrity/fixity-checks",
    CheckFixity,
    name="check_archive",
    answer=_report,
    response_model=FixityReportPublic,
    description="The same for every dossier (long-running on a large archive; prefer `dossier check`).",
)
