"""The borrower's information kept up and the funds' use checked, in the demo (贷款信息维护,
贷款用途监控).

Some business loans still on the books see their borrower downgraded to BBB a few days before
the demo's today, by the risk manager with the new rating form: their next inspection, every
three months (AA) or two (A) until then, falls due at once (the work queue and the loan ledger
show it). Some
borrowers move or change their phone. Business loans record how their funds were paid out just
after disbursement, by entrusted payment (受托支付) to the supplier; now and then a later
payment went to something else — a use against the purpose that raised the orange BEH-05 signal
in the same act, whose special inspection is due in the coming days.

Chosen by a generator of its own, seeded from the loan's: the rest of the portfolio is planned
as before.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from demo.plan import TODAY, Planner, cents, workday
from domain.information import BorrowerField, PaymentMethod
from domain.rules import shipped_rules

_DOWNGRADED = {
    **dict.fromkeys(shipped_rules().inspections.high_ratings, 1.0),
    **dict.fromkeys(shipped_rules().inspections.a_ratings, 0.2),
}
"""The share of business loans on the books downgraded to BBB shortly before today, by rating:
every one rated AA (the few there are), a fifth of those rated A."""
_PAYEES = ("宁波示例钢材有限公司", "杭州示例化工原料有限公司", "绍兴示例纺织品有限公司")
_MISUSES = (
    ("杭州示例房地产开发有限公司", "支付购房定金"),
    ("某理财产品销售机构", "购买理财产品"),
    ("某小额贷款公司", "归还民间借款"),
)


def plan_information(p: Planner) -> None:
    """The information changes and uses of funds of one loan, if it is one the demo shows them
    on."""
    s = p.shape
    if s.product.is_retail or s.scenario != "performing":
        return
    rng = random.Random(s.seed ^ 0x1AF0)
    open_until = p.closed_on or TODAY
    first = s.value_date + timedelta(days=rng.randint(1, 4))
    if first <= open_until and rng.random() < 0.6:
        p.add(
            first,
            p.account_manager_at(first),
            "record_funds_use",
            rank=6,
            record_id=p.new_id("funds_use"),
            used_on=first,
            amount=cents(s.principal * Decimal("0.6")),
            payee=rng.choice(_PAYEES),
            use=f"支付{s.borrower.purpose}款项",
            matches_purpose=True,
            payment_method=PaymentMethod.ENTRUSTED,
        )
    if p.closed_on is not None:
        return
    if rng.random() < 0.5:
        moved = workday(TODAY - timedelta(days=rng.randint(30, 90)))
        if moved > s.value_date + timedelta(days=30):
            p.add(
                moved,
                p.account_manager_at(moved),
                "change_borrower_information",
                rank=6,
                changed_on=moved,
                changes=[
                    {
                        "field": BorrowerField.PHONE.value,
                        "value": f"0571-8{rng.randint(0, 9999999):07d}",
                    }
                ],
                reason="借款人更换联系电话，经电话核实",
            )
    if rng.random() < _DOWNGRADED.get(s.rating.upper(), 0.0):
        downgraded = workday(TODAY - timedelta(days=rng.randint(5, 15)))
        if downgraded > s.value_date + timedelta(days=120):
            p.add(
                downgraded,
                p.risk_manager,
                "change_borrower_information",
                docs=(p.doc("rating_form", downgraded, rating="BBB"),),
                rank=6,
                changed_on=downgraded,
                changes=[{"field": BorrowerField.RATING.value, "value": "BBB"}],
                reason=f"年度信用评级复评：销售收入下滑、对外担保增加，评级由 {s.rating} 下调为 BBB",
            )
    if rng.random() < 0.15:
        payee, use = rng.choice(_MISUSES)
        misused = TODAY - timedelta(days=rng.randint(2, 5))
        if misused > s.value_date + timedelta(days=30):
            p.add(
                misused,
                s.crew.post_loan_officer,
                "record_funds_use",
                rank=6,
                record_id=p.new_id("funds_use"),
                used_on=misused,
                amount=cents(s.principal * Decimal("0.1")),
                payee=payee,
                use=use,
                matches_purpose=False,
                payment_method=PaymentMethod.SELF,
            )
