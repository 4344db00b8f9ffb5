"""The year's target-responsibility records (贷后管理及目标责任书, 逐笔经营责任认定) in the demo.

At the start of 2026 (or a few days after a later loan's value date) each branch head signed,
for the bank, the record of every loan of the branch still on the books: its account manager
answers for it (管户主责任人), 郭立新 of the risk department supervises its risk (风险监管责任人),
with the year's collection plan (本息收回计划) — the balance of a loan maturing this year, a
twentieth of it otherwise — so that no loan is left without the person who answers for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal

from archive.application import DossierArchive
from archive.commands.guanhu import SignTargetResponsibility
from archive.core import CommandContext
from demo.plan import TODAY, Shape
from demo.staff import CREWS, ROSTER
from domain.rules import shipped_rules
from domain.values import LoanStatus

YEAR = TODAY.year
RISK_SUPERVISOR = "0901"
SIGNED_AFTER = timedelta(days=5)
"""Days after the record falls due to be drawn up (the year's start or the value date)."""


def sign_target_records(
    archive: DossierArchive, shapes: Iterable[Shape], contexts: Mapping[str, CommandContext]
) -> int:
    """Sign the year's target record of every loan on the books; how many were signed."""
    heads = {crew.branch: crew.head for crew in CREWS}
    numbers = {archive.staff(p.staff_no).id: p.staff_no for p in ROSTER}
    rules = shipped_rules().accountability
    signed = 0
    for shape in sorted(shapes, key=lambda s: s.loan_no):
        loan = archive.loan(shape.loan_no)
        window = rules.target_record_window(YEAR, loan.value_date)
        if (
            window is None
            or loan.status in (LoanStatus.SETTLED, LoanStatus.WRITTEN_OFF)
            or loan.branch not in heads
            or YEAR in loan.targets
        ):
            continue
        opens, _due = window
        balance = loan.balance
        plan = balance if loan.term.maturity_date.year == YEAR else balance / 20
        archive.execute(
            contexts[heads[loan.branch]],
            SignTargetResponsibility(
                loan_no=loan.loan_no,
                year=YEAR,
                manager_no=numbers[loan.account_manager_id],
                risk_supervisor_no=RISK_SUPERVISOR,
                collection_target=plan.quantize(Decimal("0.01")),
                business_target="按期收回本息，贷款保持正常类；按期完成贷后检查，资料及时移交归档",
                signed_on=min(opens + SIGNED_AFTER, TODAY),
            ),
        )
        signed += 1
    return signed
