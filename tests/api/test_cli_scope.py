"""``dossier scope``: data scope at the console, judged as the API judges it.

Staff of two branches are enrolled with ``dossier staff add`` and a loan is booked at 城东支行.
The 城西支行 account manager is refused it (exit 1, in both languages); the console moves them to
城东支行 from a date; the risk manager moves the loan to 城西支行; the auditor asks who could
read the dossier on a day, as a table and as JSON. ``scope show`` tells each what they reach.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.core import CommandContext
from tests.factories import make_disbursement

runner = CliRunner()
LOAN = "DK-CLI-SCOPE-1"
TODAY = datetime.now(UTC).date()


def day(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def dossier(*args: str, token: str | None = None) -> Result:
    return runner.invoke(
        app,
        ["scope", *args, *(["--token", token] if token else [])],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def enrol(staff_no: str, name: str, role: str, branch: str) -> str:
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", branch, "--role", role],
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


@pytest.fixture
def tokens(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    tokens = {
        "east": enrol("0202", "王晓东", "account_manager", "城东支行"),
        "west": enrol("0302", "徐佳怡", "account_manager", "城西支行"),
        "west_head": enrol("0301", "何振华", "branch_head", "城西支行"),
        "risk": enrol("0901", "郭立新", "risk_manager", "总行"),
        "auditor": enrol("0931", "冯志明", "auditor", "总行"),
    }
    archive = open_archive(read_settings())
    try:
        archive.execute(
            CommandContext(archive.authenticate(tokens["east"])),
            make_disbursement(LOAN, branch="城东支行"),
        )
    finally:
        archive.close()
    # The days asked about come after everyone's enrolment, on a clock a month ahead.
    ahead = datetime.now(UTC) + timedelta(days=30)
    monkeypatch.setenv("DOSSIER_CLOCK", ahead.isoformat())
    return tokens


def readers(on: str, token: str) -> set[str]:
    answer = dossier("readers", LOAN, "--on", on, "--json", token=token)
    assert answer.exit_code == 0, answer.output
    return {r["staff_no"] for r in json.loads(answer.output)["data"]}


def test_moves_and_the_readers_of_a_dossier_on_a_day_at_the_console(
    tokens: dict[str, str],
) -> None:
    shown = dossier("show", token=tokens["west"])
    assert shown.exit_code == 0, shown.output
    assert "城西支行" in shown.output
    assert "本人管户贷款" in shown.output

    refused = dossier(
        "move",
        LOAN,
        "--branch",
        "城西支行",
        "--on",
        day(5),
        "--reason",
        "迁址",
        token=tokens["west_head"],
    )
    assert refused.exit_code == 1, refused.output
    assert "数据权限范围" in refused.output
    assert "outside your data scope" in refused.output

    moved = dossier(
        "move",
        LOAN,
        "--branch",
        "城西支行",
        "--on",
        day(10),
        "--reason",
        "迁址",
        token=tokens["risk"],
    )
    assert moved.exit_code == 0, moved.output
    assert "BranchChanged" in moved.output

    before, after = readers(day(5), tokens["auditor"]), readers(day(15), tokens["auditor"])
    assert before == {"0202", "0901", "0931"}
    assert after == {"0202", "0301", "0302", "0901", "0931"}, "0202 still manages it (A岗)"

    transferred = dossier(
        "transfer", "0202", "--branch", "城西支行", "--on", day(20), "--reason", "轮岗"
    )
    assert transferred.exit_code == 0, transferred.output
    table = dossier("readers", LOAN, "--on", day(25), token=tokens["auditor"])
    assert table.exit_code == 0, table.output
    assert "王晓东（0202）" in table.output
    assert "城西支行" in table.output

    assert dossier("readers", LOAN, "--on", day(25), token=tokens["west"]).exit_code == 1
    assert dossier("readers", LOAN, "--on", "25 May", token=tokens["auditor"]).exit_code == 2
    assert dossier("readers", LOAN, "--on", day(25)).exit_code == 2  # no token
