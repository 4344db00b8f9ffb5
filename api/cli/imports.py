"""``dossier import``: what other systems hand the archive in bulk, with the caller's token.

``dossier import feed PATH...`` applies the core system's day-end batches (核心系统日终文件,
docs/core-feed.md) in business-date order with the integration identity's token: a batch
refused is reported whole and nothing of it recorded (``--partial`` applies the valid lines and
reports the rest); a batch already applied records nothing; an import stopped part-way resumes.

``dossier import documents MANIFEST`` files the scanned documents of a digitisation
(数字化加工) that a CSV manifest lists, each through the same command as a supplement filed over
the API (``archive.documents.manifest``); a line refused is reported, the others are filed,
and a document already in its dossier is skipped. One command per kind of import, each its own
function below ``import_app``; what the kinds share (the report) is at the top.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import ActAs, Token, bad, console, office, out_file, progress_bar
from archive.documents.manifest import (
    ImportOutcome,
    ManifestRefused,
    codec,
    import_documents,
    read_manifest,
)
from archive.feed.importing import CHUNK_LINES, Progress
from archive.feed.importing import ImportOutcome as FeedOutcome
from archive.feed.problems import BatchRefused, FeedProblem, report_csv, report_json
from domain.errors import DomainError

import_app = typer.Typer(
    help="批量导入 / Bulk imports: the core system's day-end batches (核心系统日终文件) and "
    "documents from digitisation (数字化加工).",
    no_args_is_help=True,
)

SHOWN = 20
"""Refused lines printed on the console; the report (``--report``) lists them all."""


# ------------------------------------------------------------------ shared by every import
def report_file(value: str) -> Path:
    """A new ``.csv`` or ``.json`` file for the report of refused lines."""
    path = out_file(value)
    if path.suffix.lower() not in (".csv", ".json"):
        raise bad(
            f"报告文件应为 .csv 或 .json：{value}", f"the report must be a .csv or .json: {value}"
        )
    return path


Report = Annotated[
    Path | None,
    typer.Option(
        "--report",
        parser=report_file,
        metavar="PATH.csv|PATH.json",
        help="被拒绝行的报告（CSV 或 JSON）/ write the refused lines here (CSV or JSON)",
    ),
]


def write_report(path: Path | None, problems: list[FeedProblem]) -> None:
    """The refused lines as CSV or JSON, by the report file's extension."""
    if path is None:
        return
    if path.suffix.lower() == ".json":
        path.write_text(report_json(problems) + "\n", encoding="utf-8")
    else:
        path.write_text(report_csv(problems), encoding="utf-8", newline="")
    console.print(f"报告 / report: {escape(str(path))}")


def show_refused(problems: list[FeedProblem]) -> None:
    for problem in problems[:SHOWN]:
        console.print(f"[red]拒绝 / refused[/red] {escape(str(problem))}")
    if len(problems) > SHOWN:
        console.print(f"… 另有 {len(problems) - SHOWN} 行 / {len(problems) - SHOWN} more lines")


# ------------------------------------------------------------------ documents
def encoding_option(value: str) -> str:
    try:
        codec(value)
    except ValueError:
        raise bad(
            f"编码应为 UTF-8 或 GB18030，收到 {value!r}",
            f"the encoding must be UTF-8 or GB18030, got {value!r}",
        ) from None
    return value


@import_app.command("documents")
def documents(
    manifest: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="MANIFEST",
            help="清单 CSV：file, loan_no, doc_type, stage, pages [, filename | title] "
            "/ the manifest CSV",
        ),
    ],
    encoding: Annotated[
        str,
        typer.Option(
            parser=encoding_option,
            metavar="UTF-8|GB18030",
            help="清单编码 / the manifest's encoding",
        ),
    ] = "UTF-8",
    report: Report = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """扫描件批量归档 / File the scanned documents a digitisation manifest lists.

    Each line goes through the same checks, encryption and command as a supplement filed over
    the API; refused lines are reported and the rest filed; documents already in the dossier
    are skipped, so running a manifest again files nothing new. Exits 1 if any line is refused.
    """
    try:
        lines = read_manifest(manifest, encoding)
    except ManifestRefused as refused:
        show_refused(list(refused.problems))
        write_report(report, list(refused.problems))
        raise typer.Exit(1) from None
    with office(token, role) as (archive, ctx), progress_bar(console, transient=True) as bar:
        task = bar.add_task("扫描件归档 / filing documents", total=len(lines))
        outcome = import_documents(archive, ctx, manifest, lines, each=lambda: bar.advance(task))
    summarise(outcome)
    show_refused(outcome.refused)
    write_report(report, outcome.refused)
    if outcome.refused:
        raise typer.Exit(1)


