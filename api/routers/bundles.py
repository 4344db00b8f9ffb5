"""Audit bundles (审计证据包) over HTTP: one loan's events, documents and proofs as a zip.

The zip holds a BagIt bag (docs/integrity.md) that ``python -m dossier_verify`` checks offline.
Issuing one seals the log first, reads every document through the audited read path and
records an ``AuditBundle`` event; only auditors and compliance may. No ``Idempotency-Key``:
a bundle is not kept to be sent twice, so every request makes (and records) a new one.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from api.composition import Integrity
from api.deps import (
    ArchiveDep,
    CommandInput,
    IntegrityDep,
    ReadCtx,
    command_input,
    command_openapi,
)
from api.fields import ONE_LINE
from api.responses import LoanNo
from archive.application import DossierArchive
from archive.core import CommandContext
from storage.checkpoints import Checkpoint

router = APIRouter(tags=["integrity"])


class AuditBundleCreate(BaseModel):
    """Why the bundle is made; recorded in its ``AuditBundle`` event and its README."""

    model_config = ConfigDict(extra="forbid")

    purpose: Annotated[
        str, Field(min_length=1, max_length=500, description="用途 / purpose"), ONE_LINE
    ]


def _seal(integrity: Integrity) -> Checkpoint | None:
    integrity.sealer.catch_up()
    return integrity.sealer.seal()


@router.post(
    "/loans/{loan_no}/audit-bundles",
    status_code=201,
    response_class=FileResponse,
    responses={
        201: {
            "content": {"application/zip": {}},
            "description": "the bag, zipped; X-Bundle-Id and X-Checkpoint-Size name it",
        },
        503: {"description": "the log could not be sealed to cover the bundle; retry"},
    },
    openapi_extra=command_openapi(AuditBundleCreate, documents=False),
)
def issue_audit_bundle(
    loan_no: LoanNo,
    cmd: Annotated[
        CommandInput[AuditBundleCreate],
        Depends(command_input(AuditBundleCreate, documents=False)),
    ],
    archive: ArchiveDep,
    ctx: ReadCtx,
    integrity: IntegrityDep,
) -> FileResponse:
    """Seal the log and send the loan's audit bundle; the issue is recorded as an event."""
    return bundle_answer(archive, ctx, integrity, loan_no, cmd.body.purpose)


def bundle_answer(
    archive: DossierArchive,
    ctx: CommandContext,
    integrity: Integrity,
    loan_no: str,
    purpose: str,
) -> FileResponse:
    """Issue the loan's audit bundle into a scratch folder and answer it as a zip (201), the
    folder removed once sent — or removed at once if the issue is refused (the API's route and
    the console's form both hand it out this way)."""
    scratch = Path(tempfile.mkdtemp(prefix="dossier-bundle-"))
    name = f"audit-bundle-{loan_no}.zip"
    try:
        issued = archive.issue_audit_bundle(
            ctx,
            loan_no,
            purpose=purpose,
            out=scratch / name,
            integrity_store=integrity.store,
            seal=lambda: _seal(integrity),
            signer=integrity.sealer.signer,
        )
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return FileResponse(
        issued.path,
        status_code=201,
        media_type="application/zip",
        filename=name,
        headers={
            "X-Bundle-Id": str(issued.bundle_id),
            "X-Checkpoint-Size": str(issued.checkpoint.tree_size),
            "X-Event-Position": str(issued.position),
            "X-Tagmanifest-SHA256": issued.tagmanifest_sha256,
            "Cache-Control": "no-store",
        },
        # The plaintext documents leave the server in the response and nowhere else.
        background=BackgroundTask(shutil.rmtree, scratch, ignore_errors=True),
    )
