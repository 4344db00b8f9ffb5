"""Transfers to the archive office (移交) and their receipt (接收): the first custody layer.

:class:`DossierTransfers` sets up the custody state of a dossier and records what the credit
side hands over, the archivist's check of each item and the clearing of defects. The rules
and records it applies are :mod:`domain.transfers`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import (
    AlreadyExistsError,
    DefectAlreadyClearedError,
    NotCataloguedError,
    NotFoundError,
    SegregationOfDutiesError,
    TransferAlreadyReceivedError,
)
from domain.retention import (
    Appraisal,
    CatalogueEntry,
    Hold,
)
from domain.transfers import (
    Defect,
    Transfer,
    TransferItem,
    match_originals,
    receipt_checks,
    receipt_defects,
    transfer_list,
)
from domain.values import (
    Actor,
    LoanStatus,
    RetentionClass,
    Role,
    TransferKind,
    require_text,
)
from domain.workdays import WEEKENDS_ONLY, WorkingCalendar

R = TypeVar("R")


def found(records: Mapping[UUID, R], record_id: UUID, zh: str, en: str) -> R:
    """The record under ``record_id``, or the error that there is none (``zh``, ``en``: what
    the record is, as the messages name it)."""
    try:
        return records[record_id]
    except KeyError:
        raise NotFoundError(
            f"{zh} {record_id} 不存在", f"{en} {record_id} does not exist"
        ) from None


class DossierTransfers(Aggregate):
    """What the archive office records about a dossier: its state, and the transfers."""

    """What the archive office records about a dossier."""

    # No class-level annotations here: eventsourcing would take them for fields of the
    # Opened event. The state is set up by the dossier's own Opened event instead.
    def _init_custody(self) -> None:
        self.transfers: dict[UUID, Transfer] = {}
        self.defects: dict[UUID, Defect] = {}
        self.catalogue_entry: CatalogueEntry | None = None
        self.all_holds: dict[UUID, Hold] = {}
        self.appraisals: dict[UUID, Appraisal] = {}
        self.retention_starts_on: date | None = None
        self.retention_ends_on: date | None = None
        self.retention_started = False

    # ------------------------------------------------------------------ reading
    @property
    def reference_code(self) -> str | None:
        return self.catalogue_entry.reference_code if self.catalogue_entry else None

    @property
    def retention(self) -> RetentionClass | None:
        return self.catalogue_entry.retention if self.catalogue_entry else None

    @property
    def open_defects(self) -> dict[UUID, Defect]:
        return {k: d for k, d in self.defects.items() if d.cleared_on is None}

    @property
    def open_holds(self) -> dict[UUID, Hold]:
        return {k: h for k, h in self.all_holds.items() if h.released_on is None}

    @property
    def under_appraisal(self) -> bool:
        return any(a.opinion is None for a in self.appraisals.values())

    def retention_ended(self, on: date) -> bool:
        """Whether the retention period has run out before ``on`` (never for permanent)."""
        return self.retention_ends_on is not None and self.retention_ends_on < on

    def check_catalogued(self) -> CatalogueEntry:
        if self.catalogue_entry is None:
            raise NotCataloguedError("档案尚未编目", "the dossier has not been catalogued")
        return self.catalogue_entry

    # ---------------------------------------------------------------- transfer
    def list_transfer(
        self,
        *,
        transfer_id: UUID,
        kind: TransferKind,
        items: Sequence[Mapping[str, Any]],
        listed_on: date,
        signed_on: date | None,
        loan_status: LoanStatus,
        originals_working_days: int,
        actor: Actor,
        calendar: WorkingCalendar = WEEKENDS_ONLY,
        transfer_no: str | None = None,
    ) -> None:
        """List what the credit side hands to the archive office (移交清单), numbered
        ``transfer_no`` in the year's series of transfer lists (移交〔2026〕第0001号).

        Originals are due within ``originals_working_days`` working days of signing
        (``transfers.originals_working_days`` of the rules in force, counted by their
        ``calendar``: holidays skipped, make-up working days counted); the full dossier only
        once the loan is settled or written off.
        """
        authorize(actor, Action.LIST_TRANSFER)
        if transfer_id in self.transfers:
            raise AlreadyExistsError(f"移交 {transfer_id} 已存在", f"transfer {transfer_id} exists")
        checked = transfer_list(
            kind, items, listed_on, signed_on, loan_status, originals_working_days, calendar
        )
        self._transfer_listed(
            transfer_id=transfer_id,
            kind=kind,
            items=[i.as_dict() for i in checked.items],
            listed_on=listed_on,
            signed_on=checked.signed_on,
            due_on=checked.due_on,
            actor_id=actor.id,
            role=actor.role,
            transfer_no=transfer_no,
        )

    @event("TransferListed")
    def _transfer_listed(
        self,
        *,
        transfer_id: UUID,
        kind: TransferKind,
        items: list[dict[str, Any]],
        listed_on: date,
        signed_on: date | None,
        due_on: date | None,
        actor_id: UUID,
        role: Role,
        transfer_no: str | None = None,
    ) -> None:
        # Transfers listed before the numbering have none.
        self.transfers[transfer_id] = Transfer(
            transfer_id=transfer_id,
            kind=kind,
            items=[
                TransferItem(n, i["doc_type"], i["title"], int(i["pages"]))
                for n, i in enumerate(items, start=1)
            ],
            listed_by=actor_id,
            listed_on=listed_on,
            due_on=due_on,
            transfer_no=transfer_no,
        )

    def transfer(self, transfer_id: UUID) -> Transfer:
        return found(self.transfers, transfer_id, "移交", "transfer")

    def receive_transfer(
        self,
        *,
        transfer_id: UUID,
        checks: Sequence[Mapping[str, Any]],
        received_on: date,
        actor: Actor,
    ) -> list[UUID]:
        """Check each listed item and sign the receipt (接收); return the defects opened.

        Missing, damaged or short items stay open as defects. A full transfer is matched with
        the originals received earlier (二次组卷): ``completes`` records which earlier item
        each of its items joins.
        """
        authorize(actor, Action.RECEIVE_TRANSFER)
        transfer = self.transfer(transfer_id)
        if transfer.received:
            raise TransferAlreadyReceivedError(
                "该移交已接收", "this transfer was received already", received_on=received_on
            )
        if actor.id == transfer.listed_by:
            raise SegregationOfDutiesError(
                "移交人不得自行签收", "whoever hands a transfer over may not sign its receipt"
            )
        check_not_before(
            received_on, transfer.listed_on, field="received_on", since_field="listed_on"
        )
        found = receipt_checks(transfer, checks)
        defects = receipt_defects(transfer, found)
        completes = (
            match_originals(transfer, list(self.transfers.values()))
            if transfer.kind is TransferKind.FULL
            else []
        )
        self._transfer_received(
            transfer_id=transfer_id,
            checks=[
                {"item_no": n, "condition": c, "pages_counted": p, "note": t}
                for n, (c, p, t) in sorted(found.items())
            ],
            defects=defects,
            completes=completes,
            received_on=received_on,
            actor_id=actor.id,
            role=actor.role,
        )
        return [d["defect_id"] for d in defects]

    @event("TransferReceived")
    def _transfer_received(
        self,
        *,
        transfer_id: UUID,
        checks: list[dict[str, Any]],
        defects: list[dict[str, Any]],
        completes: list[dict[str, Any]],
        received_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        transfer = self.transfers[transfer_id]
        transfer.received_by = actor_id
        transfer.received_on = received_on
        transfer.conditions = {int(c["item_no"]): c["condition"] for c in checks}
        transfer.completes = completes
        for d in defects:
            self.defects[d["defect_id"]] = Defect(
                d["defect_id"], transfer_id, int(d["item_no"]), d["condition"], d["detail"]
            )

    def clear_defect(self, *, defect_id: UUID, cleared_on: date, note: str, actor: Actor) -> None:
        """Close a transfer defect: the item came in, or its absence is explained (补交)."""
        authorize(actor, Action.CLEAR_DEFECT)
        defect = found(self.defects, defect_id, "缺陷", "defect")
        if defect.cleared_on is not None:
            raise DefectAlreadyClearedError(
                "该缺陷已销项", "this defect was cleared already", cleared_on=defect.cleared_on
            )
        received_on = self.transfer(defect.transfer_id).received_on
        check_not_before(cleared_on, received_on, field="cleared_on", since_field="received_on")
        self._defect_cleared(
            defect_id=defect_id,
            cleared_on=cleared_on,
            note=require_text(note, "note"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("DefectCleared")
    def _defect_cleared(
        self, *, defect_id: UUID, cleared_on: date, note: str, actor_id: UUID, role: Role
    ) -> None:
        self.defects[defect_id].cleared_on = cleared_on