def summarise(outcome: ImportOutcome) -> None:
    table = Table(title=f"导入结果 / import summary — {outcome.lines} 行 / lines")
    table.add_column("结果 / outcome")
    table.add_column("行数 / lines", justify="right")
    table.add_row("[green]已归档 / filed[/green]", str(len(outcome.filed)))
    table.add_row("已存在，跳过 / skipped (already filed)", str(len(outcome.skipped)))
    table.add_row("[red]拒绝 / refused[/red]", str(len(outcome.refused)))
    console.print(table)


# ------------------------------------------------------------------ the core feed
@import_app.command("feed")
def feed(
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            metavar="PATH...",
            help="批次目录或 zip（可多个，按业务日期顺序导入）/ batch folders or zips, applied in "
            "business-date order",
        ),
    ],
    partial: Annotated[
        bool,
        typer.Option(
            "--partial",
            help="导入有效行，报告被拒绝的行 / apply the valid lines and report the refused ones",
        ),
    ] = False,
    chunk_lines: Annotated[
        int,
        typer.Option(
            min=1,
            max=100_000,
            help="每次保存的行数（续传须与首次相同）/ lines saved at once (a resumed import "
            "must use the size it started with)",
        ),
    ] = CHUNK_LINES,
    report: Report = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """核心系统日终文件导入 / Import the core system's day-end batches.

    Each batch is checked against its control file and line by line before anything is
    recorded; a refused batch is reported (file, line, column, reason) and nothing of it is
    recorded. Batches apply in business-date order; one already applied records nothing; an
    import stopped at any moment resumes where it stopped. Exits 1 if a batch or a line was
    refused.
    """
    outcomes: list[FeedOutcome] = []
    with office(token, role) as (archive, ctx), progress_bar(console, transient=True) as bar:
        task = bar.add_task("日终文件 / day-end batches", total=None)

        def advance(p: Progress) -> None:
            bar.update(
                task,
                description=f"{p.business_date} {p.file}",
                completed=p.lines_done,
                total=p.lines_total,
            )

        try:
            outcomes = archive.import_feed(
                ctx, list(paths), partial=partial, progress=advance, chunk_lines=chunk_lines
            )
        except BatchRefused as refused:
            bar.stop()
            problems = list(refused.problems)
            console.print("[red]批次被拒绝，未记录任何内容 / batch refused, nothing recorded[/red]")
            show_refused(problems)
            if refused.more:
                console.print(f"… 另有 {refused.more} 处未列出 / {refused.more} more not listed")
            write_report(report, problems)
            raise typer.Exit(1) from None
        except DomainError:
            bar.stop()
            raise
    show_feed(outcomes)
    problems = [p for o in outcomes for p in o.refused]
    show_refused(problems)
    write_report(report, problems)
    if problems:
        raise typer.Exit(1)


def yuan(amount: str | None) -> str:
    """An amount in 元 as a bank writes it: thousands separated, two places."""
    return "—" if amount is None else f"{Decimal(amount):,.2f}"


STATUS_ZH = {"applied": "已导入", "resumed": "续传完成", "already_applied": "已导入过，未重复记录"}


def show_feed(outcomes: list[FeedOutcome]) -> None:
    """Each batch: what it did, and its reconciliation (对账) per file."""
    table = Table(title="日终文件导入 / day-end batches")
    for column in (
        "业务日期 / date",
        "结果 / outcome",
        "行 / lines",
        "事件 / events",
        "对账 / balanced",
    ):
        table.add_column(column)
    for o in outcomes:
        balanced = (
            "—"
            if o.balanced is None
            else ("[green]平[/green]" if o.balanced else "[red]不平[/red]")
        )
        table.add_row(
            o.business_date.isoformat(),
            f"{STATUS_ZH.get(o.status, o.status)} / {o.status}",
            str(o.lines),
            str(o.events),
            balanced,
        )
    console.print(table)
    for o in outcomes:
        # Each batch's files when a few were imported; of many, those that do not balance.
        if not o.reconciliation or (len(outcomes) > 3 and o.balanced):
            continue
        detail = Table(title=f"对账 / reconciliation {o.business_date}", show_lines=False)
        for column in (
            "文件 / file",
            "控制笔数 / control",
            "档案笔数 / archive",
            "控制金额（元）",
            "档案金额（元）",
        ):
            detail.add_column(column, justify="right")
        for name, row in o.reconciliation.items():
            detail.add_row(
                name,
                row["control_records"],
                row["archive_records"],
                yuan(row.get("control_amount")),
                yuan(row.get("archive_amount")),
            )
        console.print(detail)
