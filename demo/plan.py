"""A demo loan's life written down before it is lived: dated steps, each one command.

A :class:`Planner` turns a loan's :class:`Shape` (product, borrower, dates, scenario) into a
:class:`LoanPlan`: the commands to send, in business-date order, each with the staff member
who sends it and the documents it carries. Planning is pure — no store, no clock — so the same
seed always gives the same plan, and the plan can be checked or rendered anywhere.
"""

from __future__ import annotations

import random
from calendar import monthrange
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID, uuid5

from demo.borrowers import CITY, COUNTY, REGION, Borrower
from demo.pdfs.render import render_document
from demo.pdfs.titles import DOCUMENT_TITLES
from demo.staff import ARCHIVIST, BANK, BANK_ABBR, NAMES, RISK_MANAGERS, Crew
from domain.rules import shipped_rules
from domain.values import (
    NAMESPACE,
    Grade,
    GuaranteeType,
    Product,
    RepaymentMethod,
)

TODAY = date(2026, 11, 20)
"""The demo's "today": every business date in the portfolio is on or before it."""
FIRST_VALUE_DATE = date(2023, 1, 3)
LAST_VALUE_DATE = date(2026, 9, 30)
MAX_STEPS = 41
"""A demo loan records at most this many events: optional steps (routine inspections first,
then the softer rungs of the collection ladder) are dropped to stay within it. Its booking
records two (:attr:`Step.loan_events`): the core's ``Disbursed`` and the account manager's
origination record; the forty a loan booked by hand had, and the same steps kept."""
COUNTERSIGN = "countersign_inspection"
COLLATERAL_COMMANDS = frozenset(
    {
        "register_collateral",
        "lodge_certificate",
        "take_out_certificate",
        "return_certificate",
        "revalue_collateral",
        "renew_insurance",
        "record_insurance_lapse",
        "release_collateral",
    }
)
"""Commands recorded on the loan's collateral, not on the loan: they do not count towards
:data:`MAX_STEPS`."""

