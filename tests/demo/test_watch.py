"""Closer watch and maturity notices in the demo portfolio (重点监测, 到期提示).

Rows 000-20, 003-87, 004-24, 003-40, 004-18, 003-81 on the demo: a key customer under
quarterly on-site monitoring, a third-party-serviced loan phoned and visited, and the notices
of the loans falling due next month sent — all but the last, whose notice is still owed.
"""

from __future__ import annotations

from archive.core import CommandContext
from demo.plan import MAX_STEPS, TODAY
from demo.watch import CONTACT, SERVICER
from domain.schedules import add_months
from domain.values import InspectionKind, Role
from tests.demo.conftest import BuiltDemo


def test_the_demo_watches_a_key_customer_and_a_third_party_serviced_loan_closely(
    built_demo: BuiltDemo,
) -> None:
    archive = built_demo.open()
    try:
        summary = built_demo.summary
        auditor = next(s for s in summary.staff if s.role == Role.AUDITOR.value)
        ctx = CommandContext(archive.authenticate(auditor.token))
        loans = [archive.get_loan(ctx, r.loan_no) for r in archive.list_loans(ctx, limit=200)]
    finally:
        archive.close()
    [key] = [loan for loan in loans if loan.key_customer is not None]
    assert any(i.kind is InspectionKind.ON_SITE for i in key.inspections.values())
    [served] = [loan for loan in loans if loan.third_party is not None]
    assert (served.third_party.servicer, served.third_party.contact) == (SERVICER, CONTACT)
    kinds = [
        i.kind for i in served.inspections.values() if i.inspected_on >= served.third_party.since
    ]
    assert kinds.count(InspectionKind.PHONE_VISIT) == 3
    assert kinds.count(InspectionKind.ON_SITE) == 3
    # Each call and visit answers its return-visit record, naming whom it reached.
    visits = [i for i in served.inspections.values() if i.inspected_on >= served.third_party.since]
    assert {i.checklist for i in visits} == {"third_party_phone_visit", "third_party_site_visit"}
    assert all(i.counterpart for i in visits)
    end = add_months(TODAY.replace(day=1), 2)
    due = [
        loan
        for loan in loans
        if loan.status.value == "active"
        and TODAY < loan.term.maturity_date < end
        and (loan.maturity_notices or loan.version < MAX_STEPS)
    ]
    noticed = [loan for loan in due if loan.maturity_notices]
    assert len(noticed) == max(len(due) - 1, 0)
