"""``dossier postloan guanhu …``: 管户 at the console, with the caller's token.

A customer assigned to a manager (管户分配) or taken off (移交), and a loan's target-responsibility
record for a year signed (贷后管理及目标责任书). The same commands as the HTTP routes
(api/routers/guanhu.py, archive/commands/guanhu.py), with the same field names; a refusal (the
cap of ``[guanhu]``, a tier, oneself) exits 1 in Chinese and English with nothing recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import typer

from api.cli.common import ActAs, Files, LoanNo, Reason, Token, choice_option, day_option, run
from archive.commands.guanhu import AssignCustomer, ReleaseCustomer, SignTargetResponsibility
from domain.values import BorrowerType

guanhu_app = typer.Typer(
    help="管户：客户分配、移交、目标责任书 / Customers assigned to managers, target records.",
    no_args_is_help=True,
)
StaffNo = Annotated[str, typer.Argument(help="管户人工号 / the manager's staff number")]
BorrowerId = Annotated[str, typer.Option("--borrower-id", help="客户号 / the customer's id")]


@guanhu_app.command("assign")
def assign(
    staff_no: StaffNo,
    borrower_id: BorrowerId,
    borrower_name: Annotated[str, typer.Option("--borrower-name", help="客户名称 / name")],
    borrower_type: Annotated[BorrowerType, choice_option(BorrowerType, "borrower_type")],
    amount: Annotated[Decimal, typer.Option(help="借款金额（元） / the customer's amount")],
    assigned_on: Annotated[date, day_option("--on", help="分配日期 / day assigned")],
    reason: Reason,
    group: Annotated[str | None, typer.Option(help="所属集团 / group, if any")] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """管户分配 / Assign a customer to a manager, within the cap and tiers of [guanhu]."""
    command = AssignCustomer(
        staff_no=staff_no,
        borrower_id=borrower_id,
        borrower_name=borrower_name,
        borrower_type=borrower_type,
        group=group,
        amount=amount,
        assigned_on=assigned_on,
        reason=reason,
    )
    run(token, role, command, ("已分配管户", "customer assigned"))


@guanhu_app.command("release")
def release(
    staff_no: StaffNo,
    borrower_id: BorrowerId,
    released_on: Annotated[date, day_option("--on", help="移交日期 / day taken off")],
    reason: Reason,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """管户移交 / Take a customer off a manager's 管户."""
    command = ReleaseCustomer(
        staff_no=staff_no, borrower_id=borrower_id, released_on=released_on, reason=reason
    )
    run(token, role, command, ("已移交管户", "customer taken off"))


@guanhu_app.command("target")
def target(
    loan_no: LoanNo,
    year: Annotated[int, typer.Option(help="年度 / the year it covers")],
    manager_no: Annotated[str, typer.Option("--manager", help="管户主责任人工号 / manager")],
    risk_supervisor_no: Annotated[
        str, typer.Option("--risk-supervisor", help="风险监管责任人工号 / risk supervisor")
    ],
    collection_target: Annotated[
        Decimal, typer.Option("--collection-target", help="本息收回计划（元） / collection plan")
    ],
    business_target: Annotated[str, typer.Option("--business-target", help="经营目标")],
    signed_on: Annotated[date, day_option("--on", help="签订日期 / day signed")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """目标责任书 / Sign a loan's target-responsibility record for a year (branch head)."""
    command = SignTargetResponsibility(
        loan_no=loan_no,
        year=year,
        manager_no=manager_no,
        risk_supervisor_no=risk_supervisor_no,
        collection_target=collection_target,
        business_target=business_target,
        signed_on=signed_on,
    )
    run(token, role, command, ("已签订目标责任书", "target record signed"), file)
