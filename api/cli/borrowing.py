"""``dossier archive borrow …`` and ``dossier archive overdue``: the circulation desk (借阅).

It also holds what every ``dossier archive`` command shares — the caller's token, the day,
choice and id parsers, the printed result — because ``api.cli.custody`` assembles the group
and imports this module, never the other way round.

Every command is authenticated with the staff member's bearer token (``--token`` or
``DOSSIER_TOKEN``) and authorised by role in the application, exactly as over HTTP. Bad
usage (a malformed day, an unknown value, no token) exits 2 before the store is opened; a
domain refusal exits 1 and prints both languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.markup import escape

from api.cli.common import console, open_archive, refuse
from archive.application import DossierArchive
from archive.core import CommandContext, CommandResult
from archive.documents.ingest import Upload
from domain.borrowing import Borrowing
from domain.errors import DomainError
from domain.values import BorrowingForm, BorrowingPurpose, LabelledEnum, Role

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


# ------------------------------------------------------------------ parsers (exit 2)
def bad(zh: str, en: str) -> typer.BadParameter:
    return typer.BadParameter(f"{zh} / {en}")


def parse_day(value: str) -> date:
    """A business date, YYYY-MM-DD."""
    try:
        if DAY.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise bad(f"日期应为 YYYY-MM-DD，收到 {value!r}", f"a date must be YYYY-MM-DD, got {value!r}")


def parse_id(value: str) -> UUID:
    """An id printed by an earlier command."""
    try:
        return UUID(value)
    except ValueError:
        raise bad(f"编号 {value!r} 不是 UUID", f"{value!r} is not a UUID") from None


def choice(kind: type[LabelledEnum], field: str) -> Callable[[str], Any]:
    """A parser of ``kind``'s values that refuses others in both languages."""

    def parse(value: str) -> Any:
        try:
            return kind.parse(value, field)
        except DomainError as exc:
            raise bad(exc.zh, exc.en) from None

    return parse


def values(kind: type[LabelledEnum]) -> str:
    return "|".join(str(m.value) for m in kind)


def labels(kind: type[LabelledEnum]) -> str:
    return ", ".join(f"{m.value} {m.zh}" for m in kind)


def choice_option(kind: type[LabelledEnum], field: str) -> Any:
    """An option taking one of ``kind``'s values, listed with their Chinese names in the help."""
    return typer.Option(parser=choice(kind, field), metavar=values(kind), help=labels(kind))


@dataclass(frozen=True)
class Document:
    """A ``--file DOC_TYPE=PATH``: a document filed with the command."""

    doc_type: str
    path: Path


def parse_document(value: str) -> Document:
    doc_type, sep, path = value.partition("=")
    if not sep or not doc_type.strip() or not path:
        raise bad(f"应为 文档类型=路径，收到 {value!r}", f"expected DOC_TYPE=PATH, got {value!r}")
    if not Path(path).is_file():
        raise bad(f"文件不存在：{path}", f"no such file: {path}")
    return Document(doc_type.strip(), Path(path))


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


def out_file(value: str) -> Path:
    """A new file to write: never overwrites, and its directory must exist."""
    path = Path(value)
    if path.exists():
        raise bad(f"文件已存在，不覆盖：{value}", f"{value} exists; it is not overwritten")
    if not path.parent.is_dir():
        raise bad(f"目录不存在：{path.parent}", f"no such directory: {path.parent}")
    return path


def day_option(*names: str, help: str) -> Any:
    return typer.Option(*names, parser=parse_day, metavar="YYYY-MM-DD", help=help)


Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="DOSSIER_TOKEN",
        show_envvar=False,
        help="你的访问令牌（或 DOSSIER_TOKEN）/ your bearer token (or DOSSIER_TOKEN)",
    ),
]
ActAs = Annotated[
    Role | None,
    typer.Option(
        "--role",
        parser=choice(Role, "role"),
        metavar="ROLE",
        help="身兼数岗时以此岗位办理 / act in this role when you hold several",
    ),
]
Id = Annotated[UUID, typer.Argument(parser=parse_id, metavar="ID", show_default=False)]
Files = Annotated[
    list[Document] | None,
    typer.Option(
        "--file",
        parser=parse_document,
        metavar="DOC_TYPE=PATH",
        help="随附文档，可重复 / a document filed with it; repeatable",
    ),
]
OutFile = Annotated[
    Path, typer.Option("--out", parser=out_file, metavar="FILE", help="写入此文件 / write here")
]


