"""Portfolio risk notices (风险预警提示) and the suspension of new lending (停复牌).

``POST /risk-notices``, ``POST /suspensions`` and ``POST /suspensions/{id}/lifting`` record the
figures of their subject on ``figures_on`` as the archive counts them from the loan ledger (read
at the head of the log, within the caller's data scope): the request never carries them. The
rest are plain commands. The register is ``GET /registers/risk_control_register/...``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import (
    ArchiveDep,
    CommandCtx,
    CommandInput,
    ReadCtx,
    RegistersDep,
    command_input,
    command_openapi,
)
from api.responses import respond
from api.routers import body_model, command_route
from api.routers.registers import log_head
from api.schemas import CommandPublic
from archive.application import DossierArchive
from archive.commands import Command
from archive.commands.risk_control import (
    AcknowledgeRiskNotice,
    CloseRiskNotice,
    InvestigateRiskNotice,
    LiftSuspension,
    PublishRiskNotice,
    SuperviseSuspension,
    SuspendLending,
)
from archive.core import CommandContext
from domain.authorization import Action
from domain.display import UNKNOWN_PERSON
from domain.errors import NotFoundError
from domain.portfolio import NPL, percent
from domain.risk_control import Figures, RiskNotice, RiskSubject, Suspension
from projections.portfolio import LOAN_LEDGER, positions
from projections.service import RegisterService

notices = APIRouter(prefix="/risk-notices", tags=["risk notices 风险预警提示"])
suspensions = APIRouter(prefix="/suspensions", tags=["suspensions 停复牌"])


def subject_figures(
    service: RegisterService,
    archive: DossierArchive,
    ctx: CommandContext,
    *,
    subject: RiskSubject,
    key: str,
    on: date,
) -> Figures:
    """The figures of the subject's loans on ``on`` (不良率, 逾期率 against the lines of the
    rules in force), from the loan ledger as it stands, of the loans the caller reaches."""
    _actor, data_scope = archive.reading_scope(ctx, Action.READ_PORTFOLIO)
    read_at = service.positions().get(LOAN_LEDGER, 0)
    found = positions(
        service.store,
        service.select(LOAN_LEDGER).projection,
        on=on,
        position=read_at,
        data_scope=data_scope,
    )
    key = key.strip()

    def concerned(p: Any) -> bool:
        if subject is RiskSubject.INDUSTRY:
            return bool(p.industry == key.upper())
        if subject is RiskSubject.BRANCH:
            return bool(p.branch == key)
        if subject is RiskSubject.PRODUCT:
            return bool(p.product == key)
        if subject is RiskSubject.MANAGER:
            return bool(p.manager_no == key)
        return bool(p.borrower_id == key)

    book = [p for p in found.values() if p.on_book and concerned(p)]
    zero = Decimal("0.00")
    balance = sum((p.balance for p in book), zero)
    npl = sum((p.balance for p in book if p.grade in NPL), zero)
    overdue = sum((p.balance for p in book if p.days_overdue > 0), zero)
    lines_key = key if subject in (RiskSubject.BRANCH, RiskSubject.PRODUCT) else None
    alert, target = archive.rule_set().portfolio.lines(lines_key)
    return Figures(
        on=on,
        loans=len(book),
        balance=balance,
        npl_rate=percent(npl, balance),
        overdue_rate=percent(overdue, balance),
        npl_alert=alert,
        overdue_target=target,
    )


def counted_route(
    router: APIRouter,
    path: str,
    command: type[Command],
    schema: str,
    subject_of: Callable[[DossierArchive, CommandContext, Any], tuple[RiskSubject, str]],
) -> None:
    """``POST path`` of ``command``, its ``figures`` counted by the archive on ``figures_on``."""
    body = body_model(command, schema)
    Input = Annotated[CommandInput[Any], Depends(command_input(body, documents=False))]

    async def endpoint(
        archive: ArchiveDep,
        registers: RegistersDep,
        ctx: CommandCtx,
        cmd: Input,
        response: Response,
        **ids: Any,
    ) -> CommandPublic:
        fields = {**cmd.body.model_dump(), **ids}
        draft: Any = command.model_validate(fields)
        await registers.wait_async([LOAN_LEDGER], log_head(archive)(), 10, head=log_head(archive))

        def run() -> CommandPublic:
            subject, key = subject_of(archive, ctx, draft)
            figures = subject_figures(
                registers, archive, ctx, subject=subject, key=key, on=draft.figures_on
            )
            built = command.model_validate({**fields, "figures": figures.to_record()})
            return respond(archive.execute(ctx, built, []), response)

        return await run_in_threadpool(run)

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter(n, keyword, annotation=UUID) for n in command.path] + [
        inspect.Parameter("archive", keyword, annotation=ArchiveDep),
        inspect.Parameter("registers", keyword, annotation=RegistersDep),
        inspect.Parameter("ctx", keyword, annotation=CommandCtx),
        inspect.Parameter("cmd", keyword, annotation=Input),
        inspect.Parameter("response", keyword, annotation=Response),
    ]
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = command.__name__
    endpoint.__doc__ = (command.__doc__ or "").split("\n\n")[0]
    router.post(
        path,
        status_code=201,
        response_model=CommandPublic,
        openapi_extra=command_openapi(body, documents=False),
    )(endpoint)


def _own_subject(
    _archive: DossierArchive, _ctx: CommandContext, cmd: Any
) -> tuple[RiskSubject, str]:
    return cmd.subject, cmd.subject_key


def _suspended_subject(
    archive: DossierArchive, ctx: CommandContext, cmd: Any
) -> tuple[RiskSubject, str]:
    found = archive.read_suspension(ctx, cmd.suspension_id)
    return found.subject, found.subject_key


counted_route(notices, "", PublishRiskNotice, "RiskNoticeCreate", _own_subject)
command_route(
    notices, "/{notice_id}/acknowledgements", AcknowledgeRiskNotice, schema="RiskNoticeAck"
)
command_route(
    notices, "/{notice_id}/investigations", InvestigateRiskNotice, schema="RiskNoticeInvestigation"
)
command_route(notices, "/{notice_id}/closure", CloseRiskNotice, schema="RiskNoticeClosure")
counted_route(suspensions, "", SuspendLending, "SuspensionCreate", _own_subject)
command_route(
    suspensions, "/{suspension_id}/supervision", SuperviseSuspension, schema="SuspensionNote"
)
counted_route(
    suspensions, "/{suspension_id}/lifting", LiftSuspension, "SuspensionLifting", _suspended_subject
)


# ------------------------------------------------------------------------------ reads
class FiguresPublic(BaseModel):
    """The figures of the subject's loans on a day (rates in percent)."""

    on: date
    loans: int
    balance: Decimal = Field(description="元")
    npl_rate: Decimal | None
    overdue_rate: Decimal | None
    npl_alert: Decimal | None = Field(description="不良警戒线")
    overdue_target: Decimal | None = Field(description="逾期率考核线")
    npl_breach: bool
    overdue_breach: bool
    summary: str

    @classmethod
    def of(cls, f: Figures) -> FiguresPublic:
        return cls(
            on=f.on,
            loans=f.loans,
            balance=f.balance,
            npl_rate=f.npl_rate,
            overdue_rate=f.overdue_rate,
            npl_alert=f.npl_alert,
            overdue_target=f.overdue_target,
            npl_breach=f.npl_breach,
            overdue_breach=f.overdue_breach,
            summary=f.summary(),
        )


