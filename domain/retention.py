"""Cataloguing, retention (保管期限), holds (冻结) and appraisal (鉴定): the rules and the records.

:class:`domain.custody.DossierCustody` records the catalogue entry, the retention period, the
holds placed on the dossier and its appraisals as events; what they are, and the rules it
applies before recording, are here.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.authorization import BUSINESS_ROLES
from domain.errors import AppraisalGroupError
from domain.values import AppraisalOpinion, HoldKind, Party, RetentionClass


def retention_period(closed_on: date, retention: RetentionClass) -> tuple[date, date | None]:
    """When retention starts (1 January after the year the loan closed) and its last day."""
    starts_on = date(closed_on.year + 1, 1, 1)
    years = retention.years
    if years is None:
        return starts_on, None
    return starts_on, date(starts_on.year + years - 1, 12, 31)


@dataclass(frozen=True)
class CatalogueEntry:
    """What cataloguing assigned (编目)."""

    reference_code: str
    shelf_location: str
    retention: RetentionClass
    tier1_doc_types: frozenset[str]
    catalogued_on: date


@dataclass
class Hold:
    """A litigation, audit or investigation hold (冻结) on the dossier."""

    hold_id: UUID
    kind: HoldKind
    reason: str
    reference: str
    placed_on: date
    placed_by: UUID
    released_on: date | None = None


@dataclass
class Appraisal:
    """An appraisal (鉴定) of the expired dossier by a group of at least two people."""

    appraisal_id: UUID
    opened_on: date
    group: list[UUID]
    opinion: AppraisalOpinion | None = None
    text: str = ""
    decided_on: date | None = None


def appraisal_group(group: Sequence[Party]) -> list[UUID]:
    """The members of an appraisal group: at least two different people with business roles."""
    members = list(dict.fromkeys(p.id for p in group))
    if len(members) < 2 or any(not (p.roles & BUSINESS_ROLES) for p in group):
        raise AppraisalGroupError(
            "鉴定小组须由至少两名不同的业务人员组成",
            "an appraisal group needs at least two different people holding business roles",
        )
    return members
