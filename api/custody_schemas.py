"""Response models of the archive office (档案室): dossiers past their retention.

Its commands are defined once, in archive/commands/custody.py."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel

from api.schemas import read_fields
from domain.dossier import Dossier


class PastRetentionPublic(BaseModel):
    loan_no: str
    dossier_id: UUID
    reference_code: str | None
    retention: str | None
    retention_ends_on: date | None
    under_appraisal: bool
    open_holds: int

    @classmethod
    def of(cls, dossier: Dossier) -> PastRetentionPublic:
        return cls(
            **read_fields(
                cls,
                dossier,
                dossier_id=dossier.id,
                retention=str(dossier.retention.value) if dossier.retention else None,
                open_holds=len(dossier.open_holds),
            )
        )


class PastRetentionsPublic(BaseModel):
    data: list[PastRetentionPublic]
    count: int
