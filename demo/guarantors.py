"""Guarantors re-assessed (保证人代偿能力重估) and collection changing hands (换手催收) in the demo.

After the portfolio's loans have lived their lives: on three guaranteed loans still on the
books, the branch's post-loan officer registers the guarantee (as of a little over one period
before the demo's today, or the value date) and re-assesses the guarantor on the schedule of
the shipped rules (a guarantee company every 3
months, a person every 6) up to the demo's today — the last re-assessment of the first finds
the guarantor's capacity weakened, which raises warning signal GUA-03 (orange). And on the
first loan at least nine days overdue on the demo's today, the branch head names a second
account manager (B岗) who took none of its collection steps, and who takes collection over
(换手催收, the ladder's day-9 rung).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from uuid import UUID, uuid5

from archive.application import DossierArchive
from archive.commands.collection import TakeCollectionStep
from archive.commands.guarantees import ReassessGuarantor, RegisterGuarantee
from archive.commands.scope import AssignAccountManagers
from archive.core import CommandContext
from archive.documents.ingest import from_bytes
from demo.gaps import DELIBERATE_LOAN_NOS
from demo.pdfs.render import render_document
from demo.plan import MAX_STEPS, TODAY, Shape
from demo.staff import CREWS
from domain.rules import shipped_rules
from domain.schedules import add_months, running_days_overdue
from domain.values import (
    NAMESPACE,
    CollectionStepKind,
    GuaranteeType,
    GuarantorCapacity,
    GuarantorKind,
    LoanStatus,
)


def _id(name: str) -> UUID:
    """A deterministic id: the same seed gives the same portfolio."""
    return uuid5(NAMESPACE, f"demo-guarantors:{name}")


GUARANTEED_LOANS = 3
"""How many guaranteed loans have their guarantor registered and re-assessed."""
WEAKENED = "保证人名下另一企业贷款逾期，对外担保增加，个人负债明显上升，代偿能力明显下降。"
ADEQUATE = "保证人收入稳定，资产状况良好，无新增对外担保及涉诉情况，代偿能力充足。"


def show_guarantors(
    archive: DossierArchive, shapes: Iterable[Shape], contexts: Mapping[str, CommandContext]
) -> int:
    """Register and re-assess the guarantors, and hand one loan's collection over; how many
    documents were filed (an assessment report with each guarantor's last re-assessment)."""
    open_loans = [
        s
        for s in shapes
        if s.loan_no not in DELIBERATE_LOAN_NOS
        and archive.loan(s.loan_no).status is LoanStatus.ACTIVE
    ]
    # A demo loan records at most MAX_STEPS events: these add up to four (two to the handover).
    guaranteed = [
        s
        for s in open_loans
        if s.guarantee is GuaranteeType.GUARANTEE
        and archive.loan(s.loan_no).version <= MAX_STEPS - 4
    ]
    filed = 0
    for n, shape in enumerate(guaranteed[:GUARANTEED_LOANS]):
        filed += _guarantor(archive, shape, contexts, weakened=n == 0)
    _handover(
        archive,
        [s for s in open_loans if archive.loan(s.loan_no).version <= MAX_STEPS - 2],
        contexts,
    )
    return filed


def _guarantor(
    archive: DossierArchive,
    shape: Shape,
    contexts: Mapping[str, CommandContext],
    *,
    weakened: bool,
) -> int:
    branch = archive.loan(shape.loan_no).branch
    crew = next(c for c in CREWS if c.branch == branch)
    ctx = contexts[crew.post_loan_officer]
    borrower = shape.borrower
    kind = (
        GuarantorKind.GUARANTEE_COMPANY
        if borrower.guarantor_id.startswith("91")
        else GuarantorKind.PERSON
    )
    months = shipped_rules().guarantor_reassess_months[kind]
    # Registered (补登记) as of a little over one re-assessment period ago, or the value date.
    registered_on = max(shape.value_date, add_months(TODAY, -(months + 1)))
    found = archive.execute(
        ctx,
        RegisterGuarantee(
            loan_no=shape.loan_no,
            guarantor_name=borrower.guarantor,
            kind=kind,
            id_no=borrower.guarantor_id,
            amount=shape.principal,
            contract_no=f"BZ{shape.loan_no[2:]}",
            registered_on=registered_on,
            rating="AA" if kind is GuarantorKind.GUARANTEE_COMPANY else "",
            guarantee_id=_id(f"guarantee:{shape.loan_no}"),
        ),
    )
    guarantee_id = found.ids["guarantee_id"]
    dates: list[date] = []
    on = add_months(registered_on, months)
    while on <= TODAY:
        dates.append(on)
        on = add_months(on, months)
    for n, assessed_on in enumerate(dates):
        last = n == len(dates) - 1
        capacity = GuarantorCapacity.WEAKENED if weakened and last else GuarantorCapacity.ADEQUATE
        uploads = []
        if last:
            pdf = render_document(
                "guarantor_assessment",
                {"loan_no": shape.loan_no, "guarantor": borrower.guarantor},
                seed=shape.seed,
            )
            uploads = [from_bytes("guarantor_assessment", "保证人代偿能力评估报告.pdf", pdf)]
        archive.execute(
            ctx,
            ReassessGuarantor(
                loan_no=shape.loan_no,
                guarantee_id=guarantee_id,
                assessed_on=assessed_on,
                capacity=capacity,
                findings=WEAKENED if capacity is GuarantorCapacity.WEAKENED else ADEQUATE,
                signal_id=_id(f"gua-03:{shape.loan_no}:{n}"),
            ),
            uploads,
        )
    return 1 if dates else 0


def _handover(
    archive: DossierArchive, shapes: Iterable[Shape], contexts: Mapping[str, CommandContext]
) -> int:
    """换手催收 on the first loan at least nine days overdue on the demo's today; how many
    commands were recorded."""
    for shape in shapes:
        loan = archive.loan(shape.loan_no)
        days = running_days_overdue(loan.days_overdue, loan.overdue_as_of, TODAY)
        if days < 9 or loan.overdue_as_of is None:
            continue
        crew = next(c for c in CREWS if c.branch == loan.branch)
        collectors = loan.earlier_collectors(9)
        fresh = [
            m
            for m in crew.account_managers
            if archive.staff(m).id not in collectors
            and archive.staff(m).id != loan.account_manager_id
        ]
        a_manager = next(
            (m for m in crew.account_managers if archive.staff(m).id == loan.account_manager_id),
            None,
        )
        if not fresh or a_manager is None:
            continue
        taker = fresh[0]
        if loan.b_manager_id != archive.staff(taker).id:
            archive.execute(
                contexts[crew.head],
                AssignAccountManagers(
                    loan_no=shape.loan_no,
                    a_manager_no=a_manager,
                    b_manager_no=taker,
                    assigned_on=TODAY,
                    reason="逾期九天，换手催收：由未参与前期催收的客户经理接手",
                ),
            )
        archive.execute(
            contexts[taker],
            TakeCollectionStep(
                loan_no=shape.loan_no,
                kind=CollectionStepKind.HANDOVER,
                taken_on=TODAY,
                days_overdue=days,
                outcome="换手催收：接手客户经理约见借款人及保证人，重新核实还款来源，制定还款计划。",
                step_id=_id(f"handover:{shape.loan_no}"),
            ),
        )
        return 2
    return 0
