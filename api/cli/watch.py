"""``dossier postloan watch …`` and ``dossier postloan maturity …``: closer watch (重点监测)
and maturity notices (到期提示) at the console, with the caller's token.

The same commands as the HTTP routes (api/routers/watch.py, archive/commands/watch.py), with the
same field names; a refusal exits 1 in Chinese and English with nothing recorded.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import ActAs, Files, LoanNo, Reason, Token, day_option, run, with_registers
from api.routers.watch import MaturitiesPublic, listed
from archive.commands.watch import (
    AssignThirdPartyService,
    DesignateKeyCustomer,
    IssueMaturityNotice,
    RemoveKeyCustomer,
)
from domain.authorization import Action
from projections.query import AsOf

watch_app = typer.Typer(
    help="重点监测：重点客户、第三方服务 / Closer watch: key customers, third-party servicing.",
    no_args_is_help=True,
)
maturity_app = typer.Typer(
    help="到期提示：到期通知书、到期贷款清单 / Maturity notices and the month's maturities.",
    no_args_is_help=True,
)


@watch_app.command("designate")
def designate(
    loan_no: LoanNo,
    designated_on: Annotated[date, day_option("--on", help="列入日期 / day listed")],
    reason: Reason,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """列为重点客户 / Put the borrower on the key-customer list (branch head, risk manager)."""
    command = DesignateKeyCustomer(loan_no=loan_no, designated_on=designated_on, reason=reason)
    run(token, role, command, ("已列为重点客户", "key customer designated"))


@watch_app.command("remove")
def remove(
    loan_no: LoanNo,
    removed_on: Annotated[date, day_option("--on", help="移出日期 / day taken off")],
    reason: Reason,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """移出重点客户 / Take the borrower off the key-customer list, with the reason."""
    command = RemoveKeyCustomer(loan_no=loan_no, removed_on=removed_on, reason=reason)
    run(token, role, command, ("已移出重点客户", "key customer removed"))


@watch_app.command("third-party")
def third_party(
    loan_no: LoanNo,
    servicer: Annotated[str, typer.Option(help="第三方服务机构 / the servicer")],
    contact: Annotated[str, typer.Option(help="联系人 / the named contact there")],
    assigned_on: Annotated[date, day_option("--on", help="起始日期 / from")],
    phone: Annotated[str | None, typer.Option(help="联系电话 / the contact's phone")] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """指定第三方服务 / Service the loan under the third-party model (电话回访、现场走访)."""
    command = AssignThirdPartyService(
        loan_no=loan_no,
        servicer=servicer,
        contact=contact,
        contact_phone=phone,
        assigned_on=assigned_on,
    )
    run(token, role, command, ("已指定第三方服务", "third-party servicer assigned"))


@maturity_app.command("notice")
def notice(
    loan_no: LoanNo,
    issued_on: Annotated[date, day_option("--on", help="发出日期 / day issued")],
    addressee: Annotated[str, typer.Option(help="送达对象 / to whom")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """发出贷款到期通知书 / Record the maturity notice; the letter is generated and filed."""
    command = IssueMaturityNotice(loan_no=loan_no, issued_on=issued_on, addressee=addressee)
    run(token, role, command, ("已发出到期通知书", "maturity notice issued"), file)


@maturity_app.command("list")
def maturities(
    month: Annotated[str, typer.Option(help="月份 YYYY-MM / the month")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    token: Token = None,
) -> None:
    """到期贷款清单 / The loans maturing in a month, with whether each notice went out."""
    with with_registers(token) as (archive, ctx, registers):
        _actor, scope = archive.reading_scope(ctx, Action.READ_BUSINESS)
        registers.follower.catch_up()
        answer = listed(
            registers.service, archive, month=month, as_of=AsOf(), scope=scope, branch=None
        )
    if as_json:
        typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        _print(answer)


def _print(answer: MaturitiesPublic) -> None:
    table = Table(
        title=f"到期贷款清单 / loans maturing in {answer.month}",
        caption=f"{answer.count} 笔 / loans · 已通知 / notified {answer.notices_issued}"
        + (f" · 数据范围 / scope: {answer.scope_zh}" if answer.filtered else ""),
    )
    for header in ("借据号 / loan", "借款人 / borrower", "到期日 / due", "客户经理 / manager"):
        table.add_column(header)
    table.add_column("通知书 / notice")
    for m in answer.data:
        table.add_row(
            m.loan_no,
            m.borrower_name or "",
            m.maturity_date.isoformat(),
            m.account_manager_name or "",
            "已发出 / issued" if m.notice_issued else "[red]未发出 / not yet[/red]",
        )
    Console().print(table)
