"""The work queue over HTTP (工作任务): one's own tasks; everyone's for those who supervise.

``GET /tasks/mine`` lists the caller's tasks (any business role); ``GET /tasks`` lists everyone's
(branch head, risk manager, compliance, auditor, archive head), filtered by owner, kind,
branch. Both judge the facts on the business date ``on`` (default: the archive's today),
as the register stood "as of" a past point if asked, after it has applied ``after``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx, RegistersDep
from api.fields import Line
from api.routers.registers import PointDep, Ready, ready
from archive.application import DossierArchive
from domain.authorization import Action
from domain.display import UNKNOWN_PERSON, person
from domain.errors import NotFoundError
from domain.scope import RowScope
from domain.tasks import Task, TaskKind
from domain.values import staff_id_for
from projections.query import AsOf
from projections.service import RegisterService
from projections.tasks import rules_in_force, tasks

REGISTER = "work_queue"
MONITORING = "monitoring_register"
"""The central monitoring register: the key customers' monitoring tasks are judged from it."""

router = APIRouter(prefix="/tasks", tags=["tasks 工作任务"])


class TaskPublic(BaseModel):
    """A task: what, on which loan, borrowing, dossier or person, whose, when, and the rule
    behind it."""

    kind: str
    kind_zh: str
    subject: str
    loan_no: str | None
    borrow_no: str | None
    borrowing_id: UUID | None
    dossier_id: UUID | None
    staff_no: str | None = Field(None, description="the person a task is about (工号)")
    staff_name: str | None = Field(None, description="姓名（工号）, the person a task is about")
    customer: str | None = Field(
        None, description="名称（客户号）, the customer a task is about (key-customer monitoring)"
    )
    partner_code: str | None = Field(
        None, description="the partner institution a task is about (统一社会信用代码)"
    )
    branch: str | None
    owner_role: str
    owner_role_zh: str
    owner_id: UUID | None
    owner_no: str | None
    owner_name: str | None = Field(None, description="姓名（工号）, the owner as people read them")
    opens_on: date
    due_on: date
    overdue: bool
    rule: str
    rules_version: str


class TasksPublic(BaseModel):
    """The tasks open on ``on``, earliest due first, judged with the rules of ``rules_version``."""

    on: date
    rules_version: str
    position: int
    filtered: bool
    """Whether tasks on loans beyond the reader's data scope were left out."""
    scope_zh: str
    scope_en: str
    data: list[TaskPublic]
    count: int


def public(found: Sequence[Task], archive: DossierArchive) -> list[TaskPublic]:
    """The tasks as the API and the CLI show them, each owner by staff number and as people
    read them (姓名（工号）)."""
    known: dict[UUID, tuple[str, str] | None] = {}

    def owner(staff_id: UUID | None) -> tuple[str, str] | None:
        if staff_id is None:
            return None
        if staff_id not in known:
            try:
                staff = archive.staff_by_id(staff_id)
                known[staff_id] = (staff.staff_no, person(staff.name, staff.staff_no))
            except NotFoundError:
                known[staff_id] = None
        return known[staff_id]

    def number(staff_id: UUID | None) -> str | None:
        found = owner(staff_id)
        return found[0] if found else None

    def name(staff_id: UUID | None) -> str | None:
        found = owner(staff_id)
        return found[1] if found else (None if staff_id is None else UNKNOWN_PERSON)

    return [
        TaskPublic(
            kind=t.kind.value,
            kind_zh=t.kind.zh,
            subject=t.subject,
            loan_no=t.loan_no,
            borrow_no=t.borrow_no,
            borrowing_id=t.borrowing_id,
            dossier_id=t.dossier_id,
            staff_no=t.staff_no,
            staff_name=name(t.staff_id),
            customer=t.customer,
            partner_code=t.partner_code,
            branch=t.branch,
            owner_role=t.owner_role.value,
            owner_role_zh=t.owner_role.zh,
            owner_id=t.owner_id,
            owner_no=number(t.owner_id),
            owner_name=name(t.owner_id),
            opens_on=t.opens_on,
            due_on=t.due_on,
            overdue=t.overdue,
            rule=t.rule,
            rules_version=t.rules_version,
        )
        for t in found
    ]


