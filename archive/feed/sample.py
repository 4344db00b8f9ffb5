"""A sample portfolio as a core system would send it: day-end batches for consecutive days.

For trying the import (``bench/import.py``, the tests of resuming and of concurrent imports) and
for a core system's team to see what well-formed batches look like. Deterministic for a seed:
the first day books the loans; each later day brings monthly instalments on their due day, the
day-end arrears of the loans that missed one, and settles the loans repaid in full.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from archive.feed.batch import LOANS, OVERDUE, REPAYMENTS, SETTLEMENTS
from archive.feed.writing import Row, write_batch
from domain.identifiers import resident_id_check

PRODUCTS = ("individual_production", "consumer", "small_business")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("秀英", "建国", "志强", "丽华", "海燕", "国庆", "春梅", "永红", "德明", "桂兰")


@dataclass
class _Loan:
    loan_no: str
    principal: Decimal
    balance: Decimal
    instalment: Decimal
    due_day: int
    missed: int = 0
    settled: bool = False


def resident_id(n: int) -> str:
    """A valid resident ID number (GB 11643), distinct for each ``n`` below 18 million."""
    born = date(1950, 1, 1) + timedelta(days=(n // 1000) % 18_000)
    first17 = f"350102{born:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check(first17)


def sample_batches(
    folder: Path,
    *,
    loans: int,
    days: int,
    start: date = date(2026, 1, 5),
    branch: str = "营业部",
    manager_no: str = "0102",
    seed: int = 7,
    encoding: str = "UTF-8",
    bank: str = "云溪农商银行",
) -> list[Path]:
    """Write ``days`` batches into ``folder`` (one folder each) and return their paths."""
    return list(_batches(folder, loans, days, start, branch, manager_no, seed, encoding, bank))


def _batches(
    folder: Path,
    count: int,
    days: int,
    start: date,
    branch: str,
    manager_no: str,
    seed: int,
    encoding: str,
    bank: str,
) -> Iterator[Path]:
    rng = random.Random(seed)  # noqa: S311  sample data, not a secret
    book: list[_Loan] = []
    rows: list[Row] = []
    for n in range(count):
        principal = Decimal(rng.randrange(20, 500) * 1000)
        months = rng.choice((12, 24, 36))
        loan = _Loan(
            loan_no=f"FD{start:%Y%m%d}{n:07d}",
            principal=principal,
            balance=principal,
            instalment=(principal / months).quantize(Decimal("0.01")),
            due_day=rng.randrange(1, 29),
        )
        book.append(loan)
        rows.append(
            {
                "loan_no": loan.loan_no,
                "borrower_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "borrower_kind": "individual",
                "borrower_id_type": "resident_id",
                "borrower_id_no": resident_id(n),
                "product": rng.choice(PRODUCTS),
                "branch": branch,
                "account_manager_no": manager_no,
                "principal": f"{principal:.2f}",
                "rate": rng.choice(("0.0435", "0.0490", "0.0520")),
                "value_date": start.isoformat(),
                "maturity_date": start.replace(year=start.year + months // 12).isoformat(),
                "repayment_method": "equal_principal",
                "guarantee_type": rng.choice(("credit", "guarantee", "mortgage")),
                "purpose": "生产经营周转",
            }
        )
    yield write_batch(
        folder / f"feed-{start:%Y%m%d}",
        bank=bank,
        business_date=start,
        files={LOANS: rows},
        encoding=encoding,
    )
    reference = 0
    for offset in range(1, days):
        day = start + timedelta(days=offset)
        repaid: list[Row] = []
        arrears: list[Row] = []
        settled: list[Row] = []
        for loan in book:
            if loan.settled or loan.due_day != day.day:
                if loan.missed and not loan.settled:
                    arrears.append(_arrears(loan, day, rng))
                continue
            if rng.random() < 0.08:  # the instalment is missed
                loan.missed += 1
                arrears.append(_arrears(loan, day, rng))
                continue
            reference += 1
            principal = min(loan.instalment * (1 + loan.missed), loan.balance)
            interest = (loan.balance * Decimal("0.0435") / 12).quantize(Decimal("0.01"))
            loan.balance -= principal
            repaid.append(
                {
                    "reference": f"TX{day:%Y%m%d}{reference:08d}",
                    "loan_no": loan.loan_no,
                    "paid_on": day.isoformat(),
                    "principal": f"{principal:.2f}",
                    "interest": f"{interest:.2f}",
                    "penalty": "0.00" if not loan.missed else "12.50",
                }
            )
            if loan.missed:  # left arrears that day
                loan.missed = 0
                arrears.append(
                    {
                        "loan_no": loan.loan_no,
                        "days_overdue": "0",
                        "overdue_principal": "0.00",
                        "overdue_interest": "0.00",
                    }
                )
            if loan.balance == 0:
                loan.settled = True
                settled.append(
                    {"loan_no": loan.loan_no, "settled_on": day.isoformat(), "how": "repaid"}
                )
        files = {
            name: lines
            for name, lines in ((REPAYMENTS, repaid), (OVERDUE, arrears), (SETTLEMENTS, settled))
            if lines
        }
        if not files:
            continue
        yield write_batch(
            folder / f"feed-{day:%Y%m%d}",
            bank=bank,
            business_date=day,
            files=files,
            encoding=encoding,
        )


def _arrears(loan: _Loan, day: date, rng: random.Random) -> Row:
    owed = min(loan.instalment * loan.missed, loan.balance)
    return {
        "loan_no": loan.loan_no,
        "days_overdue": str(max(1, (day.day - loan.due_day) % 28 + 30 * (loan.missed - 1) + 1)),
        "overdue_principal": f"{owed:.2f}",
        "overdue_interest": f"{(owed * Decimal('0.004')).quantize(Decimal('0.01')):.2f}",
    }
