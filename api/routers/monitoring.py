"""Key-customer monitoring (重点客户监测).

``GET /monitoring/key-customers?on=`` lists the key customers on a business date (前N大、集团、
大额客户), ranked bank-wide, each with its balance, why it is key, the unit that leads its
on-site inspection, its last on-site and led inspections and the month's off-site monitoring
— within the reader's scope. ``POST /staff/{staff_no}/online-monitor`` (and ``…/end``)
designates the online monitor (专职信贷在线监测员); ``POST /monitoring/records`` records a
customer's monitoring of the month; ``…/{record_id}/verification`` and ``…/decision`` are the
account manager's verification and the risk manager's confirmation or dismissal of a flag
(三层过滤). The central register of records and outcomes is ``/registers/monitoring_register``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.fields import Line
from api.routers import command_route
from api.routers.registers import PointDep, ready
from archive.application import DossierArchive
from archive.commands.monitoring import (
    DecideMonitoringFlag,
    DesignateOnlineMonitor,
    EndOnlineMonitor,
    RecordMonitoring,
    VerifyMonitoringFlag,
)
from domain.authorization import Action
from domain.display import UNKNOWN_PERSON, person
from domain.errors import NotFoundError
from domain.monitoring import FlagState, Judgment, month_text
from domain.scope import RowScope
from projections.monitoring import customers_on, read
from projections.query import AsOf
from projections.service import RegisterService
from projections.tasks import rules_in_force

REGISTER = "monitoring_register"
WORK_QUEUE = "work_queue"

router = APIRouter(tags=["monitoring 重点客户监测"])

command_route(
    router,
    "/staff/{staff_no}/online-monitor",
    DesignateOnlineMonitor,
    schema="OnlineMonitorDesignation",
)
command_route(
    router, "/staff/{staff_no}/online-monitor/end", EndOnlineMonitor, schema="OnlineMonitorEnd"
)
command_route(router, "/monitoring/records", RecordMonitoring, schema="MonitoringRecordCreate")
command_route(
    router,
    "/monitoring/records/{record_id}/verification",
    VerifyMonitoringFlag,
    schema="MonitoringFlagVerification",
)
command_route(
    router,
    "/monitoring/records/{record_id}/decision",
    DecideMonitoringFlag,
    schema="MonitoringFlagDecision",
)


class KeyCustomerPublic(BaseModel):
    """A key customer on the day: rank and balance in the bank, why key, who leads, what was
    done."""

    rank: int = Field(description="rank by balance in the whole bank")
    borrower_id: str
    borrower_name: str
    branch: str
    loan_no: str = Field(description="its largest loan")
    loans: int
    balance: Decimal = Field(description="元, on the day")
    group: str | None = Field(description="集团客户: the group it belongs to")
    bases: list[str] = Field(description="top, group, large")
    bases_zh: list[str]
    lead_unit: str | None = Field(description="the unit leading its on-site inspection")
    account_manager: str | None = Field(description="姓名（工号）, of its largest loan")
    last_on_site_on: date | None
    last_led_on_site_on: date | None
    month: str
    monitored: bool = Field(description="the month's off-site monitoring recorded")
    judgment: str | None
    judgment_zh: str | None
    flag_state: str | None
    flag_state_zh: str | None


class KeyCustomersPublic(BaseModel):
    """The key customers on ``on``, by rank, within the reader's scope."""

    on: date
    rules_version: str
    position: int
    filtered: bool
    scope_zh: str
    scope_en: str
    top_customers: int | None
    large_balance: Decimal | None
    data: list[KeyCustomerPublic]
    count: int


def listed(
    service: RegisterService,
    archive: DossierArchive,
    *,
    on: date | None,
    as_of: AsOf,
    scope: RowScope,
    branch: str | None,
) -> KeyCustomersPublic:
    """The key customers on ``on`` (the archive's today unless given), people named."""
    day = on or archive.today()
    service.applied([REGISTER, WORK_QUEUE], None)
    rules = rules_in_force(service.store, service.select(WORK_QUEUE).projection, as_of)
    rows = read(service.store, service.select(REGISTER).projection, as_of)
    month = month_text(day)
    records = {(r["borrower_id"], r["month"]): r for r in rows["records"]}
    names: dict[UUID, str] = {}

    def name(staff_id: UUID | None) -> str | None:
        if staff_id is None:
            return None
        if staff_id not in names:
            try:
                staff = archive.staff_by_id(staff_id)
                names[staff_id] = person(staff.name, staff.staff_no)
            except NotFoundError:
                names[staff_id] = UNKNOWN_PERSON
        return names[staff_id]

    data = []
    for facts in customers_on(rows, rules, day):
        c = facts.customer
        if not scope.covers(c.branch, c.managers) or (branch and c.branch != branch):
            continue
        record = records.get((c.borrower_id, month))
        judgment = Judgment.parse(record["judgment"], "judgment") if record else None
        state = FlagState.parse(record["state"], "state") if record else None
        data.append(
            KeyCustomerPublic(
                rank=c.rank,
                borrower_id=c.borrower_id,
                borrower_name=c.borrower_name,
                branch=c.branch,
                loan_no=c.loan_no,
                loans=c.loans,
                balance=c.balance,
                group=c.group,
                bases=[b.value for b in c.bases],
                bases_zh=[b.zh for b in c.bases],
                lead_unit=c.lead_unit,
                account_manager=name(c.managers[0] if c.managers else None),
                last_on_site_on=facts.last_on_site_on,
                last_led_on_site_on=facts.last_led_on_site_on,
                month=month,
                monitored=record is not None,
                judgment=judgment.value if judgment else None,
                judgment_zh=judgment.zh if judgment else None,
                flag_state=state.value if state else None,
                flag_state_zh=state.zh if state else None,
            )
        )
    return KeyCustomersPublic(
        on=day,
        rules_version=rules.version,
        position=service.positions().get(REGISTER, 0),
        filtered=scope.filtered,
        scope_zh=scope.zh,
        scope_en=scope.en,
        top_customers=rules.monitoring.top_customers,
        large_balance=rules.monitoring.large_balance,
        data=data,
        count=len(data),
    )


@router.get(
    "/monitoring/key-customers",
    response_model=KeyCustomersPublic,
    summary="重点客户名单 / key customers on a date",
)
async def key_customers(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    point: PointDep,
    on: Annotated[date | None, Query(description="the business date (default: today)")] = None,
    branch: Annotated[Line | None, Query(max_length=100, description="one branch (机构)")] = None,
) -> KeyCustomersPublic:
    """The key customers on ``on``: the top N of the whole bank by balance, group customers
    and those of ``large_balance`` 元 or more (``[monitoring]``), within the reader's scope."""
    read_ = await ready(service, archive, ctx, [REGISTER, WORK_QUEUE], point, Action.READ_BUSINESS)
    if branch:
        await run_in_threadpool(
            archive.check_branches, read_.actor, Action.READ_BUSINESS, {"branch": branch}
        )
    asked = partial(listed, on=on, as_of=read_.as_of, scope=read_.scope, branch=branch)
    return await run_in_threadpool(asked, service, archive)
