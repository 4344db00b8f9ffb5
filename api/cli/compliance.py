"""``dossier report``: the compliance report (合规检查报告) at the command line.

The registers are brought up to the head of the log first, then the report is built exactly as
``GET /api/v1/reports/compliance`` builds it. Without ``--output`` the summary, the gaps by
type and the overdue work are printed; with it the report is written as PDF, XLSX or JSON,
chosen by ``--format`` or the file's extension. A PDF or XLSX written out is handed out: it
needs ``--purpose`` and is recorded (``IssuedReport``, with the file's SHA-256).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import (
    TokenOption,
    console,
    day_option,
    out_file,
    with_registers,
)
from api.routers.compliance import Asked, as_json, build
from archive.reports.compliance import TITLE_ZH, sections
from domain.authorization import Action
from domain.compliance import ComplianceReport, ReportFormat

FORMATS = ("json", "pdf", "xlsx")


def report(
    on: Annotated[
        date | None, day_option("--on", help="报告日 / the report date (default: today)")
    ] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="one branch (机构)")] = None,
    product: Annotated[str | None, typer.Option("--product", help="one product")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="the record as it stood then (a date or ISO timestamp)"),
    ] = None,
    as_of_position: Annotated[
        int | None,
        typer.Option(
            "--as-of-position", min=0, help="read the registers as they stood at this position"
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            parser=out_file,
            metavar="FILE",
            help="写入此文件（不覆盖）/ write the report here (never overwrites)",
        ),
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", help="pdf, xlsx or json (default: by extension)")
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option("--purpose", help="why it is handed out (needed for PDF and XLSX)"),
    ] = None,
    token: TokenOption = None,
) -> None:
    """Build the compliance report; a PDF or XLSX written out is recorded as issued, with its
    SHA-256."""
    chosen = format or (output.suffix.lstrip(".").lower() if output is not None else "json")
    if chosen not in FORMATS:
        console.print(
            f"[red]格式无效 / unknown format:[/red] {chosen} (可用 / use: {', '.join(FORMATS)})"
        )
        raise typer.Exit(2)
    issuing = output is not None and chosen != "json"
    if issuing and not (purpose or "").strip():
        console.print(
            "[red]签发报告须说明用途 / --purpose is required to issue a PDF or XLSX[/red]"
        )
        raise typer.Exit(2)
    with with_registers(token) as (archive, ctx, registers):
        _actor, data_scope = archive.reading_scope(
            ctx,
            Action.ISSUE_COMPLIANCE_REPORT if issuing else Action.READ_COMPLIANCE_REPORT,
            branch=branch,
        )
        registers.follower.catch_up()
        zone = registers.service.zone.key  # the settings' time zone
        asked = Asked(on, branch, product, as_of_position, as_of)
        found = build(registers.service, archive, asked, data_scope)
        issued = (
            archive.issue_compliance_report(
                ctx, found, format=ReportFormat.parse(chosen, "format"), purpose=purpose or ""
            )
            if issuing
            else None
        )
    if output is None:
        if format == "json":
            typer.echo(json.dumps(as_json(found), ensure_ascii=False, indent=2))
        else:
            _print(found, zone)
        return
    body = (
        issued.body
        if issued is not None
        else json.dumps(as_json(found), ensure_ascii=False, indent=2).encode()
    )
    output.write_bytes(body)
    console.print(
        f"已写入 / written: {output} ({len(body):,} bytes), position {found.position}, "
        f"rules {found.rules_version[:12]}"
    )
    if issued is not None:
        console.print(
            f"已登记签发 / issue recorded: report {issued.report_id}, "
            f"SHA-256 {issued.sha256}, log position {issued.result.position}"
        )


def _print(found: ComplianceReport, zone: str) -> None:
    out = Console()
    for section in sections(found, zone)[:3]:
        table = Table(title=section.heading)
        for header in section.header:
            table.add_column(header)
        for row in section.rows:
            table.add_row(*[v.isoformat() if isinstance(v, date) else str(v) for v in row])
        out.print(table)
    out.print(f"{TITLE_ZH}：完整报告请用 --output report.pdf / report.xlsx")
