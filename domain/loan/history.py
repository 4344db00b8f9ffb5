"""A loan's repayments and arrears as recorded, kept compact (还款与逾期记录).

A loan the core system reports on every day gains a row of arrears a day while it is overdue and
a repayment a month, and an import keeps tens of thousands of loans in memory at once. Kept as
Python objects (a dataclass, a date, two or three ``Decimal`` per row) this history was the most
of an import's memory; here each row is a few machine integers in typed arrays — a date as its
ordinal, an amount as the coefficient and exponent of its exact ``Decimal`` — read back as the
very same values (``Decimal("12.3")`` stays ``12.3``, ``Decimal("12.30")`` stays ``12.30``).

Nothing here is stored: the rows are rebuilt from the loan's events like the rest of its state.
"""

from __future__ import annotations

from array import array
from datetime import date
from decimal import Decimal

from domain.repayment_behaviour import Arrears, Repayment

_BIAS = 16
"""Exponents from -16 to 15 fit beside the coefficient (five bits); those an amount's plain
text has, -16 to 0, are packed."""
_LIMIT = 1 << 57
"""Coefficients below this are packed; any other amount is kept as it is, aside."""
_ASIDE = -1


def _pack(value: Decimal) -> int:
    """An amount's coefficient and exponent in one integer, read from its plain decimal text
    (``12.30``: 1230 and -2); :data:`_ASIDE` for any other (negative, in exponent notation, not
    finite, or too long)."""
    whole, _point, fraction = str(value).partition(".")
    if whole.isdigit() and (fraction.isdigit() or not fraction) and len(fraction) <= _BIAS:
        coefficient = int(whole + fraction)
        if coefficient < _LIMIT:
            return (coefficient << 5) | (_BIAS - len(fraction))
    return _ASIDE


class Amounts:
    """A column of non-negative amounts, each packed into one 64-bit integer."""

    __slots__ = ("_aside", "_packed")

    def __init__(self) -> None:
        self._packed = array("q")
        self._aside: dict[int, Decimal] | None = None

    def __len__(self) -> int:
        return len(self._packed)

    def append(self, value: Decimal) -> None:
        packed = _pack(value)
        self._packed.append(packed)
        if packed == _ASIDE:
            self._set_aside(len(self._packed) - 1, value)

    def __setitem__(self, at: int, value: Decimal) -> None:
        packed = self._packed[at] = _pack(value)
        if packed == _ASIDE:
            self._set_aside(at, value)
        elif self._aside is not None:
            self._aside.pop(at, None)

    def _set_aside(self, at: int, value: Decimal) -> None:
        if self._aside is None:
            self._aside = {}
        self._aside[at] = value

    def __getitem__(self, at: int) -> Decimal:
        packed = self._packed[at]
        if packed == _ASIDE:
            assert self._aside is not None
            return self._aside[at]
        return Decimal(packed >> 5).scaleb((packed & 31) - _BIAS)


