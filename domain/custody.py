"""The archive office's part of the dossier (档案室): transfer, catalogue, holds, retention, appraisal.

:class:`DossierCustody` is a layer of :class:`domain.dossier.Dossier`, as the loan is built up
area by area. Public methods are commands: they check the rules first and then trigger one
past-tense event through a private ``@event`` method, whose body is the only place state
changes. Configuration (retention class per document type, custody tiers, the codes of the
reference code) stays in the application, which passes the values it decided to the command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import (
    AlreadyCataloguedError,
    AlreadyExistsError,
    AppraisalDecidedError,
    AppraisalGroupError,
    AppraisalOpenError,
    DefectAlreadyClearedError,
    HoldAlreadyReleasedError,
    InvalidInputError,
    LoanNotClosedError,
    NotCataloguedError,
    NotFoundError,
    NothingReceivedError,
    PermanentRetentionError,
    ReceiptMismatchError,
    RetentionNotExpiredError,
    RetentionNotStartedError,
    SegregationOfDutiesError,
    TransferAlreadyReceivedError,
)
from domain.values import (
    Actor,
    AppraisalOpinion,
    HoldKind,
    ItemCondition,
    LoanStatus,
    Party,
    RetentionClass,
    Role,
    TransferKind,
    require_text,
)

ORIGINALS_DEADLINE_WORKING_DAYS = 3
"""Contract originals reach the archive office within 3 working days of signing."""

MAX_ITEMS = 500


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``, skipping Saturdays and Sundays.

    There is no holiday calendar yet: public holidays and the weekend days worked in their
    place (调休) are not known, so a deadline across a holiday comes out too early.
    """
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def retention_period(closed_on: date, retention: RetentionClass) -> tuple[date, date | None]:
    """When retention starts (1 January after the year the loan closed) and its last day."""
    starts_on = date(closed_on.year + 1, 1, 1)
    years = retention.years
    if years is None:
        return starts_on, None
    return starts_on, date(starts_on.year + years - 1, 12, 31)


@dataclass(frozen=True)
class TransferItem:
    """One line of a transfer list (移交清单)."""

    item_no: int
    doc_type: str
    title: str
    pages: int

    def as_dict(self) -> dict[str, Any]:
        return {"doc_type": self.doc_type, "title": self.title, "pages": self.pages}


@dataclass
class Transfer:
    """A transfer of originals or of the full dossier, and what the archivist found."""

    transfer_id: UUID
    kind: TransferKind
    items: list[TransferItem]
    listed_by: UUID
    listed_on: date
    due_on: date | None
    received_by: UUID | None = None
    received_on: date | None = None
    conditions: dict[int, ItemCondition] = field(default_factory=dict)
    completes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def received(self) -> bool:
        return self.received_on is not None

    @property
    def late(self) -> bool:
        """Listed after the deadline for originals."""
        return self.due_on is not None and self.listed_on > self.due_on


@dataclass
class Defect:
    """An item of a transfer that was missing, damaged or short of pages on receipt."""

    defect_id: UUID
    transfer_id: UUID
    item_no: int
    condition: ItemCondition
    detail: str
    cleared_on: date | None = None


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


@dataclass(frozen=True)
class CatalogueEntry:
    """What cataloguing assigned (编目)."""

    reference_code: str
    shelf_location: str
    retention: RetentionClass
    tier1_doc_types: frozenset[str]
    catalogued_on: date


