"""Partner institutions (合作机构), guarantors' compensations (代偿) and repayment behaviour.

``POST /partners`` registers an institution (a risk manager); ``POST /partners/{credit_code}/
suspension`` and ``…/resumption`` suspend and resume the cooperation with the reason;
``POST /partners/{credit_code}/communications`` records a communication with a servicer
verifying a customer's information, the borrower's information changed in the same act.
``GET /partners?on=`` lists the institutions with their figures on the day — loans, balance,
合作机构不良率, 代偿率, the recovery claim outstanding, the flags over the rules' lines and the
next communication due — of the loans the reader reaches (Action.READ_PORTFOLIO).

``POST /loans/{loan_no}/compensations`` records a guarantor's compensation with its evidence;
``POST /loans/{loan_no}/compensations/{compensation_id}/recoveries`` the progress of its
recovery. ``GET /loans/{loan_no}/repayment-behaviour?on=`` shows the loan's repayment-behaviour
indicator; ``POST /loans/{loan_no}/repayment-behaviour/assessments`` assesses it, raising the
rules' signal on a breach; ``GET /portfolio/repayment-behaviour?on=`` sums it over the loans
the reader reaches.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.fields import Count
from api.responses import LoanNo
from api.routers import command_route
from api.routers.registers import log_head, scope_headers
from archive.commands.partners import (
    AssessRepaymentBehaviour,
    RecordCompensation,
    RecordCompensationRecovery,
    RecordServicerCommunication,
    RegisterPartner,
    ResumePartner,
    SuspendPartner,
)
from domain.authorization import Action
from domain.display import UNKNOWN_PERSON, person
from domain.errors import NotFoundError
from domain.repayment_behaviour import FIGURES, Behaviour, BehaviourRules
from domain.scope import RowScope
from domain.values import PartnerKind, PartnerStatus
from projections.partners import (
    LOAN_LEDGER,
    PARTNER_REGISTER,
    REPAYMENT_REGISTER,
    PartnerLine,
    loan_behaviour,
    partner_lines,
)
from projections.service import RegisterService

router = APIRouter(tags=["partners 合作机构"])

PARTNER = "/partners/{credit_code}"
command_route(router, "/partners", RegisterPartner, schema="PartnerCreate")
command_route(router, f"{PARTNER}/suspension", SuspendPartner, schema="PartnerSuspension")
command_route(router, f"{PARTNER}/resumption", ResumePartner, schema="PartnerResumption")
command_route(
    router,
    f"{PARTNER}/communications",
    RecordServicerCommunication,
    schema="ServicerCommunicationCreate",
)
LOAN = "/loans/{loan_no}"
command_route(router, f"{LOAN}/compensations", RecordCompensation, schema="CompensationCreate")
command_route(
    router,
    f"{LOAN}/compensations/{{compensation_id}}/recoveries",
    RecordCompensationRecovery,
    schema="CompensationRecoveryCreate",
)
command_route(
    router,
    f"{LOAN}/repayment-behaviour/assessments",
    AssessRepaymentBehaviour,
    schema="RepaymentBehaviourAssessment",
)

PARTNER_REGISTERS = (PARTNER_REGISTER, LOAN_LEDGER)
BEHAVIOUR_REGISTERS = (REPAYMENT_REGISTER, LOAN_LEDGER)

OnDay = Annotated[date | None, Query(description="the business date (default: today)")]
Position = Annotated[
    Count | None, Query(description="read the registers as they stood at this log position")
]
Wait = Annotated[float, Query(ge=0, le=30)]


def _read_at(service: RegisterService, names: tuple[str, ...], position: int | None) -> int:
    service.wait(list(names), position, 0)  # refuses a register that stopped
    applied = min(service.positions().get(n, 0) for n in names)
    return applied if position is None else min(applied, position)


def _rate(value: Any) -> str | None:
    return None if value is None else str(value)


def partner_json(line: PartnerLine, name_of: Any, today: date) -> dict[str, Any]:
    """One institution and its figures, as JSON: amounts in 元 and rates in % as strings."""
    row, f = line.row, line.figures
    due = line.communication_due_on
    return {
        "credit_code": row["credit_code"],
        "name": row["name"],
        "kind": row["kind"],
        "kind_zh": PartnerKind.parse(row["kind"], "kind").zh,
        "contact": row["contact"],
        "contact_phone": row["contact_phone"],
        "cooperation_from": row["cooperation_from"].isoformat(),
        "cooperation_to": row["cooperation_to"] and row["cooperation_to"].isoformat(),
        "limit": _rate(row["limit_amount"]),
        "branch": row["branch"],
        "registered_on": row["registered_on"].isoformat(),
        "registered_by_name": name_of(row["registered_by"]),
        "status": row["status"],
        "status_zh": PartnerStatus.parse(row["status"], "status").zh,
        "status_since": row["status_since"].isoformat(),
        "status_reason": row["status_reason"],
        "communications": row["communications"] or 0,
        "last_communicated_on": row["last_communicated_on"]
        and row["last_communicated_on"].isoformat(),
        "communication_due_on": due and due.isoformat(),
        "communication_overdue": due is not None and today > due,
        "loans": f.loans,
        "balance": str(f.balance),
        "npl_balance": str(f.npl_balance),
        "npl_rate": _rate(f.npl_rate),
        "overdue": str(f.overdue),
        "compensated": str(f.compensated),
        "compensation_rate": _rate(f.compensation_rate),
        "recovered": str(f.recovered),
        "claim": str(f.claim),
        "limit_used": _rate(f.limit_used),
        "flagged": bool(f.flags),
        "flags": list(f.flags),
    }


def partners_answer(
    service: RegisterService,
    archive: Any,
    *,
    on: date,
    position: int | None,
    data_scope: RowScope,
) -> dict[str, Any]:
    """The institutions and their figures on ``on``, people named."""
    read_at = _read_at(service, PARTNER_REGISTERS, position)
    rules = archive.rule_set().partners
    lines = partner_lines(
        service.store,
        {n: service.select(n).projection for n in PARTNER_REGISTERS},
        on=on,
        position=read_at,
        data_scope=data_scope,
        rules=rules,
    )
    names: dict[Any, str] = {}

    def name_of(staff_id: Any) -> str | None:
        if staff_id is None:
            return None
        if staff_id not in names:
            try:
                staff = archive.staff_by_id(staff_id)
                names[staff_id] = person(staff.name, staff.staff_no)
            except NotFoundError:
                names[staff_id] = UNKNOWN_PERSON
        return names[staff_id]

    data = [partner_json(line, name_of, on) for line in lines]
    return {
        "on": on.isoformat(),
        "position": read_at,
        "filtered": data_scope.filtered,
        "scope_zh": data_scope.zh,
        "scope_en": data_scope.en,
        "npl_rate_line": _rate(rules.npl_rate_line),
        "compensation_rate_line": _rate(rules.compensation_rate_line),
        "data": data,
        "count": len(data),
        "flagged": sum(1 for d in data if d["flagged"]),
    }


@router.get("/partners", summary="合作机构及风险指标 / partner institutions and their figures")
async def list_partners(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: OnDay = None,
    as_of_position: Position = None,
    wait: Wait = 5,
) -> Response:
    """Every partner institution with, on ``on``, the loans it guarantees or services that the
    reader reaches: their balance, 合作机构不良率, 代偿率 (guarantee companies), the recovery
    claim outstanding and the flags over the rules' lines (批量监管合作机构风险)."""
    _actor, data_scope = await run_in_threadpool(archive.reading_scope, ctx, Action.READ_PORTFOLIO)
    day = on or archive.today()
    await service.wait_async(PARTNER_REGISTERS, as_of_position, wait, head=log_head(archive))
    found = await run_in_threadpool(
        partial(
            partners_answer,
            service,
            archive,
            on=day,
            position=as_of_position,
            data_scope=data_scope,
        )
    )
    return JSONResponse(found, headers=scope_headers(data_scope))


