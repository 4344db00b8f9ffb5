"""Holds (冻结) for litigation, audit or investigation: the last custody layer.

:class:`DossierCustody` is the whole of the archive office's part of the dossier, each area a
layer: :mod:`domain.custody.transfers`, :mod:`domain.custody.retention`, and the holds here.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.custody.retention import DossierRetention
from domain.dates import check_not_before
from domain.errors import (
    AlreadyExistsError,
    HoldAlreadyReleasedError,
    NotFoundError,
)
from domain.retention import (
    Hold,
)
from domain.values import (
    Actor,
    HoldKind,
    Role,
    require_text,
)


class DossierCustody(DossierRetention):
    """What the archive office records about a dossier: every custody layer, and the holds."""

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
