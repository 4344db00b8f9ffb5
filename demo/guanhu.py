"""管户 in the demo: every customer with a loan on the books assigned to the person managing it.

The branch head assigns each borrower to the account manager of its loan, on the first value
date of its loans still on the books (or the year's first working days for older ones), as
the tiers of ``[guanhu]`` allow: a 大户 (from 1000 万元) is managed by the branch head
(行级干部管大户), assigned by the head office's head, since nobody assigns a customer to
themselves. So the customer files and the 管户台账 name who manages each customer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from archive.application import DossierArchive
from archive.commands.guanhu import AssignCustomer
from archive.core import CommandContext
from demo.plan import Shape
from demo.staff import CREWS, ROSTER
from domain.loan import Loan
from domain.rules import shipped_rules
from domain.values import BorrowerType, LoanStatus, Role

HEAD_OFFICE_HEAD = "0900"
YEAR_START = date(2026, 1, 5)


def assign_customers(
    archive: DossierArchive, shapes: Iterable[Shape], contexts: Mapping[str, CommandContext]
) -> int:
    """Assign every borrower with a loan on the books to its manager; how many were assigned."""
    heads = {crew.branch: crew.head for crew in CREWS}
    numbers = {archive.staff(p.staff_no).id: p.staff_no for p in ROSTER}
    rules = shipped_rules().guanhu
    borrowers: dict[str, list[Loan]] = {}
    for shape in sorted(shapes, key=lambda s: s.loan_no):
        loan = archive.loan(shape.loan_no)
        if loan.status is LoanStatus.ACTIVE and loan.branch in heads:
            borrowers.setdefault(loan.borrower_id, []).append(loan)
    assigned = 0
    held: Counter[str] = Counter()
    for borrower_id, loans in borrowers.items():
        first = loans[0]
        amount = sum((loan.principal for loan in loans), Decimal(0))
        tier = rules.tier_of(amount)
        large = tier is not None and Role.ACCOUNT_MANAGER not in tier.roles
        head = heads[first.branch]
        if large:
            manager, assigner = head, HEAD_OFFICE_HEAD
        else:
            manager, assigner = numbers[first.account_manager_id], head
        corporate = first.borrower_type is BorrowerType.CORPORATE
        if corporate and held[manager] >= (rules.max_corporate_customers or len(borrowers)):
            continue  # the manager's 管户 is full: the branch head assigns it in the new year
        held[manager] += corporate
        archive.execute(
            contexts[assigner],
            AssignCustomer(
                staff_no=manager,
                borrower_id=borrower_id,
                borrower_name=first.borrower_name,
                borrower_type=first.borrower_type,
                amount=amount,
                assigned_on=max(first.value_date, YEAR_START),
                reason="按贷款管户：客户经理管中小户，行级干部管大户",
            ),
        )
        assigned += 1
    return assigned
