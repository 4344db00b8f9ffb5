"""The customer file (客户档案, 按户建档).

``GET /customers/{borrower_id}`` gathers for one borrower, within the reader's data scope, its
loans and their dossiers (档号, state, completeness), manager (管户), managing bank (客户管理行),
zone and plan, contacts (失联 and the attempts), guarantees, warnings, classifications,
inspections and collection — people by name. ``POST /customers/{borrower_id}/managing-branch``
names its managing bank (the branch head); ``…/rhythm`` records when it is phoned (客户运营规律);
``…/contact-attempts`` records an attempt to reach it (enough failures in a row: 失联);
``…/contact-verifications`` records new contact data verified. The register by customer, its
partitions (分区管理) and the contact-data quality by unit are ``/registers/customer_file/…``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.responses import BorrowerNo
from api.routers import command_route
from api.routers.registers import PointDep, ready
from archive.commands.customers import (
    RecordContactAttempt,
    RecordOperatingRhythm,
    SetManagingBranch,
    VerifyCustomerContact,
)
from domain.authorization import Action
from domain.scope import RowScope
from projections.errors import RegisterBehindError, RegisterFailedError
from projections.query import AsOf
from projections.service import RegisterService

router = APIRouter(tags=["customers 客户档案"])

ONE = "/customers/{borrower_id}"
command_route(router, f"{ONE}/managing-branch", SetManagingBranch, schema="ManagingBranch")
command_route(router, f"{ONE}/rhythm", RecordOperatingRhythm, schema="OperatingRhythm")
command_route(router, f"{ONE}/contact-attempts", RecordContactAttempt, schema="ContactAttempt")
command_route(
    router,
    f"{ONE}/contact-verifications",
    VerifyCustomerContact,
    schema="ContactVerification",
)

COMPLETENESS = "completeness"


def add_completeness(service: RegisterService, scope: RowScope, found: dict[str, Any]) -> None:
    """Each dossier's completeness as the completeness register shows it now (None when it
    cannot: stopped, behind, or the loan not yet applied)."""
    selection = service.select(COMPLETENESS, "summary")
    for loan in found["loans"]:
        try:
            page = service.page(
                selection,
                scope=scope,
                as_of=AsOf(),
                filters={"loan_no": loan["loan_no"]},
                order_by=[],
                limit=1,
                offset=0,
            )
        except (RegisterBehindError, RegisterFailedError):
            loan["dossier"]["completeness"] = None
            continue
        row = page.rows[0] if page.rows else None
        loan["dossier"]["completeness"] = (
            None
            if row is None
            else {k: row[k] for k in ("required", "filed", "late", "missing", "complete")}
        )


@router.get(ONE, summary="客户档案 / the customer file")
async def customer_file(
    borrower_id: BorrowerNo,
    archive: ArchiveDep,
    service: RegistersDep,
    ctx: ReadCtx,
    point: PointDep,
) -> dict[str, Any]:
    """One borrower's file: its loans and dossiers within the reader's data scope (saying how
    many it leaves out), each dossier's completeness from the completeness register once it has
    applied ``after``."""
    read = await ready(service, archive, ctx, [COMPLETENESS], point, Action.READ_BUSINESS)
    found = await run_in_threadpool(archive.customer_file, ctx, borrower_id)
    await run_in_threadpool(add_completeness, service, read.scope, found)
    return found
