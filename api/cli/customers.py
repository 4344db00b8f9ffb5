"""``dossier postloan customer …``: the customer file (客户档案) at the console, with the
caller's token.

A customer's managing bank named (客户管理行), its operating rhythm recorded (客户运营规律, when it
is phoned), an attempt to reach it, and new contact data verified (失联 cleared). The same
commands as ``POST /customers/{borrower_id}/…`` (archive/commands/customers.py); a refusal exits
1 in Chinese and English with nothing recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from api.cli.common import ActAs, Reason, Token, choice_option, day_option, run
from archive.commands.customers import (
    RecordContactAttempt,
    RecordOperatingRhythm,
    SetManagingBranch,
    VerifyCustomerContact,
)
from domain.values import ContactChannel, ContactPurpose

customer_app = typer.Typer(
    help="客户档案：管理行、运营规律、失联 / The customer file: managing bank, rhythm, contact.",
    no_args_is_help=True,
)
BorrowerId = Annotated[str, typer.Argument(help="客户号 / the customer's id")]
Note = Annotated[str, typer.Option("--note", help="情况说明 / what happened, as agreed")]


@customer_app.command("managing-branch")
def managing_branch(
    borrower_id: BorrowerId,
    branch: Annotated[str, typer.Option(help="客户管理行 / the unit that manages it")],
    set_on: Annotated[date, day_option("--on", help="确定日期 / day named")],
    reason: Reason,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """客户管理行 / Name the customer's managing bank at the level its tier asks."""
    command = SetManagingBranch(
        borrower_id=borrower_id, branch=branch, set_on=set_on, reason=reason
    )
    run(token, role, command, ("已确定客户管理行", "managing bank named"))


@customer_app.command("rhythm")
def rhythm(
    borrower_id: BorrowerId,
    months: Annotated[list[int], typer.Option("--month", help="回访月份，可重复 / month, 1-12")],
    from_day: Annotated[int, typer.Option("--from-day", help="当月起日 / first day")],
    to_day: Annotated[int, typer.Option("--to-day", help="当月止日 / last day")],
    note: Note,
    agreed_on: Annotated[date, day_option("--on", help="约定日期 / day agreed")],
    call_window: Annotated[
        str | None, typer.Option("--window", help="偏好时段 / e.g. 18:00-20:00")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """客户运营规律 / When the customer is phoned: its months and days."""
    command = RecordOperatingRhythm(
        borrower_id=borrower_id,
        months=months,
        from_day=from_day,
        to_day=to_day,
        call_window=call_window,
        note=note,
        agreed_on=agreed_on,
    )
    run(token, role, command, ("已登记客户运营规律", "operating rhythm recorded"))


@customer_app.command("attempt")
def attempt(
    borrower_id: BorrowerId,
    attempted_on: Annotated[date, day_option("--on", help="联系日期 / day tried")],
    channel: Annotated[ContactChannel, choice_option(ContactChannel, "channel")],
    purpose: Annotated[ContactPurpose, choice_option(ContactPurpose, "purpose")],
    contact: Annotated[str, typer.Option(help="号码或地址 / the number or address tried")],
    note: Note,
    reached: Annotated[
        bool, typer.Option("--reached/--not-reached", help="是否联系上 / reached or not")
    ] = False,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """联系记录 / An attempt to reach the customer; enough failures in a row: 失联."""
    command = RecordContactAttempt(
        borrower_id=borrower_id,
        attempted_on=attempted_on,
        channel=channel,
        purpose=purpose,
        contact=contact,
        reached=reached,
        note=note,
    )
    run(token, role, command, ("已登记联系记录", "contact attempt recorded"))


@customer_app.command("verify")
def verify(
    borrower_id: BorrowerId,
    verified_on: Annotated[date, day_option("--on", help="核实日期 / day verified")],
    learned_on: Annotated[date, day_option("--learned-on", help="获知变更日期 / day learned")],
    note: Note,
    phone: Annotated[str | None, typer.Option(help="核实后的电话 / phone verified")] = None,
    address: Annotated[str | None, typer.Option(help="核实后的地址 / address verified")] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """联系信息核实 / New contact data verified: no longer 失联."""
    command = VerifyCustomerContact(
        borrower_id=borrower_id,
        verified_on=verified_on,
        learned_on=learned_on,
        phone=phone,
        address=address,
        note=note,
    )
    run(token, role, command, ("已核实联系信息", "contact data verified"))