def defect_id_for(transfer_id: UUID, item_no: int) -> UUID:
    return uuid5(transfer_id, f"defect:{item_no}")


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
        actor: Actor,
    ) -> None:
        """List what the credit side hands to the archive office (移交清单).

        Originals are due within 3 working days of signing; the full dossier only once the
        loan is settled or written off.
        """
        authorize(actor, Action.LIST_TRANSFER)
        if transfer_id in self.transfers:
            raise AlreadyExistsError(f"移交 {transfer_id} 已存在", f"transfer {transfer_id} exists")
        if not items or len(items) > MAX_ITEMS:
            raise InvalidInputError(
                f"移交清单须列明 1–{MAX_ITEMS} 项",
                f"a transfer list names 1 to {MAX_ITEMS} items",
                field="items",
            )
        listed = [_item(n, raw) for n, raw in enumerate(items, start=1)]
        due_on: date | None = None
        if kind is TransferKind.FULL:
            if loan_status is LoanStatus.ACTIVE:
                raise LoanNotClosedError(
                    "贷款结清或核销后方可移交整卷档案",
                    "the full dossier is transferred only after settlement or write-off",
                    status=loan_status.value,
                )
            signed_on = None
        else:
            if signed_on is None:
                raise InvalidInputError(
                    "合同原件移交须注明签订日期",
                    "originals need the signing date",
                    field="signed_on",
                )
            check_not_before(listed_on, signed_on, field="listed_on", since_field="signed_on")
            due_on = add_working_days(signed_on, ORIGINALS_DEADLINE_WORKING_DAYS)
        self._transfer_listed(
            transfer_id=transfer_id,
            kind=kind,
            items=[i.as_dict() for i in listed],
            listed_on=listed_on,
            signed_on=signed_on,
            due_on=due_on,
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
        found = _checks(transfer, checks)
        defects: list[dict[str, Any]] = []
        for item in transfer.items:
            condition, counted, note = found[item.item_no]
            detail = note
            if condition is ItemCondition.PRESENT and counted != item.pages:
                detail = f"pages counted {counted} of {item.pages}; {note}".strip("; ")
            elif condition is ItemCondition.PRESENT:
                continue
            defects.append(
                {
                    "defect_id": defect_id_for(transfer_id, item.item_no),
                    "item_no": item.item_no,
                    "condition": condition,
                    "detail": detail,
                }
            )
        completes = self._match_originals(transfer) if transfer.kind is TransferKind.FULL else []
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

    def _match_originals(self, full: Transfer) -> list[dict[str, Any]]:
        """Pair each item of a full transfer with an original received earlier (二次组卷)."""
        earlier = [
            (t.transfer_id, i)
            for t in self.transfers.values()
            if t.kind is TransferKind.ORIGINALS and t.received and t.transfer_id != full.transfer_id
            for i in t.items
            if t.conditions.get(i.item_no) is ItemCondition.PRESENT
        ]
        used: set[tuple[UUID, int]] = set()
        pairs: list[dict[str, Any]] = []
        for item in full.items:
            for exact in (True, False):
                match = next(
                    (
                        (tid, o)
                        for tid, o in earlier
                        if (tid, o.item_no) not in used
                        and o.doc_type == item.doc_type
                        and (o.title == item.title or not exact)
                    ),
                    None,
                )
                if match is not None:
                    used.add((match[0], match[1].item_no))
                    pairs.append(
                        {
                            "item_no": item.item_no,
                            "original_transfer_id": match[0],
                            "original_item_no": match[1].item_no,
                        }
                    )
                    break
        return pairs

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
        members = list(dict.fromkeys(p.id for p in group))
        if len(members) < 2 or any(not (p.roles - {Role.ADMINISTRATOR}) for p in group):
            raise AppraisalGroupError(
                "鉴定小组须由至少两名不同的业务人员组成",
                "an appraisal group needs at least two different people holding business roles",
            )
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


def _item(item_no: int, raw: Mapping[str, Any]) -> TransferItem:
    doc_type = str(raw.get("doc_type", "")).strip()
    pages = raw.get("pages")
    if not doc_type:
        raise InvalidInputError(
            f"第 {item_no} 项缺少文档类型", f"item {item_no} has no doc_type", field="items"
        )
    if not isinstance(pages, int) or isinstance(pages, bool) or not 1 <= pages <= 100_000:
        raise InvalidInputError(
            f"第 {item_no} 项页数无效", f"item {item_no}: pages must be 1 or more", field="items"
        )
    title = require_text(str(raw.get("title", "")), f"items[{item_no}].title", max_length=500)
    return TransferItem(item_no, doc_type, title, pages)


def _checks(
    transfer: Transfer, checks: Sequence[Mapping[str, Any]]
) -> dict[int, tuple[ItemCondition, int, str]]:
    """Each listed item's check, exactly once: (condition, pages counted, note)."""
    found: dict[int, tuple[ItemCondition, int, str]] = {}
    listed = {i.item_no for i in transfer.items}
    for raw in checks:
        item_no = raw.get("item_no")
        if not isinstance(item_no, int) or item_no not in listed or item_no in found:
            raise ReceiptMismatchError(
                f"接收清点须逐项核对清单第 1–{len(listed)} 项，各一次",
                f"a receipt checks items 1 to {len(listed)} of the list, each exactly once",
                item_no=str(item_no),
            )
        condition = ItemCondition.parse(raw.get("condition"), "condition")
        counted = raw.get("pages_counted", 0)
        if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
            raise InvalidInputError(
                "清点页数无效", "pages_counted must be 0 or more", field="pages_counted"
            )
        if condition is ItemCondition.MISSING:
            counted = 0
        found[item_no] = (condition, counted, str(raw.get("note", "")).strip()[:500])
    if set(found) != listed:
        raise ReceiptMismatchError(
            f"接收清点须逐项核对清单第 1–{len(listed)} 项，各一次",
            f"a receipt checks items 1 to {len(listed)} of the list, each exactly once",
            unchecked=sorted(listed - set(found)),
        )
    return found
