"""Risk-warning signals (风险预警): raised → handled → cleared."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidTransitionError
from domain.loan.classification import LoanClassification
from domain.loan.core import Docs
from domain.records import WarningSignal
from domain.values import Actor, DocumentRef, Role, WarningColour, require_text


class LoanWarnings(LoanClassification):
    """A loan's warning signals (红橙黄)."""

    def raise_warning(
        self,
        *,
        signal_id: UUID,
        colour: WarningColour,
        code: str,
        raised_on: date,
        reason: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Raise a signal with its colour, catalogue code and reason."""
        authorize(actor, Action.RAISE_WARNING)
        self.check_not_closed("发出预警", "raise a warning")
        self.check_business_date(raised_on, "raised_on")
        self._new(self.warnings, signal_id, "预警/warning")
        code = require_text(code, "code", max_length=32)
        if any(w.code == code and w.cleared_on is None for w in self.warnings.values()):
            raise InvalidTransitionError(
                f"预警信号 {code} 尚未解除", f"warning signal {code} is already open on this loan"
            )
        self._warning_raised(
            signal_id=signal_id,
            colour=colour,
            code=code,
            raised_on=raised_on,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("WarningRaised")
    def _warning_raised(
        self,
        *,
        signal_id: UUID,
        colour: WarningColour,
        code: str,
        raised_on: date,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.warnings[signal_id] = WarningSignal(signal_id, colour, code, raised_on, reason)

    def _signal(self, signal_id: UUID, what_zh: str, what_en: str) -> WarningSignal:
        signal: WarningSignal | None = self.warnings.get(signal_id)
        if signal is None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 从未发出，不能{what_zh}",
                f"warning signal {signal_id} was never raised on loan {self.loan_no}: "
                f"cannot {what_en} it",
            )
        if signal.cleared_on is not None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 已解除", f"warning signal {signal_id} is already cleared"
            )
        return signal

    def handle_warning(
        self,
        *,
        signal_id: UUID,
        handled_on: date,
        measures: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record the measures taken on a signal (处置)."""
        authorize(actor, Action.HANDLE_WARNING)
        signal = self._signal(signal_id, "处置", "handle")
        check_not_before(handled_on, signal.raised_on, field="handled_on", since_field="raised_on")
        self._warning_handled(
            signal_id=signal_id,
            handled_on=handled_on,
            measures=require_text(measures, "measures"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("WarningHandled")
    def _warning_handled(
        self,
        *,
        signal_id: UUID,
        handled_on: date,
        measures: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        signal = self.warnings[signal_id]
        signal.handled_on = signal.handled_on or handled_on
        signal.measures = measures

    def clear_warning(
        self,
        *,
        signal_id: UUID,
        cleared_on: date,
        reason: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Clear (解除) a handled signal, only with a reason."""
        authorize(actor, Action.CLEAR_WARNING)
        signal = self._signal(signal_id, "解除", "clear")
        if signal.handled_on is None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 尚未处置，不能解除",
                f"warning signal {signal_id} has not been handled: cannot clear it",
            )
        check_not_before(
            cleared_on, signal.handled_on, field="cleared_on", since_field="handled_on"
        )
        self._warning_cleared(
            signal_id=signal_id,
            cleared_on=cleared_on,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("WarningCleared")
    def _warning_cleared(
        self,
        *,
        signal_id: UUID,
        cleared_on: date,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.warnings[signal_id].cleared_on = cleared_on
