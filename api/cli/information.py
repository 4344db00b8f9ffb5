"""``dossier postloan info|funds …``: the borrower's information kept up (贷款信息维护) and the
use of the funds checked (贷款用途监控), with the caller's token.

The same commands as ``POST /loans/{loan_no}/information-changes`` and ``…/funds-uses``
(archive/commands/information.py); a refusal exits 1 in Chinese and English, nothing recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import typer

from api.cli.common import ActAs, Files, LoanNo, Reason, Token, bad, choice_option, day_option, run
from archive.commands.information import ChangeBorrowerInformation, RecordFundsUse
from domain.information import BorrowerField, PaymentMethod

info_app = typer.Typer(
    help="贷款信息维护：借款人信息变更 / The borrower's information kept up.",
    no_args_is_help=True,
)
funds_app = typer.Typer(
    help="贷款用途监控：资金使用登记 / The use of the funds checked against the purpose.",
    no_args_is_help=True,
)

FIELDS = ", ".join(f"{f.value}（{f.zh}）" for f in BorrowerField)


def _change(value: str) -> dict[str, str]:
    field, sep, new = value.partition("=")
    if not sep or not field.strip() or not new.strip():
        raise bad(f"应为 字段=新值，收到 {value!r}", f"expected FIELD=VALUE, got {value!r}")
    return {"field": field.strip(), "value": new.strip()}


@info_app.command("change")
def change_information(
    loan_no: LoanNo,
    changed_on: Annotated[date, day_option("--on", "--changed-on", help="生效日 / effective day")],
    changes: Annotated[
        list[str],
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help=f"变更项，可重复 / a field and its new value, repeatable: {FIELDS}",
        ),
    ],
    reason: Reason,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """变更借款人信息 / Record changes of the borrower's information from a day.

    A change of rating is the risk manager's, with ``--file rating_form=PATH``.
    """
    command = ChangeBorrowerInformation.model_validate(
        {
            "loan_no": loan_no,
            "changed_on": changed_on,
            "changes": [_change(c) for c in changes],
            "reason": reason,
        }
    )
    run(token, role, command, ("已登记信息变更", "information changed"), file)


@funds_app.command("record")
def record_funds_use(
    loan_no: LoanNo,
    used_on: Annotated[date, day_option("--on", "--used-on", help="支付日 / day paid")],
    amount: Annotated[Decimal, typer.Option(help="金额（元）/ amount in 元")],
    payee: Annotated[str, typer.Option(help="收款人 / payee")],
    use: Annotated[str, typer.Option(help="资金用途 / what it paid for")],
    payment_method: Annotated[PaymentMethod, choice_option(PaymentMethod, "payment_method")],
    matches_purpose: Annotated[
        bool,
        typer.Option(
            "--matches-purpose/--against-purpose",
            help="是否符合约定用途 / whether it matches the loan's purpose",
        ),
    ] = True,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """登记资金使用 / Record a use of the funds; one against the purpose raises BEH-05."""
    command = RecordFundsUse(
        loan_no=loan_no,
        used_on=used_on,
        amount=amount,
        payee=payee,
        use=use,
        matches_purpose=matches_purpose,
        payment_method=payment_method,
    )
    run(token, role, command, ("已登记资金使用", "funds use recorded"), file)
