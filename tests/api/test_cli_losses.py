"""``dossier postloan loss record|amend|close`` and ``dossier postloan guanhu coverage``: a loss
reviewed (三个不放过) and the year's target records counted by unit, at the console.

A loan downgraded to 可疑 (a loss) is reviewed by the risk manager — the cause and the account
manager responsible, then the measures and their owner — and closed by the branch head; closing
it before all three are recorded is refused in both languages (exit 1), nothing recorded. The
coverage lists the loan still without its target record for 2025.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.core import CommandContext
from domain.values import Grade
from tests import steps
from tests.factories import make_disbursement

runner = CliRunner()
LOAN = "JJ-CLI-LOSS-1"


def cli(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def enrol(staff_no: str, name: str, role: str) -> str:
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", "营业部", "--role", role],
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


def events() -> int:
    archive = open_archive(read_settings())
    try:
        return archive.recorder.max_notification_id() or 0
    finally:
        archive.close()


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    """The account manager's loan, downgraded to 可疑 as of 1 October 2025 by the risk manager."""
    found = {
        "am": enrol("AM01", "张伟", "account_manager"),
        "risk": enrol("RM01", "陈静", "risk_manager"),
        "head": enrol("BH01", "赵刚", "branch_head"),
    }
    archive = open_archive(read_settings())
    try:
        am = CommandContext(archive.authenticate(found["am"]))
        risk = CommandContext(archive.authenticate(found["risk"]))
        archive.execute(am, make_disbursement(LOAN))
        proposed = steps.propose(
            archive, am, LOAN, Grade.DOUBTFUL, date(2025, 10, 1), "担保人失联", "doubtful"
        )
        steps.approve(archive, risk, LOAN, proposed)
    finally:
        archive.close()
    return found


def test_a_loss_reviewed_and_closed_and_the_coverage_at_the_console(
    tokens: dict[str, str],
) -> None:
    """Rows 004-20, 004-09 at the console."""
    recorded = cli(
        "loss", "record", LOAN, "--loss", "downgrade", "--loss-on", "2025-10-01",
        "--on", "2025-10-08", "--cause", "下游客户破产", "--responsible", "AM01",
        token=tokens["risk"],
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    found = re.search(r"review_id: (\S+)", recorded.output)
    assert found, recorded.output
    review = found.group(1)
    before = events()
    early = cli(
        "loss", "close", LOAN, review, "--on", "2025-10-20", "--opinion", "办结",
        token=tokens["head"],
    )  # fmt: skip
    assert early.exit_code == 1, early.output
    assert "不能办结" in early.output
    assert "measures" in early.output
    assert events() == before
    amended = cli(
        "loss", "amend", LOAN, review, "--on", "2025-10-10", "--measures", "起诉保证人",
        "--measures-owner", "AM01", token=tokens["risk"],
    )  # fmt: skip
    assert amended.exit_code == 0, amended.output
    closed = cli(
        "loss", "close", LOAN, review, "--on", "2025-10-20", "--opinion", "三个不放过已落实",
        token=tokens["head"],
    )  # fmt: skip
    assert closed.exit_code == 0, closed.output

    shown = cli("guanhu", "coverage", "--year", "2025", "--json", token=tokens["head"])
    assert shown.exit_code == 0, shown.output
    coverage = json.loads(shown.output)
    assert (coverage["loans"], coverage["signed"]) == (1, 0)
    assert coverage["data"][0]["missing"] == [LOAN]
