"""``dossier rebuild`` and ``dossier follow``: the registers' maintenance at the server console.

Neither shows business data: ``rebuild`` prints counts and rates (and, for a register that
stopped at an event it cannot apply, the position, the event's class and the error, exiting 1),
``follow`` feeds the registers in its own process (the production topology, where
``dossier serve`` runs with ``DOSSIER_IN_PROCESS_FOLLOWER=false``).
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli.common import open_archive, read_settings
from api.composition import build_registers
from projections.errors import register_failed

console = Console(stderr=True)


def rebuild(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="registers to rebuild (default: all)", show_default=False),
    ] = None,
) -> None:
    """Rebuild registers from the first event, beside the live copies, then swap them in."""
    settings = read_settings()
    archive = open_archive(settings)
    try:
        registers = build_registers(settings, archive)
        try:
            known = list(registers.follower.projections)
            chosen = names or known
            unknown = [n for n in chosen if n not in known]
            if unknown:
                console.print(
                    f"[red]没有这些登记簿 / no such registers:[/red] {', '.join(unknown)}\n"
                    f"可用 / available: {', '.join(known)}"
                )
                raise typer.Exit(2)
            head = archive.recorder.max_notification_id() or 0
            started = time.monotonic()
            applied = _run_with_progress(registers.follower.rebuild, chosen, head)
            elapsed = max(time.monotonic() - started, 1e-9)
            console.print(
                f"已重建 / rebuilt {', '.join(chosen)}: {applied} 个事件 / events in "
                f"{elapsed:.1f} s ({applied / elapsed:,.0f} events/s), position {head}"
            )
            failed = {n: f for n, f in registers.follower.failures().items() if n in chosen}
            for name, failure in failed.items():
                stopped = register_failed(name, failure)
                console.print(f"[red]{stopped.zh}[/red]\n{stopped.en}\n{failure.error}")
            if failed:
                raise typer.Exit(1)
        finally:
            registers.close()
    finally:
        archive.close()


def _run_with_progress(run: Any, chosen: list[str], head: int) -> int:
    state = {"applied": 0, "started": time.monotonic()}

    def rate(_task: Any) -> str:
        elapsed = max(time.monotonic() - state["started"], 1e-9)
        return f"{state['applied'] / elapsed:,.0f} events/s"

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("重建登记簿 / rebuilding", total=max(head, 1), rate="")

        def advance(applied: int, position: int) -> None:
            state["applied"] = applied
            progress.update(task, completed=min(position, head), rate=rate(task))

        applied: int = run(chosen, progress=advance)
        progress.update(task, completed=max(head, 1), rate=rate(task))
    return applied


def follow(
    interval: Annotated[
        float, typer.Option(min=0.05, help="seconds between polls when idle")
    ] = 0.5,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="events per transaction")
    ] = 500,
) -> None:
    """Feed the registers from the log until stopped (SIGTERM or Ctrl-C)."""
    settings = read_settings()
    archive = open_archive(settings)
    stop = threading.Event()
    try:
        registers = build_registers(settings, archive)
        registers.follower.interval = interval
        registers.follower.batch_size = batch_size

        def _stop(_signum: int, _frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        registers.follower.start()
        console.print(
            f"正在更新登记簿 / following the log into the registers: "
            f"{', '.join(registers.follower.projections)}"
        )
        try:
            stop.wait()
        finally:
            registers.follower.stop()
            console.print(f"已停止 / stopped at {registers.service.positions()}")
            registers.close()
    finally:
        archive.close()