# ------------------------------------------------------------------ repayment behaviour
def behaviour_json(found: Behaviour, rules: BehaviourRules) -> dict[str, Any]:
    return {
        "on": found.on.isoformat(),
        "since": found.since.isoformat(),
        "repayments": found.repayments,
        "on_time": found.on_time,
        "figures": {
            key: {
                "zh": zh,
                "value": found.figure(key),
                "threshold": dict(rules.thresholds).get(key),
            }
            for key, zh in FIGURES.items()
        },
        "breaches": list(found.breaches),
        "signal": rules.signal if found.breaches else None,
    }


def _behaviours(
    service: RegisterService,
    archive: Any,
    *,
    on: date,
    position: int | None,
    data_scope: RowScope,
    loan_no: str | None = None,
) -> tuple[int, BehaviourRules, list[tuple[dict[str, Any], Behaviour]]]:
    read_at = _read_at(service, BEHAVIOUR_REGISTERS, position)
    rules = archive.rule_set().repayment_behaviour
    found = loan_behaviour(
        service.store,
        {n: service.select(n).projection for n in BEHAVIOUR_REGISTERS},
        on=on,
        position=read_at,
        data_scope=data_scope,
        rules=rules,
        loan_no=loan_no,
    )
    return read_at, rules, [(dict(r), b) for r, b in found.values()]


