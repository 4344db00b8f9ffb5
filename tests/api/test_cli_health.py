"""``dossier health registers|sealer``: the follower's and the sealer's healthcheck, read from
the stores they write, 0 when they keep up with the log and 1 when not."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from api.composition import build_registers
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext


def health(part: str) -> tuple[int, dict[str, object]]:
    answer = CliRunner().invoke(app, ["health", part])
    assert answer.exit_code in (0, 1), answer.output
    return answer.exit_code, json.loads(answer.stdout)


def test_health_fails_while_the_log_waits_for_the_follower_and_the_sealer_then_passes(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_READY_MAX_LAG_SECONDS", "0.2")
    monkeypatch.setenv("DOSSIER_READY_MAX_SEAL_LAG_SECONDS", "0.2")
    settings = read_settings()
    archive = open_archive(settings)
    try:
        registers = build_registers(settings, archive)
        try:
            registers.follower.prepare()
            archive.execute(
                CommandContext(SYSTEM_ID),
                EnrolStaff(staff_no="S1", name="测试员", branch="营业部", roles=[]),
            )
            head = archive.recorder.max_notification_id()
            time.sleep(0.3)  # the new events wait past the 0.2 s allowed

            code, found = health("registers")
            assert (code, found["head"]) == (1, head)
            code, found = health("sealer")
            assert (code, found["sealed_position"], found["head"]) == (1, 0, head)

            registers.follower.catch_up()
            assert CliRunner().invoke(app, ["seal"]).exit_code == 0
        finally:
            registers.close()
    finally:
        archive.close()
    assert health("registers") == (
        0,
        {"part": "registers", "ok": True, "head": head, "not_ready": []},
    )
    code, found = health("sealer")
    assert (code, found["sealed_position"]) == (0, head)
