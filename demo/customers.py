"""The customer file (客户档案) in the demo: managing banks, operating rhythms and 失联.

For the first open loans of each branch (deliberate gaps left alone), in loan-number order:

* the branch head names the customer's managing bank (客户管理行) at the level its tier asks —
  the branch itself for 小户 and 中户 — with the reason;
* the branch's post-loan officer records one individual borrower's operating rhythm (生猪在 3 月、
  9 月出栏, phoned on the 10th to the 20th in the evening), so its phone return visit of September
  is owed in the work queue;
* three calls to another borrower failed in October (空号): it is 失联 in the register and the
  file; a third borrower was unreachable too until its new phone was verified in November.

The unit's contact quality (准确率, 及时性) then has something to show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from archive.application import DossierArchive
from archive.commands.customers import (
    RecordContactAttempt,
    RecordOperatingRhythm,
    SetManagingBranch,
    VerifyCustomerContact,
)
from archive.core import CommandContext
from demo.gaps import DELIBERATE_LOAN_NOS
from demo.plan import Shape
from demo.staff import CREWS
from domain.rules import shipped_rules
from domain.scope import Level
from domain.values import BorrowerType, ContactChannel, ContactPurpose, LoanStatus

FIRST_CALL = date(2026, 10, 9)
VERIFIED_ON = date(2026, 11, 6)


def keep_customer_files(
    archive: DossierArchive, shapes: Iterable[Shape], contexts: Mapping[str, CommandContext]
) -> int:
    """Record the demo's customer files; how many customers were touched."""
    seen: set[str] = set()
    chosen: list[Shape] = []
    for shape in sorted(shapes, key=lambda s: s.loan_no):
        loan = archive.loan(shape.loan_no)
        if (
            shape.loan_no in DELIBERATE_LOAN_NOS
            or loan.status is not LoanStatus.ACTIVE
            or loan.borrower_id in seen
        ):
            continue
        seen.add(loan.borrower_id)
        chosen.append(shape)
    touched = 0
    rules = shipped_rules()
    for crew in CREWS:
        mine = [s for s in chosen if archive.loan(s.loan_no).branch == crew.branch][:4]
        officer = contexts[crew.post_loan_officer]
        for shape in mine[:2]:
            tier = rules.guanhu.tier_of(shape.principal)
            if (
                tier is None
                or rules.customers.managing_levels.get(tier.tier) is not Level.SUB_BRANCH
            ):
                continue  # a 大户 is the head office's to name
            borrower = archive.loan(shape.loan_no).borrower_id
            archive.execute(
                contexts[crew.head],
                SetManagingBranch(
                    borrower_id=borrower,
                    branch=crew.branch,
                    set_on=max(shape.value_date, date(2026, 1, 5)),
                    reason="客户分层经营：按借款金额由本支行作为客户管理行",
                ),
            )
            touched += 1
        individual = [
            s for s in mine if archive.loan(s.loan_no).borrower_type is BorrowerType.INDIVIDUAL
        ]
        if individual:
            archive.execute(
                officer,
                RecordOperatingRhythm(
                    borrower_id=archive.loan(individual[0].loan_no).borrower_id,
                    months=[3, 9],
                    from_day=10,
                    to_day=20,
                    call_window="18:00-20:00",
                    note="生猪3月、9月出栏，已与饲料公司约定出栏前后电话回访",
                    agreed_on=max(individual[0].value_date, date(2026, 2, 2)),
                ),
            )
            touched += 1
        for n, shape in enumerate(mine[2:4]):
            borrower = archive.loan(shape.loan_no).borrower_id
            for call in range(3):
                archive.execute(
                    officer,
                    RecordContactAttempt(
                        borrower_id=borrower,
                        attempted_on=FIRST_CALL + timedelta(days=7 * call),
                        channel=ContactChannel.PHONE,
                        purpose=ContactPurpose.RETURN_VISIT,
                        contact="13800000000",
                        reached=False,
                        note=f"第{call + 1}次拨打预留电话，提示空号",
                    ),
                )
            if n == 1:
                archive.execute(
                    officer,
                    VerifyCustomerContact(
                        borrower_id=borrower,
                        verified_on=VERIFIED_ON,
                        learned_on=VERIFIED_ON - timedelta(days=3),
                        phone="13900000000",
                        note="经村委会获知新号码，拨打核实为本人",
                    ),
                )
            touched += 1
    return touched
