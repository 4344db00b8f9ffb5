"""Keeping the dossier once received: cataloguing (编目), retention (保管期限), appraisal (鉴定)
and holds (冻结) for litigation, audit or investigation.

:class:`DossierCustody`, the second and last custody layer, is the whole of the archive
office's part of the dossier. The rules and records it applies are :mod:`domain.retention`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.custody.transfers import DossierTransfers, found
from domain.dates import check_not_before
from domain.errors import (
    AlreadyCataloguedError,
    AlreadyExistsError,
    AppraisalDecidedError,
    AppraisalOpenError,
    HoldAlreadyReleasedError,
    InvalidInputError,
    NothingReceivedError,
    PermanentRetentionError,
    RetentionNotExpiredError,
    RetentionNotStartedError,
)
from domain.retention import (
    Appraisal,
    CatalogueEntry,
    Hold,
    appraisal_group,
    retention_period,
)
from domain.values import (
    Actor,
    AppraisalOpinion,
    HoldKind,
    Party,
    RetentionClass,
    Role,
    require_text,
)


class DossierCustody(DossierTransfers):
    """What the archive office records about a dossier: every custody layer; this one keeps it
    once received (its catalogue entry, retention period, appraisals and holds)."""

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

    # ---------------------------------------------------------------- appraisal
    def appraisal(self, appraisal_id: UUID) -> Appraisal:
        return found(self.appraisals, appraisal_id, "鉴定", "appraisal")

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
        hold = found(self.all_holds, hold_id, "冻结", "hold")
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
