"""``dossier witness``: the witness that keeps a copy of every checkpoint (见证副本).

``acknowledge-loss`` records, signed with the archive's checkpoint key, that the witness lost
checkpoints it had acknowledged keeping (emptied, cut short, deleted, or put back from an older
backup): exactly which ones, the witness before and after, the reason, who recorded it and who
approved it. An administrator records it (``--token``) with the approval of a second person, an
auditor or compliance (``--approver-token``); ``dossier verify`` then reports the range as
acknowledged, naming the statement, instead of failing. Nothing is ever acknowledged silently:
every later verification names the statement.

``keygen``, ``vkey`` and ``serve`` are the other kind of witness: an independent one, run by a
second department or a regulator with its own key, that cosigns the checkpoints over C2SP
tlog-witness (``api.cli.witness_serve``).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from api.cli.common import TokenOption, caller, fail, open_archive, read_settings
from api.cli.witness_serve import keygen, serve, vkey
from api.composition import build_integrity
from archive.application import DossierArchive
from archive.core import CommandContext
from domain.authorization import Action
from domain.errors import DomainError, InvalidInputError
from domain.text import describe, forbidden_character
from domain.values import require_text
from storage.checkpoints import CheckpointFormatError
from storage.integrity_store import SealError
from storage.signing import SigningKeyError
from storage.witness import WitnessError
from storage.witness_loss import NothingLostError, acknowledge_witness_loss, witness_loss

console = Console(stderr=True)
witness_app = typer.Typer(
    help="The witness's copies of the checkpoints (检查点见证副本), and an independent witness "
    "that cosigns them (独立见证方, c2sp.org/tlog-witness).",
    no_args_is_help=True,
)
witness_app.command("keygen")(keygen)
witness_app.command("vkey")(vkey)
witness_app.command("serve")(serve)

MAX_REASON = 1000


def _reason(text: str) -> str:
    reason = require_text(text, "reason", max_length=MAX_REASON)
    bad = forbidden_character(reason, multiline=True)
    if bad is not None:
        raise InvalidInputError(
            f"reason 含有不允许的字符 {describe(bad[1])}",
            f"reason holds the character {describe(bad[1])}, which is not allowed",
            field="reason",
        )
    return reason


def _person(archive: DossierArchive, ctx: CommandContext, action: Action) -> dict[str, Any]:
    actor = archive.actor(ctx, action)
    staff = archive.staff_by_id(actor.id)
    return {
        "id": str(actor.id),
        "name": staff.name,
        "staff_no": staff.staff_no,
        "role": actor.role.value,
    }


@witness_app.command("acknowledge-loss")
def acknowledge_loss(
    reason: Annotated[
        str, typer.Option("--reason", help="why the witness lost them (what happened)")
    ],
    approver_token: Annotated[
        str | None,
        typer.Option(
            "--approver-token",
            help="the token of the second person who approves it: an auditor or compliance",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would be acknowledged; record nothing")
    ] = False,
    token: TokenOption = None,
) -> None:
    """Record a signed statement that the witness lost the checkpoints it no longer holds."""
    reason = _reason(reason)
    settings = read_settings()
    archive = open_archive(settings)
    try:
        ctx = caller(archive, token)
        try:
            recorded_by = _person(archive, ctx, Action.ACKNOWLEDGE_WITNESS_LOSS)
            if not approver_token and not dry_run:
                raise fail(
                    "[red]需要第二人批准 / a second person's approval is required:[/red] "
                    "--approver-token (审计或合规 / an auditor or compliance)",
                )
            approved_by = None
            if approver_token:
                approver = caller(archive, approver_token)
                approved_by = _person(archive, approver, Action.APPROVE_WITNESS_LOSS)
                if approved_by["id"] == recorded_by["id"]:
                    raise fail(
                        "[red]批准人须为另一人 / the approver must be another person[/red]", 1
                    )
        except DomainError as exc:
            raise fail(f"[red]{escape(exc.zh)}[/red]\n{escape(exc.en)}", 1) from None
        try:
            integrity = build_integrity(settings, archive)
        except (SigningKeyError, CheckpointFormatError, WitnessError, SealError, OSError) as exc:
            raise fail(f"[red]配置错误 / configuration error:[/red] {escape(str(exc))}") from None
        try:
            loss = witness_loss(integrity.store, integrity.witness)
            if dry_run:
                typer.echo(
                    f"lost / 缺失: tree sizes {', '.join(map(str, loss.sizes)) or '—'}; "
                    f"before {loss.before}; after {loss.after}"
                )
                return
            statement = acknowledge_witness_loss(
                integrity.store,
                integrity.witness,
                integrity.signer,
                origin=integrity.sealer.origin,
                reason=reason,
                recorded_by=recorded_by,
                approved_by=approved_by,
                moment=archive.clock(),
            )
        except NothingLostError as exc:
            raise fail(f"无可确认的缺失 / nothing to acknowledge: {escape(str(exc))}", 1) from None
        except WitnessError as exc:
            raise fail(
                f"[red]见证副本无法读取 / the witness cannot be read:[/red] {escape(str(exc))}\n"
                "先将无法读取的文件移开 / move the unreadable file aside first",
                1,
            ) from None
        finally:
            integrity.close()
    finally:
        archive.close()
    console.print(
        f"已记录签名声明 / recorded {statement.describe()}, signed by key {statement.key_id}: "
        f"lost tree sizes {', '.join(map(str, loss.sizes))}"
    )
    typer.echo(statement.body)