_ID_NAMESPACE = uuid5(NAMESPACE, "demo-portfolio")
_CENT = Decimal("0.01")
_REPAYMENT = shipped_rules().repayment
"""The demo's loans repay by the shipped rules' convention (docs/rules.md LIF-10)."""
_GUARANTEE_WORDS: Mapping[GuaranteeType, str] = {
    GuaranteeType.CREDIT: "信用",
    GuaranteeType.GUARANTEE: "保证",
    GuaranteeType.MORTGAGE: "抵押",
    GuaranteeType.PLEDGE: "质押",
}


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def workday(day: date) -> date:
    """The day itself, or the Monday after it when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def rate_value(rate: str) -> Decimal:
    return Decimal(rate.rstrip("%")) / 100


def due_dates(
    value_date: date, maturity: date, method: RepaymentMethod, *, months: int
) -> list[date]:
    """When something falls due: interest at the end of each period of the shipped rules'
    ``[repayment]`` (按季结息, the 20th of each quarter's last month) then the principal at
    maturity; or an instalment of principal and interest every ``months`` months."""
    if method is RepaymentMethod.INSTALMENT:
        dues: list[date] = []
        step = 1
        while (due := add_months(value_date, months * step)) < maturity:
            dues.append(due)
            step += 1
        return [*dues, maturity]
    dues = []
    year, month = value_date.year, value_date.month
    every, day = _REPAYMENT.interest_every_months, _REPAYMENT.interest_day
    while True:
        quarter_end = date(year, month, day)
        if month % every == 0 and value_date < quarter_end:
            if quarter_end >= maturity - timedelta(days=10):
                break
            dues.append(quarter_end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [*dues, maturity]


@dataclass(frozen=True)
class DocSpec:
    """A document to render and upload with a step."""

    doc_type: str
    filename: str
    fields: tuple[tuple[str, str], ...]
    seed: int

    def render(self) -> bytes:
        return render_document(self.doc_type, dict(self.fields), seed=self.seed)


@dataclass(frozen=True)
class Step:
    """One command of the plan, sent on business date ``on`` by staff member ``actor``."""

    on: date
    rank: int
    seq: int
    actor: str
    command: str
    kwargs: Mapping[str, Any]
    docs: tuple[DocSpec, ...] = ()
    optional: int = 0

    @property
    def on_loan(self) -> bool:
        """Whether the step records an event of the loan itself (not of its collateral)."""
        return self.command not in COLLATERAL_COMMANDS

    @property
    def loan_events(self) -> int:
        """How many events of the loan itself the step records: the booking two (the core's
        ``Disbursed``, then the account manager's ``OriginationRecordFiled``)."""
        if not self.on_loan:
            return 0
        return 2 if self.command == "disburse" else 1


@dataclass(frozen=True)
class LoanPlan:
    """Every step of one loan, in the order they are to be sent."""

    loan_no: str
    steps: tuple[Step, ...]


@dataclass
class Shape:
    """What a loan is before its life is planned: drawn for the whole portfolio at once."""

    seed: int
    scenario: str
    product: Product
    borrower: Borrower
    rating: str
    crew: Crew
    account_manager: str
    guarantee: GuaranteeType
    method: RepaymentMethod
    principal: Decimal
    rate: str
    value_date: date
    term_months: int
    default_on: date | None = None
    missed: str = ""
    features: frozenset[str] = frozenset()
    loan_no: str = ""

    @property
    def maturity(self) -> date:
        return add_months(self.value_date, self.term_months)

    @property
    def instalment_months(self) -> int:
        """Households repay monthly (按月); businesses by the quarter (按季): the shipped rules."""
        if self.product.is_retail:
            return _REPAYMENT.instalment_months_retail
        return _REPAYMENT.instalment_months_business

    def due_dates(self, maturity: date | None = None) -> list[date]:
        final = maturity or self.maturity
        return due_dates(self.value_date, final, self.method, months=self.instalment_months)


@dataclass
class Planner:
    """Collects the steps of one loan while its life is planned."""

    shape: Shape
    portfolio_seed: int
    rng: random.Random = field(init=False)
    steps: list[Step] = field(default_factory=list, init=False)
    repaid: list[tuple[date, Decimal]] = field(default_factory=list, init=False)
    grades: list[tuple[date, Grade]] = field(default_factory=list, init=False)
    maturities: list[tuple[date, date]] = field(default_factory=list, init=False)
    handover: tuple[date, str] | None = field(default=None, init=False)
    closed_on: date | None = field(default=None, init=False)
    """Settlement or write-off: no inspection or classification after it."""
    risk_manager: str = field(default="", init=False)
    red_signals: list[date] = field(default_factory=list, init=False)
    """When red signals were raised: a special inspection after one is joint (会同检查)."""
    _ids: Counter[str] = field(default_factory=Counter, init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.shape.seed ^ 0x5EED)
        self.grades.append((self.shape.value_date, Grade.NORMAL))
        self.maturities.append((self.shape.value_date, self.shape.maturity))
        self.risk_manager = self.rng.choice(RISK_MANAGERS)

    # ---------------------------------------------------------------- facts
    @property
    def loan_no(self) -> str:
        return self.shape.loan_no

    @property
    def crew(self) -> Crew:
        return self.shape.crew

    @property
    def rate(self) -> Decimal:
        return rate_value(self.shape.rate)

    def new_id(self, kind: str) -> UUID:
        """A record id that the same seed and loan always give again."""
        self._ids[kind] += 1
        return uuid5(
            _ID_NAMESPACE, f"{self.portfolio_seed}/{self.loan_no}/{kind}/{self._ids[kind]}"
        )

    def balance_at(self, day: date) -> Decimal:
        return self.shape.principal - sum(
            (amount for when, amount in self.repaid if when <= day), Decimal(0)
        )

    def grade_at(self, day: date) -> Grade:
        """The grade approved last on or before ``day`` (the list is not in date order)."""
        dated = [(when, index, grade) for index, (when, grade) in enumerate(self.grades)]
        return max((entry for entry in dated if entry[0] <= day), default=dated[0])[2]

    def maturity_at(self, day: date) -> date:
        dated = [(when, index, due) for index, (when, due) in enumerate(self.maturities)]
        return max((entry for entry in dated if entry[0] <= day), default=dated[0])[2]

    def account_manager_at(self, day: date) -> str:
        if self.handover is not None and day > self.handover[0]:
            return self.handover[1]
        return self.shape.account_manager

    def between(self, first: date, last: date) -> date:
        """A random day in ``[first, last]`` (``first`` when the range is empty)."""
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    # ---------------------------------------------------------------- steps
    def add(
        self,
        on: date,
        actor: str,
        command: str,
        *,
        docs: tuple[DocSpec, ...] = (),
        rank: int = 5,
        optional: int = 0,
        **kwargs: Any,
    ) -> None:
        self.steps.append(Step(on, rank, len(self.steps), actor, command, kwargs, docs, optional))

    def repay(self, on: date, principal: Decimal, interest: Decimal, *, rank: int = 2) -> None:
        self.repaid.append((on, principal))
        actor = self.account_manager_at(on)
        if self.rng.random() < 0.3:
            actor = self.crew.post_loan_officer
        self.add(
            on,
            actor,
            "record_repayment",
            rank=rank,
            paid_on=on,
            principal=principal,
            interest=interest,
        )

    def doc(self, doc_type: str, on: date | None, **fields: str) -> DocSpec:
        """A document of the loan; dated ``on`` (and so named), or on its form's own date."""
        zh = DOCUMENT_TITLES[doc_type][0]
        values = dict(self.base_fields())
        if on is None:
            filename = f"{zh}-{self.loan_no}.pdf"
        else:
            filename = f"{zh}-{self.loan_no}-{on:%Y%m%d}.pdf"
            values.update(
                date=on.isoformat(),
                balance=str(self.balance_at(on)),
                due_date=self.maturity_at(on).isoformat(),
                account_manager=NAMES[self.account_manager_at(on)],
            )
        values.update(fields)
        return DocSpec(doc_type, filename, tuple(sorted(values.items())), self.shape.seed)

    def base_fields(self) -> dict[str, str]:
        s, b = self.shape, self.shape.borrower
        others = [m for m in s.crew.account_managers if m != s.account_manager]
        values = {
            "bank": BANK,
            "bank_abbr": BANK_ABBR,
            "branch": s.crew.branch,
            "city": CITY,
            "county": COUNTY,
            "region": REGION,
            "borrower": b.name,
            "borrower_id": b.borrower_id,
            "borrower_address": b.address,
            "phone": b.phone,
            "business": b.business,
            "purpose": b.purpose,
            "loan_no": s.loan_no,
            "contract_no": f"{BANK_ABBR}借字（{s.value_date.year}）第{s.loan_no[-6:]}号",
            "amount": str(s.principal),
            "rate": s.rate,
            "term_months": str(s.term_months),
            "start_date": s.value_date.isoformat(),
            "due_date": s.maturity.isoformat(),
            "repayment_method": (
                "按季结息，到期一次还本"
                if s.method is RepaymentMethod.BULLET
                else f"按{'月' if s.instalment_months == 1 else '季'}分期归还本息"
            ),
            "guarantee_method": _GUARANTEE_WORDS[s.guarantee],
            "rating": s.rating,
            "account_manager": NAMES[s.account_manager],
            "account_manager_b": NAMES[others[0]] if others else NAMES[s.crew.reviewer],
            "reviewer": NAMES[s.crew.reviewer],
            "approver": NAMES[s.crew.head],
            "branch_head": NAMES[s.crew.head],
            "risk_manager": NAMES[self.risk_manager],
            "archivist": NAMES[ARCHIVIST],
            "inspector": NAMES[s.account_manager],
        }
        if b.legal_rep:
            values["legal_rep"] = b.legal_rep
        if s.guarantee is GuaranteeType.GUARANTEE:
            values.update(guarantor=b.guarantor, guarantor_id=b.guarantor_id)
        if s.guarantee is GuaranteeType.MORTGAGE:
            values.update(
                collateral=b.collateral,
                collateral_owner=b.name,
                collateral_value=str(cents(s.principal / Decimal("0.6"))),
            )
        return values

    # ---------------------------------------------------------------- plan
    def finish(self) -> LoanPlan:
        """The steps up to today, in order, the loan's own trimmed to :data:`MAX_STEPS`."""
        steps = sorted(
            (s for s in self.steps if s.on <= TODAY), key=lambda s: (s.on, s.rank, s.seq)
        )
        # A countersign (复核意见) belongs to its inspection: never dropped alone, it goes when
        # its inspection is dropped.
        while sum(s.loan_events for s in steps) > MAX_STEPS:
            level = max(s.optional for s in steps)
            if level == 0:
                break
            dropped = self.rng.choice([s for s in steps if s.optional == level])
            steps.remove(dropped)
            if dropped.command == "record_inspection":
                steps = [
                    s
                    for s in steps
                    if s.command != COUNTERSIGN
                    or s.kwargs["inspection_id"] != dropped.kwargs["inspection_id"]
                ]
        return LoanPlan(self.loan_no, tuple(steps))
