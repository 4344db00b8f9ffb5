"""`dossier follow`, killed with SIGKILL in the middle of its batches again and again, and
restarted, leaves registers equal to a clean rebuild: nothing counted twice, nothing missed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from api.cli.common import open_archive, read_settings
from api.composition import build_registers
from demo.portfolio import build_portfolio
from projections.query import select_all

KILLS = 4


def _follower() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "follow", "--batch-size", "2", "--interval", "0.1"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _snapshot(registers: Any) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {
        name: {
            spec.name: select_all(registers.service.store, projection, spec.name, with_history=True)
            for spec in projection.tables
        }
        for name, projection in registers.follower.projections.items()
    }


def _wait(predicate: Any, timeout: float, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            _, stderr = process.communicate()
            raise AssertionError(f"timed out waiting for {what}: {stderr.decode()[-3000:]}")
        time.sleep(0.02)


def test_a_follower_killed_mid_batch_and_restarted_equals_a_clean_rebuild(data_dir: Path) -> None:
    settings = read_settings()
    archive = open_archive(settings)
    try:
        build_portfolio(archive, loans=12)
        head = archive.recorder.max_notification_id() or 0
        registers = build_registers(settings, archive)  # creates the empty registers, not started
        try:
            positions = registers.service.positions
            chance = random.Random(20261122)
            killed_between: list[tuple[int, int]] = []
            for _ in range(KILLS):
                before = min(positions().values())
                process = _follower()
                _wait(
                    lambda b=before: min(positions().values()) > b,
                    60,
                    f"the follower to start (after kills {killed_between})",
                    process,
                )
                time.sleep(chance.uniform(0.0, 0.1))
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                killed_between.append((before, min(positions().values())))
            assert all(after < head for _, after in killed_between), (
                f"every kill must land before the end of the log ({head}): {killed_between}"
            )
            process = _follower()
            try:
                _wait(
                    lambda: min(positions().values()) >= head,
                    # Batches of two events through eleven registers: minutes on a busy runner.
                    360,
                    "the follower to catch up",
                    process,
                )
            finally:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            followed = _snapshot(registers)
            registers.follower.rebuild(list(registers.follower.projections))
            rebuilt = _snapshot(registers)
            for name, tables in followed.items():
                for table, rows in tables.items():
                    assert rows == rebuilt[name][table], f"{name}.{table} differs from a rebuild"
            assert any(rows for tables in followed.values() for rows in tables.values())
        finally:
            registers.close()
    finally:
        archive.close()
