"""``dossier postloan partner …``: partner institutions (合作机构) at the console, with the
caller's token.

The same commands as the HTTP routes (api/routers/partners.py, archive/commands/partners.py),
with the same field names: an institution registered (a risk manager), its cooperation
suspended and resumed with the reason, a communication with a servicer recorded; ``list``
prints every institution with its figures on a day (合作机构不良率, 代偿率, flags). A refusal
exits 1 in Chinese and English with nothing recorded.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from api.cli.common import (
    ActAs,
    Token,
    TokenOption,
    bad,
    choice_option,
    day_option,
    run,
    with_registers,
)
from api.routers.partners import partners_answer
from archive.commands.partners import (
    RecordServicerCommunication,
    RegisterPartner,
    ResumePartner,
    SuspendPartner,
)
from domain.authorization import Action
from domain.values import PartnerKind

partner_app = typer.Typer(
    help="合作机构：准入登记、暂停与恢复、沟通核实、风险指标 / Partner institutions: "
    "registration, suspension, communications, figures.",
    no_args_is_help=True,
)
Code = Annotated[str, typer.Argument(help="统一社会信用代码 / unified social credit code")]


@partner_app.command("register")
def register(
    code: Code,
    name: Annotated[str, typer.Option(help="机构名称 / name")],
    kind: Annotated[PartnerKind, choice_option(PartnerKind, "kind")],
    contact: Annotated[str, typer.Option(help="联系人 / contact")],
    cooperation_from: Annotated[date, day_option("--from", help="合作起始日 / cooperation from")],
    registered_on: Annotated[date, day_option("--on", help="登记日期 / day registered")],
    cooperation_to: Annotated[
        date | None, day_option("--to", help="合作到期日 / cooperation to")
    ] = None,
    limit: Annotated[str | None, typer.Option(help="合作额度（元）/ limit in 元")] = None,
    phone: Annotated[str | None, typer.Option(help="联系电话 / contact phone")] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """合作机构准入登记 / Register a partner institution (a risk manager)."""
    amount: Decimal | None = None
    if limit is not None:
        try:
            amount = Decimal(limit)
        except InvalidOperation:
            raise bad(f"金额 {limit!r} 无效", f"limit {limit!r} is not a number of 元") from None
    command = RegisterPartner(
        name=name,
        kind=kind,
        credit_code=code,
        contact=contact,
        contact_phone=phone,
        cooperation_from=cooperation_from,
        cooperation_to=cooperation_to,
        limit=amount,
        registered_on=registered_on,
    )
    run(token, role, command, ("已登记合作机构", "partner registered"))


@partner_app.command("suspend")
def suspend(
    code: Code,
    suspended_on: Annotated[date, day_option("--on", help="暂停日期 / day suspended")],
    reason: Annotated[str, typer.Option(help="原因 / why")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """暂停合作 / Suspend the cooperation, with the reason."""
    command = SuspendPartner(credit_code=code, suspended_on=suspended_on, reason=reason)
    run(token, role, command, ("已暂停合作", "cooperation suspended"))


@partner_app.command("resume")
def resume(
    code: Code,
    resumed_on: Annotated[date, day_option("--on", help="恢复日期 / day resumed")],
    reason: Annotated[str, typer.Option(help="原因 / why")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """恢复合作 / Resume the cooperation, with the reason."""
    command = ResumePartner(credit_code=code, resumed_on=resumed_on, reason=reason)
    run(token, role, command, ("已恢复合作", "cooperation resumed"))


@partner_app.command("communicate")
def communicate(
    code: Code,
    communicated_on: Annotated[date, day_option("--on", help="沟通日期 / day")],
    verified: Annotated[str, typer.Option(help="核实内容 / what was verified")],
    loan_no: Annotated[str | None, typer.Option("--loan-no", help="借据号 / the loan")] = None,
    changes_found: Annotated[
        str | None, typer.Option("--changes-found", help="发现的变化 / changes found")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """记录与服务机构的沟通核实 / Record a communication with a servicer."""
    command = RecordServicerCommunication(
        credit_code=code,
        communicated_on=communicated_on,
        loan_no=loan_no,
        verified=verified,
        changes_found=changes_found,
    )
    run(token, role, command, ("已记录沟通核实", "communication recorded"))


@partner_app.command("list")
def listing(
    on: Annotated[date | None, day_option("--on", help="统计日 / the day")] = None,
    token: TokenOption = None,
) -> None:
    """合作机构及风险指标 / Every institution with its figures on a day."""
    with with_registers(token) as (archive, ctx, registers):
        _actor, scope = archive.reading_scope(ctx, Action.READ_PORTFOLIO)
        registers.follower.catch_up()
        answer = partners_answer(
            registers.service, archive, on=on or archive.today(), position=None, data_scope=scope
        )
    typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
