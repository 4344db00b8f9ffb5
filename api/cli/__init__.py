"""The ``dossier`` command line: serve, staff administration, demo portfolio.

Commands run at the server console act as the console operator (an
administrator identity recorded on every event they cause); business data is
only ever written by the demo, in the names of its demo staff.
"""

from __future__ import annotations

import os
import stat
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from api.cli.bundles import bundle, verify_bundle
from api.cli.common import console, open_archive, read_settings, refuse
from api.cli.compliance import report
from api.cli.custody import archive_app
from api.cli.integrity import check, gc
from api.cli.keys import keys_app
from api.cli.registers import follow, rebuild
from api.cli.seal import seal, signing_key_app
from api.cli.tasks import tasks
from api.cli.verify import verify
from api.composition import master_key, signing_key
from api.settings import Settings
from archive.application import DossierArchive
from archive.core import SYSTEM_ID, CommandContext
from domain.errors import DomainError
from domain.values import Role
from storage.crypto import CryptoError
from storage.signing import SigningKeyError

app = typer.Typer(help="Dossier 贷后档案 — post-loan archive.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff and roles (人员与岗位).", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
app.add_typer(keys_app, name="keys")
app.add_typer(archive_app, name="archive")
app.command("check")(check)
app.command("gc")(gc)
app.command("rebuild")(rebuild)
app.command("follow")(follow)
app.command("verify")(verify)
app.command("bundle")(bundle)
app.command("verify-bundle")(verify_bundle)
app.command("seal")(seal)
app.command("tasks")(tasks)
app.command("report")(report)
app.add_typer(signing_key_app, name="signing-key")
CONSOLE = CommandContext(SYSTEM_ID)
CREDENTIALS_FILE = "demo-credentials.txt"


def _is_empty(archive: DossierArchive) -> bool:
    """Nothing recorded yet but, at most, the adoption of the rules (made at every start)."""
    head = archive.recorder.max_notification_id() or 0
    if head == 0:
        return True
    first = archive.recorder.select_notifications(start=1, limit=2)
    return len(first) == head and all(n.topic.startswith("domain.rules:") for n in first)


def _load_demo(archive: DossierArchive, settings: Settings, loans: int, seed: int) -> None:
    from demo.portfolio import build_portfolio

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("载入演示数据 / loading demo portfolio", total=loans)
        summary = build_portfolio(
            archive, loans=loans, seed=seed, advance=lambda: progress.advance(task)
        )
    path = settings.data_dir / CREDENTIALS_FILE
    lines = [f"{s.staff_no}\t{s.name}\t{s.role}\t{s.token}" for s in summary.staff]
    path.write_text(
        "# 演示账号（仅限开发环境）/ demo accounts (development only)\n"
        "# staff_no\tname\trole\tbearer token\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    table = Table(title="演示账号 / demo accounts")
    for column in ("工号 staff_no", "姓名 name", "岗位 role"):
        table.add_column(column)
    for s in summary.staff:
        table.add_row(s.staff_no, s.name, s.role)
    console.print(table)
    console.print(
        f"已载入 {summary.loans} 笔贷款、{summary.events} 个事件、{summary.documents} 份文档 / "
        f"loaded {summary.loans} loans, {summary.events} events, {summary.documents} documents\n"
        f"数据目录 / data directory: [bold]{settings.data_dir.resolve()}[/bold]\n"
        f"登录令牌 / bearer tokens: [bold]{path.resolve()}[/bold] — "
        "use `Authorization: Bearer <token>` at /docs"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
) -> None:
    """Start the HTTP API (loads the demo portfolio on the first start in development)."""
    import uvicorn

    from api.app import create_app

    settings = read_settings()
    try:
        source = master_key(settings)
    except CryptoError as exc:
        console.print(f"[red]主密钥错误 / master key problem:[/red] {exc}")
        raise typer.Exit(2) from None
    if source.generated:
        console.print(
            f"已生成主密钥 / generated a master key: {source.description} — "
            "development only; keep it safe, without it the documents cannot be read"
        )
    try:
        _signer, key_source, key_generated = signing_key(settings)
    except SigningKeyError as exc:
        console.print(f"[red]签名密钥错误 / signing key problem:[/red] {exc}")
        raise typer.Exit(2) from None
    if key_generated:
        console.print(
            f"已生成检查点签名密钥 / generated a checkpoint-signing key: {key_source} — "
            "development only; publish its public half (`dossier signing-key public`)"
        )
    archive = open_archive(settings, source.key)
    if settings.environment == "development" and settings.demo_on_first_start:
        if _is_empty(archive):
            _load_demo(archive, settings, settings.demo_loans, settings.demo_seed)
        else:
            console.print("数据已存在，不重复载入演示数据 / existing data kept; demo not reloaded")
    console.print(f"数据目录 / data directory: {settings.data_dir.resolve()}")
    uvicorn.run(
        create_app(settings, archive),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        access_log=False,  # every request is logged once, by api.middleware.RequestLog
    )
    archive.close()


@app.command()
def demo(
    loans: Annotated[int, typer.Option(min=1, help="number of loans")] = 200,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same portfolio)")] = 20260701,
) -> None:
    """Build a realistic demo portfolio in an empty data directory."""
    settings = read_settings()
    if settings.environment != "development":
        console.print("[red]演示数据只能在开发环境载入 / the demo is for development only[/red]")
        raise typer.Exit(2)
    archive = open_archive(settings)
    try:
        if not _is_empty(archive):
            console.print(
                "[red]数据目录非空，拒绝载入演示数据 / the data directory is not empty[/red]: "
                f"{settings.data_dir.resolve()}"
            )
            raise typer.Exit(1)
        _load_demo(archive, settings, loans, seed)
    finally:
        archive.close()


def _role(value: str) -> Role:
    try:
        role: Role = Role.parse(value, "role")
    except DomainError as exc:
        raise typer.BadParameter(exc.en) from None
    return role


@staff_app.command("add")
def staff_add(
    staff_no: Annotated[str, typer.Option("--no", help="staff number (工号)")],
    name: Annotated[str, typer.Option(help="name (姓名)")],
    branch: Annotated[str, typer.Option(help="branch (机构)")],
    role: Annotated[list[str] | None, typer.Option(help="role to grant; repeatable")] = None,
) -> None:
    """Enrol a person; prints their token once."""
    roles = [_role(r) for r in role or []]
    archive = open_archive()
    try:
        _result, token = archive.enrol_staff(
            CONSOLE, staff_no=staff_no, name=name, branch=branch, roles=roles
        )
    except DomainError as exc:
        raise refuse(exc) from None
    finally:
        archive.close()
    console.print(f"已登记 / enrolled {staff_no} ({', '.join(r.value for r in roles) or '-'})")
    if token:
        console.print("令牌仅显示一次 / token (shown once):")
        typer.echo(token.token)


@staff_app.command("grant")
def staff_grant(
    staff_no: Annotated[str, typer.Argument(help="staff number")],
    role: Annotated[str, typer.Argument(help="role")],
) -> None:
    """Grant a role."""
    archive = open_archive()
    try:
        archive.grant_role(CONSOLE, staff_no=staff_no, role=_role(role))
    except DomainError as exc:
        raise refuse(exc) from None
    finally:
        archive.close()
    console.print(f"已授予 / granted {role} to {staff_no}")


@staff_app.command("revoke")
def staff_revoke(
    staff_no: Annotated[str, typer.Argument(help="staff number")],
    role: Annotated[str, typer.Argument(help="role")],
    reason: Annotated[str, typer.Option(help="why (原因)")],
) -> None:
    """Revoke a role."""
    archive = open_archive()
    try:
        archive.revoke_role(CONSOLE, staff_no=staff_no, role=_role(role), reason=reason)
    except DomainError as exc:
        raise refuse(exc) from None
    finally:
        archive.close()
    console.print(f"已撤销 / revoked {role} from {staff_no}")


@staff_app.command("token")
def staff_token(staff_no: Annotated[str, typer.Argument(help="staff number")]) -> None:
    """Issue a new token; prints it once."""
    archive = open_archive()
    try:
        _result, token = archive.issue_token(CONSOLE, staff_no=staff_no)
    except DomainError as exc:
        raise refuse(exc) from None
    finally:
        archive.close()
    typer.echo(token.token)


@staff_app.command("list")
def staff_list() -> None:
    """Everyone enrolled and the roles they hold now."""
    archive = open_archive()
    try:
        people = archive.list_staff(CONSOLE)
    finally:
        archive.close()
    table = Table(title="人员 / staff")
    for column in ("工号", "姓名", "机构", "岗位 roles"):
        table.add_column(column)
    for person in people:
        roles = ", ".join(sorted(r.value for r in person.current_roles))
        table.add_row(person.staff_no, person.name, person.branch, roles)
    console.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
