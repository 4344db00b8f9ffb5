"""When the next post-loan inspection (贷后检查) falls due: docs/rules.md INS-02 to INS-09.

A first follow-up inspection within some days of disbursement (fewer for business loans);
then routine inspections by borrower rating, by product for individual production loans and
bullet consumer loans; instalment consumer loans are watched through their repayment record
instead. Every figure and every list of products or ratings is the ``[inspections]`` table of
the rules in force (``archive/rules.toml``); the rules, not the figures, live here.
A phone visit (电话回访) is the repayment reminder, not an inspection: it moves no due date
(:func:`counts_as_inspection`, which every register keeping the schedule goes through).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from domain.values import BorrowerType, InspectionKind, Product, RepaymentMethod

FIGURES = (
    "first_follow_up_days_business",
    "first_follow_up_days_other",
    "months_high_rating",
    "months_a_rating",
    "months_other_rating",
    "months_individual_production",
    "months_consumer_bullet",
)
"""The schedule's figures: days to the first follow-up, months between routine inspections."""


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def running_days_overdue(days: int, as_of: date | None, day: date) -> int:
    """Days overdue on ``day``, running on from a status of ``days`` recorded ``as_of``.

    A loan recorded 30 days overdue on 1 March is 40 days overdue on 11 March, until a status
    of zero days records the cure.
    """
    if as_of is None or days <= 0:
        return 0
    return max(days + (day - as_of).days, 0)


def counts_as_inspection(kind: InspectionKind) -> bool:
    """Whether an inspection of ``kind`` counts towards the inspection schedule.

    A phone visit (电话回访) is the reminder before a due date (还款提示) of the procedures,
    not a post-loan inspection: it neither makes the first follow-up nor moves the next
    routine inspection.
    """
    return kind is not InspectionKind.PHONE_VISIT


@dataclass(frozen=True)
class InspectionsDone:
    """What the inspection schedule knows of a loan's inspections so far."""

    first_done: bool = False
    last_inspected_on: date | None = None

    def after(self, kind: InspectionKind, inspected_on: date) -> InspectionsDone:
        """The record once an inspection of ``kind`` on ``inspected_on`` is recorded."""
        if not counts_as_inspection(kind):
            return self
        last = self.last_inspected_on
        return InspectionsDone(
            first_done=self.first_done or kind is InspectionKind.FIRST_FOLLOW_UP,
            last_inspected_on=inspected_on if last is None else max(last, inspected_on),
        )


@dataclass(frozen=True)
class InspectionSchedule:
    """Inspection windows, as ``[inspections]`` of the rules in force gives them."""

    first_follow_up_days_business: int
    first_follow_up_days_other: int
    months_high_rating: int
    months_a_rating: int
    months_other_rating: int
    months_individual_production: int
    months_consumer_bullet: int
    business_products: frozenset[Product]
    """Products whose first follow-up is a business loan's (a corporate borrower's always is)."""
    high_ratings: frozenset[str]
    """Ratings inspected every ``months_high_rating`` months (upper case)."""
    a_ratings: frozenset[str]
    """Ratings inspected every ``months_a_rating`` months (upper case)."""
    individual_production_products: frozenset[Product]
    """Products inspected every ``months_individual_production`` months, whatever the rating."""
    consumer_products: frozenset[Product]
    """Products watched through their repayment record; a bullet one every
    ``months_consumer_bullet`` months."""

    def first_follow_up_rule(self, borrower_type: BorrowerType, product: Product) -> str:
        """The name of the figure that sets the first follow-up's window."""
        business = borrower_type is BorrowerType.CORPORATE or product in self.business_products
        return "first_follow_up_days_business" if business else "first_follow_up_days_other"

    def first_follow_up_due(
        self, value_date: date, borrower_type: BorrowerType, product: Product
    ) -> date:
        days: int = getattr(self, self.first_follow_up_rule(borrower_type, product))
        return value_date + timedelta(days=days)

    def routine_rule(
        self, rating: str, product: Product, repayment_method: RepaymentMethod
    ) -> str | None:
        """The name of the figure that sets the routine interval; None when the repayment
        record suffices."""
        if product in self.consumer_products:
            if repayment_method is RepaymentMethod.BULLET:
                return "months_consumer_bullet"
            return None
        if product in self.individual_production_products:
            return "months_individual_production"
        normalised = rating.strip().upper()
        if normalised in self.high_ratings:
            return "months_high_rating"
        if normalised in self.a_ratings:
            return "months_a_rating"
        return "months_other_rating"

    def routine_months(
        self, rating: str, product: Product, repayment_method: RepaymentMethod
    ) -> int | None:
        """Months between routine inspections; None when the repayment record suffices."""
        name = self.routine_rule(rating, product, repayment_method)
        return None if name is None else int(getattr(self, name))

    def next_due(
        self,
        *,
        value_date: date,
        borrower_type: BorrowerType,
        product: Product,
        rating: str,
        repayment_method: RepaymentMethod,
        first_done: bool,
        last_inspected_on: date | None,
        rating_change: tuple[date, date | None] | None = None,
    ) -> date | None:
        """The next inspection due date, or None when no routine inspection applies.

        ``rating_change`` is the effective date of the latest change of rating and the due date
        it fixed (:meth:`due_at_rating_change`; docs/rules.md INF-55). Changed since the last
        inspection, the new rating's interval runs from the last inspection, but falls due no
        earlier than the change and no later than the date the change fixed: a downgrade brings
        the next inspection forward, an upgrade takes effect from the inspection after it.
        """
        if not first_done:
            return self.first_follow_up_due(value_date, borrower_type, product)
        months = self.routine_months(rating, product, repayment_method)
        if months is None:
            return None
        since = last_inspected_on or value_date
        due = add_months(since, months)
        if rating_change is not None and rating_change[0] > since:
            changed_on, fixed = rating_change
            due = max(due, changed_on)
            if fixed is not None:
                due = min(due, fixed)
        return due

    def due_at_rating_change(
        self,
        *,
        changed_on: date,
        due_before: date | None,
        value_date: date,
        borrower_type: BorrowerType,
        product: Product,
        rating: str,
        repayment_method: RepaymentMethod,
        first_done: bool,
        last_inspected_on: date | None,
    ) -> date | None:
        """The due date a change of rating to ``rating`` on ``changed_on`` fixes, the next
        inspection having been due on ``due_before``: the new rating's, no earlier than the
        change, no later than before it."""
        if not first_done:
            return None
        return self.next_due(
            value_date=value_date,
            borrower_type=borrower_type,
            product=product,
            rating=rating,
            repayment_method=repayment_method,
            first_done=first_done,
            last_inspected_on=last_inspected_on,
            rating_change=(changed_on, due_before),
        )