# ------------------------------------------------------------------ the session
@contextmanager
def office(
    token: str | None, role: Role | None = None
) -> Iterator[tuple[DossierArchive, CommandContext]]:
    """The application and the authenticated caller; a domain refusal exits 1 in both languages."""
    if not token:
        raise typer.BadParameter(
            "需要令牌：--token 或 DOSSIER_TOKEN / a token is required: --token or DOSSIER_TOKEN",
            param_hint="'--token'",
        )
    archive = open_archive()
    try:
        try:
            staff_id = archive.authenticate(token)
        except DomainError as exc:
            raise typer.BadParameter(f"{exc.zh} / {exc.en}", param_hint="'--token'") from None
        try:
            yield archive, CommandContext(staff_id, role=role)
        except DomainError as exc:
            raise refuse(exc) from None
        # Text of filed documents is extracted after the save; close would drop it.
        archive.wait_for_text_extraction()
    finally:
        archive.close()


@contextmanager
def uploads(documents: list[Document] | None) -> Iterator[list[Upload]]:
    """The ``--file`` documents opened for the command, closed afterwards."""
    with ExitStack() as stack:
        yield [
            Upload(d.doc_type, d.path.name, stack.enter_context(d.path.open("rb")))
            for d in documents or ()
        ]


def done(zh: str, en: str, result: CommandResult) -> None:
    """What the command recorded: the ids it handed out, its events and log position."""
    loan = f" — {escape(result.loan_no)}" if result.loan_no else ""
    again = " （重复请求，未重复记录 / replayed, nothing new recorded）" if result.replayed else ""
    console.print(f"[green]{zh}[/green] / {en}{loan}{again}")
    for key, value in result.ids.items():
        typer.echo(f"{key}: {value}")
    for doc in result.documents:
        typer.echo(f"filed: {doc.doc_type} {doc.sha256} {doc.filename}")
    typer.echo(f"events: {', '.join(result.events) or '-'}")
    typer.echo(f"position: {result.position}")


# ------------------------------------------------------------------ borrowings
borrow_app = typer.Typer(
    help="借阅：申请、审批、借出、归还、结案、电子副本 / Borrowing: request to close.",
    no_args_is_help=True,
)
Reason = Annotated[str, typer.Option(help="理由 / reason")]
LoanNo = Annotated[
    str, typer.Argument(help="借据号 / loan number", metavar="LOAN_NO", show_default=False)
]


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
        result = archive.request_borrowing(
            ctx,
            loan_no,
            purpose=purpose,
            form=form,
            reason=reason,
            requested_on=requested_on,
            due_on=due_on,
            documents=document or None,
        )
        done("已申请借阅", "borrowing requested", result)
        show_items(archive, ctx, archive.get_borrowing(ctx, UUID(result.ids["borrowing_id"])))


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
    with office(token, role) as (archive, ctx):
        result = archive.approve_borrowing(
            ctx, borrowing_id, due_on=due_on, archivist_no=archivist_no, reason=reason
        )
    done("已审批", "borrowing approved", result)


@borrow_app.command("reject")
def reject(borrowing_id: Id, reason: Reason, token: Token = None, role: ActAs = None) -> None:
    """驳回 / Refuse the borrowing, with the reason."""
    with office(token, role) as (archive, ctx):
        result = archive.reject_borrowing(ctx, borrowing_id, reason=reason)
    done("已驳回", "borrowing rejected", result)


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
    with office(token, role) as (archive, ctx):
        result = archive.check_out(
            ctx, borrowing_id, checked_out_on=on, pages={p.sha256: p.pages for p in pages}
        )
    done("已借出", "checked out", result)


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
        result = archive.return_borrowing(
            ctx, borrowing_id, returned_on=on, pages={p.sha256: p.pages for p in pages}
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
    with office(token, role) as (archive, ctx):
        result = archive.close_borrowing(ctx, borrowing_id, closed_on=on, reason=reason)
    done("已结案", "borrowing closed", result)


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
        made = archive.issue_electronic_copy(ctx, borrowing_id, issued_on=on, expires_on=expires_on)
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


def overdue(
    on: Annotated[date, day_option("--on", help="催还日 / the day of the reminder")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """逾期催还 / Record today's reminder of every overdue borrowing, once a day each."""
    with office(token, role) as (archive, ctx):
        result = archive.note_overdue_borrowings(ctx, on=on)
    if result is None:
        console.print("无新的逾期借阅 / nothing overdue (or already reminded today)")
        return
    done("已记录逾期催还", "overdue borrowings reminded", result)
