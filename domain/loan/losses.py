"""三个不放过: every loss reviewed for its cause, the persons responsible, and the remedy.

A loss of the loan — its write-off (核销), its settlement with a balance left unrecovered
(损失结清, after a write-off), or a downgrade to 可疑 or 损失 — owes a loss review (损失分析):
the cause found (原因不查清不放过), the persons responsible (责任不落实不放过; each linked to the
loan's responsibility determinations of that person, RSP, where there are any), and the remedial
and collection-preservation measures with the person who owns them (整改措施不到位不放过,
落实清收保全措施). The review is recorded, and amended, by the loan's officers or a risk manager;
it is closed (办结) only once all three are recorded, by someone who recorded none of it.

Loans disbursed before this layer existed have no reviews until one is recorded: the
properties read the state with its default (see LoanWatch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.loan.core import Docs
from domain.loan.zones import LoanZones
from domain.records import Loss
from domain.values import Actor, DocumentRef, LossKind, Party, Role, require_text


@dataclass(frozen=True)
class LossReview:
    """The review of one loss (三个不放过) and where it stands."""

    review_id: UUID
    loss: LossKind
    loss_on: date
    cause: str | None
    responsible: tuple[UUID, ...]
    determinations: tuple[UUID, ...]
    measures: str | None
    measures_owner: UUID | None
    recorded_by: tuple[UUID, ...]
    last_recorded_on: date
    closed_on: date | None = None
    closed_by: UUID | None = None
    opinion: str | None = None

    @property
    def complete(self) -> bool:
        """All three recorded: the cause, the persons responsible, the measures and owner."""
        return bool(self.cause and self.responsible and self.measures and self.measures_owner)

    @property
    def missing_zh(self) -> list[str]:
        return [
            zh
            for zh, done in (
                ("原因", bool(self.cause)),
                ("责任人", bool(self.responsible)),
                ("整改及清收保全措施和责任人", bool(self.measures and self.measures_owner)),
            )
            if not done
        ]


class LoanLosses(LoanZones):
    """The loan's losses and their reviews (a layer of :class:`Loan`)."""

    @property
    def losses(self) -> list[Loss]:
        """The loan's losses, in the order they happened."""
        found: list[Loss] = self.__dict__.get("_losses", [])
        return found

    @property
    def loss_reviews(self) -> dict[UUID, LossReview]:
        found: dict[UUID, LossReview] = self.__dict__.get("_loss_reviews", {})
        return found

    def _keep_review(self, review: LossReview) -> None:
        self.__dict__["_loss_reviews"] = {**self.loss_reviews, review.review_id: review}

    def _linked(self, people: Sequence[UUID]) -> list[UUID]:
        """The loan's responsibility determinations (RSP) of ``people``."""
        return [d.id for d in self.determinations.values() if d.person_id in set(people)]

    def record_loss_review(
        self,
        *,
        review_id: UUID,
        loss: LossKind,
        loss_on: date,
        analysed_on: date,
        cause: str | None,
        responsible: Sequence[Party],
        measures: str | None,
        measures_owner: Party | None,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Open the review of a loss the loan has had, with what is found so far."""
        authorize(actor, Action.RECORD_LOSS_REVIEW)
        self._new(self.loss_reviews, review_id, "损失分析/loss review")
        self.check_business_date(analysed_on, "analysed_on")
        if not any(x.kind is loss and x.on == loss_on for x in self.losses):
            raise InvalidInputError(
                f"贷款 {self.loan_no} 没有 {loss_on} 的{loss.zh}损失",
                f"loan {self.loan_no} had no {loss.value} loss on {loss_on}",
                field="loss_on",
            )
        if any(r.loss is loss and r.loss_on == loss_on for r in self.loss_reviews.values()):
            raise InvalidTransitionError(
                f"{loss_on} 的{loss.zh}损失已有分析记录，请补充该记录",
                f"the {loss.value} loss of {loss_on} already has its review: amend it",
            )
        check_not_before(analysed_on, loss_on, field="analysed_on", since_field="loss_on")
        people = [p.id for p in responsible]
        self._loss_review_recorded(
            review_id=review_id,
            loss=loss,
            loss_on=loss_on,
            analysed_on=analysed_on,
            cause=_text(cause, "cause"),
            responsible=people or None,
            determinations=self._linked(people) or None,
            measures=_text(measures, "measures"),
            measures_owner=measures_owner.id if measures_owner else None,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    def amend_loss_review(
        self,
        *,
        review_id: UUID,
        analysed_on: date,
        cause: str | None,
        responsible: Sequence[Party],
        measures: str | None,
        measures_owner: Party | None,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Add to, or correct, an open review: each part given replaces what it held."""
        authorize(actor, Action.RECORD_LOSS_REVIEW)
        review = self._open_review(review_id)
        self.check_business_date(analysed_on, "analysed_on")
        check_not_before(
            analysed_on, review.last_recorded_on, field="analysed_on", since_field="recorded_on"
        )
        people = [p.id for p in responsible]
        found, remedy = _text(cause, "cause"), _text(measures, "measures")
        if not (found or people or remedy or measures_owner or documents):
            raise InvalidInputError(
                "请至少填写原因、责任人或整改措施之一",
                "give at least one of cause, responsible, measures or measures_owner",
                field="cause",
            )
        self._loss_review_recorded(
            review_id=review_id,
            loss=review.loss,
            loss_on=review.loss_on,
            analysed_on=analysed_on,
            cause=found,
            responsible=people or None,
            determinations=self._linked(people) or None,
            measures=remedy,
            measures_owner=measures_owner.id if measures_owner else None,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    def _open_review(self, review_id: UUID) -> LossReview:
        review: LossReview = self._get(self.loss_reviews, review_id, "损失分析", "loss review")
        if review.closed_on is not None:
            raise InvalidTransitionError("损失分析已办结", "the loss review is closed")
        return review

    @event("LossReviewRecorded")
    def _loss_review_recorded(
        self,
        *,
        review_id: UUID,
        loss: LossKind,
        loss_on: date,
        analysed_on: date,
        cause: str | None,
        responsible: list[UUID] | None,
        determinations: list[UUID] | None,
        measures: str | None,
        measures_owner: UUID | None,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        before = self.loss_reviews.get(review_id)
        if before is None:
            before = LossReview(review_id, loss, loss_on, None, (), (), None, None, (), analysed_on)
        recorders = before.recorded_by
        self._keep_review(
            replace(
                before,
                cause=cause or before.cause,
                responsible=tuple(responsible) if responsible else before.responsible,
                determinations=(
                    tuple(determinations or ()) if responsible else before.determinations
                ),
                measures=measures or before.measures,
                measures_owner=measures_owner or before.measures_owner,
                recorded_by=recorders if actor_id in recorders else (*recorders, actor_id),
                last_recorded_on=analysed_on,
            )
        )

    def close_loss_review(
        self,
        *,
        review_id: UUID,
        closed_on: date,
        opinion: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Close a review (办结) once its cause, persons responsible and measures with their
        owner are all recorded; by someone who recorded none of it."""
        authorize(actor, Action.CLOSE_LOSS_REVIEW)
        review = self._open_review(review_id)
        self.check_business_date(closed_on, "closed_on")
        if not review.complete:
            raise InvalidTransitionError(
                f"损失分析尚缺{'、'.join(review.missing_zh)}，不能办结（三个不放过）",
                "a loss review is closed only once the cause, the persons responsible and "
                "the measures with their owner are all recorded",
            )
        if actor.id in review.recorded_by:
            raise SegregationOfDutiesError(
                "损失分析须由记录人以外的人员办结",
                "a loss review is closed by someone other than whoever recorded it",
            )
        check_not_before(
            closed_on, review.last_recorded_on, field="closed_on", since_field="recorded_on"
        )
        self._loss_review_closed(
            review_id=review_id,
            loss=review.loss,
            loss_on=review.loss_on,
            closed_on=closed_on,
            opinion=require_text(opinion, "opinion"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("LossReviewClosed")
    def _loss_review_closed(
        self,
        *,
        review_id: UUID,
        loss: LossKind,
        loss_on: date,
        closed_on: date,
        opinion: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self._keep_review(
            replace(
                self.loss_reviews[review_id],
                closed_on=closed_on,
                closed_by=actor_id,
                opinion=opinion,
            )
        )


def _text(value: str | None, field: str) -> str | None:
    return require_text(value, field) if value is not None and value.strip() else None
