"""Request and response models of the archive office (档案室): transfer, catalogue, holds,
retention and appraisal."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from api.fields import MAX_INT, MULTILINE, ONE_LINE
from api.schemas import Command
from archive.fields import Sentence, Short, Text
from domain.dossier import Dossier
from domain.values import AppraisalOpinion, HoldKind, ItemCondition, TransferKind

DocType = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$"), ONE_LINE]


class TransferItemIn(BaseModel):
    doc_type: DocType
    title: Sentence
    pages: Annotated[int, Field(ge=1, le=100_000)]


class TransferCreate(Command):
    kind: TransferKind = Field(description="originals (合同原件) or full (整卷, after closing)")
    items: Annotated[list[TransferItemIn], Field(min_length=1, max_length=500)]
    listed_on: date
    signed_on: date | None = Field(
        default=None, description="contract signing date; defaults to the loan's value date"
    )


class ItemCheckIn(BaseModel):
    item_no: Annotated[int, Field(ge=1, le=MAX_INT)]
    condition: ItemCondition
    pages_counted: Annotated[int, Field(ge=0, le=100_000)] = 0
    note: Annotated[str, Field(max_length=500), MULTILINE] = ""


class TransferReceipt(Command):
    checks: Annotated[list[ItemCheckIn], Field(min_length=1, max_length=500)]
    received_on: date


class DefectClearance(Command):
    cleared_on: date
    note: Text


class CatalogueCreate(Command):
    shelf_location: Short = Field(description="库房-排-柜-格, e.g. 2-03-05-2")
    catalogued_on: date


class HoldCreate(Command):
    kind: HoldKind
    reason: Text
    reference: Short = Field(description="case, audit or investigation reference (案号/文号)")
    placed_on: date


class HoldRelease(Command):
    reason: Text
    released_on: date


class AppraisalCreate(Command):
    opened_on: date
    group_nos: Annotated[list[Short], Field(min_length=2, max_length=20)] = Field(
        description="staff numbers of the appraisal group (鉴定小组), at least two people"
    )


class AppraisalDecision(Command):
    opinion: AppraisalOpinion
    text: Text
    decided_on: date


class RetentionExtension(Command):
    ends_on: date
    reason: Text
    extended_on: date
    appraisal_id: UUID | None = None


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
            loan_no=dossier.loan_no,
            dossier_id=dossier.id,
            reference_code=dossier.reference_code,
            retention=str(dossier.retention.value) if dossier.retention else None,
            retention_ends_on=dossier.retention_ends_on,
            under_appraisal=dossier.under_appraisal,
            open_holds=len(dossier.open_holds),
        )


class PastRetentionsPublic(BaseModel):
    data: list[PastRetentionPublic]
    count: int