class RepaymentRows:
    """Every repayment recorded, oldest first, and the core system's by their reference."""

    __slots__ = (
        "_amount",
        "_at",
        "_interest",
        "_on_time",
        "_overdue_then",
        "_paid_on",
        "_penalty",
        "_principal",
        "_references",
    )

    def __init__(self) -> None:
        self._paid_on = array("l")
        self._amount = Amounts()
        self._on_time = array("b")
        self._overdue_then = Amounts()
        self._references: dict[str, int] = {}
        """A reference -> its row in the columns below."""
        self._principal = Amounts()
        self._interest = Amounts()
        self._penalty = Amounts()
        self._at = array("l")
        """The reference's repayment, by its place in the history."""

    def __len__(self) -> int:
        return len(self._paid_on)

    def append(
        self,
        repayment: Repayment,
        reference: str | None = None,
        amounts: tuple[Decimal, Decimal, Decimal] | None = None,
    ) -> None:
        at = len(self._paid_on)
        self._paid_on.append(repayment.paid_on.toordinal())
        self._amount.append(repayment.amount)
        self._on_time.append(int(repayment.on_time))
        self._overdue_then.append(repayment.overdue_then)
        if reference is not None and amounts is not None:
            self.set_reference(reference, amounts, at=at)

    def __getitem__(self, at: int) -> Repayment:
        return Repayment(
            date.fromordinal(self._paid_on[at]),
            self._amount[at],
            bool(self._on_time[at]),
            self._overdue_then[at],
        )

    def __setitem__(self, at: int, repayment: Repayment) -> None:
        self._paid_on[at] = repayment.paid_on.toordinal()
        self._amount[at] = repayment.amount
        self._on_time[at] = int(repayment.on_time)
        self._overdue_then[at] = repayment.overdue_then

    def all(self) -> tuple[Repayment, ...]:
        return tuple(self[at] for at in range(len(self)))

    def set_reference(
        self, reference: str, amounts: tuple[Decimal, Decimal, Decimal], *, at: int | None
    ) -> None:
        """The amounts a reference holds now; ``at`` its repayment's place (None: unchanged,
        or none where the reference is new)."""
        row = self._references.get(reference)
        if row is None:
            row = self._references[reference] = len(self._at)
            self._principal.append(amounts[0])
            self._interest.append(amounts[1])
            self._penalty.append(amounts[2])
            self._at.append(-1 if at is None else at)
            return
        self._principal[row], self._interest[row], self._penalty[row] = amounts
        if at is not None:
            self._at[row] = at

    def reference(self, reference: str) -> tuple[Decimal, Decimal, Decimal] | None:
        row = self._references.get(reference)
        if row is None:
            return None
        return self._principal[row], self._interest[row], self._penalty[row]

    def reference_at(self, reference: str) -> int | None:
        """Where the reference's repayment stands in the history, if it has one."""
        row = self._references.get(reference)
        if row is None or self._at[row] < 0:
            return None
        return self._at[row]

    def references(self) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
        return {
            reference: (self._principal[row], self._interest[row], self._penalty[row])
            for reference, row in self._references.items()
        }


class ArrearsRows:
    """Every overdue status recorded, oldest first, with its amounts."""

    __slots__ = ("_as_of", "_days", "_interest", "_principal")

    def __init__(self) -> None:
        self._as_of = array("l")
        self._days = array("l")
        self._principal = Amounts()
        self._interest = Amounts()

    def __len__(self) -> int:
        return len(self._as_of)

    def append(self, as_of: date, days: int, principal: Decimal, interest: Decimal) -> None:
        self._as_of.append(as_of.toordinal())
        self._days.append(days)
        self._principal.append(principal)
        self._interest.append(interest)

    def all(self) -> tuple[Arrears, ...]:
        return tuple(
            Arrears(date.fromordinal(day), days)
            for day, days in zip(self._as_of, self._days, strict=True)
        )

    def _last(self, as_of: date) -> int | None:
        """The row last recorded for ``as_of`` (the latest first: a day is most often recent)."""
        day = as_of.toordinal()
        for at in range(len(self._as_of) - 1, -1, -1):
            if self._as_of[at] == day:
                return at
        return None

    def has(self, as_of: date) -> bool:
        """Whether arrears are recorded for ``as_of`` (:meth:`on` without reading them)."""
        return self._last(as_of) is not None

    def on(self, as_of: date) -> tuple[int, Decimal, Decimal] | None:
        """The days and amounts last recorded for ``as_of``."""
        at = self._last(as_of)
        if at is None:
            return None
        return self._days[at], self._principal[at], self._interest[at]

    def correct(self, as_of: date, days: int, principal: Decimal, interest: Decimal) -> None:
        """Replace what was last recorded for ``as_of``."""
        at = self._last(as_of)
        if at is None:
            self.append(as_of, days, principal, interest)
            return
        self._days[at] = days
        self._principal[at] = principal
        self._interest[at] = interest

    def most_days(self) -> int:
        """The most days overdue among each day's last record."""
        seen: set[int] = set()
        most = 0
        for at in range(len(self._as_of) - 1, -1, -1):
            day = self._as_of[at]
            if day not in seen:
                seen.add(day)
                most = max(most, self._days[at])
        return most
