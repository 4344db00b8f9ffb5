"""``dossier demo``: a realistic demo portfolio in an empty data directory (development only).

The portfolio is built by the top-level package ``demo``, which lives beside the production
packages in the repository and is not shipped in the wheel: a development install (``pip install
-e .``) has it, a production image does not. It is imported only when a portfolio is loaded;
without it ``dossier demo`` refuses, and ``dossier serve`` starts on the empty store. In any
environment but development both refuse to load it, as before.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli.common import console, open_archive, progress_bar, read_settings
from api.composition import risk_report_drawer
from api.settings import Settings
from archive.application import DossierArchive
from domain.errors import DomainError

if TYPE_CHECKING:
    from collections.abc import Callable

    from demo.portfolio import DemoSummary

CREDENTIALS_FILE = "demo-credentials.txt"


def _is_empty(archive: DossierArchive) -> bool:
    """Nothing recorded yet but, at most, the adoption of the rules (made at every start)."""
    head = archive.recorder.max_notification_id() or 0
    if head == 0:
        return True
    first = archive.recorder.select_notifications(start=1, limit=2)
    return len(first) == head and all(n.topic.startswith("domain.rules:") for n in first)


SOURCE = Path(__file__).resolve().parents[2]
"""Where ``api`` was imported from: the repository in a development install, where ``demo/``
sits beside it; site-packages in an installed wheel, where it does not."""


def _portfolio_builder() -> Callable[..., DemoSummary] | None:
    """The demo's ``build_portfolio``, or None when the package is not there.

    A development install maps only the shipped packages, so ``demo`` is found beside them in
    the repository and imported from there; a broken demo is an error, not an absence.
    """
    if importlib.util.find_spec("demo") is None:
        if not (SOURCE / "demo" / "portfolio.py").is_file():
            return None
        sys.path.append(str(SOURCE))
    from demo.portfolio import build_portfolio

    return build_portfolio


FED_BY_CORE = (
    "已启用核心系统日终文件导入（DOSSIER_FEED_ENABLED），贷款只能由核心系统报送，演示数据不能手工放款 / "
    "the core-banking feed is enabled (DOSSIER_FEED_ENABLED): loans come from the core system "
    "only, and the demo books its loans by hand"
)

NOT_INSTALLED = (
    "演示数据包未安装（随代码仓库提供，不随安装包发布）/ the demo package is not installed "
    "(it ships with the repository, not with the wheel: use a development install, "
    "`pip install -e .`)"
)


def load_demo_on_first_start(archive: DossierArchive, settings: Settings) -> None:
    """``dossier serve`` in development: the demo portfolio into an empty store, if it can."""
    if not _is_empty(archive):
        console.print("数据已存在，不重复载入演示数据 / existing data kept; demo not reloaded")
    elif settings.feed_enabled:
        console.print(f"{FED_BY_CORE} — 以空库启动 / starting with an empty store")
    elif _portfolio_builder() is None:
        console.print(f"{NOT_INSTALLED} — 以空库启动 / starting with an empty store")
    else:
        _load_demo(archive, settings, settings.demo_loans, settings.demo_seed)


def _load_demo(archive: DossierArchive, settings: Settings, loans: int, seed: int) -> None:
    build_portfolio = _portfolio_builder()
    if build_portfolio is None:
        console.print(f"[red]{NOT_INSTALLED}[/red]")
        raise typer.Exit(2)
    with progress_bar(console) as progress:
        task = progress.add_task("载入演示数据 / loading demo portfolio", total=loans)
        try:
            summary = build_portfolio(
                archive,
                loans=loans,
                seed=seed,
                advance=lambda: progress.advance(task),
                draw_risk_report=risk_report_drawer(settings, archive),
            )
        except DomainError as exc:
            progress.stop()
            console.print(f"[red]{exc.zh}[/red]\n{exc.en}")
            raise typer.Exit(1) from None
    path = settings.data_dir / CREDENTIALS_FILE
    lines = [f"{s.staff_no}\t{s.name}\t{s.role}\t{s.token}\t{s.password}" for s in summary.staff]
    path.write_text(
        "# 演示账号（仅限开发环境）/ demo accounts (development only)\n"
        "# 网页控制台以工号和密码登录，接口与命令行使用令牌 / sign in to the web console with "
        "staff_no and password; the API and the CLI take the bearer token\n"
        "# staff_no\tname\trole\tbearer token\tpassword\n" + "\n".join(lines) + "\n",
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
        f"登录密码与令牌 / passwords and bearer tokens: [bold]{path.resolve()}[/bold] — "
        f"sign in at http://{settings.host}:{settings.port}/ with a staff number and its "
        "password; the API takes `Authorization: Bearer <token>` (/docs)"
    )


def build_demo(
    loans: Annotated[int, typer.Option(min=1, help="number of loans")] = 200,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same portfolio)")] = 20260701,
) -> None:
    """Build a realistic demo portfolio in an empty data directory."""
    settings = read_settings()
    if settings.environment != "development":
        console.print("[red]演示数据只能在开发环境载入 / the demo is for development only[/red]")
        raise typer.Exit(2)
    if settings.feed_enabled:
        console.print(f"[red]{FED_BY_CORE}[/red]")
        raise typer.Exit(2)
    if _portfolio_builder() is None:
        console.print(f"[red]{NOT_INSTALLED}[/red]")
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
