"""Qualitative ratings (定性评级) keep the inspection interval of the grade they compare to.

The shipped rules list 定性AA beside AA (every 3 months) and 定性A beside A (every 2 months):
a borrower rated 定性A and inspected on 10 March 2025 is next due on 10 May, not monthly as an
unlisted rating would be; downgraded to 定性BBB it falls to monthly, due at once.
"""

from __future__ import annotations

from domain.values import Product, RepaymentMethod
from tests.api.conftest import Api, disburse
from tests.api.procedures.test_information_maintenance import LOAN, change, inspected, routine_due


def test_a_qualitative_rating_keeps_the_interval_of_its_grade(api: Api) -> None:
    """Row 002-25."""
    schedule = api.archive.rule_set().inspections
    working = (Product.CORPORATE_WORKING_CAPITAL, RepaymentMethod.INSTALMENT)
    assert [schedule.routine_months(r, *working) for r in ("定性AA", "定性A", "定性BBB")] == [
        3,
        2,
        1,
    ]

    disburse(api, LOAN, borrower_rating="定性A")
    after = inspected(api, "2025-03-10", "2025-03-12")
    assert routine_due(api, "2025-04-15", after) == (["2025-05-10"], "2025-05-10", "定性A")

    downgraded = change(api, "risk", "2025-04-20", {"rating": "定性BBB"}, files=["rating_form"])
    assert downgraded.status_code == 201, downgraded.text
    after = downgraded.json()["position"]
    assert routine_due(api, "2025-04-20", after) == (["2025-04-20"], "2025-04-20", "定性BBB")
