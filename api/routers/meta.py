"""Health and reference data."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ArchiveDep, ReadCtx
from api.schemas import DocumentTypePublic

router = APIRouter(tags=["meta"])


@router.get("/health")
def health(archive: ArchiveDep) -> dict[str, object]:
    """Liveness and the position of the newest stored event (no business data)."""
    return {"status": "ok", "position": archive.recorder.max_notification_id() or 0}


@router.get("/document-types", response_model=list[DocumentTypePublic])
def document_types(archive: ArchiveDep, ctx: ReadCtx) -> list[DocumentTypePublic]:
    """The catalogue of document types (文档类型目录)."""
    return [
        DocumentTypePublic(code=t.code, zh=t.zh, en=t.en, stage=t.stage)
        for t in archive.rule_set().document_types.values()
    ]
