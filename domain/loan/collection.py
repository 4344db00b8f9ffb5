"""Collection (催收): the steps of the ladder actually taken.

A step answers the highest rung of the ladder in force (``[collection] ladder``) of its kind
that its days overdue have reached; that rung may ask more of it (docs/rules.md COL-50 to
COL-54): the name of the legal adviser informed (``adviser``, 法律顾问介入), someone other than
whoever took the earlier steps of the arrears (``handover``, 换手催收), duties taking part
(``participants``: the post-loan officer on the joint visit, a supervisor on the revised plan).
A step notifying the guarantor (通知保证人) needs a guarantor: a guarantee registered, or a loan
granted on one. A revised plan records the cause of the arrears found (逾期原因) and the plan
settled on, early recall (提前收回) among them; on a loan whose balance is above a decision
level (``[collection] decision_levels``) someone of that level decides it (COL-55 to COL-57).
On a loan serviced under the third-party model, the servicer's chasing of the borrower
(通过饲料公司追债) is recorded by the bank's staff as a step of its own kind
(``servicer_collection``), naming the servicer: it answers no rung of the bank's ladder
(docs/rules.md PTN-07).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.errors import (
    InvalidInputError,
    InvalidTransitionError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.loan.core import Docs
from domain.loan.guarantees import LoanGuarantees
from domain.records import CollectionStep
from domain.rules import CollectionRung, DecisionLevel
from domain.values import (
    Actor,
    CollectionPlan,
    CollectionStepKind,
    DocumentRef,
    GuaranteeType,
    LoanStatus,
    Party,
    Role,
    require_text,
)


def rung_of(
    ladder: Sequence[CollectionRung], kind: CollectionStepKind, days_overdue: int
) -> CollectionRung | None:
    """The rung a step answers: the highest of its kind its days overdue have reached."""
    reached = [r for r in ladder if r.step is kind and r.days <= days_overdue]
    return reached[-1] if reached else None


class LoanCollection(LoanGuarantees):
    """Collection steps taken on an overdue or written-off loan."""

    def take_collection_step(
        self,
        *,
        step_id: UUID,
        kind: CollectionStepKind,
        taken_on: date,
        days_overdue: int,
        outcome: str,
        promised_date: date | None,
        actor: Actor,
        documents: Docs = (),
        legal_adviser: str | None = None,
        ladder: Sequence[CollectionRung] = (),
        participants: Sequence[Party] = (),
        cause: str | None = None,
        plan: CollectionPlan | None = None,
        decision_levels: Sequence[DecisionLevel] = (),
    ) -> None:
        """Record a collection step with its outcome and any promised date.

        ``ladder`` is the collection ladder in force: the rung the step answers may ask for
        the legal adviser informed, for other hands than the earlier steps', or for duties
        taking part (held by the actor or by one of ``participants``). A revised plan
        (``plan_revised``) may record the ``cause`` of the arrears and the ``plan`` settled on;
        a plan on a loan above a level of ``decision_levels`` is decided by that level.
        """
        authorize(actor, Action.TAKE_COLLECTION_STEP)
        self.check_not_closed("催收", "take a collection step")
        self.check_business_date(taken_on, "taken_on")
        self._new(self.collection_steps, step_id, "催收/collection step")
        if self.days_overdue == 0 and self.status is not LoanStatus.WRITTEN_OFF:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 未逾期，不能催收",
                f"loan {self.loan_no} is not overdue: nothing to collect",
            )
        if days_overdue < 0:
            raise InvalidInputError("逾期天数无效", "days_overdue must not be negative")
        if promised_date is not None and promised_date < taken_on:
            raise InvalidInputError("承诺还款日早于催收日", "promised_date is before taken_on")
        adviser = legal_adviser.strip() if legal_adviser else None
        if adviser:
            adviser = require_text(adviser, "legal_adviser", max_length=100)
        if plan is not None and kind is not CollectionStepKind.PLAN_REVISED:
            raise InvalidInputError(
                "只有修订催收方案可记录处理方案",
                "only a revised plan (plan_revised) records a plan",
                field="plan",
            )
        present = [actor.role, *(role for p in participants for role in p.roles)]
        if actor.id in {p.id for p in participants}:
            raise InvalidInputError(
                "参与人员不应包括经办人本人",
                "participants name others than whoever takes the step",
                field="participants",
            )
        rung = rung_of(ladder, kind, days_overdue)
        if rung is not None:
            self.check_rung(rung, kind, adviser, actor)
            self.check_participants(rung, kind, present)
        if plan is not None:
            self.check_decision_level(decision_levels, present)
        found = require_text(cause, "cause") if cause is not None and cause.strip() else None
        servicer: str | None = None
        if kind is CollectionStepKind.SERVICER_COLLECTION:
            # the servicer named on the loan (domain/loan/watch.py, a later layer)
            third_party: Any = self.__dict__.get("_third_party")
            if third_party is None:
                raise InvalidTransitionError(
                    f"贷款 {self.loan_no} 未采用第三方服务模式，没有服务机构代为追收",
                    f"loan {self.loan_no} has no third-party servicer to chase the borrower",
                )
            servicer = str(third_party.servicer)
        self._collection_step_taken(
            step_id=step_id,
            kind=kind,
            taken_on=taken_on,
            days_overdue=days_overdue,
            outcome=require_text(outcome, "outcome"),
            promised_date=promised_date,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            legal_adviser=adviser or None,
            participants=[p.id for p in participants] or None,
            cause=found,
            plan=plan,
            servicer=servicer,
        )

    @staticmethod
    def check_participants(
        rung: CollectionRung, kind: CollectionStepKind, present: Sequence[Role]
    ) -> None:
        """Each duty the rung asks to take part is held by the actor or a participant."""
        missing = [r for r in rung.participants if r not in present]
        if missing:
            raise InvalidInputError(
                f"逾期{rung.days}天的{kind.zh}须有{'、'.join(r.zh for r in missing)}参与"
                "（participants 填写参与人员工号）",
                f"the {kind.value} step at {rung.days} days overdue is taken with "
                f"{', '.join(r.value for r in missing)} taking part (participants: staff numbers)",
                field="participants",
            )

    def check_decision_level(
        self, levels: Sequence[DecisionLevel], present: Sequence[Role]
    ) -> None:
        """A plan on a loan above a decision level is decided by someone of that level."""
        above = [level for level in levels if self.balance > level.above]
        if above and above[-1].role not in present:
            level = above[-1]
            raise RoleNotPermittedError(
                f"贷款余额 {self.balance} 元超过 {level.above} 元：处理方案须由{level.role.zh}"
                "决定（经办或参与）",
                f"the balance {self.balance} is above {level.above}: the plan is decided by the "
                f"{level.role.value}, taking or taking part in the step",
            )

    def check_rung(
        self,
        rung: CollectionRung,
        kind: CollectionStepKind,
        adviser: str | None,
        actor: Actor,
    ) -> None:
        """What the rung a step answers asks of it (COL-51 to COL-53)."""
        if rung.adviser and not adviser:
            raise InvalidInputError(
                f"逾期{rung.days}天的{kind.zh}须记录已告知的法律顾问",
                f"the {kind.value} step at {rung.days} days overdue names the legal adviser "
                "informed (legal_adviser)",
                field="legal_adviser",
            )
        if rung.handover and actor.id in self.earlier_collectors(rung.days):
            raise SegregationOfDutiesError(
                f"逾期{rung.days}天须换手催收：{kind.zh}须由此前催收人以外的人员办理",
                f"collection changes hands at {rung.days} days overdue: the {kind.value} step "
                "must be taken by someone other than whoever took the earlier steps",
            )
        if (
            kind is CollectionStepKind.GUARANTOR_NOTIFIED
            and not self.guarantees
            and self.guarantee_type is not GuaranteeType.GUARANTEE
        ):
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 没有保证人，不能通知保证人",
                f"loan {self.loan_no} has no guarantor to notify",
            )

    def earlier_collectors(self, before_days: int) -> frozenset[UUID]:
        """Who took the steps of the current arrears before ``before_days`` overdue."""
        since = None
        if self.overdue_as_of is not None and self.days_overdue > 0:
            since = self.overdue_as_of - timedelta(days=self.days_overdue)
        return frozenset(
            s.actor_id
            for s in self.collection_steps.values()
            if s.actor_id is not None
            and s.days_overdue < before_days
            and (since is None or s.taken_on >= since)
        )

    @event("CollectionStepTaken")
    def _collection_step_taken(
        self,
        *,
        step_id: UUID,
        kind: CollectionStepKind,
        taken_on: date,
        days_overdue: int,
        outcome: str,
        promised_date: date | None,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        legal_adviser: str | None = None,
        participants: list[UUID] | None = None,
        cause: str | None = None,
        plan: CollectionPlan | None = None,
        servicer: str | None = None,
    ) -> None:
        self.collection_steps[step_id] = CollectionStep(
            step_id,
            kind,
            taken_on,
            days_overdue,
            outcome,
            promised_date,
            actor_id,
            tuple(participants or ()),
            plan,
            servicer,
        )
