"""``dossier postloan supervise``: a check of post-loan work at the console, with the callers'
tokens.

The risk manager checks the account manager below the mark; the notice is written to a file;
the account manager reports the rectification, the risk manager accepts it and records the
penalty. A check by the account manager (not a checker's role) is refused in both languages (exit 1), nothing
recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


def supervise(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "supervise", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def enrol(staff_no: str, name: str, branch: str, role: str) -> str:
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", branch, "--role", role],
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    return {
        "am": enrol("AM01", "张伟", "营业部", "account_manager"),
        "risk": enrol("RM01", "陈静", "总行", "risk_manager"),
    }


def test_a_check_below_the_mark_is_followed_to_closure_at_the_console(
    tokens: dict[str, str], tmp_path: Path
) -> None:
    """Rows 004-31, 000-58 at the console."""
    check = [
        "check",
        "--subject", "account_manager",
        "--staff-no", "AM01",
        "--on", "2025-06-10",
        "--from", "2025-01-01",
        "--to", "2025-05-31",
        "--deduct", "routine_inspection=15:常规检查超期",
        "--deduct", "dossier=6:原件未移交",
        "--findings", "限期整改",
    ]  # fmt: skip
    own = supervise(*check, token=tokens["am"])
    assert own.exit_code == 1, own.output
    assert "客户经理" in own.output
    made = supervise(*check, token=tokens["risk"])
    assert made.exit_code == 0, made.output
    check_id = next(line.split()[-1] for line in made.output.splitlines() if "check_id" in line)
    reported = supervise(
        "report", check_id, "--on", "2025-07-01", "--report", "已整改", token=tokens["am"]
    )
    assert reported.exit_code == 0, reported.output
    accepted = supervise(
        "accept", check_id, "--on", "2025-07-02", "--opinion", "同意销号", token=tokens["risk"]
    )
    assert accepted.exit_code == 0, accepted.output
    fined = supervise(
        "penalty", check_id, "--staff-no", "AM01", "--amount", "300", "--reason", "低于80分",
        "--on", "2025-07-02", token=tokens["risk"],
    )  # fmt: skip
    assert fined.exit_code == 0, fined.output
    notice = tmp_path / "notice.pdf"
    shown = supervise("show", check_id, "--notice", str(notice), token=tokens["am"])
    assert shown.exit_code == 0, shown.output
    read = json.loads(shown.output)
    assert (read["score"], read["state"], read["staff_name"]) == (79, "closed", "张伟（AM01）")
    assert [p["amount"] for p in read["penalties"]] == ["300.00"]
    assert notice.read_bytes().startswith(b"%PDF")
