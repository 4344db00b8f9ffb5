"""Risk-warning signals (风险预警): 发布 → 处置 → 反馈 → 认定 → 消除.

Under rules with a catalogue (预警信号指标库) a signal is raised by its code and takes its colour
from it; under rules with ``closed_loop`` the handler's feedback (反馈) and the determination
(认定) by someone other than whoever handled it or gave feedback come before clearing (消除),
which its handler may not do either. Signals raised before have two steps (raise → handle →
clear). A signal is reported (报告) to the role its colour's route names (``WarningReported``,
recorded by whoever received it).

The repayment-behaviour assessment (还款行为分析, domain/repayment_behaviour.py) computes the
loan's indicator from its repayments and arrears and, where a figure reaches its threshold,
raises the signal the rules name with the figures as its reason (docs/rules.md PTN-09 to
PTN-11)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidTransitionError, SegregationOfDutiesError
from domain.loan.classification import LoanClassification
from domain.loan.core import Docs
from domain.records import WarningSignal
from domain.repayment_behaviour import Behaviour, BehaviourRules, behaviour
from domain.values import Actor, DocumentRef, Party, Role, WarningColour, require_text
from domain.warning_rules import WarningRules


class LoanWarnings(LoanClassification):
    """A loan's warning signals (红橙黄)."""

    @property
    def behaviour_assessed(self) -> tuple[date, tuple[str, ...], UUID | None] | None:
        """The latest repayment-behaviour assessment: its day, its breaches, the signal it
        raised; None when none was made."""
        found: tuple[date, tuple[str, ...], UUID | None] | None = self.__dict__.get(
            "_behaviour_assessed"
        )
        return found

    def repayment_behaviour(self, on: date, rules: BehaviourRules) -> Behaviour:
        """The repayment-behaviour indicator on ``on`` (还款行为指标)."""
        return behaviour(self.repayment_history, self.arrears_history, on=on, rules=rules)

    def assess_repayment_behaviour(
        self,
        *,
        assessed_on: date,
        signal_id: UUID,
        rules: BehaviourRules,
        warning_rules: WarningRules | None,
        actor: Actor,
    ) -> Behaviour:
        """Assess the repayment behaviour on ``assessed_on`` (还款行为分析): a figure reaching
        its threshold raises the rules' signal, its reason the figures — unless that signal is
        open on the loan already. ``signal_id``: the id the signal takes if one is raised."""
        authorize(actor, Action.ASSESS_REPAYMENT_BEHAVIOUR)
        self.check_on_books("分析还款行为", "assess the repayment behaviour")
        self.check_business_date(assessed_on, "assessed_on")
        previous = self.behaviour_assessed
        check_not_before(
            assessed_on,
            previous[0] if previous else None,
            field="assessed_on",
            since_field="last_assessed_on",
        )
        found = self.repayment_behaviour(assessed_on, rules)
        raised: UUID | None = None
        code = rules.signal
        open_already = any(w.code == code and w.cleared_on is None for w in self.warnings.values())
        if found.breaches and code is not None and not open_already:
            self.raise_warning(
                signal_id=signal_id,
                code=code,
                raised_on=assessed_on,
                reason=found.reason,
                actor=actor,
                rules=warning_rules,
            )
            raised = signal_id
        self._behaviour_assessed(
            assessed_on=assessed_on,
            since=found.since,
            repayments=found.repayments,
            on_time=found.on_time,
            late_episodes=found.late_episodes,
            most_days_late=found.most_days_late,
            consecutive_late=found.consecutive_late,
            partial_payments=found.partial_payments,
            breaches=list(found.breaches),
            signal_id=raised,
            actor_id=actor.id,
            role=actor.role,
        )
        return found

    @event("RepaymentBehaviourAssessed")
    def _behaviour_assessed(
        self,
        *,
        assessed_on: date,
        since: date,
        repayments: int,
        on_time: int,
        late_episodes: int,
        most_days_late: int,
        consecutive_late: int,
        partial_payments: int,
        breaches: list[str],
        signal_id: UUID | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.__dict__["_behaviour_assessed"] = (assessed_on, tuple(breaches), signal_id)

    def raise_warning(
        self,
        *,
        signal_id: UUID,
        code: str,
        raised_on: date,
        reason: str,
        actor: Actor,
        colour: WarningColour | None = None,
        documents: Docs = (),
        rules: WarningRules | None = None,
    ) -> None:
        """Raise a signal with its catalogue code and reason; its colour is the catalogue's
        (one given that differs is refused) or, under rules without a catalogue, the one
        given. ``rules``: the warning rules in force (none: free codes, two steps)."""
        authorize(actor, Action.RAISE_WARNING)
        rules = rules or WarningRules()
        self.check_not_closed("发出预警", "raise a warning")
        self.check_business_date(raised_on, "raised_on")
        self._new(self.warnings, signal_id, "预警/warning")
        code = require_text(code, "code", max_length=32)
        colour = rules.colour_of(code, colour)
        entry = rules.signal(code)
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
            closed_loop=rules.closed_loop,
            name=entry.name if entry else None,
            category=entry.category.value if entry else None,
            emergency_plan=True if colour in rules.emergency_plan_colours else None,
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
        closed_loop: bool = False,
        name: str | None = None,
        category: str | None = None,
        emergency_plan: bool | None = None,
    ) -> None:
        # ``closed_loop``, ``name``, ``category``: the rules in force when it was raised;
        # signals stored before the catalogue have none (two steps, a free code).
        # ``emergency_plan``: its colour started an emergency plan (应急预案) under the rules
        # then in force; none before emergency plans, or of a colour that starts none.
        self.warnings[signal_id] = WarningSignal(
            signal_id,
            colour,
            code,
            raised_on,
            reason,
            closed_loop=closed_loop,
            raiser_id=actor_id,
            plan_required=bool(emergency_plan),
        )

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
        signal.handler_ids.add(actor_id)

    def give_warning_feedback(
        self,
        *,
        signal_id: UUID,
        feedback_on: date,
        result: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Report the result of the measures taken (反馈), after handling, before 认定."""
        authorize(actor, Action.GIVE_WARNING_FEEDBACK)
        signal = self._signal(signal_id, "反馈", "give feedback on")
        if signal.handled_on is None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 尚未处置，不能反馈处置结果",
                f"warning signal {signal_id} has not been handled: no result to report yet",
            )
        if signal.determined_on is not None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 已认定，不能再反馈",
                f"warning signal {signal_id} is already determined: feedback comes before",
            )
        check_not_before(
            feedback_on, signal.handled_on, field="feedback_on", since_field="handled_on"
        )
        self._warning_feedback_given(
            signal_id=signal_id,
            feedback_on=feedback_on,
            result=require_text(result, "result"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("WarningFeedbackGiven")
    def _warning_feedback_given(
        self,
        *,
        signal_id: UUID,
        feedback_on: date,
        result: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        signal = self.warnings[signal_id]
        signal.feedback_on = signal.feedback_on or feedback_on
        signal.feedback_by.add(actor_id)

    def determine_warning(
        self,
        *,
        signal_id: UUID,
        determined_on: date,
        confirmed: bool,
        opinion: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Determine (认定) a signal after its feedback: the risk confirmed or dismissed; never
        by whoever handled it or gave feedback on it."""
        authorize(actor, Action.DETERMINE_WARNING)
        signal = self._signal(signal_id, "认定", "determine")
        if signal.feedback_on is None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 尚未反馈处置结果，不能认定",
                f"warning signal {signal_id} has no feedback on its handling: cannot determine it",
            )
        if signal.determined_on is not None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 已认定", f"warning signal {signal_id} is already determined"
            )
        if actor.id in signal.handler_ids or actor.id in signal.feedback_by:
            raise SegregationOfDutiesError(
                "职责分离：预警的处置人或反馈人不得认定该预警",
                "whoever handled a warning or gave feedback on it may not determine it",
            )
        check_not_before(
            determined_on, signal.feedback_on, field="determined_on", since_field="feedback_on"
        )
        self._warning_determined(
            signal_id=signal_id,
            determined_on=determined_on,
            confirmed=confirmed,
            opinion=require_text(opinion, "opinion"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("WarningDetermined")
    def _warning_determined(
        self,
        *,
        signal_id: UUID,
        determined_on: date,
        confirmed: bool,
        opinion: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        signal = self.warnings[signal_id]
        signal.determined_on = determined_on
        signal.determiner_id = actor_id
        signal.confirmed = confirmed

    def report_warning(
        self,
        *,
        signal_id: UUID,
        reported_on: date,
        rules: WarningRules,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record that a signal reached the role its colour's route names (报告), by someone
        holding that role (or the role it is escalated to) acknowledging it."""
        authorize(actor, Action.REPORT_WARNING)
        signal = self._signal(signal_id, "报告", "report")
        route = rules.reporting.get(signal.colour)
        if route is None:
            raise InvalidTransitionError(
                f"现行规则未规定{signal.colour.zh}预警的报告路线",
                f"the rules in force route no {signal.colour.value} signal",
            )
        if signal.reported_on is not None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 已报告", f"warning signal {signal_id} is already reported"
            )
        if actor.role not in {route.to, route.escalate_to}:
            raise SegregationOfDutiesError(
                f"{signal.colour.zh}预警须报告{route.to.zh}，不由{actor.role.zh}签收",
                f"a {signal.colour.value} signal is reported to the {route.to.value}, "
                f"not the {actor.role.value}",
            )
        check_not_before(
            reported_on, signal.raised_on, field="reported_on", since_field="raised_on"
        )
        self._warning_reported(
            signal_id=signal_id,
            reported_on=reported_on,
            to_role=actor.role,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("WarningReported")
    def _warning_reported(
        self,
        *,
        signal_id: UUID,
        reported_on: date,
        to_role: Role,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.warnings[signal_id].reported_on = reported_on

    # ------------------------------------------------------------ 应急预案
    def start_emergency_plan(
        self,
        *,
        signal_id: UUID,
        started_on: date,
        measures: str,
        owner: Party,
        due_on: date,
        actor: Actor,
        plan_days: int = 0,
        documents: Docs = (),
    ) -> None:
        """Start the emergency plan (应急预案) of a signal not cleared: the measures, who
        carries them out (``owner``) and by when (``due_on``), once. ``plan_days``: the days
        after raising within which the rules in force ask it be started (0: the same day); a
        plan started after is accepted and marked late."""
        authorize(actor, Action.START_EMERGENCY_PLAN)
        signal = self._signal(signal_id, "启动应急预案", "start an emergency plan for")
        if signal.plan_started_on is not None:
            raise InvalidTransitionError(
                f"预警信号 {signal.code} 的应急预案已于 {signal.plan_started_on} 启动",
                f"the emergency plan of signal {signal.code} was started on "
                f"{signal.plan_started_on}",
            )
        check_not_before(started_on, signal.raised_on, field="started_on", since_field="raised_on")
        check_not_before(due_on, started_on, field="due_on", since_field="started_on")
        self._emergency_plan_started(
            signal_id=signal_id,
            started_on=started_on,
            measures=require_text(measures, "measures"),
            owner_id=owner.id,
            due_on=due_on,
            late=(started_on - signal.raised_on).days > plan_days,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("EmergencyPlanStarted")
    def _emergency_plan_started(
        self,
        *,
        signal_id: UUID,
        started_on: date,
        measures: str,
        owner_id: UUID,
        due_on: date,
        late: bool,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        signal = self.warnings[signal_id]
        signal.plan_started_on = started_on
        signal.plan_owner_id = owner_id
        signal.plan_due_on = due_on

    def record_emergency_progress(
        self,
        *,
        signal_id: UUID,
        progress_on: date,
        progress: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record how the emergency plan stands (应急预案落实情况), from its start until the
        signal is cleared."""
        authorize(actor, Action.RECORD_EMERGENCY_PROGRESS)
        signal = self._signal(signal_id, "记录应急预案进展", "record emergency progress on")
        if signal.plan_started_on is None:
            raise InvalidTransitionError(
                f"预警信号 {signal.code} 尚未启动应急预案",
                f"no emergency plan was started for signal {signal.code}",
            )
        check_not_before(
            progress_on, signal.plan_started_on, field="progress_on", since_field="started_on"
        )
        self._emergency_progress_recorded(
            signal_id=signal_id,
            progress_on=progress_on,
            progress=require_text(progress, "progress"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("EmergencyProgressRecorded")
    def _emergency_progress_recorded(
        self,
        *,
        signal_id: UUID,
        progress_on: date,
        progress: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.warnings[signal_id].plan_progress += 1

    def clear_warning(
        self,
        *,
        signal_id: UUID,
        cleared_on: date,
        reason: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Clear (解除, 消除) a handled signal, only with a reason; a signal of the closed loop
        only once determined (认定), and not by whoever handled it."""
        authorize(actor, Action.CLEAR_WARNING)
        signal = self._signal(signal_id, "解除", "clear")
        if signal.plan_required and signal.plan_started_on is None:
            raise InvalidTransitionError(
                f"{signal.colour.zh}预警信号 {signal.code} 须先启动应急预案，不能解除",
                f"the {signal.colour.value} signal {signal.code} calls for an emergency plan: "
                "start it before clearing the signal",
            )
        if signal.handled_on is None:
            raise InvalidTransitionError(
                f"预警信号 {signal_id} 尚未处置，不能解除",
                f"warning signal {signal_id} has not been handled: cannot clear it",
            )
        if signal.closed_loop:
            if signal.determined_on is None:
                raise InvalidTransitionError(
                    f"预警信号 {signal_id} 尚未反馈并认定，不能消除（发布→处置→反馈→认定→消除）",
                    f"warning signal {signal_id} has not been determined (认定) after feedback: "
                    "cannot clear it",
                )
            if actor.id in signal.handler_ids:
                raise SegregationOfDutiesError(
                    "职责分离：预警的处置人不得消除该预警",
                    "whoever handled a warning may not clear it",
                )
        check_not_before(
            cleared_on,
            signal.determined_on or signal.handled_on,
            field="cleared_on",
            since_field="determined_on" if signal.determined_on else "handled_on",
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