def judge(
    service: RegisterService,
    archive: DossierArchive,
    *,
    on: date | None,
    as_of: AsOf,
    scope: RowScope,
    owner_id: UUID | None = None,
    overdue: bool = False,
    kind: str | None = None,
    branch: str | None = None,
) -> TasksPublic:
    """Read the work queue and judge it on ``on`` (the archive's today unless given): the tasks
    on the loans the reader reaches (``scope``, from ``DossierArchive.reading_scope``)."""
    chosen: TaskKind | None = TaskKind.parse(kind, "kind") if kind else None
    projection = service.select(REGISTER).projection
    monitoring = service.select(MONITORING).projection
    service.applied([REGISTER, MONITORING], None)  # refuses a register stopped at an event
    day = on or archive.today()
    found = tasks(
        service.store,
        projection,
        day,
        scope=scope,
        owner_id=owner_id,
        overdue_only=overdue,
        kind=chosen,
        branch=branch,
        as_of=as_of,
        monitoring=monitoring,
    )
    data = public(found, archive)
    return TasksPublic(
        on=day,
        rules_version=rules_in_force(service.store, projection, as_of).version,
        position=service.positions().get(REGISTER, 0),
        filtered=scope.filtered,
        scope_zh=scope.zh,
        scope_en=scope.en,
        data=data,
        count=len(data),
    )


OnQuery = Annotated[
    date | None, Query(description="the business date to judge on (default: today)")
]
OverdueQuery = Annotated[bool, Query(description="only the tasks past their due date")]
KindQuery = Annotated[
    Line | None,
    Query(max_length=64, description=f"one kind: {', '.join(k.value for k in TaskKind)}"),
]


@router.get("/mine", response_model=TasksPublic, summary="我的工作任务 / my tasks")
async def my_tasks(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    point: PointDep,
    overdue: OverdueQuery = False,
    kind: KindQuery = None,
    on: OnQuery = None,
) -> TasksPublic:
    """The caller's own tasks: those whose owner is the caller by staff id."""
    read = await ready(service, archive, ctx, [REGISTER, MONITORING], point, Action.READ_BUSINESS)
    return await _judged(
        service, archive, read, owner_id=read.actor.id, overdue=overdue, kind=kind, on=on
    )


@router.get("", response_model=TasksPublic, summary="全部工作任务 / all tasks")
async def all_tasks(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    point: PointDep,
    overdue: OverdueQuery = False,
    owner: Annotated[
        Line | None, Query(max_length=32, description="an owner's staff number (工号)")
    ] = None,
    kind: KindQuery = None,
    branch: Annotated[Line | None, Query(max_length=100, description="one branch (机构)")] = None,
    on: OnQuery = None,
) -> TasksPublic:
    """Everyone's tasks: for the branch head, risk manager, compliance, auditor, archive head."""
    read = await ready(service, archive, ctx, [REGISTER, MONITORING], point, Action.READ_ALL_TASKS)
    if branch:
        await run_in_threadpool(
            archive.check_branches, read.actor, Action.READ_ALL_TASKS, {"branch": branch}
        )
    owner_id = staff_id_for(owner) if owner else None
    return await _judged(
        service, archive, read, owner_id=owner_id, overdue=overdue, kind=kind, on=on, branch=branch
    )


async def _judged(
    service: RegisterService,
    archive: DossierArchive,
    read: Ready,
    *,
    owner_id: UUID | None,
    overdue: bool,
    kind: str | None,
    on: date | None,
    branch: str | None = None,
) -> TasksPublic:
    """:func:`judge` off the event loop, as of the read's point and within its scope."""
    asked = partial(
        judge,
        on=on,
        as_of=read.as_of,
        scope=read.scope,
        owner_id=owner_id,
        overdue=overdue,
        kind=kind,
        branch=branch,
    )
    return await run_in_threadpool(asked, service, archive)