def _name(archive: DossierArchive, staff_id: UUID | None) -> str | None:
    if staff_id is None:
        return None
    try:
        return archive.form_name(staff_id)
    except NotFoundError:
        return UNKNOWN_PERSON


class UnitPublic(BaseModel):
    unit: str
    acknowledged_on: date | None
    acknowledged_by: str | None = Field(description="姓名（工号）")
    investigated_on: date | None
    findings: str | None
    measures: str | None
    investigated_by: str | None


class RiskNoticePublic(BaseModel):
    """A risk notice: its subject, the figures that prompted it, each unit's acknowledgement and
    investigation, and its closure."""

    notice_id: UUID
    version: int
    notice_no: str
    subject: str
    subject_zh: str
    subject_key: str
    subject_name: str
    title: str
    content: str
    figures: FiguresPublic
    published_on: date
    published_by: str
    units: list[UnitPublic]
    state: str
    state_zh: str
    closed_on: date | None
    closed_by: str | None
    conclusion: str | None


def notice_public(archive: DossierArchive, notice: RiskNotice) -> RiskNoticePublic:
    investigations = {i.unit: i for i in notice.investigations}
    units = []
    for unit in notice.units:
        ack = notice.acknowledged.get(unit)
        inv = investigations.get(unit)
        units.append(
            UnitPublic(
                unit=unit,
                acknowledged_on=ack[0] if ack else None,
                acknowledged_by=_name(archive, ack[1]) if ack else None,
                investigated_on=inv.investigated_on if inv else None,
                findings=inv.findings if inv else None,
                measures=inv.measures if inv else None,
                investigated_by=_name(archive, inv.actor_id) if inv else None,
            )
        )
    return RiskNoticePublic(
        notice_id=notice.id,
        version=notice.version,
        notice_no=notice.notice_no,
        subject=notice.subject.value,
        subject_zh=notice.subject.zh,
        subject_key=notice.subject_key,
        subject_name=notice.subject_name,
        title=notice.title,
        content=notice.content,
        figures=FiguresPublic.of(notice.figures),
        published_on=notice.published_on,
        published_by=_name(archive, notice.publisher_id) or UNKNOWN_PERSON,
        units=units,
        state=notice.state.value,
        state_zh=notice.state.zh,
        closed_on=notice.closed_on,
        closed_by=_name(archive, notice.closed_by),
        conclusion=notice.conclusion,
    )


