"""A loan's history kept compact reads back the very amounts recorded, to the digit."""

from __future__ import annotations

import copy
import pickle
from datetime import date
from decimal import Decimal

from domain.loan.history import Amounts, ArrearsRows, RepaymentRows
from domain.repayment_behaviour import Arrears, Repayment

ODD = ["12.34", "12.3", "12", "0.00", "0", "1E+3", "-0.00", "-5", "NaN", "1" * 30 + ".25", "1E-20"]


def test_amounts_read_back_as_recorded_even_in_a_copy() -> None:
    amounts = Amounts()
    for text in ODD:
        amounts.append(Decimal(text))
    for column in (amounts, pickle.loads(pickle.dumps(amounts)), copy.deepcopy(amounts)):  # noqa: S301
        assert [str(column[at]) for at in range(len(ODD))] == ODD
    amounts[5] = Decimal("-1")
    amounts[5] = Decimal("3.50")
    assert str(amounts[5]) == "3.50"


def test_arrears_of_a_day_are_the_last_recorded_and_a_correction_replaces_them() -> None:
    rows = ArrearsRows()
    rows.append(date(2026, 1, 5), 3, Decimal("500.00"), Decimal("2.00"))
    rows.append(date(2026, 1, 6), 4, Decimal("500.00"), Decimal("2.10"))
    rows.append(date(2026, 1, 6), 9, Decimal("600.00"), Decimal("2.20"))
    assert rows.on(date(2026, 1, 6)) == (9, Decimal("600.00"), Decimal("2.20"))
    assert rows.on(date(2026, 1, 7)) is None
    rows.correct(date(2026, 1, 6), 2, Decimal("100.00"), Decimal("0.00"))
    assert rows.all() == (
        Arrears(date(2026, 1, 5), 3),
        Arrears(date(2026, 1, 6), 4),
        Arrears(date(2026, 1, 6), 2),
    )
    assert rows.most_days() == 3  # each day's last record


def test_a_reference_keeps_its_amounts_and_its_place_in_the_history() -> None:
    rows = RepaymentRows()
    first = Repayment(date(2026, 1, 5), Decimal("1036.25"), True, Decimal("0.00"))
    rows.append(first, "TX-1", (Decimal("1000.00"), Decimal("36.25"), Decimal("0")))
    rows.append(Repayment(date(2026, 2, 5), Decimal("9"), False, Decimal("1.5")))  # by hand
    assert rows.all()[0] == first
    assert str(rows.all()[1].overdue_then) == "1.5"
    assert rows.reference_at("TX-1") == 0
    rows.set_reference("TX-1", (Decimal("800.00"), Decimal("36.25"), Decimal("0")), at=None)
    assert rows.references() == {"TX-1": (Decimal("800.00"), Decimal("36.25"), Decimal("0"))}
    assert rows.reference_at("TX-1") == 0
    assert rows.reference("TX-2") is None
