"""``dossier bundle`` (审计证据包) and ``dossier verify-bundle``: audit bundles at the console.

``bundle`` seals the log, writes one loan's audit bundle (docs/integrity.md) to a new directory
or ``.zip`` and records that it was issued; it acts for the person whose token it is given
(auditor or compliance). ``verify-bundle`` is ``python -m dossier_verify`` under the ``dossier``
command: it needs no data directory, settings or keys, only the bag.

Exit status, as elsewhere: 0 done (or verified), 1 refused (or the bag failed verification),
2 a usage problem (no token, a destination that exists, not a bag).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.cli.common import TokenOption, caller, open_archive, read_settings
from api.composition import Integrity, build_integrity
from domain.authorization import Action
from domain.errors import DomainError
from storage.checkpoints import Checkpoint, format_timestamp
from storage.sealing import SealError
from storage.signing import SigningKeyError
from storage.witness import WitnessError

console = Console(stderr=True)


def _sealing(integrity: Integrity) -> Checkpoint | None:
    integrity.sealer.catch_up()
    return integrity.sealer.seal()


def bundle(
    loan_no: Annotated[str, typer.Argument(help="借据号 / the loan number")],
    purpose: Annotated[
        str, typer.Option("--purpose", help="用途，记入事件 / why the bundle is made (recorded)")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="a new directory, or a file ending in .zip; never overwritten"),
    ],
    token: TokenOption = None,
) -> None:
    """Write a loan's audit bundle (events, documents, proofs, checkpoint) and record it."""
    if out.exists() or out.is_symlink():
        console.print(f"[red]{out} 已存在，不覆盖 / exists: a bundle never overwrites[/red]")
        raise typer.Exit(2)
    settings = read_settings()
    archive = open_archive(settings)
    try:
        ctx = caller(archive, token)
        try:
            # Refuse before the sealer (and, in development, a signing key) is set up.
            archive.actor(ctx, Action.ISSUE_AUDIT_BUNDLE)
        except DomainError as exc:
            console.print(f"[red]{exc.zh}[/red]\n{exc.en}")
            raise typer.Exit(1) from None
        try:
            integrity = build_integrity(settings, archive)
        except SigningKeyError as exc:
            console.print(f"[red]签名密钥错误 / signing key problem:[/red] {exc}")
            raise typer.Exit(2) from None
        try:
            issued = archive.issue_audit_bundle(
                ctx,
                loan_no,
                purpose=purpose,
                out=out,
                integrity_store=integrity.store,
                seal=lambda: _sealing(integrity),
                signer=integrity.sealer.signer,
            )
        except DomainError as exc:
            console.print(f"[red]{exc.zh}[/red]\n{exc.en}")
            raise typer.Exit(1) from None
        except (SealError, WitnessError) as exc:
            console.print(
                f"[red]封存失败，未签发审计包 / sealing failed, no bundle issued:[/red] {exc}\n"
                "请运行 dossier verify / run `dossier verify`"
            )
            raise typer.Exit(1) from None
        finally:
            integrity.close()
    finally:
        archive.close()
    checkpoint = issued.checkpoint
    what = (
        "档案已销毁，不含文档 / dossier destroyed: no documents"
        if issued.destroyed
        else f"{issued.documents} 份文档 / documents"
    )
    console.print(
        f"已签发审计包 / audit bundle issued: {issued.events} 个事件 / events, {what}\n"
        f"检查点 / checkpoint: tree size {checkpoint.tree_size}, "
        f"{format_timestamp(checkpoint.timestamp)}, key {checkpoint.key_id}\n"
        f"校验 / verify with: python -m dossier_verify {issued.path}"
    )
    typer.echo(f"bundle_id: {issued.bundle_id}")
    typer.echo(f"path: {issued.path}")
    typer.echo(f"tree_size: {checkpoint.tree_size}")
    typer.echo(f"key_id: {checkpoint.key_id}")
    typer.echo(f"tagmanifest_sha256: {issued.tagmanifest_sha256}")
    typer.echo(f"position: {issued.position}")


def verify_bundle(
    bag: Annotated[str, typer.Argument(help="审计包目录或 .zip / the bag's directory or a .zip")],
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="银行公布的检查点公钥，可重复 / the checkpoint key the bank published (repeatable)",
        ),
    ] = None,
    accept_old_format: Annotated[
        bool,
        typer.Option(
            "--accept-old-format",
            help="接受无签名声明的早期格式审计包 / accept a bag of an earlier format (exit 0, not 4)",
        ),
    ] = False,
    require_whole: Annotated[
        bool,
        typer.Option("--require-whole", help="须证明包含全部事件 / fail a bag not shown whole"),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """Verify an audit bundle offline: the same as ``python -m dossier_verify BAG --key KEY``."""
    from dossier_verify.cli import main

    args = [bag, *(f"--key={k}" for k in key or [])]
    args += ["--accept-old-format"] if accept_old_format else []
    args += ["--require-whole"] if require_whole else []
    raise typer.Exit(main([*args, "--json"] if as_json else args))
