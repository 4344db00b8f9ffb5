"""When the next post-loan inspection (贷后检查) falls due: docs/rules.md INS-02 to INS-09.

First follow-up within 15 days of disbursement for corporate and small-business loans, 30 days
otherwise; routine inspections by borrower rating (AA and above every 3 months, A every 2,
BBB and below monthly), individual production loans quarterly, bullet consumer loans every 6
months; instalment consumer loans are watched through their repayment record instead.
A phone visit (电话回访) is the repayment reminder, not an inspection: it moves no due date
(:func:`counts_as_inspection`, which every register keeping the schedule goes through).
The figures are defaults a bank may change; the rules, not the figures, live here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from domain.values import BorrowerType, InspectionKind, Product, RepaymentMethod

HIGH_RATINGS = frozenset({"AAA", "AA+", "AA", "AA-"})
A_RATINGS = frozenset({"A+", "A", "A-"})


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
    """Inspection windows; every figure has the default of docs/rules.md (INS-02 to INS-07)."""

    first_follow_up_days_business: int = 15
    first_follow_up_days_other: int = 30
    months_high_rating: int = 3
    months_a_rating: int = 2
    months_other_rating: int = 1
    months_individual_production: int = 3
    months_consumer_bullet: int = 6

    def first_follow_up_due(
        self, value_date: date, borrower_type: BorrowerType, product: Product
    ) -> date:
        business = borrower_type is BorrowerType.CORPORATE or product in {
            Product.CORPORATE_WORKING_CAPITAL,
            Product.SMALL_BUSINESS,
        }
        days = self.first_follow_up_days_business if business else self.first_follow_up_days_other
        return value_date + timedelta(days=days)

    def routine_months(
        self, rating: str, product: Product, repayment_method: RepaymentMethod
    ) -> int | None:
        """Months between routine inspections; None when the repayment record suffices."""
        if product is Product.CONSUMER or product is Product.MORTGAGE:
            if repayment_method is RepaymentMethod.BULLET:
                return self.months_consumer_bullet
            return None
        if product is Product.INDIVIDUAL_PRODUCTION:
            return self.months_individual_production
        normalised = rating.strip().upper()
        if normalised in HIGH_RATINGS:
            return self.months_high_rating
        if normalised in A_RATINGS:
            return self.months_a_rating
        return self.months_other_rating

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
    ) -> date | None:
        """The next inspection due date, or None when no routine inspection applies."""
        if not first_done:
            return self.first_follow_up_due(value_date, borrower_type, product)
        months = self.routine_months(rating, product, repayment_method)
        if months is None:
            return None
        return add_months(last_inspected_on or value_date, months)
