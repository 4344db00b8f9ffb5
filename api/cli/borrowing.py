"""``dossier borrowing …`` (also ``dossier archive borrow …``) and ``dossier archive overdue``:
the circulation desk (借阅).

Every command is authenticated with the staff member's bearer token (``--token`` or
``DOSSIER_TOKEN``) and authorised by role in the application, exactly as over HTTP. Bad
usage (a malformed day, an unknown value, no token) exits 2 before the store is opened; a
domain refusal exits 1 and prints both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated
from uuid import UUID

import typer
from rich.markup import escape

from api.cli.common import (
    ActAs,
    Id,
    LoanNo,
    OutFile,
    Reason,
    Token,
    bad,
    choice_option,
    console,
    day_option,
    done,
    office,
    run,
)
from archive.application import DossierArchive
from archive.commands.borrowing import (
    ApproveBorrowing,
    CheckOut,
    CloseBorrowing,
    IssueElectronicCopy,
    NoteOverdueBorrowings,
    RejectBorrowing,
    RequestBorrowing,
    ReturnBorrowing,
)
from archive.core import CommandContext
from domain.borrowing import Borrowing
from domain.errors import AuthorizationError
from domain.values import BorrowingForm, BorrowingPurpose

SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class PageCount:
    """A ``--pages SHA256:N``: the pages of one item, counted at the counter."""

    sha256: str
    pages: int


def parse_pages(value: str) -> PageCount:
    sha, _, count = value.rpartition(":")
    if not SHA256.match(sha) or not count.isdigit():
        raise bad(f"应为 SHA256:页数，收到 {value!r}", f"expected SHA256:PAGES, got {value!r}")
    return PageCount(sha, int(count))


# ------------------------------------------------------------------ borrowings
borrow_app = typer.Typer(
    help="借阅：申请、审批、借出、归还、结案、电子副本 / Borrowing: request to close.",
    no_args_is_help=True,
)


def show_items(archive: DossierArchive, ctx: CommandContext, borrowing: Borrowing) -> None:
    """One line per item in scope: its hash (for --pages), type, pages filed, out and in."""
    filed = {d.ref.sha256: d.ref for d in archive.get_dossier(ctx, borrowing.loan_no).documents}
    for sha in borrowing.items:
        ref = filed.get(sha)
        counted = "".join(
            f" {label} {pages[sha]}"
            for label, pages in (("out", borrowing.pages_out), ("in", borrowing.pages_in))
            if sha in pages
        )
        kind = f"{ref.doc_type} {ref.filename} pages {ref.pages}" if ref else "-"
        typer.echo(f"  {sha} {kind}{counted}")


@borrow_app.command("request")
def request(
    loan_no: LoanNo,
    purpose: Annotated[BorrowingPurpose, choice_option(BorrowingPurpose, "purpose")],
    reason: Reason,
    requested_on: Annotated[
        date, day_option("--on", "--requested-on", help="申请日 / day of the request")
    ],
    form: Annotated[BorrowingForm, choice_option(BorrowingForm, "form")] = BorrowingForm.ORIGINAL,
    due_on: Annotated[
        date | None, day_option("--due", "--due-on", help="归还日 / return by (default: same day)")
    ] = None,
    document: Annotated[
        list[str] | None,
        typer.Option(help="只借这些文档（SHA256），可重复 / only these documents; repeatable"),
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """借阅申请 / Ask to borrow the dossier, or the listed documents of it."""
    with office(token, role) as (archive, ctx):
        result = archive.execute(
            ctx,
            RequestBorrowing(
                loan_no=loan_no,
                purpose=purpose,
                form=form,
                reason=reason,
                requested_on=requested_on,
                due_on=due_on,
                documents=document or None,
            ),
        )
        done("已申请借阅", "borrowing requested", result)
        try:
            borrowing = archive.get_borrowing(ctx, UUID(result.ids["borrowing_id"]))
        except AuthorizationError:
            return  # the circulation record is the archive office's, not every requester's
        show_items(archive, ctx, borrowing)


@borrow_app.command("approve")
def approve(
    borrowing_id: Id,
    due_on: Annotated[
        date | None, day_option("--due", "--due-on", help="批准的归还日 / approved return day")
    ] = None,
    archivist_no: Annotated[
        str | None, typer.Option("--archivist", help="经办档案管理员工号 / archivist to hand out")
    ] = None,
    reason: Annotated[str, typer.Option(help="意见 / remark")] = "",
    token: Token = None,
    role: ActAs = None,
) -> None:
    """审批同意 / Approve: the archive head; for tier-1 items the branch head as well."""
    command = ApproveBorrowing(
        borrowing_id=borrowing_id, due_on=due_on, archivist_no=archivist_no, reason=reason
    )
    run(token, role, command, ("已审批", "borrowing approved"))


@borrow_app.command("reject")
def reject(borrowing_id: Id, reason: Reason, token: Token = None, role: ActAs = None) -> None:
    """驳回 / Refuse the borrowing, with the reason."""
    command = RejectBorrowing(borrowing_id=borrowing_id, reason=reason)
    run(token, role, command, ("已驳回", "borrowing rejected"))


Pages = Annotated[
    list[PageCount],
    typer.Option(
        "--pages",
        parser=parse_pages,
        metavar="SHA256:N",
        help="每份清点页数，可重复 / pages counted per item; repeatable",
    ),
]


@borrow_app.command("check-out")
def check_out(
    borrowing_id: Id,
    pages: Pages,
    on: Annotated[date, day_option("--on", "--checked-out-on", help="借出日 / day handed out")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """借出 / Hand the originals out, the pages of each item counted."""
    command = CheckOut(
        borrowing_id=borrowing_id, checked_out_on=on, pages={p.sha256: p.pages for p in pages}
    )
    run(token, role, command, ("已借出", "checked out"))


@borrow_app.command("return")
def return_(
    borrowing_id: Id,
    pages: Pages,
    on: Annotated[date, day_option("--on", "--returned-on", help="归还日 / day taken back")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """归还 / Take the originals back; a page shortfall is recorded and escalated."""
    with office(token, role) as (archive, ctx):
        result = archive.execute(
            ctx,
            ReturnBorrowing(
                borrowing_id=borrowing_id,
                returned_on=on,
                pages={p.sha256: p.pages for p in pages},
            ),
        )
        borrowing = archive.get_borrowing(ctx, borrowing_id)
    done("已归还", "returned", result)
    for sha, (out, back) in borrowing.mismatches.items():
        console.print(
            f"[red]页数不符 / page count mismatch[/red] {sha}: 借出 out {out} → 归还 in {back}"
        )
    if borrowing.escalated:
        console.print("[red]已上报档案室负责人 / escalated to the archive head[/red]")


@borrow_app.command("close")
def close(
    borrowing_id: Id,
    on: Annotated[date, day_option("--on", "--closed-on", help="结案日 / day closed")],
    reason: Annotated[str, typer.Option(help="说明（缺页时必填）/ reason")] = "",
    token: Token = None,
    role: ActAs = None,
) -> None:
    """结案 / Close the borrowing; with pages missing, the archive head with a reason."""
    command = CloseBorrowing(borrowing_id=borrowing_id, closed_on=on, reason=reason)
    run(token, role, command, ("已结案", "borrowing closed"))


@borrow_app.command("copy")
def copy(
    borrowing_id: Id,
    out: OutFile,
    on: Annotated[date, day_option("--on", "--issued-on", help="发放日 / day issued")],
    expires_on: Annotated[
        date | None, day_option("--expires", "--expires-on", help="有效期至 / valid until")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """电子副本 / Issue the watermarked PDF to the borrower and write it to --out."""
    with office(token, role) as (archive, ctx):
        made = archive.execute(
            ctx,
            IssueElectronicCopy(borrowing_id=borrowing_id, issued_on=on, expires_on=expires_on),
        )
    with out.open("xb") as file:
        file.write(made.content)
    done("已发放电子副本", "electronic copy issued", made.result)
    typer.echo(f"copy: {out} sha256 {made.sha256}")


@borrow_app.command("show")
def show(borrowing_id: Id, token: Token = None, role: ActAs = None) -> None:
    """借阅单 / One borrowing as it stands, with its items and page counts."""
    with office(token, role) as (archive, ctx):
        b = archive.get_borrowing(ctx, borrowing_id)
        console.print(
            f"借阅单 / borrowing {b.borrow_no} — {escape(b.loan_no)} "
            f"{b.status.zh} / {b.status.value}, {b.purpose.zh} / {b.purpose.value}, "
            f"{b.form.zh} / {b.form.value}, 归还日 due {b.due_on.isoformat()}"
        )
        show_items(archive, ctx, b)
    for sha, (out, back) in b.mismatches.items():
        console.print(f"[red]页数不符 / page count mismatch[/red] {sha}: {out} → {back}")


@borrow_app.command("list")
def list_(
    loan_no: LoanNo,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """借阅登记 / The dossier's borrowings in request order."""
    with office(token, role) as (archive, ctx):
        found = archive.list_borrowings(ctx, loan_no)
    for b in found:
        typer.echo(f"{b.id} {b.borrow_no} {b.status.value} {b.purpose.value} {b.due_on}")
    console.print(f"{len(found)} 笔借阅 / borrowings")


@borrow_app.command("overdue")
def overdue(
    on: Annotated[date, day_option("--on", help="催还日 / the day of the reminder")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """逾期催还 / Record today's reminder of every overdue borrowing, once a day each."""
    with office(token, role) as (archive, ctx):
        result = archive.execute(ctx, NoteOverdueBorrowings(on=on))
    if result is None:
        console.print("无新的逾期借阅 / nothing overdue (or already reminded today)")
        return
    done("已记录逾期催还", "overdue borrowings reminded", result)