@router.get(f"{LOAN}/repayment-behaviour", summary="还款行为指标 / the loan's repayment behaviour")
async def loan_repayment_behaviour(
    loan_no: LoanNo,
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: OnDay = None,
    as_of_position: Position = None,
    wait: Wait = 5,
) -> Response:
    """The loan's repayment-behaviour indicator on ``on`` (还款数据分析): over the rules'
    window, the times it fell into arrears, the most days overdue, the longest run of late
    repayments and the partial repayments while overdue, each against its threshold."""
    actor = await run_in_threadpool(archive.actor, ctx, Action.READ_BUSINESS)
    await run_in_threadpool(archive.check_reach, actor, Action.READ_BUSINESS, loan_no)
    day = on or archive.today()
    await service.wait_async(BEHAVIOUR_REGISTERS, as_of_position, wait, head=log_head(archive))
    read_at, rules, found = await run_in_threadpool(
        partial(
            _behaviours,
            service,
            archive,
            on=day,
            position=as_of_position,
            data_scope=RowScope.everything(),
            loan_no=loan_no,
        )
    )
    if not found:
        raise NotFoundError(f"贷款 {loan_no} 不在账", f"loan {loan_no} is not on the books")
    _row, behaviour = found[0]
    return JSONResponse(
        {"loan_no": loan_no, "position": read_at, **behaviour_json(behaviour, rules)}
    )


@router.get(
    "/portfolio/repayment-behaviour",
    summary="还款行为分析汇总 / repayment behaviour over the portfolio",
)
async def portfolio_repayment_behaviour(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: OnDay = None,
    as_of_position: Position = None,
    wait: Wait = 5,
) -> Response:
    """The repayment-behaviour indicator summed over the loans on the books the reader
    reaches on ``on``: how many reach each threshold, and the loans with a breach."""
    _actor, data_scope = await run_in_threadpool(archive.reading_scope, ctx, Action.READ_PORTFOLIO)
    day = on or archive.today()
    await service.wait_async(BEHAVIOUR_REGISTERS, as_of_position, wait, head=log_head(archive))
    read_at, rules, found = await run_in_threadpool(
        partial(
            _behaviours,
            service,
            archive,
            on=day,
            position=as_of_position,
            data_scope=data_scope,
        )
    )
    thresholds = dict(rules.thresholds)
    breaching = sorted(
        ((row, b) for row, b in found if b.breaches), key=lambda pair: str(pair[0]["loan_no"])
    )
    answer = {
        "on": day.isoformat(),
        "position": read_at,
        "filtered": data_scope.filtered,
        "scope_zh": data_scope.zh,
        "scope_en": data_scope.en,
        "loans": len(found),
        "signal": rules.signal,
        "figures": {
            key: {
                "zh": zh,
                "threshold": thresholds.get(key),
                "loans_reaching": sum(
                    1 for _r, b in found if key in thresholds and b.figure(key) >= thresholds[key]
                ),
                "total": sum(b.figure(key) for _r, b in found),
            }
            for key, zh in FIGURES.items()
        },
        "breaching": [
            {
                "loan_no": row["loan_no"],
                "borrower_name": row["borrower_name"],
                "branch": row["branch"],
                "balance": str(row["balance"]),
                "breaches": list(b.breaches),
            }
            for row, b in breaching
        ],
        "breaching_count": len(breaching),
    }
    return JSONResponse(answer, headers=scope_headers(data_scope))
