"""``dossier seal`` and ``dossier signing-key public``: the Merkle log at the server console.

``seal`` extends the Merkle log to the newest event and signs a checkpoint now; ``seal
--follow`` keeps doing so in its own process (the production topology, where ``dossier serve``
runs with ``DOSSIER_IN_PROCESS_SEALER=false``) until SIGTERM or Ctrl-C, and seals once more
before it exits. ``signing-key public`` prints the public half of the signing key, to publish
where auditors will find it. Only hashes, signatures and keys are shown — never the private key,
never business data.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

from api.cli.common import fail, open_archive, progress_bar, read_settings
from api.composition import Integrity, build_integrity, signing_key
from api.settings import Settings
from archive.application import DossierArchive
from storage.checkpoints import Checkpoint, verifier_key
from storage.sealing import SealError
from storage.signing import SigningKeyError
from storage.witness import WitnessError

console = Console(stderr=True)
signing_key_app = typer.Typer(
    help="The key that signs checkpoints (检查点签名密钥).", no_args_is_help=True
)


def _key_problem(exc: SigningKeyError) -> typer.Exit:
    return fail(
        f"[red]签名密钥错误 / signing key problem:[/red] {exc}\n"
        "检查 DOSSIER_SIGNING_KEY 或 DOSSIER_SIGNING_KEY_FILE / "
        "check DOSSIER_SIGNING_KEY or DOSSIER_SIGNING_KEY_FILE",
        to=console,
    )


def _announce_generated(integrity_source: str, generated: bool) -> None:
    if generated:
        console.print(
            f"已生成签名密钥 / generated a checkpoint-signing key: {integrity_source} — "
            "development only; publish its public half (`dossier signing-key public`)"
        )


@contextmanager
def _integrity(settings: Settings) -> Iterator[tuple[DossierArchive, Integrity]]:
    """The archive and its integrity store and sealer; clear exits on bad configuration."""
    archive = open_archive(settings)
    try:
        try:
            integrity = build_integrity(settings, archive)
        except SigningKeyError as exc:
            raise _key_problem(exc) from None
        try:
            _announce_generated(integrity.key_source, integrity.generated)
            yield archive, integrity
        finally:
            integrity.close()
    finally:
        archive.close()


def _catch_up(archive: DossierArchive, integrity: Integrity) -> int:
    """Append the leaves of every event not yet in the log, with a progress bar."""
    head = archive.recorder.max_notification_id() or 0
    total = 0
    with progress_bar(console, transient=True) as progress:
        task = progress.add_task("封存 / sealing", total=max(head, 1))
        progress.update(task, completed=integrity.store.size())
        while appended := integrity.sealer.step():
            total += appended
            progress.update(task, completed=min(integrity.store.size(), head))
    return total


def _print_checkpoint(checkpoint: Checkpoint, *, as_json: bool) -> None:
    if as_json:
        typer.echo(checkpoint.to_json_text())
        return
    body = checkpoint.to_json()
    for label, name in (
        ("tree size  树大小", "tree_size"),
        ("root       根哈希", "root_hash"),
        ("key id     密钥编号", "key_id"),
        ("timestamp  时间", "timestamp"),
        ("origin     日志名", "origin"),
        ("signature  签名", "signature"),
    ):
        typer.echo(f"{label}: {body[name]}")
    if "note" in body:
        typer.echo("note       签名注记 (c2sp.org/tlog-checkpoint):")
        typer.echo(body["note"], nl=False)


def _integrity_failure(exc: Exception) -> typer.Exit:
    return fail(
        f"[red]封存失败 / sealing failed:[/red] {exc}\n"
        "若事件日志与检查点不一致，请运行 dossier verify / "
        "if the log disagrees with a checkpoint, run `dossier verify`",
        1,
        to=console,
    )


def seal(
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="keep sealing until SIGTERM or Ctrl-C (every DOSSIER_SEAL_EVERY events or "
            "DOSSIER_SEAL_AFTER_SECONDS seconds); run exactly one beside `serve`",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the checkpoint as docs/integrity.md JSON")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.05, help="with --follow: seconds between polls when idle")
    ] = 0.2,
) -> None:
    """Extend the Merkle log to the newest event and sign a checkpoint now (or keep doing so)."""
    settings = read_settings()
    with _integrity(settings) as (archive, integrity):
        if follow:
            _follow(integrity, interval)
            return
        try:
            appended = _catch_up(archive, integrity)
            made = integrity.sealer.seal()
        except (SealError, WitnessError) as exc:
            raise _integrity_failure(exc) from None
        if made is None and integrity.sealer.cosigners:
            integrity.sealer.cosign_latest()  # ask again the witnesses that were down
        checkpoint = integrity.store.latest_checkpoint()
        if checkpoint is None:
            console.print("日志为空，无可封存 / the log is empty: nothing to seal")
            return
        if made is None:
            console.print(
                "自上次封存以来没有新事件 / no events since the last seal: the latest checkpoint"
            )
        else:
            console.print(f"已封存 / sealed ({appended} 个新事件 / new events)")
        _print_checkpoint(checkpoint, as_json=as_json)
        if integrity.sealer.cosigners:
            console.print(
                f"见证联署 / witness cosignatures: {len(checkpoint.cosignatures)} of "
                f"{len(integrity.sealer.cosigners)} witnesses"
            )


def _follow(integrity: Integrity, interval: float) -> None:
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sealer = integrity.sealer
    sealer.interval = interval
    sealer.start()
    console.print(
        f"正在封存 / sealing the log as {sealer.origin!r}: every {sealer.seal_every} events or "
        f"{sealer.seal_after:g} s, key {integrity.signer.key_id}"
    )
    try:
        stop.wait()
    finally:
        sealer.stop()  # a last catch-up and seal before exiting
        latest = integrity.store.latest_checkpoint()
        size = 0 if latest is None else latest.tree_size
        console.print(f"已停止 / stopped; latest checkpoint: tree size {size}")


@signing_key_app.command("public")
def public(
    pem: Annotated[bool, typer.Option("--pem", help="PEM (for OpenSSL) instead of base64")] = False,
    vkey: Annotated[
        bool,
        typer.Option(
            "--vkey",
            help="the signed-note verifier key <origin>+<key hash>+<base64> (for Go's "
            "note.NewVerifier and other C2SP tools) instead of base64",
        ),
    ] = False,
) -> None:
    """Print the public key that verifies checkpoints, and its key id, to publish."""
    settings = read_settings()
    try:
        signer, source, generated = signing_key(settings)
    except SigningKeyError as exc:
        raise _key_problem(exc) from None
    _announce_generated(source, generated)
    key = signer.public_key
    console.print(f"密钥编号 / key id: {key.key_id}  (来自 / from {source})")
    if pem:
        typer.echo(key.to_pem().rstrip("\n"))
    elif vkey:
        typer.echo(verifier_key(settings.integrity_origin, key))
    else:
        typer.echo(key.to_base64())
