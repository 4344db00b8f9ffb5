"""``dossier custody …``: the archive office's custody (档案保管) at the console; and ``dossier
archive …``, the archive office as a whole.

``custody``: transfer and receipt, defects, cataloguing, holds, appraisal and retention.
``archive`` holds the same commands and, as before the areas had their own groups, the
circulation desk (``archive borrow`` = ``borrowing``, ``archive overdue``; api/cli/borrowing.py)
and destruction batches (``archive destruction`` = ``disposition``; api/cli/disposition.py).
The same commands as the HTTP routes (api/routers/custody.py, borrowing.py, disposition.py;
archive/commands/), with the same field names; each command prints the ids it handed out for
the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.borrowing import borrow_app, overdue
from api.cli.common import (
    ActAs,
    Files,
    Id,
    LoanNo,
    Token,
    bad,
    choice,
    choice_option,
    console,
    day_option,
    labels,
    office,
    parse_id,
    run,
    values,
)
from api.cli.disposition import destruction_app
from archive.commands.custody import (
    Catalogue,
    ClearDefect,
    DecideAppraisal,
    ExtendRetention,
    ListTransfer,
    OpenAppraisal,
    PlaceHold,
    ReceiveTransfer,
    ReleaseHold,
)
from domain.values import AppraisalOpinion, HoldKind, ItemCondition, TransferKind

archive_app = typer.Typer(
    help="档案室：移交、编目、冻结、鉴定、借阅、销毁 / The archive office.", no_args_is_help=True
)
custody_app = typer.Typer(
    help="档案保管：移交、编目、冻结、鉴定、保管期限 / Custody: transfer to retention.",
    no_args_is_help=True,
)
transfer_app = typer.Typer(help="移交 / Transfers to the archive office.", no_args_is_help=True)
defect_app = typer.Typer(help="移交缺陷 / Defects found on receipt.", no_args_is_help=True)
hold_app = typer.Typer(
    help="冻结 / Litigation, audit and investigation holds.", no_args_is_help=True
)
appraisal_app = typer.Typer(help="鉴定 / Appraisal of expired dossiers.", no_args_is_help=True)
retention_app = typer.Typer(help="保管期限 / Retention.", no_args_is_help=True)

Text = Annotated[str, typer.Option(help="理由 / reason")]


@dataclass(frozen=True)
class Item:
    """A ``--item DOC_TYPE:TITLE:PAGES``: one line of the transfer list (移交清单)."""

    doc_type: str
    title: str
    pages: int

    def as_dict(self) -> dict[str, Any]:
        return {"doc_type": self.doc_type, "title": self.title, "pages": self.pages}


def parse_item(value: str) -> Item:
    doc_type, _, rest = value.partition(":")
    title, _, pages = rest.rpartition(":")
    if not doc_type or not title or not pages.isdigit():
        raise bad(
            f"应为 文档类型:标题:页数，收到 {value!r}",
            f"expected DOC_TYPE:TITLE:PAGES, got {value!r}",
        )
    return Item(doc_type, title, int(pages))


@dataclass(frozen=True)
class Check:
    """A ``--check ITEM_NO:CONDITION:PAGES[:NOTE]``: what the archivist found for one item."""

    item_no: int
    condition: ItemCondition
    pages_counted: int
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_no": self.item_no,
            "condition": self.condition,
            "pages_counted": self.pages_counted,
            "note": self.note,
        }


def parse_check(value: str) -> Check:
    parts = value.split(":", 3)
    if len(parts) < 3 or not parts[0].isdigit() or not parts[2].isdigit():
        raise bad(
            f"应为 序号:{values(ItemCondition)}:页数[:说明]，收到 {value!r}",
            f"expected ITEM_NO:{values(ItemCondition)}:PAGES[:NOTE], got {value!r}",
        )
    condition = choice(ItemCondition, "condition")(parts[1])
    return Check(int(parts[0]), condition, int(parts[2]), parts[3] if len(parts) > 3 else "")


# ------------------------------------------------------------------ transfer
@transfer_app.command("list")
def list_transfer(
    loan_no: LoanNo,
    kind: Annotated[TransferKind, choice_option(TransferKind, "kind")],
    item: Annotated[
        list[Item],
        typer.Option(
            parser=parse_item,
            metavar="DOC_TYPE:TITLE:PAGES",
            help="清单一项，可重复 / one listed item; repeatable",
        ),
    ],
    listed_on: Annotated[date, day_option("--listed-on", "--on", help="移交日 / day listed")],
    signed_on: Annotated[
        date | None,
        day_option("--signed-on", help="合同签订日 / contract signed (default: value date)"),
    ] = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """移交清单 / List a transfer: contract originals, or the full dossier after closing."""
    command = ListTransfer(
        loan_no=loan_no,
        kind=kind,
        items=[i.as_dict() for i in item],
        listed_on=listed_on,
        signed_on=signed_on,
    )
    run(token, role, command, ("已移交", "transfer listed"), file)
    for number, i in enumerate(item, start=1):
        typer.echo(f"  {number}. {i.doc_type} {i.title} ({i.pages} pages)")


@transfer_app.command("receive")
def receive_transfer(
    loan_no: LoanNo,
    transfer_id: Id,
    check: Annotated[
        list[Check],
        typer.Option(
            parser=parse_check,
            metavar="ITEM_NO:CONDITION:PAGES[:NOTE]",
            help=f"逐项核对，可重复 / one item checked ({labels(ItemCondition)}); repeatable",
        ),
    ],
    received_on: Annotated[date, day_option("--received-on", "--on", help="接收日 / day received")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """接收 / Check each listed item and sign; missing or damaged items become defects."""
    command = ReceiveTransfer(
        loan_no=loan_no,
        transfer_id=transfer_id,
        checks=[c.as_dict() for c in check],
        received_on=received_on,
    )
    result = run(token, role, command, ("已接收", "transfer received"), file)
    defects = [k for k in result.ids if k.startswith("defect:")]
    if defects:
        console.print(f"[yellow]{len(defects)} 项缺陷待补交 / defects to clear[/yellow]")


@defect_app.command("clear")
def clear_defect(
    loan_no: LoanNo,
    defect_id: Id,
    note: Annotated[str, typer.Option(help="补交或说明 / what was done")],
    cleared_on: Annotated[date, day_option("--on", "--cleared-on", help="消缺日 / day cleared")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """消除缺陷 / Close a defect: the item came in, or its absence is explained."""
    command = ClearDefect(loan_no=loan_no, defect_id=defect_id, cleared_on=cleared_on, note=note)
    run(token, role, command, ("已消除缺陷", "defect cleared"), file)


# ------------------------------------------------------------------ catalogue, holds
def catalogue(
    loan_no: LoanNo,
    shelf: Annotated[
        str, typer.Option("--shelf", "--shelf-location", help="库房-排-柜-格 / e.g. 2-03-05-2")
    ],
    on: Annotated[date, day_option("--on", "--catalogued-on", help="编目日 / day catalogued")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """编目 / Catalogue the dossier: reference code (档号), shelf, retention."""
    command = Catalogue(loan_no=loan_no, shelf_location=shelf, catalogued_on=on)
    run(token, role, command, ("已编目", "catalogued"))


@hold_app.command("place")
def place_hold(
    loan_no: LoanNo,
    kind: Annotated[HoldKind, choice_option(HoldKind, "kind")],
    reason: Text,
    reference: Annotated[str, typer.Option(help="案号/文号 / case or audit reference")],
    on: Annotated[date, day_option("--on", "--placed-on", help="冻结日 / day placed")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """冻结 / Freeze the dossier for litigation, audit or investigation; holds stack."""
    command = PlaceHold(
        loan_no=loan_no, kind=kind, reason=reason, reference=reference, placed_on=on
    )
    run(token, role, command, ("已冻结", "hold placed"), file)


@hold_app.command("release")
def release_hold(
    loan_no: LoanNo,
    hold_id: Id,
    reason: Text,
    on: Annotated[date, day_option("--on", "--released-on", help="解冻日 / day released")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """解除冻结 / Release one hold."""
    command = ReleaseHold(loan_no=loan_no, hold_id=hold_id, reason=reason, released_on=on)
    run(token, role, command, ("已解除冻结", "hold released"), file)


# ------------------------------------------------------------------ appraisal, retention
@appraisal_app.command("open")
def open_appraisal(
    loan_no: LoanNo,
    group: Annotated[
        list[str], typer.Option(help="鉴定小组成员工号，至少两人 / group member; repeatable")
    ],
    on: Annotated[date, day_option("--on", "--opened-on", help="鉴定开始日 / day opened")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """开始鉴定 / Open the appraisal of a dossier whose retention has ended."""
    command = OpenAppraisal(loan_no=loan_no, opened_on=on, group_nos=group)
    run(token, role, command, ("已开始鉴定", "appraisal opened"))


@appraisal_app.command("decide")
def decide_appraisal(
    loan_no: LoanNo,
    appraisal_id: Id,
    opinion: Annotated[AppraisalOpinion, choice_option(AppraisalOpinion, "opinion")],
    text: Annotated[str, typer.Option(help="鉴定意见 / the opinion's text")],
    on: Annotated[date, day_option("--on", "--decided-on", help="鉴定日 / day decided")],
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """鉴定意见 / Record the appraisal opinion: destroy, or extend retention."""
    command = DecideAppraisal(
        loan_no=loan_no, appraisal_id=appraisal_id, opinion=opinion, text=text, decided_on=on
    )
    run(token, role, command, ("已记录鉴定意见", "appraisal decided"), file)


@retention_app.command("extend")
def extend_retention(
    loan_no: LoanNo,
    until: Annotated[date, day_option("--until", "--ends-on", help="保管至 / kept until")],
    reason: Text,
    on: Annotated[date, day_option("--on", "--extended-on", help="决定日 / day decided")],
    appraisal: Annotated[
        UUID | None,
        typer.Option(parser=parse_id, metavar="ID", help="依据的鉴定 / the appraisal it follows"),
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """延长保管期限 / Keep the dossier until a later date."""
    command = ExtendRetention(
        loan_no=loan_no, ends_on=until, reason=reason, extended_on=on, appraisal_id=appraisal
    )
    run(token, role, command, ("已延长保管期限", "retention extended"))


def past_retention(
    on: Annotated[date, day_option("--on", help="截至 / as of this day")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """到期档案 / Dossiers whose retention ended before --on, earliest first."""
    with office(token, role) as (archive, ctx):
        found = archive.dossiers_past_retention(ctx, on=on)
    table = Table(title=f"保管期满档案 / past retention on {on.isoformat()}")
    for column in ("借据号 loan", "档号 reference", "期限", "期满 ends", "鉴定中", "冻结 holds"):
        table.add_column(column, overflow="fold")
    for d in found:
        table.add_row(
            escape(d.loan_no),
            escape(d.reference_code or "—"),
            str(d.retention.value) if d.retention else "—",
            d.retention_ends_on.isoformat() if d.retention_ends_on else "—",
            "是 yes" if d.under_appraisal else "否 no",
            str(len(d.open_holds)),
        )
    console.print(table)
    console.print(f"{len(found)} 卷 / dossiers")


def _custody(group: typer.Typer) -> None:
    group.add_typer(transfer_app, name="transfer")
    group.add_typer(defect_app, name="defect")
    group.command("catalogue")(catalogue)
    group.add_typer(hold_app, name="hold")
    group.add_typer(appraisal_app, name="appraisal")
    group.add_typer(retention_app, name="retention")
    group.command("past-retention")(past_retention)


_custody(custody_app)
_custody(archive_app)
archive_app.add_typer(borrow_app, name="borrow")
archive_app.command("overdue")(overdue)
archive_app.add_typer(destruction_app, name="destruction")
