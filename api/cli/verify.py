"""``dossier verify`` (完整性校验): the whole record against its Merkle log, checkpoints and blobs.

Exit status: 0 when everything verifies (the unsealed tail is only a notice), 1 when any
discrepancy was found, 2 when the run could not be made or finished (usage, configuration, a
store that cannot be read, a token that is missing, unknown or not allowed to verify). Every
run that was finished is recorded as an ``IntegrityVerification`` event, a failed one included. The progress bar and errors go to
stderr; the report to stdout, as text or, with ``--json``, as the JSON that
``POST /api/v1/integrity/verifications`` also answers.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from api.cli.common import (
    TokenOption,
    caller,
    fail,
    open_archive,
    progress_bar,
    read_settings,
)
from api.composition import Integrity, build_integrity
from archive.application import DossierArchive
from archive.core import CommandContext
from archive.verification import ANCHOR_CONFIGURED, ANCHOR_LOCAL, ANCHOR_NONE, VerifiedRun
from archive.verification.report import Finding
from domain.authorization import Action
from domain.errors import DomainError
from storage.blobs import BlobStoreError
from storage.checkpoints import CheckpointFormatError
from storage.integrity_store import SealError
from storage.signing import SigningKeyError
from storage.witness import WitnessError

errors = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)  # a discrepancy per line, never wrapped


def verify(
    as_json: Annotated[
        bool, typer.Option("--json", help="print the report as JSON on stdout")
    ] = False,
    no_documents: Annotated[
        bool,
        typer.Option("--no-documents", help="check the log and checkpoints only, not the blobs"),
    ] = False,
    token: TokenOption = None,
) -> None:
    """Recompute every leaf, checkpoint root and document hash; report each discrepancy."""
    settings = read_settings()
    archive = open_archive(settings)
    try:
        ctx = caller(archive, token)
        try:
            archive.actor(ctx, Action.VERIFY_INTEGRITY)  # refuse before the long read
        except DomainError as exc:
            errors.print(f"[red]{escape(exc.zh)}[/red]\n{escape(exc.en)}")
            raise typer.Exit(2) from None
        try:
            integrity = build_integrity(settings, archive)
        except (
            SigningKeyError,
            CheckpointFormatError,
            WitnessError,
            BlobStoreError,
            SealError,
            OSError,
        ) as exc:
            errors.print(f"[red]配置错误 / configuration error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from None
        try:
            run = _run(archive, ctx, integrity, documents=not no_documents, quiet=as_json)
        finally:
            integrity.close()
    finally:
        archive.close()
    if as_json:
        typer.echo(json.dumps(run_json(run), ensure_ascii=False, indent=2))
    else:
        _print(run)
    if not run.report.intact:
        raise typer.Exit(1)


def run_json(run: VerifiedRun) -> dict[str, Any]:
    """The report, with the id and log position of the recorded run."""
    return {
        "run_id": str(run.run_id),
        "position": run.recorded.position,
        **run.report.to_json(),
    }


def _run(
    archive: DossierArchive,
    ctx: CommandContext,
    integrity: Integrity,
    *,
    documents: bool,
    quiet: bool,
) -> VerifiedRun:
    with progress_bar(errors, disable=quiet) as progress:
        task = progress.add_task("完整性校验 / verifying", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            verified = integrity.verify(archive, ctx, documents=documents, progress=advance)
        except DomainError as exc:
            raise fail(f"[red]{escape(exc.zh)}[/red]\n{escape(exc.en)}", to=errors) from None
        except WitnessError as exc:
            problem = f"[red]见证副本错误 / witness problem:[/red] {escape(str(exc))}"
            raise fail(problem, to=errors) from None
        except Exception as exc:
            # A store that cannot be read (down, wrong schema…): no verdict either way, and
            # exit 1 must keep meaning "discrepancies found".
            raise fail(
                "[red]校验未能完成 / the verification could not be completed:[/red] "
                f"{escape(type(exc).__name__)}: {escape(str(exc))}",
                to=errors,
            ) from None
    return verified


_ANCHORS = {
    ANCHOR_CONFIGURED: "anchored to the configured keys / 锚定于配置的可信公钥",
    ANCHOR_LOCAL: (
        "anchored to the local key / 锚定于本机签名密钥 (development: set DOSSIER_TRUSTED_KEYS "
        "to the bank's published keys)"
    ),
    ANCHOR_NONE: "[red]unanchored / 未锚定[/red]: no trusted key configured (DOSSIER_TRUSTED_KEYS)",
}


def _line(finding: Finding, mark: str, colour: str) -> None:
    out.print(f"[{colour}]{mark} {finding.check}[/{colour}] [bold]{escape(finding.where)}[/bold]")
    out.print(f"    {escape(finding.detail)}")
    out.print(f"    {escape(finding.detail_zh)}")


def _print(run: VerifiedRun) -> None:
    report = run.report
    for finding in report.discrepancies:
        _line(finding, "✗", "red")
    hidden = report.discrepancy_count - len(report.discrepancies)
    if hidden:
        out.print(f"[red]… {hidden} more / 另有 {hidden} 处未列出 (--json)[/red]")
    for notice in report.notices:
        _line(notice, "ℹ", "yellow")
    documents = (
        f"{report.documents_checked} documents / 份文档"
        + (
            f" ({report.documents_destroyed} destroyed / 已销毁)"
            if report.documents_destroyed
            else ""
        )
        if report.documents
        else "documents not checked / 未核验文档"
    )
    out.print(
        f"{report.events_checked} events / 个事件, {documents}, "
        f"{report.checkpoints_checked} checkpoint checks / 次检查点核验; "
        f"latest checkpoint / 最新检查点: tree size {report.tree_size} {report.root_hash or '-'}"
    )
    out.print(f"信任锚 / trust anchor: {_ANCHORS.get(report.anchor, escape(report.anchor))}")
    if report.intact:
        out.print("[green]完好 / INTACT[/green]: no discrepancy / 未发现不符")
    else:
        out.print(
            f"[red]发现 {report.discrepancy_count} 处不符 / {report.discrepancy_count} "
            "DISCREPANCIES[/red]"
        )
    out.print(
        f"已记录校验 / recorded as run {run.run_id} at position {run.recorded.position} "
        f"({report.seconds:.1f}s)"
    )
