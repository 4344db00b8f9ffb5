"""``dossier check`` (四性检测) and ``dossier gc``: integrity of the stored documents."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from api.cli.common import TokenOption, caller, open_archive, progress_bar
from api.settings import Settings
from archive.commands.integrity import CheckFixity
from domain.errors import DomainError
from domain.values import FixityStatus

console = Console(stderr=True)


def check(
    loan_no: Annotated[str | None, typer.Option("--loan", help="one loan's dossier only")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    token: TokenOption = None,
) -> None:
    """Re-read, decrypt, hash and re-validate every document; record each check as an event."""
    archive = open_archive(Settings())
    try:
        ctx = caller(archive, token)
        total = 1 if loan_no else sum(1 for _ in archive.dossier_ids())
        with progress_bar(console, disable=as_json) as progress:
            task = progress.add_task("四性检测 / fixity", total=total)

            def advance(_: object) -> None:
                progress.advance(task)

            # The handler itself, told of each dossier checked: the progress bar advances.
            outcomes = archive.check_fixity(ctx, CheckFixity(loan_no=loan_no), progress=advance)
    except DomainError as exc:
        console.print(f"[red]{exc.zh}[/red]\n{exc.en}")
        raise typer.Exit(2) from None
    finally:
        archive.close()
    failures = [(o, r) for o in outcomes for r in o.results if r.failed]
    destroyed = [(o, r) for o in outcomes for r in o.results if r.status is FixityStatus.DESTROYED]
    documents = sum(len(o.results) for o in outcomes)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "passed": not failures,
                    "dossiers": len(outcomes),
                    "documents": documents,
                    "failures": [
                        {"loan_no": o.loan_no, "dossier_id": str(o.dossier_id), **r.as_dict()}
                        for o, r in failures
                    ],
                    "destroyed": [
                        {"loan_no": o.loan_no, "dossier_id": str(o.dossier_id), **r.as_dict()}
                        for o, r in destroyed
                    ],
                    "positions": [o.position for o in outcomes],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for outcome, result in destroyed:
            console.print(
                f"- {outcome.loan_no} {result.doc_type} {result.sha256} "
                f"{result.status.zh}/{result.status.value}: {result.detail}"
            )
        for outcome, result in failures:
            console.print(
                f"[red]✗ {outcome.loan_no} {result.doc_type} {result.sha256} "
                f"{result.status.zh}/{result.status.value}[/red] {result.detail}"
            )
        verdict = "通过 / passed" if not failures else f"未通过 / FAILED ({len(failures)})"
        gone = f" ({len(destroyed)} 份已依法销毁 / lawfully destroyed)" if destroyed else ""
        console.print(f"{len(outcomes)} 卷 / dossiers, {documents} 份 / documents{gone}: {verdict}")
    if failures:
        raise typer.Exit(1)


def gc(
    grace_hours: Annotated[
        float, typer.Option(min=1.0, help="leave blobs younger than this (commands in flight)")
    ] = 24.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only list what would go")] = False,
) -> None:
    """Remove stored blobs that no event cites (left by lost saves); never a cited one."""
    archive = open_archive(Settings())
    try:
        report = archive.sweep(grace=timedelta(hours=grace_hours), dry_run=dry_run)
    finally:
        archive.close()
    verb = "将删除 / would remove" if dry_run else "已删除 / removed"
    for key in report.removed:
        typer.echo(f"{verb} {key}")
    console.print(
        f"{len(report.removed)} {verb}; {len(report.too_recent)} 未过宽限期 / within the grace "
        f"period; {report.cited} 被引用 / cited"
    )
