"""Destruction batches (销毁批次): propose, approve, compliance-approve, execute, the register."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from api.deps import ArchiveDep, CommandCtx, CommandInput, ReadCtx, command_input, command_openapi
from api.fields import MULTILINE, ONE_LINE
from api.responses import respond
from api.schemas import Command, CommandPublic
from domain.disposition import DestructionBatch

router = APIRouter(tags=["destruction"])
C = 201
BATCHES = "/destruction-batches"
Short = Annotated[str, Field(min_length=1, max_length=64), ONE_LINE]


class DestructionProposal(Command):
    loan_nos: Annotated[list[Short], Field(min_length=1, max_length=500)] = Field(
        description="the loans whose dossiers the batch destroys"
    )
    proposed_on: date


class DestructionApproval(Command):
    approved_on: date


class DestructionExecution(Command):
    supervisor_nos: Annotated[list[Short], Field(min_length=1, max_length=20)] = Field(
        description="staff numbers of the supervisors present (监销人), at least two"
    )
    it_supervisor_no: Short | None = Field(
        default=None, description="the IT supervisor, needed for electronic records"
    )
    method: Annotated[str, Field(min_length=1, max_length=500), MULTILINE] = Field(
        description="how the records are destroyed (销毁方式)"
    )


class DestructionBatchPublic(BaseModel):
    batch_id: UUID
    version: int
    proposed_on: date
    proposed_by: UUID
    approved_by: UUID | None
    compliance_approved_by: UUID | None
    executed_by: UUID | None
    executed_on: date | None
    supervisors: list[UUID]
    it_supervisor: UUID | None
    method: str
    completed: bool
    retained_blobs: list[str]
    entries: list[dict[str, Any]]

    @classmethod
    def of(cls, batch: DestructionBatch) -> DestructionBatchPublic:
        return cls(
            batch_id=batch.id,
            version=batch.version,
            proposed_on=batch.proposed_on,
            proposed_by=batch.proposed_by,
            approved_by=batch.approved_by,
            compliance_approved_by=batch.compliance_by,
            executed_by=batch.executed_by,
            executed_on=batch.executed_on,
            supervisors=list(batch.supervisors),
            it_supervisor=batch.it_supervisor,
            method=batch.method,
            completed=batch.completed,
            retained_blobs=list(batch.retained_blobs),
            entries=[dict(e) for e in batch.entries],
        )


@router.post(
    BATCHES,
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(DestructionProposal, documents=False),
)
def propose(
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[DestructionProposal],
        Depends(command_input(DestructionProposal, documents=False)),
    ],
    response: Response,
) -> CommandPublic:
    """The archive head proposes a batch with its destruction register (销毁清册)."""
    result = archive.propose_destruction(
        cmd.context(ctx), loan_nos=cmd.body.loan_nos, proposed_on=cmd.body.proposed_on
    )
    return respond(result, response)


@router.post(
    f"{BATCHES}/{{batch_id}}/approve",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(DestructionApproval, documents=False),
)
def approve(
    batch_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[DestructionApproval],
        Depends(command_input(DestructionApproval, documents=False)),
    ],
    response: Response,
) -> CommandPublic:
    """The branch head approves (someone other than the proposer)."""
    result = archive.approve_destruction(
        cmd.context(ctx), batch_id, approved_on=cmd.body.approved_on
    )
    return respond(result, response)


@router.post(
    f"{BATCHES}/{{batch_id}}/compliance-approve",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(DestructionApproval, documents=False),
)
def compliance_approve(
    batch_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[DestructionApproval],
        Depends(command_input(DestructionApproval, documents=False)),
    ],
    response: Response,
) -> CommandPublic:
    """Compliance approves the batch (合规审批)."""
    result = archive.compliance_approve_destruction(
        cmd.context(ctx), batch_id, approved_on=cmd.body.approved_on
    )
    return respond(result, response)


@router.post(
    f"{BATCHES}/{{batch_id}}/execute",
    status_code=C,
    response_model=CommandPublic,
    openapi_extra=command_openapi(DestructionExecution, documents=False),
)
def execute(
    batch_id: UUID,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[DestructionExecution],
        Depends(command_input(DestructionExecution, documents=False)),
    ],
    response: Response,
) -> CommandPublic:
    """Execute the batch: events, then data keys, then blobs; re-run to finish a crashed run."""
    b = cmd.body
    result = archive.execute_destruction(
        cmd.context(ctx),
        batch_id,
        supervisor_nos=b.supervisor_nos,
        it_supervisor_no=b.it_supervisor_no,
        method=b.method,
    )
    return respond(result, response)


@router.get(f"{BATCHES}/{{batch_id}}", response_model=DestructionBatchPublic)
def get_batch(batch_id: UUID, archive: ArchiveDep, ctx: ReadCtx) -> DestructionBatchPublic:
    """The batch, its approvals, execution and register entries."""
    return DestructionBatchPublic.of(archive.get_destruction_batch(ctx, batch_id))


@router.get(
    f"{BATCHES}/{{batch_id}}/register.pdf",
    responses={200: {"content": {"application/pdf": {}}}},
)
def register_pdf(batch_id: UUID, archive: ArchiveDep, ctx: ReadCtx) -> Response:
    """The destruction register (销毁清册) as a PDF with signature lines."""
    return Response(
        content=archive.destruction_register_pdf(ctx, batch_id),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="destruction-{batch_id}.pdf"'},
    )
