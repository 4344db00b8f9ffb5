"""The portfolio as a whole (贷款组合): how many loans of each kind, product and fate.

Each loan gets its own random seed from the portfolio's, so a loan's shape and its life do not
shift when another loan's planning changes. The loans with deliberate gaps
(:data:`demo.gaps.DELIBERATE_LOANS`) join every portfolio in place of as many of its
performing loans.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from demo.borrowers import make_borrower
from demo.gaps import DELIBERATE_LOANS, DeliberateLoan
from demo.plan import (
    FIRST_VALUE_DATE,
    LAST_VALUE_DATE,
    TODAY,
    Shape,
    add_months,
    workday,
)
from demo.staff import CREWS
from domain.values import GuaranteeType, Product, RepaymentMethod

# scenario, share of the portfolio, minimum count (so that even a small demo shows each fate)
SCENARIOS: tuple[tuple[str, float, int], ...] = (
    ("cured", 0.04, 1),
    ("overdue", 0.04, 1),
    ("restructured", 0.025, 1),
    ("npl", 0.035, 0),
    ("npl_determined", 0.05, 1),
    ("written_off", 0.03, 1),
)
_PRODUCTS = (
    Product.CORPORATE_WORKING_CAPITAL,
    Product.SMALL_BUSINESS,
    Product.INDIVIDUAL_PRODUCTION,
    Product.CONSUMER,
    Product.MORTGAGE,
)
_PRODUCT_MIX: dict[str, tuple[float, ...]] = {
    "performing": (0.18, 0.20, 0.26, 0.16, 0.20),
    "cured": (0.15, 0.25, 0.30, 0.20, 0.10),
    "overdue": (0.10, 0.30, 0.35, 0.20, 0.05),
    "restructured": (0.40, 0.40, 0.20, 0.0, 0.0),
    "npl": (0.15, 0.35, 0.35, 0.15, 0.0),
    "npl_determined": (0.15, 0.35, 0.35, 0.15, 0.0),
    "written_off": (0.20, 0.40, 0.30, 0.10, 0.0),
}
_RATINGS = ("AA", "A", "BBB", "BB")
_RATING_MIX: dict[str, tuple[float, ...]] = {
    "corporate": (0.35, 0.45, 0.20, 0.0),
    "small": (0.15, 0.45, 0.30, 0.10),
    "retail": (0.20, 0.50, 0.25, 0.05),
    "distressed": (0.05, 0.30, 0.45, 0.20),
}
_RATES: dict[Product, tuple[str, ...]] = {
    Product.CORPORATE_WORKING_CAPITAL: ("3.45%", "3.65%", "3.85%", "4.10%", "4.35%"),
    Product.SMALL_BUSINESS: ("4.35%", "4.75%", "5.22%", "5.65%", "6.00%"),
    Product.INDIVIDUAL_PRODUCTION: ("5.22%", "5.65%", "6.09%", "6.50%", "7.20%"),
    Product.CONSUMER: ("4.35%", "4.90%", "5.60%", "6.80%", "7.80%"),
    Product.MORTGAGE: ("3.85%", "4.10%", "4.30%", "4.65%", "4.90%"),
}
# log10 of the smallest and largest principal, and the rounding unit
_PRINCIPALS: dict[Product, tuple[float, float, int]] = {
    Product.CORPORATE_WORKING_CAPITAL: (6.0, 7.3, 100_000),
    Product.SMALL_BUSINESS: (5.3, 6.5, 10_000),
    Product.INDIVIDUAL_PRODUCTION: (4.5, 5.7, 10_000),
    Product.CONSUMER: (4.3, 5.5, 10_000),
    Product.MORTGAGE: (5.5, 6.2, 10_000),
}
# How many repayments a loan may record before it falls overdue (or up to today), so that
# its whole record stays within MAX_STEPS events.
_PAYMENT_BUDGET: dict[str, int] = {
    "performing": 28,
    "cured": 22,
    "overdue": 18,
    "restructured": 10,
    "npl": 9,
    "npl_determined": 6,
    "written_off": 6,
}
# How many days before today the first missed due date may lie, by scenario.
_DEFAULT_WINDOWS: dict[str, tuple[int, int]] = {
    "cured": (75, 1400),
    "overdue": (4, 88),
    "restructured": (120, 420),
    "npl": (100, 760),
    "npl_determined": (160, 760),
    "written_off": (330, 1300),
}


T = TypeVar("T")


def _pick(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(items, weights=weights)[0]


def scenario_deck(rng: random.Random, loans: int) -> list[str]:
    """The fate of each loan drawn, shuffled: the shares of :data:`SCENARIOS`, the rest
    performing but for the loans with deliberate gaps, which every portfolio adds."""
    if loans <= 0:
        return []
    deck: list[str] = []
    for name, share, minimum in SCENARIOS:
        deck += [name] * max(minimum, round(share * loans))
    deck += ["performing"] * max(2, loans - len(deck) - len(DELIBERATE_LOANS))
    rng.shuffle(deck)
    return deck


def draw_shapes(seed: int, loans: int) -> list[Shape]:
    """Every loan of the portfolio, in disbursement order, with its loan number."""
    master = random.Random(seed)
    deck = scenario_deck(master, loans)
    if not deck:
        return []
    taken: set[str] = set()
    shapes: list[Shape] = []
    forced: dict[str, set[str]] = {
        "performing": {"settled", "cleared_warning"},
        "npl_determined": {"objection", "missing_receipt"},
    }
    for scenario in deck:
        features = forced.pop(scenario, set())
        shapes.append(_shape(master.getrandbits(64), scenario, frozenset(features), taken))
    shapes.sort(key=lambda s: s.value_date)
    _number(master, shapes)
    # Drawn last and from streams of their own: the drawn loans do not depend on them.
    shapes += [_deliberate(seed, loan, taken) for loan in DELIBERATE_LOANS]
    shapes.sort(key=lambda s: s.value_date)
    return shapes


def _number(rng: random.Random, shapes: list[Shape]) -> None:
    """Loan numbers (借据号) DK + year + six digits, rising through each year with gaps."""
    serials: dict[int, int] = {}
    for shape in shapes:
        year = shape.value_date.year
        serials[year] = serials.get(year, rng.randint(60, 400)) + rng.randint(1, 23)
        shape.loan_no = f"DK{year}{serials[year]:06d}"


def _shape(seed: int, scenario: str, features: frozenset[str], taken: set[str]) -> Shape:
    rng = random.Random(seed)
    mix = _PRODUCT_MIX[scenario]
    if "settled" in features:  # settled by today: not a 10-30 year mortgage
        mix = (*mix[:-1], 0.0)
    product = _pick(rng, _PRODUCTS, mix)
    borrower = make_borrower(rng, product, taken)
    distressed = scenario not in ("performing", "cured")
    if distressed:
        ratings = "distressed"
    elif product is Product.CORPORATE_WORKING_CAPITAL:
        ratings = "corporate"
    elif product is Product.SMALL_BUSINESS:
        ratings = "small"
    else:
        ratings = "retail"
    rating = _pick(rng, _RATINGS, _RATING_MIX[ratings])
    crew = _pick(rng, CREWS, [c.weight for c in CREWS])
    principal = _principal(rng, product)
    shape = Shape(
        seed=seed,
        scenario=scenario,
        product=product,
        borrower=borrower,
        rating=rating,
        crew=crew,
        account_manager=rng.choice(crew.account_managers),
        guarantee=_guarantee(rng, product, rating),
        method=RepaymentMethod.BULLET,
        principal=principal,
        rate=rng.choice(_RATES[product]),
        value_date=FIRST_VALUE_DATE,
        term_months=12,
        features=features,
    )
    _place_in_time(rng, shape)
    return shape


def _principal(rng: random.Random, product: Product) -> Decimal:
    low, high, unit = _PRINCIPALS[product]
    principal = Decimal(max(unit, round(10 ** rng.uniform(low, high) / unit) * unit))
    return principal.quantize(Decimal("0.01"))


def _deliberate(seed: int, loan: DeliberateLoan, taken: set[str]) -> Shape:
    """A loan of :data:`DELIBERATE_LOANS`: its borrower, amount and rate drawn from the seed."""
    rng = random.Random(f"{seed}/{loan.loan_no}")
    return Shape(
        seed=rng.getrandbits(64),
        scenario=loan.scenario,
        product=loan.product,
        borrower=make_borrower(rng, loan.product, taken),
        rating=loan.rating,
        crew=next(c for c in CREWS if c.branch == loan.branch),
        account_manager=loan.account_manager,
        guarantee=loan.guarantee,
        method=loan.method,
        principal=_principal(rng, loan.product),
        rate=rng.choice(_RATES[loan.product]),
        value_date=loan.value_date,
        term_months=loan.term_months,
        default_on=loan.default_on,
        missed=loan.missed,
        features=loan.features,
        loan_no=loan.loan_no,
    )


def _guarantee(rng: random.Random, product: Product, rating: str) -> GuaranteeType:
    g = GuaranteeType
    if product is Product.MORTGAGE:
        return g.MORTGAGE
    if product is Product.CORPORATE_WORKING_CAPITAL:
        if rating == "AA":
            return _pick(rng, (g.CREDIT, g.GUARANTEE, g.MORTGAGE, g.PLEDGE), (3, 3, 3, 1))
        return _pick(rng, (g.GUARANTEE, g.MORTGAGE, g.PLEDGE), (40, 45, 15))
    if product is Product.SMALL_BUSINESS:
        return _pick(rng, (g.GUARANTEE, g.MORTGAGE, g.PLEDGE), (50, 45, 5))
    if product is Product.INDIVIDUAL_PRODUCTION:
        return _pick(rng, (g.GUARANTEE, g.MORTGAGE, g.CREDIT), (60, 25, 15))
    return _pick(rng, (g.CREDIT, g.GUARANTEE, g.MORTGAGE), (50, 30, 20))


def _terms(rng: random.Random, shape: Shape) -> tuple[int, RepaymentMethod]:
    bullet, instalment = RepaymentMethod.BULLET, RepaymentMethod.INSTALMENT
    strong = shape.rating in ("AA", "A")
    match shape.product:
        case Product.CORPORATE_WORKING_CAPITAL:
            term = _pick(rng, (12, 24, 36), (7, 2, 1)) if strong else 12
            return term, _pick(rng, (bullet, instalment), (8, 2))
        case Product.SMALL_BUSINESS:
            term = _pick(rng, (12, 24), (8, 2)) if strong else 12
            return term, _pick(rng, (bullet, instalment), (6, 4))
        case Product.INDIVIDUAL_PRODUCTION:
            return _pick(rng, (12, 24, 36), (5, 3, 2)), _pick(rng, (bullet, instalment), (6, 4))
        case Product.CONSUMER:
            if rng.random() < 0.3:
                return 12, bullet
            return rng.choice((12, 24, 36)), instalment
        case _:
            return rng.choice((120, 180, 240, 300, 360)), instalment


def _place_in_time(rng: random.Random, shape: Shape) -> None:
    """Choose the value date and term, and the due date first missed, to fit the scenario."""
    span = (LAST_VALUE_DATE - FIRST_VALUE_DATE).days
    window = _DEFAULT_WINDOWS.get(shape.scenario)
    for _ in range(5000):
        value_date = workday(FIRST_VALUE_DATE + timedelta(days=rng.randint(0, span)))
        if value_date > LAST_VALUE_DATE:
            continue
        term, method = _terms(rng, shape)
        maturity = add_months(value_date, term)
        shape.value_date, shape.term_months, shape.method = value_date, term, method
        dues = shape.due_dates()
        budget = _PAYMENT_BUDGET[shape.scenario]
        if (window is None or shape.scenario == "cured") and sum(
            1 for due in dues if due <= TODAY
        ) > budget:
            continue
        if window is None:
            if "settled" in shape.features and maturity > TODAY - timedelta(days=30):
                continue
            return
        candidates = [
            (due, _missed(shape, due, maturity))
            for index, due in enumerate(dues)
            if index <= budget
            and window[0] <= (TODAY - due).days <= window[1]
            and (due - value_date).days >= 75
            and _missed(shape, due, maturity)
        ]
        if candidates:
            shape.default_on, shape.missed = rng.choice(candidates)
            return
    raise RuntimeError(f"no dates fit the scenario {shape.scenario}")  # pragma: no cover


def _missed(shape: Shape, due: date, maturity: date) -> str:
    """What falls overdue when ``due`` is missed, or "" if this scenario cannot start there."""
    if shape.method is RepaymentMethod.INSTALMENT:
        return "instalment"
    if due == maturity:
        return "principal"
    return "interest" if shape.scenario in ("cured", "overdue") else ""
