"""Data scope over HTTP (数据权限): moves of people and loans, account managers, and who could
read a dossier on a day.

``POST /staff/{staff_no}/transfers`` moves a person to another unit (the administrator),
``POST /loans/{loan_no}/moves`` moves a loan (a branch head or risk manager whose scope holds
both units), ``POST /loans/{loan_no}/account-managers`` assigns its A岗 and B岗 (the branch
head), each from a business date; ``GET /loans/{loan_no}/readers?on=DATE`` answers auditors and
compliance who could read the loan's dossier that day, from the events.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ArchiveDep, ReadCtx
from api.responses import LoanNo
from api.routers import command_route
from archive.commands.scope import AssignAccountManagers, MoveLoan, Readers, TransferStaff

router = APIRouter(tags=["scope 数据权限"])

command_route(router, "/staff/{staff_no}/transfers", TransferStaff, schema="StaffTransfer")
command_route(router, "/loans/{loan_no}/moves", MoveLoan, schema="LoanMove")
command_route(
    router, "/loans/{loan_no}/account-managers", AssignAccountManagers, schema="ManagersAssign"
)


class ReaderPublic(BaseModel):
    """One person who could read the dossier that day: 姓名（工号）, unit, role and why."""

    staff_no: str
    name: str
    display: str
    branch: str
    role: str
    role_zh: str
    reach: str
    reach_zh: str
    why_zh: str
    why_en: str


class ReadersPublic(BaseModel):
    """Who could read the loan's dossier on ``on``, with the loan's unit and managers then."""

    loan_no: str
    on: date
    existed: bool
    branch: str | None
    a_manager: str | None
    b_manager: str | None
    rules_version: str
    data: list[ReaderPublic]
    count: int

    @classmethod
    def of(cls, found: Readers) -> ReadersPublic:
        people = [
            ReaderPublic(
                staff_no=r.staff_no,
                name=r.name,
                display=r.display,
                branch=r.branch,
                role=r.role.value,
                role_zh=r.role.zh,
                reach=r.reach.value,
                reach_zh=r.reach.zh,
                why_zh=r.why_zh,
                why_en=r.why_en,
            )
            for r in found.readers
        ]
        return cls(
            loan_no=found.loan_no,
            on=found.on,
            existed=found.existed,
            branch=found.branch,
            a_manager=found.a_manager,
            b_manager=found.b_manager,
            rules_version=found.rules_version,
            data=people,
            count=len(people),
        )


@router.get(
    "/loans/{loan_no}/readers",
    response_model=ReadersPublic,
    summary="某日可查阅档案的人员 / who could read the dossier on a day",
)
def readers(
    loan_no: LoanNo,
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: Annotated[date, Query(description="the business date (YYYY-MM-DD, the bank's day)")],
) -> ReadersPublic:
    """Everyone whose role and data scope let them read the loan's dossier at some moment of
    ``on``, judged from the events (moves, managers, roles) and the rules in force that day."""
    return ReadersPublic.of(archive.readers_on(ctx, loan_no, on))
