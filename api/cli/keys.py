"""``dossier keys``: the master key that wraps every dossier's data key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.composition import key_store, master_key
from api.settings import Settings
from storage.crypto import CryptoError, MasterKey, load_master_key, write_master_key_file
from storage.envelope import Envelope, rotate_master_key

keys_app = typer.Typer(help="Master key (主密钥) and data keys.", no_args_is_help=True)
console = Console()


@keys_app.command("generate")
def generate(path: Annotated[Path, typer.Argument(help="new key file (created 0600)")]) -> None:
    """Write a new random master key to a file (never overwrites)."""
    try:
        key = MasterKey.generate()
        write_master_key_file(path, key)
    except (CryptoError, OSError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"新主密钥 / new master key {key.key_id} → {path}")


@keys_app.command("rotate")
def rotate(
    new_key_file: Annotated[
        Path | None,
        typer.Option(help="the new master key (from `dossier keys generate`)"),
    ] = None,
) -> None:
    """Re-wrap every data key under a new master key; documents are not touched.

    In the embedded mode without --new-key-file a new key is generated and replaces
    the generated key file once every data key is re-wrapped. Otherwise point the
    service at the new key file afterwards: the old key no longer opens anything.
    """
    settings = Settings()
    try:
        current = master_key(settings)
        keys = key_store(settings)
    except (CryptoError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    try:
        Envelope(keys, current.key).check()
        embedded_swap = new_key_file is None
        if embedded_swap:
            if settings.master_key is not None or settings.master_key_file is not None:
                console.print(
                    "[red]主密钥由配置提供，请用 --new-key-file 指定新密钥 / the master key is "
                    "configured: pass --new-key-file[/red]"
                )
                raise typer.Exit(2)
            new_key_file = settings.generated_master_key_file.with_suffix(".new")
            if not new_key_file.exists():
                write_master_key_file(new_key_file, MasterKey.generate())
        assert new_key_file is not None
        new = load_master_key(file=new_key_file, value=None)
        count = rotate_master_key(keys, current.key, new)
        if embedded_swap:
            os.replace(new_key_file, settings.generated_master_key_file)
    except CryptoError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        keys.close()
    console.print(
        f"已用新主密钥 {new.key_id} 重新封装 {count} 个数据密钥 / re-wrapped {count} data keys "
        f"under {new.key_id} (was {current.key.key_id})"
    )
    if not embedded_swap:
        console.print(f"现在请改用 / now configure DOSSIER_MASTER_KEY_FILE={new_key_file}")
