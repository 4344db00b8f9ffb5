"""``dossier seal`` and ``dossier signing-key``: the Merkle log at the server console.

``seal`` extends the Merkle log to the newest event and signs a checkpoint now; ``seal
--follow`` keeps doing so in its own process (the production topology, where ``dossier serve``
runs with ``DOSSIER_IN_PROCESS_SEALER=false``) until SIGTERM or Ctrl-C, and seals once more
before it exits. ``signing-key public`` prints the public half of the signing key, to publish
where auditors will find it. ``signing-key rotate`` makes (or takes) a new key and records the
rotation statement the old key signs and the new one cosigns; ``signing-key revoke`` records a
revocation signed by the current key (``storage.statements``): ``dossier verify`` and the
offline verifier follow the chain from the published keys. Only hashes, signatures and keys are
shown — never the private key, never business data.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from api.cli.common import fail, open_archive, progress_bar, read_settings
from api.composition import Integrity, build_integrity, signing_key
from api.settings import Settings
from archive.application import DossierArchive
from archive.verification import ANCHOR_LOCAL
from domain.errors import InvalidInputError
from domain.text import describe, forbidden_character
from domain.values import require_text
from storage.checkpoints import Checkpoint, verifier_key
from storage.sealing import SealError
from storage.signing import Signer, SigningKeyError, write_signing_key_file
from storage.statements import KEY_KINDS, KeyTrust, revocation, rotation
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


def key_trust(integrity: Integrity) -> KeyTrust:
    """The keys believed now: the trusted ones and the chain of key statements from them."""
    return KeyTrust(
        integrity.trusted,
        integrity.store.statements(KEY_KINDS),
        backwards=integrity.anchor == ANCHOR_LOCAL,
    )


def _require_believed(integrity: Integrity, what: str) -> None:
    """Refuse unless the current signing key is believed and has not ended."""
    key_id = integrity.signer.key_id
    standing = key_trust(integrity).standing(key_id)
    if standing is None:
        raise fail(
            f"[red]当前签名密钥 {key_id} 不受信任，不能{what} / the current signing key "
            f"{key_id} is not trusted[/red] (DOSSIER_TRUSTED_KEYS, or a rotation from a trusted "
            "key): a statement it signed would not be believed",
            1,
            to=console,
        )
    if standing.until is not None:
        raise fail(
            f"[red]当前签名密钥 {key_id} 已停用 / the current signing key {key_id} was rotated "
            f"away or revoked[/red] ({standing.ended_by}): sign with its successor",
            1,
            to=console,
        )


def _latest_size(archive: DossierArchive, integrity: Integrity) -> int:
    """Seal what is unsealed with the current key, so that the statement follows its last
    checkpoint; answer the tree size of that checkpoint."""
    try:
        _catch_up(archive, integrity)
        integrity.sealer.seal()
    except (SealError, WitnessError) as exc:
        raise _integrity_failure(exc) from None
    latest = integrity.store.latest_checkpoint()
    return 0 if latest is None else latest.tree_size


@signing_key_app.command("rotate")
def rotate(
    new_key_file: Annotated[
        Path | None,
        typer.Option(
            "--new-key-file",
            help="where the new key is (if the file exists: its key, e.g. made with openssl) "
            "or is to be generated (mode 0600); in development without it, the generated key "
            "file is replaced and the old one kept beside it as <file>.<key id>.retired",
        ),
    ] = None,
) -> None:
    """Make the next signing key: a rotation statement signed by the current key introduces it."""
    settings = read_settings()
    generated_file = settings.generated_signing_key_file
    in_place = new_key_file is None
    if in_place and (settings.signing_key is not None or settings.signing_key_file is not None):
        raise fail(
            "[red]需要 --new-key-file / --new-key-file is required[/red]: the signing key is "
            "configured (DOSSIER_SIGNING_KEY or DOSSIER_SIGNING_KEY_FILE); give where the new "
            "key goes, then point DOSSIER_SIGNING_KEY_FILE at it",
            to=console,
        )
    with _integrity(settings) as (archive, integrity):
        old = integrity.signer
        _require_believed(integrity, "轮换")
        try:
            if new_key_file is not None and new_key_file.exists():
                new = Signer.from_file(new_key_file)
            else:
                new = Signer.generate()
        except SigningKeyError as exc:
            raise _key_problem(exc) from None
        if new.key_id == old.key_id:
            raise fail(
                "[red]新密钥与当前密钥相同 / the new key is the current key[/red]", to=console
            )
        size = _latest_size(archive, integrity)
        statement = rotation(
            old, new, origin=integrity.sealer.origin, tree_size=size, moment=archive.clock()
        )
        try:
            if in_place:
                retired = generated_file.with_name(f"{generated_file.name}.{old.key_id}.retired")
                write_signing_key_file(retired, old)
                generated_file.unlink()
                write_signing_key_file(generated_file, new)
            elif new_key_file is not None and not new_key_file.exists():
                write_signing_key_file(new_key_file, new)
        except OSError as exc:
            raise fail(f"[red]无法写入新密钥 / cannot write the new key:[/red] {exc}") from None
        recorded = integrity.store.add_statement(statement, archive.clock())
    console.print(
        f"已轮换 / rotated: key {old.key_id} → {new.key_id} after tree size {size} "
        f"({recorded.describe()}); the old key signs nothing more"
    )
    if not in_place:
        console.print(
            f"将 DOSSIER_SIGNING_KEY_FILE 指向 {new_key_file} 并重启封存程序 / point "
            f"DOSSIER_SIGNING_KEY_FILE at {new_key_file} and restart the sealer now"
        )
    typer.echo(verifier_key(settings.integrity_origin, new.public_key))


_KEY_ID = re.compile(r"[0-9a-f]{16}")


@signing_key_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="the key id (16 hex digits) to revoke")],
    reason: Annotated[str, typer.Option("--reason", help="why (compromised, lost, retired…)")],
) -> None:
    """Record a revocation, signed by the current key: the key signs nothing after it."""
    key_id = key_id.strip().lower()
    if not _KEY_ID.fullmatch(key_id):
        raise InvalidInputError(
            "密钥编号须为 16 位十六进制数字", "a key id is 16 hexadecimal digits", field="key_id"
        )
    reason = require_text(reason, "reason", max_length=1000)
    bad = forbidden_character(reason, multiline=True)
    if bad is not None:
        raise InvalidInputError(
            f"reason 含有不允许的字符 {describe(bad[1])}",
            f"reason holds the character {describe(bad[1])}, which is not allowed",
            field="reason",
        )
    settings = read_settings()
    with _integrity(settings) as (archive, integrity):
        _require_believed(integrity, "吊销")
        trust = key_trust(integrity)
        standing = trust.standing(key_id)
        known = {k.key_id: k.public_key for k in integrity.store.public_keys()}
        public = standing.key if standing is not None else known.get(key_id)
        if key_id == integrity.signer.key_id:
            console.print(
                "[yellow]正在吊销当前签名密钥 / revoking the current signing key[/yellow]: it "
                "signs no checkpoint after this; rotate to a new key first if one is needed"
            )
        size = (
            _latest_size(archive, integrity)
            if key_id != integrity.signer.key_id
            else (
                0 if (latest := integrity.store.latest_checkpoint()) is None else latest.tree_size
            )
        )
        statement = revocation(
            integrity.signer,
            key_id,
            public,
            reason=reason,
            origin=integrity.sealer.origin,
            tree_size=size,
            moment=archive.clock(),
        )
        recorded = integrity.store.add_statement(statement, archive.clock())
    console.print(
        f"已吊销 / revoked key {key_id} after tree size {size} ({recorded.describe()}, signed "
        f"by key {integrity.signer.key_id})"
    )
