"""Collateral (押品): registration, certificate custody (权证出入库), value, insurance, release."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from api.deps import ArchiveDep, CommandCtx, CommandInput, ReadCtx, command_input, command_openapi
from api.responses import LoanNo, respond
from api.schemas import (
    CertificateLodging,
    CertificateReturn,
    CertificateTakeOut,
    CollateralCreate,
    CollateralPublic,
    CollateralRelease,
    CollateralRevaluation,
    CollateralsPublic,
    CommandPublic,
    EventPublic,
    EventsPublic,
    InsuranceLapse,
    InsuranceRenewal,
)

router = APIRouter(prefix="/loans/{loan_no}/collateral", tags=["collateral"])
C = 201

CollateralNo = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="押品编号")
]


@router.post(
    "", status_code=C, response_model=CommandPublic, openapi_extra=command_openapi(CollateralCreate)
)
def register_collateral(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[CollateralCreate], Depends(command_input(CollateralCreate))],
    response: Response,
) -> CommandPublic:
    """Register a collateral on the loan (押品登记) with its contract, valuation, certificate."""
    b = cmd.body
    result = archive.register_collateral(
        cmd.context(ctx),
        loan_no,
        collateral_no=b.collateral_no,
        kind=b.kind,
        description=b.description,
        owner_name=b.owner_name,
        appraised_value=b.appraised_value,
        appraised_on=b.appraised_on,
        registration_no=b.registration_no,
        registered_on=b.registered_on,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.get("", response_model=CollateralsPublic)
def list_collateral(loan_no: LoanNo, archive: ArchiveDep, ctx: ReadCtx) -> CollateralsPublic:
    """The loan's collateral as it stands now, in registration order."""
    found = [CollateralPublic.of(c) for c in archive.list_collateral(ctx, loan_no)]
    return CollateralsPublic(data=found, count=len(found))


@router.get("/{collateral_no}", response_model=CollateralPublic)
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


@router.get("/{collateral_no}/events", response_model=EventsPublic)
def collateral_events(
    loan_no: LoanNo, collateral_no: CollateralNo, archive: ArchiveDep, ctx: ReadCtx
) -> EventsPublic:
    """Every event of the collateral in order: who, in which role, with which custodians."""
    events = [EventPublic.of(e) for e in archive.collateral_events(ctx, loan_no, collateral_no)]
    return EventsPublic(data=events, count=len(events))


@router.post(
    "/{collateral_no}/lodge",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(CertificateLodging),
)
def lodge_certificate(
    loan_no: LoanNo,
    collateral_no: CollateralNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[CertificateLodging], Depends(command_input(CertificateLodging))],
    response: Response,
) -> CommandPublic:
    """Lodge the title certificate in the vault (权证入库), two archivists present."""
    result = archive.lodge_certificate(
        cmd.context(ctx),
        loan_no,
        collateral_no,
        certificate_no=cmd.body.certificate_no,
        lodged_on=cmd.body.lodged_on,
        custodian_nos=cmd.body.custodian_nos,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{collateral_no}/take-out",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(CertificateTakeOut),
)
def take_out_certificate(
    loan_no: LoanNo,
    collateral_no: CollateralNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[CertificateTakeOut], Depends(command_input(CertificateTakeOut))],
    response: Response,
) -> CommandPublic:
    """Take the title certificate out of the vault (权证出库), two archivists present."""
    result = archive.take_out_certificate(
        cmd.context(ctx),
        loan_no,
        collateral_no,
        taken_out_on=cmd.body.taken_out_on,
        purpose=cmd.body.purpose,
        custodian_nos=cmd.body.custodian_nos,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{collateral_no}/return",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(CertificateReturn),
)
def return_certificate(
    loan_no: LoanNo,
    collateral_no: CollateralNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[CertificateReturn], Depends(command_input(CertificateReturn))],
    response: Response,
) -> CommandPublic:
    """Return the title certificate to the vault (权证归还), two archivists present."""
    result = archive.return_certificate(
        cmd.context(ctx),
        loan_no,
        collateral_no,
        returned_on=cmd.body.returned_on,
        custodian_nos=cmd.body.custodian_nos,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{collateral_no}/revalue",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(CollateralRevaluation),
)
def revalue_collateral(
    loan_no: LoanNo,
    collateral_no: CollateralNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[CollateralRevaluation], Depends(command_input(CollateralRevaluation))
    ],
    response: Response,
) -> CommandPublic:
    """Record a revaluation (重估) with its report."""
    result = archive.revalue_collateral(
        cmd.context(ctx),
        loan_no,
        collateral_no,
        revalued_on=cmd.body.revalued_on,
        value=cmd.body.value,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{collateral_no}/insurance/renew",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(InsuranceRenewal),
)
def renew_insurance(
    loan_no: LoanNo,
    collateral_no: CollateralNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[InsuranceRenewal], Depends(command_input(InsuranceRenewal))],
    response: Response,
) -> CommandPublic:
    """Record the policy now insuring the collateral (续保) with the policy itself."""
    b = cmd.body
    result = archive.renew_insurance(
        cmd.context(ctx),
        loan_no,
        collateral_no,
        policy_no=b.policy_no,
        insurer=b.insurer,
        expires_on=b.expires_on,
        uploads=cmd.uploads,
    )
    return respond(result, response)


@router.post(
    "/{collateral_no}/insurance/lapse",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(InsuranceLapse, documents=False),
)
def record_insurance_lapse(
    loan_no: LoanNo,
    collateral_no: CollateralNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[InsuranceLapse], Depends(command_input(InsuranceLapse, documents=False))
    ],
    response: Response,
) -> CommandPublic:
    """Record that the collateral's insurance has lapsed (脱保)."""
    result = archive.record_insurance_lapse(
        cmd.context(ctx), loan_no, collateral_no, lapsed_on=cmd.body.lapsed_on
    )
    return respond(result, response)


@router.post(
    "/{collateral_no}/release",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(CollateralRelease),
)
def release_collateral(
    loan_no: LoanNo,
    collateral_no: CollateralNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[CollateralRelease], Depends(command_input(CollateralRelease))],
    response: Response,
) -> CommandPublic:
    """Release the collateral (注销): the branch head, or after settlement the account manager."""
    result = archive.release_collateral(
        cmd.context(ctx),
        loan_no,
        collateral_no,
        released_on=cmd.body.released_on,
        reason=cmd.body.reason,
        uploads=cmd.uploads,
    )
    return respond(result, response)
