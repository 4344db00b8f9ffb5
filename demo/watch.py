"""Closer watch and maturity notices in the demo (重点监测, 到期提示).

One corporate loan still on the books is a key customer's: its branch head listed it a hundred
days before the demo's today, and its account manager made the quarterly on-site visit since,
so the next one is an open task. Another loan is serviced by a third party: its contact was
phoned every ten days and the borrower visited twice in October and once in November, so the
November visit still owed and the next call are open tasks; each call and visit answers its
return-visit record (电话回访记录, 现场回访记录) naming whom it reached, each visit with the photo
taken with the actual controller. And the loans falling due between
the demo's today and the end of next month had their maturity notices sent — but for the last
of them, whose notice is still a task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid5

from archive.application import DossierArchive
from archive.commands import Command
from archive.commands.inspections import CountersignInspection, RecordInspection
from archive.commands.watch import (
    AssignThirdPartyService,
    DesignateKeyCustomer,
    IssueMaturityNotice,
)
from archive.core import CommandContext
from archive.documents.ingest import Upload, from_bytes
from demo.pdfs.render import render_document
from demo.plan import MAX_STEPS, TODAY, LoanPlan
from demo.staff import CREWS, Crew
from domain.loan import Loan
from domain.schedules import add_months
from domain.transfers import add_working_days
from domain.values import NAMESPACE, BorrowerType, InspectionKind, LoanStatus

_IDS = uuid5(NAMESPACE, "demo-watch")
"""The namespace of the records the demo's closer watch creates: the same on every build."""
SERVICER = "云溪县融通贷后服务有限公司"
CONTACT = "钱伟"
CONTACT_PHONE = "0571-86001234"
PHONE_VISITS = (24, 14, 5)
"""Days before the demo's today the third-party contact was phoned (every ten days or so)."""
ON_SITE_VISITS = (41, 27, 8)
"""Days before the demo's today the third-party-serviced borrower was visited on site: twice
in October, once in November so far."""
KEY_CUSTOMER_EVENTS = 3
"""The designation, the on-site inspection and its countersign."""
THIRD_PARTY_EVENTS = 1 + 2 * (len(PHONE_VISITS) + len(ON_SITE_VISITS))
"""The events the third-party servicing adds to its loan (each visit countersigned): the loans
watched keep within the demo's :data:`MAX_STEPS` events a loan."""


def watch_closely(
    archive: DossierArchive, plans: Sequence[LoanPlan], contexts: Mapping[str, CommandContext]
) -> int:
    """Record the demo's closer watch and maturity notices; how many documents they filed."""
    loans = [archive.loan(plan.loan_no) for plan in plans]
    last = add_months(TODAY.replace(day=1), 2)
    active = sorted(
        (
            loan
            for loan in loans
            if loan.status is LoanStatus.ACTIVE
            and loan.days_overdue == 0
            and loan.term.maturity_date > last
        ),
        # A company's loan first (a key customer is most often one), then by number.
        key=lambda loan: (loan.borrower_type is not BorrowerType.CORPORATE, loan.loan_no),
    )
    made = 0
    served = next(
        (
            loan
            for loan in reversed(active)
            if loan.version + THIRD_PARTY_EVENTS <= MAX_STEPS
            and loan.value_date <= TODAY - timedelta(days=45)
        ),
        None,
    )
    if served is not None:
        made += _third_party(archive, served, contexts)
    key = next(
        (
            loan
            for loan in active
            if loan is not served
            and loan.version + KEY_CUSTOMER_EVENTS <= MAX_STEPS
            and loan.value_date <= TODAY - timedelta(days=100)
        ),
        None,
    )
    if key is not None:
        made += _key_customer(archive, key, contexts)
    made += _maturity_notices(archive, loans, contexts)
    return made


def _crew(loan: Loan) -> Crew:
    return next((c for c in CREWS if c.branch == loan.branch), CREWS[0])


def _manager(archive: DossierArchive, loan: Loan) -> str:
    return archive.staff_by_id(loan.account_manager_id).staff_no


def _run(
    archive: DossierArchive, ctx: CommandContext, command: Command, uploads: Sequence[Upload] = ()
) -> Any:
    return archive.execute(ctx, command, list(uploads))


def _key_customer(
    archive: DossierArchive, loan: Loan, contexts: Mapping[str, CommandContext]
) -> int:
    crew = _crew(loan)
    _run(
        archive,
        contexts[crew.head],
        DesignateKeyCustomer(
            loan_no=loan.loan_no,
            designated_on=TODAY - timedelta(days=100),
            reason="授信金额较大且为本行重点支持的制造业客户，列为重点客户，按季现场监测",
        ),
    )
    return _inspect(archive, loan, contexts, InspectionKind.ON_SITE, TODAY - timedelta(days=40))


def _third_party(
    archive: DossierArchive, loan: Loan, contexts: Mapping[str, CommandContext]
) -> int:
    crew = _crew(loan)
    _run(
        archive,
        contexts[crew.head],
        AssignThirdPartyService(
            loan_no=loan.loan_no,
            servicer=SERVICER,
            contact=CONTACT,
            contact_phone=CONTACT_PHONE,
            assigned_on=TODAY - timedelta(days=45),
        ),
    )
    made = 0
    visits = [(InspectionKind.PHONE_VISIT, TODAY - timedelta(days=d)) for d in PHONE_VISITS]
    visits += [(InspectionKind.ON_SITE, TODAY - timedelta(days=d)) for d in ON_SITE_VISITS]
    for kind, on in sorted(visits, key=lambda v: v[1]):
        made += _inspect(archive, loan, contexts, kind, on)
    return made


