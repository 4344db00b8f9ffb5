"""``dossier import``: what other systems hand the archive in bulk, with the caller's token.

``dossier import documents MANIFEST`` files the scanned documents of a digitisation
(数字化加工) that a CSV manifest lists, each through the same command as a supplement filed over
the API (``archive.documents.manifest``); a line refused is reported, the others are filed,
and a document already in its dossier is skipped. One command per kind of import, each its own
function below ``import_app``; what the kinds share (the report) is at the top.
"""

from __future__ import annotations

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
from archive.feed.problems import FeedProblem, report_csv, report_json

import_app = typer.Typer(
    help="批量导入 / Bulk imports: documents from digitisation (数字化加工).",
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
