"""The ``dossier`` command line: ``serve`` and every group, one module per area.

Commands run at the server console act as the console operator (an administrator identity
recorded on every event they cause); business commands (``custody``, ``borrowing``,
``disposition``, and ``archive``, which holds the three as before they had their own groups)
act for the person whose token they are given; business data is otherwise only ever written by
the demo, in the names of its demo staff.
"""

from __future__ import annotations

from typing import Annotated, Any

import structlog
import typer
from typer.core import TyperGroup

from api.cli.borrowing import borrow_app
from api.cli.bundles import bundle, verify_bundle
from api.cli.common import console, fail, open_archive, read_settings
from api.cli.compliance import report
from api.cli.custody import archive_app, custody_app
from api.cli.demo import build_demo, load_demo_on_first_start
from api.cli.disposition import destruction_app
from api.cli.health import health
from api.cli.imports import import_app
from api.cli.integrity import check, gc
from api.cli.keys import keys_app
from api.cli.portfolio import portfolio_app
from api.cli.postloan import postloan_app
from api.cli.registers import follow, rebuild
from api.cli.scope import scope_app
from api.cli.seal import seal, signing_key_app
from api.cli.staff import staff_app
from api.cli.tasks import tasks
from api.cli.verify import verify
from api.cli.witness import witness_app
from api.composition import master_key, signing_key
from api.logs import bind_run, configure_logging
from api.settings import Settings
from domain.errors import InvalidInputError
from storage.crypto import CryptoError
from storage.signing import SigningKeyError


class _Dossier(TyperGroup):
    """The ``dossier`` group: an option value a command refuses as bad input (a reason too
    long, a sub-grade code too long …) is bad usage, exit 2 in both languages, not a trace."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context
        try:
            return super().invoke(ctx)
        except InvalidInputError as exc:
            raise fail(f"[red]{exc.zh}[/red]\n{exc.en}", 2) from None


app = typer.Typer(cls=_Dossier, help="Dossier 贷后档案 — post-loan archive.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
app.add_typer(keys_app, name="keys")
app.add_typer(archive_app, name="archive")
app.add_typer(custody_app, name="custody")
app.add_typer(borrow_app, name="borrowing")
app.add_typer(destruction_app, name="disposition")
app.add_typer(scope_app, name="scope")
app.add_typer(postloan_app, name="postloan")
app.add_typer(portfolio_app, name="portfolio")
app.add_typer(import_app, name="import")
app.command("demo")(build_demo)
app.command("check")(check)
app.command("gc")(gc)
app.command("rebuild")(rebuild)
app.command("follow")(follow)
app.command("health")(health)
app.command("verify")(verify)
app.command("bundle")(bundle)
app.command("verify-bundle")(verify_bundle)
app.command("seal")(seal)
app.command("tasks")(tasks)
app.command("report")(report)
app.add_typer(signing_key_app, name="signing-key")
app.add_typer(witness_app, name="witness")


@app.callback()
def _every_command(context: typer.Context) -> None:
    # Logging is set up before any command runs, at the configured level. Settings that do
    # not parse leave the defaults here: the command itself reports what is wrong with them.
    try:
        settings = Settings()
    except ValueError:
        configure_logging()
    else:
        configure_logging(settings.log_level, json=settings.log_json)
    bind_run(context.invoked_subcommand)
    context.call_on_close(structlog.contextvars.clear_contextvars)


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
        load_demo_on_first_start(archive, settings)
    console.print(f"数据目录 / data directory: {settings.data_dir.resolve()}")
    uvicorn.run(
        create_app(settings, archive),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        log_config=None,  # uvicorn's own lines go through api.logs, as every other line does
        access_log=False,  # every request is logged once, by api.middleware.RequestLog
    )
    archive.close()


def main() -> None:
    app()
