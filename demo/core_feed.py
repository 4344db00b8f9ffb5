"""The demo's core-banking feed (核心系统日终文件): the loans' money comes as the core sends it.

What the core system owns of a demo loan — its booking, its repayments, its arrears at each
day's end and its settlement — is not sent as the staff's commands but written, day by day, as
the batch the core would send after that business date closed (docs/core-feed.md, written with
:mod:`archive.feed.writing`) and imported with the integration identity (系统对接岗), as a bank's
real portfolio arrives. The loans.csv of a loan's value date books the loan (unrated, its
account manager its investigator); right after the batch, the account manager files its
origination record (贷前资料补录) with what the credit system knows and the core does not: the
credit file, the rating, and who reviewed and approved it.

A settlement's certificate (结清证明) is filed by the account manager as a supplement (补充归档)
the day the core reports the loan settled.

:func:`split_day` places the batch within a loan's business day: the staff's steps planned
before the day's last fact the core reports are sent before the batch, the others after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from archive.feed.batch import LOANS, OVERDUE, REPAYMENTS, SETTLEMENTS
from archive.feed.writing import write_batch
from demo.plan import Step, rate_value
from demo.staff import BANK
from domain.values import BorrowerType, RepaymentMethod

INTEGRATION = "0951"
"""The integration identity the core's batches are imported with."""
BOOK = "disburse"
"""The planned step of a loan's booking: the core reports the loan, the account manager files
its origination record (贷前资料) after the batch."""
FED = frozenset({BOOK, "record_repayment", "record_overdue", "settle"})
"""The planned steps the core system reports instead of the staff."""
SETTLEMENT_STAGE = "settlement"
_CORE_METHODS = {
    RepaymentMethod.BULLET: "interest_monthly_bullet",  # 按期结息，到期还本
    RepaymentMethod.INSTALMENT: "equal_principal",  # 分期归还本金
}

Row = dict[str, object]


def _amount(value: Any) -> str:
    return f"{Decimal(value):.2f}"


@dataclass
class Batch:
    """The lines of one business date's batch, gathered while the timeline reaches it."""

    business_date: date
    files: dict[str, list[Row]] = field(
        default_factory=lambda: {LOANS: [], REPAYMENTS: [], OVERDUE: [], SETTLEMENTS: []}
    )

    def __bool__(self) -> bool:
        return any(self.files.values())

    def book(self, step: Step) -> None:
        """The loans.csv line of a loan disbursed this day (its ``disburse`` step)."""
        k = step.kwargs
        corporate = k["borrower_type"] is BorrowerType.CORPORATE
        self.files[LOANS].append(
            {
                "loan_no": k["loan_no"],
                "borrower_name": k["borrower_name"],
                "borrower_kind": k["borrower_type"].value,
                "borrower_id_type": "uscc" if corporate else "resident_id",
                "borrower_id_no": k["borrower_id"],
                "product": k["product"].value,
                "branch": k["branch"],
                "account_manager_no": k["investigator_no"],
                "principal": _amount(k["principal"]),
                "rate": format(rate_value(k["interest_rate"]).normalize(), "f"),
                "value_date": k["value_date"].isoformat(),
                "maturity_date": k["maturity_date"].isoformat(),
                "repayment_method": _CORE_METHODS[k["repayment_method"]],
                "guarantee_type": k["guarantee_type"].value,
                "purpose": k["purpose"],
            }
        )

    def report(self, loan_no: str, step: Step, ordinal: int) -> None:
        """The line of a step the core reports: a repayment (with its transaction reference,
        ``ordinal`` telling apart two of one loan and day), the day-end arrears, a settlement."""
        k = step.kwargs
        assert step.command in FED - {BOOK}, step.command
        assert not step.docs or step.command == "settle", step.command
        if step.command == "record_repayment":
            assert k["paid_on"] == self.business_date
            self.files[REPAYMENTS].append(
                {
                    "reference": f"HX{self.business_date:%Y%m%d}{loan_no[2:]}{ordinal:02d}",
                    "loan_no": loan_no,
                    "paid_on": k["paid_on"].isoformat(),
                    "principal": _amount(k["principal"]),
                    "interest": _amount(k["interest"]),
                    "penalty": "0.00",
                }
            )
        elif step.command == "record_overdue":
            assert k["as_of"] == self.business_date
            self.files[OVERDUE].append(
                {
                    "loan_no": loan_no,
                    "days_overdue": str(k["days_overdue"]),
                    "overdue_principal": _amount(k["overdue_principal"]),
                    "overdue_interest": _amount(k["overdue_interest"]),
                }
            )
        else:
            self.files[SETTLEMENTS].append(
                {"loan_no": loan_no, "settled_on": k["settled_on"].isoformat(), "how": "repaid"}
            )

    def write(self, folder: Path) -> Path:
        """The batch as the core writes it (GB18030, as most do), in ``feed-YYYYMMDD``."""
        files = {name: rows for name, rows in self.files.items() if rows}
        return write_batch(
            folder / f"feed-{self.business_date:%Y%m%d}",
            bank=BANK,
            business_date=self.business_date,
            files=files,
            encoding="GB18030",
        )


@dataclass(frozen=True)
class LoanDay:
    """One loan's steps of one business date, around the day's batch: by their index in the
    loan's plan."""

    loan: int
    before: tuple[int, ...]
    fed: tuple[int, ...]
    after: tuple[int, ...]


def split_day(loan: int, steps: Sequence[Step], indices: Sequence[int]) -> LoanDay:
    """The steps ``indices`` (one day's, in plan order) split around the day's batch: the
    staff's steps planned before the last fact the core reports go before it (a restructuring
    agreed the day its overdue interest is paid is recorded before the payment), the rest
    after it. On the loan's value date every step of the staff comes after the batch that
    books it."""
    fed = tuple(i for i in indices if steps[i].command in FED)
    if not fed:
        return LoanDay(loan, tuple(indices), (), ())
    manual = [i for i in indices if steps[i].command not in FED]
    if any(steps[i].command == BOOK for i in fed):
        return LoanDay(loan, (), fed, tuple(manual))
    last = fed[-1]
    return LoanDay(
        loan,
        tuple(i for i in manual if i < last),
        fed,
        tuple(i for i in manual if i > last),
    )


def timeline(plans: Sequence[Sequence[Step]]) -> Mapping[date, list[LoanDay]]:
    """Every business date of the portfolio, oldest first, with each loan's steps that day."""
    days: dict[date, dict[int, list[int]]] = {}
    for loan, steps in enumerate(plans):
        for index, step in enumerate(steps):
            days.setdefault(step.on, {}).setdefault(loan, []).append(index)
    return {
        day: [split_day(loan, plans[loan], indices) for loan, indices in sorted(days[day].items())]
        for day in sorted(days)
    }
