"""What every ``dossier`` command shares: settings, opening the archive, failing clearly."""

from __future__ import annotations

import typer
from rich.console import Console

from api.composition import build_archive
from api.settings import Settings
from archive.application import DossierArchive
from domain.errors import DomainError
from domain.rules import RulesError
from storage.crypto import CryptoError, MasterKey

console = Console()


def read_settings() -> Settings:
    """The settings, or a clear message and exit 2 when they are wrong."""
    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]配置错误 / configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


def open_archive(
    settings: Settings | None = None, master: MasterKey | None = None
) -> DossierArchive:
    """The application, or a clear message and exit 2 when a key or a store is wrong."""
    try:
        return build_archive(settings or read_settings(), master)
    except CryptoError as exc:
        console.print(f"[red]主密钥错误 / master key problem:[/red] {exc}")
        raise typer.Exit(2) from None
    except RulesError as exc:
        console.print(f"[red]{exc.zh}[/red]\n{exc.en}")
        raise typer.Exit(2) from None


def refuse(exc: DomainError) -> typer.Exit:
    """Print a domain refusal in both languages; the caller raises the returned exit."""
    console.print(f"[red]{exc.zh}[/red]\n{exc.en}")
    return typer.Exit(1)