FINDINGS = {
    InspectionKind.ON_SITE: "现场查看生产经营场所，设备运转正常，库存与账面基本相符，"
    "销售回款稳定，未发现影响还款的不利变化。",
    InspectionKind.PHONE_VISIT: f"电话回访第三方服务机构联系人{CONTACT}：借款人正常经营，"
    "本旬销售进货正常，订单充足，工资按时发放，无其他异常。",
}


def _inspect(
    archive: DossierArchive,
    loan: Loan,
    contexts: Mapping[str, CommandContext],
    kind: InspectionKind,
    on: date,
) -> int:
    """An inspection by the loan's account manager, countersigned by the branch's reviewer a
    few working days later; its report generated from the checklist where one applies."""
    crew = _crew(loan)
    checklists = archive.rule_set().checklists
    # As the loan stands now: a third-party servicer, once assigned, changes its checklists.
    checklist = checklists.for_inspection(kind.value, archive.loan(loan.loan_no).checklist_facts())
    answered: dict[str, Any] = {}
    uploads: list[Upload] = []
    fields = {"loan_no": loan.loan_no, "borrower": loan.borrower_name, "date": on.isoformat()}
    if checklist is not None:
        figures = _figures(loan.principal)
        answered = {
            "answers": [{"item": i.code, "result": "normal"} for i in checklist.items],
            "figures": {f.code: figures.get(f.code, "0") for f in checklist.figures},
            "judgment": "normal",
        }
        if checklist.counterpart:
            # The return visit's record names whom it reached (回访记录：时间、对象、内容).
            answered["counterpart"] = (
                f"第三方服务机构联系人{CONTACT}"
                if kind is InspectionKind.PHONE_VISIT
                else f"{loan.borrower_name}实际控制人"
            )
    elif kind is not InspectionKind.PHONE_VISIT:
        report = render_document("inspection_report", fields, seed=on.toordinal())
        uploads.append(
            from_bytes("inspection_report", f"贷后检查报告-{loan.loan_no}-{on:%Y%m%d}.pdf", report)
        )
    if kind is InspectionKind.ON_SITE:
        photo = render_document("site_photo", fields, seed=on.toordinal())
        uploads.append(
            from_bytes("site_photo", f"现场检查照片-{loan.loan_no}-{on:%Y%m%d}.pdf", photo)
        )
        if checklist is not None and checklist.counterpart:
            together = render_document("controller_photo", fields, seed=on.toordinal())
            uploads.append(
                from_bytes(
                    "controller_photo",
                    f"与实际控制人合影照片-{loan.loan_no}-{on:%Y%m%d}.pdf",
                    together,
                )
            )
    manager = _manager(archive, loan)
    current = archive.loan(loan.loan_no)
    if current.assistant_required(kind, archive.rule_set().managers):
        # 贷后检查设A、B岗: the loan's B岗 (or another of the branch's managers) assists.
        b_post = current.b_manager_id
        b_no = archive.staff_by_id(b_post).staff_no if b_post is not None else None
        answered["assistant_no"] = (
            b_no
            if b_no is not None and b_no != manager
            else next(m for m in crew.account_managers if m != manager)
        )
    done = _run(
        archive,
        contexts[manager],
        RecordInspection(
            loan_no=loan.loan_no,
            kind=kind,
            inspected_on=on,
            reviewer_no=crew.reviewer,
            findings=FINDINGS[kind],
            inspection_id=uuid5(_IDS, f"{loan.loan_no}/inspection/{kind.value}/{on}"),
            **answered,
        ),
        uploads,
    )
    inspection_id = done.ids["inspection_id"]
    countersigned = min(add_working_days(on, 2), TODAY)
    _run(
        archive,
        contexts[crew.reviewer],
        CountersignInspection(
            loan_no=loan.loan_no,
            inspection_id=inspection_id,
            opinion="同意检查结论，继续按重点监测要求跟踪。",
            countersigned_on=countersigned,
        ),
    )
    return len(done.documents)


def _figures(principal: Decimal) -> dict[str, str]:
    unit = principal.quantize(Decimal("0.01"))
    return {
        "total_assets": str(unit * 12),
        "total_liabilities": str(unit * 7),
        "sales_revenue": str(unit * 10),
        "net_profit": str((unit * Decimal("0.45")).quantize(Decimal("0.01"))),
        "operating_cash_flow": str(unit),
        "other_bank_financing": str(unit * 2),
        "external_guarantees": "0.00",
    }


def _maturity_notices(
    archive: DossierArchive, loans: Sequence[Loan], contexts: Mapping[str, CommandContext]
) -> int:
    """The notices of the loans on the books falling due from the demo's today to the end of
    next month, sent on the first working days of the month before — but the last one's."""
    end = add_months(TODAY.replace(day=1), 2) - timedelta(days=1)
    due = sorted(
        (
            loan
            for loan in loans
            if loan.status is LoanStatus.ACTIVE
            and TODAY < loan.term.maturity_date <= end
            and loan.version < MAX_STEPS
        ),
        key=lambda loan: (loan.term.maturity_date, loan.loan_no),
    )
    made = 0
    for loan in due[:-1]:
        month_before = add_months(loan.term.maturity_date.replace(day=1), -1)
        issued_on = min(add_working_days(month_before, 2), TODAY)
        done = _run(
            archive,
            contexts[_manager(archive, loan)],
            IssueMaturityNotice(
                loan_no=loan.loan_no,
                issued_on=issued_on,
                addressee=loan.borrower_name,
                notice_id=uuid5(_IDS, f"{loan.loan_no}/maturity-notice"),
            ),
        )
        made += len(done.documents)
    return made
