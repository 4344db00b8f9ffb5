"""The archive office's part of the dossier (档案室): transfer, catalogue, holds, retention, appraisal.

:class:`DossierCustody` is a layer of :class:`domain.dossier.Dossier`, as the loan is built up
area by area. Public methods are commands: they check the rules first and then trigger one
past-tense event through a private ``@event`` method, whose body is the only place state
changes. Configuration (retention class per document type, custody tiers, the codes of the
reference code) stays in the application, which passes the values it decided to the command.

The rules and records of transfers and their receipt are :mod:`domain.transfers`; those of
cataloguing, retention, holds and appraisal :mod:`domain.retention`. The events stay on this
class: they are stored under its topic (``domain.custody:DossierCustody.…``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import (
    AlreadyCataloguedError,
    AlreadyExistsError,
    AppraisalDecidedError,
    AppraisalOpenError,
    DefectAlreadyClearedError,
    HoldAlreadyReleasedError,
    InvalidInputError,
    NotCataloguedError,
    NotFoundError,
    NothingReceivedError,
    PermanentRetentionError,
    RetentionNotExpiredError,
    RetentionNotStartedError,
    SegregationOfDutiesError,
    TransferAlreadyReceivedError,
)
from domain.retention import (
    Appraisal,
    CatalogueEntry,
    Hold,
    appraisal_group,
    retention_period,
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
    AppraisalOpinion,
    HoldKind,
    LoanStatus,
    Party,
    RetentionClass,
    Role,
    TransferKind,
    require_text,
)


class DossierCustody(Aggregate):
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
    ) -> None:
        """List what the credit side hands to the archive office (移交清单).

        Originals are due within ``originals_working_days`` working days of signing
        (``transfers.originals_working_days`` of the rules in force); the full dossier only
        once the loan is settled or written off.
        """
        authorize(actor, Action.LIST_TRANSFER)
        if transfer_id in self.transfers:
            raise AlreadyExistsError(f"移交 {transfer_id} 已存在", f"transfer {transfer_id} exists")
        checked = transfer_list(
            kind=kind,
            items=items,
            listed_on=listed_on,
            signed_on=signed_on,
            loan_status=loan_status,
            originals_working_days=originals_working_days,
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
    ) -> None:
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
        )

    def transfer(self, transfer_id: UUID) -> Transfer:
        try:
            return self.transfers[transfer_id]
        except KeyError:
            raise NotFoundError(
                f"移交 {transfer_id} 不存在", f"transfer {transfer_id} does not exist"
            ) from None

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
        defect = self.defects.get(defect_id)
        if defect is None:
            raise NotFoundError(f"缺陷 {defect_id} 不存在", f"defect {defect_id} does not exist")
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

    # --------------------------------------------------------------- catalogue
    def check_catalogue_allowed(self, actor: Actor) -> None:
        """Refuse to catalogue twice, or before anything was received."""
        authorize(actor, Action.CATALOGUE)
        if self.catalogue_entry is not None:
            raise AlreadyCataloguedError(
                f"档案已编目，档号 {self.catalogue_entry.reference_code}",
                f"the dossier is catalogued already as {self.catalogue_entry.reference_code}",
                reference_code=self.catalogue_entry.reference_code,
            )
        if not any(t.received for t in self.transfers.values()):
            raise NothingReceivedError(
                "档案室尚未接收任何移交，不能编目",
                "nothing has been received by the archive office: nothing to catalogue",
            )

    def catalogue(
        self,
        *,
        reference_code: str,
        shelf_location: str,
        retention: RetentionClass,
        tier1_doc_types: Sequence[str],
        catalogued_on: date,
        closed_on: date | None,
        actor: Actor,
    ) -> None:
        """Assign the reference code (档号), shelf, retention class and custody tiers (编目).

        Assigned once: the code is stable. When the loan has already closed, retention
        starts in the same command.
        """
        self.check_catalogue_allowed(actor)
        first_received = min(t.received_on for t in self.transfers.values() if t.received_on)
        check_not_before(
            catalogued_on, first_received, field="catalogued_on", since_field="received_on"
        )
        self._catalogued(
            reference_code=reference_code,
            shelf_location=require_text(shelf_location, "shelf_location", max_length=200),
            retention=retention,
            tier1_doc_types=sorted(set(tier1_doc_types)),
            catalogued_on=catalogued_on,
            actor_id=actor.id,
            role=actor.role,
        )
        if closed_on is not None:
            self.start_retention(closed_on=closed_on, actor=actor)

    @event("Catalogued")
    def _catalogued(
        self,
        *,
        reference_code: str,
        shelf_location: str,
        retention: RetentionClass,
        tier1_doc_types: list[str],
        catalogued_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.catalogue_entry = CatalogueEntry(
            reference_code, shelf_location, retention, frozenset(tier1_doc_types), catalogued_on
        )

    # --------------------------------------------------------------- retention
    def start_retention(self, *, closed_on: date, actor: Actor) -> bool:
        """Start the retention period once the dossier is catalogued and the loan has closed.

        A consequence of cataloguing or of settlement / write-off, authorised by that command.
        Does nothing (and says so) before cataloguing or when retention has started already.
        """
        if self.catalogue_entry is None or self.retention_started:
            return False
        starts_on, ends_on = retention_period(closed_on, self.catalogue_entry.retention)
        self._retention_started(
            closed_on=closed_on,
            starts_on=starts_on,
            retention=self.catalogue_entry.retention,
            ends_on=ends_on,
            actor_id=actor.id,
            role=actor.role,
        )
        return True

    @event("RetentionStarted")
    def _retention_started(
        self,
        *,
        closed_on: date,
        starts_on: date,
        retention: RetentionClass,
        ends_on: date | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.retention_started = True
        self.retention_starts_on = starts_on
        self.retention_ends_on = ends_on

    def check_retention_running(self) -> date:
        """The current last day of retention; refuse before it starts or when it never ends."""
        self.check_catalogued()
        if not self.retention_started:
            raise RetentionNotStartedError(
                "贷款尚未结清或核销，保管期限未起算",
                "retention has not started: the loan is neither settled nor written off",
            )
        if self.retention_ends_on is None:
            raise PermanentRetentionError(
                "永久保管的档案不作到期鉴定", "a permanent dossier is never appraised for expiry"
            )
        return self.retention_ends_on

    def extend_retention(
        self,
        *,
        ends_on: date,
        reason: str,
        extended_on: date,
        appraisal_id: UUID | None,
        actor: Actor,
    ) -> None:
        """Keep the dossier longer (延长保管期限), usually on an appraisal's opinion."""
        authorize(actor, Action.EXTEND_RETENTION)
        current = self.check_retention_running()
        if ends_on <= current:
            raise InvalidInputError(
                f"新的保管期满日须晚于 {current}",
                f"the new end of retention must be after {current}",
                field="ends_on",
            )
        if appraisal_id is not None:
            appraisal = self.appraisal(appraisal_id)
            if appraisal.opinion is not AppraisalOpinion.EXTEND:
                raise InvalidInputError(
                    "所引鉴定的意见不是延长保管期限",
                    "the appraisal cited did not advise extending retention",
                    field="appraisal_id",
                )
            check_not_before(
                extended_on, appraisal.decided_on, field="extended_on", since_field="decided_on"
            )
        self._retention_extended(
            previous_ends_on=current,
            ends_on=ends_on,
            reason=require_text(reason, "reason"),
            extended_on=extended_on,
            appraisal_id=appraisal_id,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("RetentionExtended")
    def _retention_extended(
        self,
        *,
        previous_ends_on: date,
        ends_on: date,
        reason: str,
        extended_on: date,
        appraisal_id: UUID | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.retention_ends_on = ends_on

    # -------------------------------------------------------------------- holds
    def place_hold(
        self,
        *,
        hold_id: UUID,
        kind: HoldKind,
        reason: str,
        reference: str,
        placed_on: date,
        actor: Actor,
    ) -> None:
        """Freeze the dossier (冻结) for litigation, audit or investigation; holds stack."""
        authorize(actor, Action.PLACE_HOLD)
        if hold_id in self.all_holds:
            raise AlreadyExistsError(f"冻结 {hold_id} 已存在", f"hold {hold_id} exists")
        self._hold_placed(
            hold_id=hold_id,
            kind=kind,
            reason=require_text(reason, "reason"),
            reference=require_text(reference, "reference", max_length=200),
            placed_on=placed_on,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("HoldPlaced")
    def _hold_placed(
        self,
        *,
        hold_id: UUID,
        kind: HoldKind,
        reason: str,
        reference: str,
        placed_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.all_holds[hold_id] = Hold(hold_id, kind, reason, reference, placed_on, actor_id)

    def release_hold(self, *, hold_id: UUID, reason: str, released_on: date, actor: Actor) -> None:
        """Release one hold (解除冻结); the others stay."""
        authorize(actor, Action.RELEASE_HOLD)
        hold = self.all_holds.get(hold_id)
        if hold is None:
            raise NotFoundError(f"冻结 {hold_id} 不存在", f"hold {hold_id} does not exist")
        if hold.released_on is not None:
            raise HoldAlreadyReleasedError(
                "该冻结已解除", "this hold was released already", released_on=hold.released_on
            )
        check_not_before(released_on, hold.placed_on, field="released_on", since_field="placed_on")
        self._hold_released(
            hold_id=hold_id,
            reason=require_text(reason, "reason"),
            released_on=released_on,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("HoldReleased")
    def _hold_released(
        self, *, hold_id: UUID, reason: str, released_on: date, actor_id: UUID, role: Role
    ) -> None:
        self.all_holds[hold_id].released_on = released_on

    # ---------------------------------------------------------------- appraisal
    def appraisal(self, appraisal_id: UUID) -> Appraisal:
        try:
            return self.appraisals[appraisal_id]
        except KeyError:
            raise NotFoundError(
                f"鉴定 {appraisal_id} 不存在", f"appraisal {appraisal_id} does not exist"
            ) from None

    def open_appraisal(
        self, *, appraisal_id: UUID, opened_on: date, group: Sequence[Party], actor: Actor
    ) -> None:
        """Open the appraisal (鉴定) of an expired dossier by a group of at least two people."""
        authorize(actor, Action.OPEN_APPRAISAL)
        ends_on = self.check_retention_running()
        if ends_on >= opened_on:
            raise RetentionNotExpiredError(
                f"保管期限至 {ends_on} 届满，尚不能鉴定",
                f"retention runs until {ends_on}: too early to appraise",
                retention_ends_on=ends_on,
            )
        if self.under_appraisal:
            raise AppraisalOpenError("已有进行中的鉴定", "an appraisal is open already")
        if appraisal_id in self.appraisals:
            raise AlreadyExistsError(
                f"鉴定 {appraisal_id} 已存在", f"appraisal {appraisal_id} exists"
            )
        members = appraisal_group(group)
        self._appraisal_opened(
            appraisal_id=appraisal_id,
            opened_on=opened_on,
            group=members,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("AppraisalOpened")
    def _appraisal_opened(
        self, *, appraisal_id: UUID, opened_on: date, group: list[UUID], actor_id: UUID, role: Role
    ) -> None:
        self.appraisals[appraisal_id] = Appraisal(appraisal_id, opened_on, list(group))

    def decide_appraisal(
        self,
        *,
        appraisal_id: UUID,
        opinion: AppraisalOpinion,
        text: str,
        decided_on: date,
        actor: Actor,
    ) -> None:
        """Record the appraisal opinion (鉴定意见): destroy, or keep longer."""
        authorize(actor, Action.DECIDE_APPRAISAL)
        appraisal = self.appraisal(appraisal_id)
        if appraisal.opinion is not None:
            raise AppraisalDecidedError(
                "该鉴定已有结论", "this appraisal was decided already", opinion=appraisal.opinion
            )
        check_not_before(
            decided_on, appraisal.opened_on, field="decided_on", since_field="opened_on"
        )
        self._appraised(
            appraisal_id=appraisal_id,
            opinion=opinion,
            text=require_text(text, "text"),
            decided_on=decided_on,
            group=list(appraisal.group),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Appraised")
    def _appraised(
        self,
        *,
        appraisal_id: UUID,
        opinion: AppraisalOpinion,
        text: str,
        decided_on: date,
        group: list[UUID],
        actor_id: UUID,
        role: Role,
    ) -> None:
        appraisal = self.appraisals[appraisal_id]
        appraisal.opinion = opinion
        appraisal.text = text
        appraisal.decided_on = decided_on
