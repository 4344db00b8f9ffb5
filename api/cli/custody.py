"""``dossier archive``: the archive office (档案室) at the console.

Transfer and receipt, defects, cataloguing, holds, appraisal and retention, destruction
batches, and — from ``api.cli.borrowing`` — the circulation desk. The same application methods
as the HTTP routes (api/routers/custody.py, borrowings.py, destruction.py), with the
same parameter names; each command prints the ids it handed out for the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.borrowing import (
    ActAs,
    Files,
    Id,
    LoanNo,
    OutFile,
    Token,
    bad,
    borrow_app,
    choice,
    choice_option,
    day_option,
    done,
    labels,
    office,
    overdue,
    parse_id,
    uploads,
    values,
)
from api.cli.common import console
from domain.values import AppraisalOpinion, HoldKind, ItemCondition, TransferKind

archive_app = typer.Typer(
    help="档案室：移交、编目、冻结、鉴定、借阅、销毁 / The archive office.", no_args_is_help=True
)
transfer_app = typer.Typer(help="移交 / Transfers to the archive office.", no_args_is_help=True)
defect_app = typer.Typer(help="移交缺陷 / Defects found on receipt.", no_args_is_help=True)
hold_app = typer.Typer(
    help="冻结 / Litigation, audit and investigation holds.", no_args_is_help=True
)
appraisal_app = typer.Typer(help="鉴定 / Appraisal of expired dossiers.", no_args_is_help=True)
retention_app = typer.Typer(help="保管期限 / Retention.", no_args_is_help=True)
destruction_app = typer.Typer(help="销毁 / Destruction batches.", no_args_is_help=True)

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
    with office(token, role) as (archive, ctx), uploads(file) as docs:
        result = archive.list_transfer(
            ctx,
            loan_no,
            kind=kind,
            items=[i.as_dict() for i in item],
            listed_on=listed_on,
            signed_on=signed_on,
            uploads=docs,
        )
    done("已移交", "transfer listed", result)
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
    with office(token, role) as (archive, ctx), uploads(file) as docs:
        result = archive.receive_transfer(
            ctx,
            loan_no,
            transfer_id,
            checks=[c.as_dict() for c in check],
            received_on=received_on,
            uploads=docs,
        )
    done("已接收", "transfer received", result)
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
    with office(token, role) as (archive, ctx), uploads(file) as docs:
        result = archive.clear_defect(
            ctx, loan_no, defect_id, cleared_on=cleared_on, note=note, uploads=docs
        )
    done("已消除缺陷", "defect cleared", result)


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
    with office(token, role) as (archive, ctx):
        result = archive.catalogue(ctx, loan_no, shelf_location=shelf, catalogued_on=on)
    done("已编目", "catalogued", result)


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
    with office(token, role) as (archive, ctx), uploads(file) as docs:
        result = archive.place_hold(
            ctx,
            loan_no,
            kind=kind,
            reason=reason,
            reference=reference,
            placed_on=on,
            uploads=docs,
        )
    done("已冻结", "hold placed", result)


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
    with office(token, role) as (archive, ctx), uploads(file) as docs:
        result = archive.release_hold(
            ctx, loan_no, hold_id, reason=reason, released_on=on, uploads=docs
        )
    done("已解除冻结", "hold released", result)


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
    with office(token, role) as (archive, ctx):
        result = archive.open_appraisal(ctx, loan_no, opened_on=on, group_nos=group)
    done("已开始鉴定", "appraisal opened", result)


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
    with office(token, role) as (archive, ctx), uploads(file) as docs:
        result = archive.decide_appraisal(
            ctx, loan_no, appraisal_id, opinion=opinion, text=text, decided_on=on, uploads=docs
        )
    done("已记录鉴定意见", "appraisal decided", result)


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
    with office(token, role) as (archive, ctx):
        result = archive.extend_retention(
            ctx, loan_no, ends_on=until, reason=reason, extended_on=on, appraisal_id=appraisal
        )
    done("已延长保管期限", "retention extended", result)


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


# ------------------------------------------------------------------ destruction
Batch = Annotated[UUID, typer.Argument(parser=parse_id, metavar="BATCH_ID", show_default=False)]


@destruction_app.command("propose")
def propose_destruction(
    loan_nos: Annotated[
        list[str], typer.Argument(help="借据号 / loan numbers", metavar="LOAN_NO…")
    ],
    on: Annotated[date, day_option("--on", "--proposed-on", help="提出日 / day proposed")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """提出销毁批次 / Propose a batch with its destruction register (销毁清册)."""
    with office(token, role) as (archive, ctx):
        result = archive.propose_destruction(ctx, loan_nos=loan_nos, proposed_on=on)
    done("已提出销毁", "destruction proposed", result)


@destruction_app.command("approve")
def approve_destruction(
    batch_id: Batch,
    on: Annotated[date, day_option("--on", "--approved-on", help="审批日 / day approved")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """审批销毁 / The branch head approves (someone other than the proposer)."""
    with office(token, role) as (archive, ctx):
        result = archive.approve_destruction(ctx, batch_id, approved_on=on)
    done("已审批销毁", "destruction approved", result)


@destruction_app.command("compliance-approve")
def compliance_approve_destruction(
    batch_id: Batch,
    on: Annotated[date, day_option("--on", "--approved-on", help="审批日 / day approved")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """合规审批 / Compliance approves the batch."""
    with office(token, role) as (archive, ctx):
        result = archive.compliance_approve_destruction(ctx, batch_id, approved_on=on)
    done("合规已审批", "compliance approved", result)


@destruction_app.command("execute")
def execute_destruction(
    batch_id: Batch,
    supervisor: Annotated[
        list[str], typer.Option(help="监销人工号，至少两人 / supervisor present; repeatable")
    ],
    method: Annotated[str, typer.Option(help="销毁方式 / how the records are destroyed")],
    it_supervisor: Annotated[
        str | None, typer.Option(help="信息技术监销人 / IT supervisor, for electronic records")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """执行销毁 / Execute: events, then data keys, then blobs; re-run to finish a crashed run."""
    with office(token, role) as (archive, ctx):
        result = archive.execute_destruction(
            ctx, batch_id, supervisor_nos=supervisor, it_supervisor_no=it_supervisor, method=method
        )
    done("已执行销毁", "destruction executed", result)


@destruction_app.command("show")
def show_destruction(batch_id: Batch, token: Token = None, role: ActAs = None) -> None:
    """销毁批次 / The batch: approvals, execution, register entries."""
    with office(token, role) as (archive, ctx):
        batch = archive.get_destruction_batch(ctx, batch_id)
        by = {
            step: archive.staff_by_id(staff_id).staff_no if staff_id else "-"
            for step, staff_id in (
                ("proposed_by", batch.proposed_by),
                ("approved_by", batch.approved_by),
                ("compliance_by", batch.compliance_by),
                ("executed_by", batch.executed_by),
            )
        }
    typer.echo(f"batch: {batch.id} version {batch.version} completed {batch.completed}")
    typer.echo(" ".join(f"{step}: {no}" for step, no in by.items()))
    typer.echo(f"proposed_on: {batch.proposed_on} executed_on: {batch.executed_on or '-'}")
    table = Table(title="销毁清册 / destruction register")
    for column in ("档号 reference", "题名 title", "年度 years", "期限", "页数 pages", "意见"):
        table.add_column(column, overflow="fold")
    for e in batch.entries:
        table.add_row(
            *(escape(str(e[k])) for k in ("reference_code", "title", "years")),
            str(e["retention"]),
            str(e["pages"]),
            escape(str(e["opinion"])),
        )
    console.print(table)


@destruction_app.command("register")
def destruction_register(
    batch_id: Batch, out: OutFile, token: Token = None, role: ActAs = None
) -> None:
    """销毁清册 PDF / Write the destruction register with its signature lines to --out."""
    with office(token, role) as (archive, ctx):
        content = archive.destruction_register_pdf(ctx, batch_id)
    with out.open("xb") as file:
        file.write(content)
    console.print(f"已写入销毁清册 / destruction register written: {out} ({len(content)} bytes)")


archive_app.add_typer(transfer_app, name="transfer")
archive_app.add_typer(defect_app, name="defect")
archive_app.command("catalogue")(catalogue)
archive_app.add_typer(hold_app, name="hold")
archive_app.add_typer(appraisal_app, name="appraisal")
archive_app.add_typer(retention_app, name="retention")
archive_app.command("past-retention")(past_retention)
archive_app.add_typer(borrow_app, name="borrow")
archive_app.command("overdue")(overdue)
archive_app.add_typer(destruction_app, name="destruction")
