"""What every ``dossier`` command shares: settings, opening the archive, the caller's token, the
day, choice and id parsers, documents to file, the printed result, failing clearly.

Every business command is authenticated with the staff member's bearer token (``--token`` or
``DOSSIER_TOKEN``) and authorised by role in the application, exactly as over HTTP. Bad usage
(a malformed day, an unknown value, no token) exits 2 before the store is opened; a domain
refusal exits 1 and prints both languages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from api.composition import Registers, build_archive, build_registers
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands import Command
from archive.core import SYSTEM_ID, CommandContext, CommandResult
from archive.documents.ingest import Upload
from domain.errors import DomainError
from domain.rules import RulesError
from domain.values import LabelledEnum, Role
from storage.crypto import CryptoError, MasterKey
from storage.sessions import session_store_beside

console = Console()
errors = Console(stderr=True)


def read_settings() -> Settings:
    """The settings, or a clear message and exit 2 when they are wrong."""
    try:
        return Settings()
    except ValueError as exc:
        raise fail(f"[red]配置错误 / configuration error:[/red] {exc}") from None


def open_archive(
    settings: Settings | None = None, master: MasterKey | None = None
) -> DossierArchive:
    """The application, or a clear message and exit 2 when a key or a store is wrong."""
    try:
        return build_archive(settings or read_settings(), master)
    except CryptoError as exc:
        raise fail(f"[red]主密钥错误 / master key problem:[/red] {exc}") from None
    except RulesError as exc:
        raise fail(f"[red]{exc.zh}[/red]\n{exc.en}") from None


def fail(message: str, code: int = 2, *, to: Console = console) -> typer.Exit:
    """Print ``message`` (rich markup) on ``to``; the caller raises the returned exit, ``code``
    (2: the command could not run, 1: what it was asked was refused or found wanting)."""
    to.print(message)
    return typer.Exit(code)


def refuse(exc: DomainError) -> typer.Exit:
    """Print a domain refusal in both languages; the caller raises the returned exit."""
    return fail(f"[red]{exc.zh}[/red]\n{exc.en}", 1)


TokenOption = Annotated[
    str | None,
    typer.Option(help="your bearer token (or DOSSIER_TOKEN); business commands are authenticated"),
]


def caller(archive: DossierArchive, token: str | None) -> CommandContext:
    token = token or os.environ.get("DOSSIER_TOKEN")
    if not token:
        errors.print("[red]需要令牌 / a token is required: --token or DOSSIER_TOKEN[/red]")
        raise typer.Exit(2)
    try:
        return CommandContext(authenticated(archive, token))
    except DomainError as exc:
        errors.print(f"[red]{exc.zh}[/red]\n{exc.en}")
        raise typer.Exit(2) from None


def authenticated(archive: DossierArchive, token: str) -> UUID:
    """The staff id of a token that works now; its use is counted as an API request's is."""
    staff_id, token_id = archive.authenticate_token(token)
    sessions = session_store_beside(archive.env, read_settings().data_dir)
    try:
        sessions.note_token_use(token_id, staff_id, archive.wall_clock())
    finally:
        sessions.close()
    return staff_id


def progress_bar(on: Console, **options: Any) -> Progress:
    """The bar a long command shows on ``on``: what it does, how far, done of total, time taken.

    ``options`` go to :class:`rich.progress.Progress` (``disable``, ``transient``).
    """
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=on,
        **options,
    )


DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
Reason = Annotated[str, typer.Option(help="理由 / reason")]
LoanNo = Annotated[
    str, typer.Argument(help="借据号 / loan number", metavar="LOAN_NO", show_default=False)
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
            staff_id = authenticated(archive, token)
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
def with_registers(
    token: str | None,
) -> Iterator[tuple[DossierArchive, CommandContext, Registers]]:
    """The application, the caller (``--token``) and the registers, for a command that reads
    them; closed afterwards, and a domain refusal exits 1 in both languages."""
    settings = read_settings()
    archive = open_archive(settings)
    try:
        ctx = caller(archive, token)
        registers = build_registers(settings, archive)
        try:
            yield archive, ctx, registers
        finally:
            registers.close()
    except DomainError as exc:
        raise refuse(exc) from None
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


def run(
    token: str | None,
    role: Role | None,
    command: Command,
    said: tuple[str, str],
    files: list[Document] | None = None,
) -> CommandResult:
    """Run one typed command as the caller, with its ``--file`` documents, and print its answer
    (``said``: what was done, in Chinese and English)."""
    with office(token, role) as (archive, ctx), uploads(files) as docs:
        result: CommandResult = archive.execute(ctx, command, docs)
    done(*said, result)
    return result


CONSOLE = CommandContext(SYSTEM_ID)


def run_at_console(command: Command) -> Any:
    """Run one typed command as the console operator (an administrator; no token), its answer
    returned; a domain refusal exits 1 in both languages."""
    archive = open_archive()
    try:
        return archive.execute(CONSOLE, command)
    except DomainError as exc:
        raise refuse(exc) from None
    finally:
        archive.close()