class FlaggedPublic(BaseModel):
    loan_no: str
    booked_on: date
    principal: Decimal = Field(description="元")
    booked_by: str


class SuspensionPublic(BaseModel):
    """A suspension of new lending: its subject, basis, figures, supervision, loans booked while
    it was in force, and its lifting."""

    suspension_id: UUID
    version: int
    suspension_no: str
    subject: str
    subject_zh: str
    subject_key: str
    subject_name: str
    branch: str | None
    basis: str
    basis_zh: str
    notice_no: str | None
    reason: str
    figures: FiguresPublic
    suspended_on: date
    suspended_by: str
    notes: list[dict[str, Any]]
    flagged: list[FlaggedPublic]
    state: str
    state_zh: str
    lifted_on: date | None
    lifted_by: str | None
    lift_reason: str | None
    lift_figures: FiguresPublic | None


def suspension_public(archive: DossierArchive, s: Suspension) -> SuspensionPublic:
    return SuspensionPublic(
        suspension_id=s.id,
        version=s.version,
        suspension_no=s.suspension_no,
        subject=s.subject.value,
        subject_zh=s.subject.zh,
        subject_key=s.subject_key,
        subject_name=s.subject_name,
        branch=s.branch,
        basis=s.basis.value,
        basis_zh=s.basis.zh,
        notice_no=s.notice_no,
        reason=s.reason,
        figures=FiguresPublic.of(s.figures),
        suspended_on=s.suspended_on,
        suspended_by=_name(archive, s.suspended_by) or UNKNOWN_PERSON,
        notes=[
            {"supervised_on": on, "note": note, "supervised_by": _name(archive, by)}
            for on, note, by in s.notes
        ],
        flagged=[
            FlaggedPublic(
                loan_no=f.loan_no,
                booked_on=f.booked_on,
                principal=f.principal,
                booked_by=_name(archive, f.booked_by) or UNKNOWN_PERSON,
            )
            for f in s.flagged
        ],
        state=s.state.value,
        state_zh=s.state.zh,
        lifted_on=s.lifted_on,
        lifted_by=_name(archive, s.lifted_by),
        lift_reason=s.lift_reason,
        lift_figures=FiguresPublic.of(s.lift_figures) if s.lift_figures else None,
    )


@notices.get("/{notice_id}", response_model=RiskNoticePublic, summary="风险预警提示 / a notice")
async def risk_notice(notice_id: UUID, archive: ArchiveDep, ctx: ReadCtx) -> RiskNoticePublic:
    """The notice, to the units it concerns and to those who read the portfolio."""
    found = await run_in_threadpool(archive.read_risk_notice, ctx, notice_id)
    return await run_in_threadpool(notice_public, archive, found)


@suspensions.get(
    "/{suspension_id}", response_model=SuspensionPublic, summary="停牌记录 / a suspension"
)
async def suspension(suspension_id: UUID, archive: ArchiveDep, ctx: ReadCtx) -> SuspensionPublic:
    """The suspension, to its unit and to those who read the portfolio within their scope."""
    found = await run_in_threadpool(archive.read_suspension, ctx, suspension_id)
    return await run_in_threadpool(partial(suspension_public, archive), found)


router = APIRouter()
router.include_router(notices)
router.include_router(suspensions)
