"""Collateral (押品): registration, certificate custody (权证出入库), value, insurance, release."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ArchiveDep, ReadCtx
from api.responses import CollateralNo, LoanNo
from api.routers import command_route
from api.schemas import CollateralPublic, CollateralsPublic, EventPublic, EventsPublic
from archive.commands.collateral import (
    LodgeCertificate,
    RecordInsuranceLapse,
    RegisterCollateral,
    ReleaseCollateral,
    RenewInsurance,
    ReturnCertificate,
    RevalueCollateral,
    TakeOutCertificate,
)

router = APIRouter(prefix="/loans/{loan_no}/collateral", tags=["collateral"])
ONE = "/{collateral_no}"

command_route(router, "", RegisterCollateral, schema="CollateralCreate")


@router.get("", response_model=CollateralsPublic)
def list_collateral(loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx) -> CollateralsPublic:
    """The loan's collateral as it stands now, in registration order."""
    found = [CollateralPublic.of(c) for c in archive.list_collateral(ctx, loan_no)]
    return CollateralsPublic(data=found, count=len(found))


@router.get(ONE, response_model=CollateralPublic)
def get_collateral(
    loan_no: LoanNo,
    collateral_no: CollateralNo,
    archive: ArchiveDep,
    ctx: ReadCtx,
    response: Response,
) -> CollateralPublic:
    collateral = archive.get_collateral(ctx, loan_no, collateral_no)
    response.headers["ETag"] = f'"{collateral.version}"'
    return CollateralPublic.of(collateral)


@router.get(f"{ONE}/events", response_model=EventsPublic)
def collateral_events(
    loan_no: LoanNo, collateral_no: CollateralNo, archive: ArchiveDep, ctx: ReadCtx
) -> EventsPublic:
    """Every event of the collateral in order: who, in which role, with which custodians."""
    events = [EventPublic.of(e) for e in archive.collateral_events(ctx, loan_no, collateral_no)]
    return EventsPublic(data=events, count=len(events))


command_route(router, f"{ONE}/lodge", LodgeCertificate, schema="CertificateLodging")
command_route(router, f"{ONE}/take-out", TakeOutCertificate, schema="CertificateTakeOut")
command_route(router, f"{ONE}/return", ReturnCertificate, schema="CertificateReturn")
command_route(router, f"{ONE}/revalue", RevalueCollateral, schema="CollateralRevaluation")
command_route(router, f"{ONE}/insurance/renew", RenewInsurance, schema="InsuranceRenewal")
command_route(router, f"{ONE}/insurance/lapse", RecordInsuranceLapse, schema="InsuranceLapse")
command_route(router, f"{ONE}/release", ReleaseCollateral, schema="CollateralRelease")
