"""Destruction batches (销毁批次): propose, approve, compliance-approve, execute, the register."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import ArchiveDep, ReadCtx
from api.routers import command_route
from archive.commands.disposition import (
    ApproveDestruction,
    ComplianceApproveDestruction,
    ExecuteDestruction,
    ProposeDestruction,
)
from domain.disposition import DestructionBatch

router = APIRouter(tags=["destruction"])
BATCHES = "/destruction-batches"


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


ONE = f"{BATCHES}/{{batch_id}}"
command_route(router, BATCHES, ProposeDestruction, schema="DestructionProposal", name="propose")
command_route(
    router, f"{ONE}/approve", ApproveDestruction, schema="DestructionApproval", name="approve"
)
command_route(
    router,
    f"{ONE}/compliance-approve",
    ComplianceApproveDestruction,
    schema="DestructionApproval",
    name="compliance_approve",
)
command_route(
    router, f"{ONE}/execute", ExecuteDestruction, schema="DestructionExecution", name="execute"
)


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
