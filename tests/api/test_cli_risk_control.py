"""``dossier postloan notice`` and ``dossier postloan suspension``: a risk notice and a
suspension at the console, with the callers' tokens.

The risk manager publishes a notice on 营业部 (its figures counted from the loan ledger); the
branch's account manager acknowledges it and reports the investigation; the publisher may not
close it, another risk manager does. 营业部 is suspended on the notice, the suspension
supervised and lifted by the other risk manager; ``show`` prints it by names. An account
manager may not suspend (exit 1, both languages, nothing recorded).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


def postloan(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", *args, "--token", token],
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
        "risk2": enrol("RM02", "杨帆", "总行", "risk_manager"),
    }


def ids(result: Result) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)


def test_a_notice_and_a_suspension_at_the_console(tokens: dict[str, str]) -> None:
    """Rows 000-63, 002-92 at the console."""
    published = postloan(
        "notice", "publish",
        "--subject", "branch",
        "--key", "营业部",
        "--title", "营业部资产质量风险提示",
        "--content", "请逐户排查",
        "--figures-on", "2025-06-10",
        "--on", "2025-06-10",
        token=tokens["risk"],
    )  # fmt: skip
    assert published.exit_code == 0, published.output
    notice_id = ids(published)["notice_id"]
    assert ids(published)["notice_no"] == "风险提示〔2025〕第0001号"
    for args in (
        ("ack", notice_id, "--on", "2025-06-11"),
        ("investigate", notice_id, "--on", "2025-06-12", "--findings", "无新增逾期",
         "--measures", "按月跟踪"),
    ):  # fmt: skip
        done = postloan("notice", *args, token=tokens["am"])
        assert done.exit_code == 0, done.output
    own = postloan(
        "notice", "close", notice_id, "--on", "2025-06-13", "--conclusion", "办结",
        token=tokens["risk"],
    )  # fmt: skip
    assert own.exit_code == 1, own.output
    assert "发布人以外" in own.output
    closed = postloan(
        "notice", "close", notice_id, "--on", "2025-06-13", "--conclusion", "办结",
        token=tokens["risk2"],
    )  # fmt: skip
    assert closed.exit_code == 0, closed.output

    refused = postloan(
        "suspension", "suspend",
        "--subject", "branch", "--key", "营业部", "--basis", "notice", "--notice", notice_id,
        "--reason", "提示要求暂停新增", "--figures-on", "2025-06-13", "--on", "2025-06-13",
        token=tokens["am"],
    )  # fmt: skip
    assert refused.exit_code == 1, refused.output
    suspended = postloan(
        "suspension", "suspend",
        "--subject", "branch", "--key", "营业部", "--basis", "notice", "--notice", notice_id,
        "--reason", "提示要求暂停新增", "--figures-on", "2025-06-13", "--on", "2025-06-13",
        token=tokens["risk"],
    )  # fmt: skip
    assert suspended.exit_code == 0, suspended.output
    suspension_id = ids(suspended)["suspension_id"]
    noted = postloan(
        "suspension", "supervise", suspension_id, "--on", "2025-06-20", "--note", "督导清收",
        token=tokens["risk"],
    )  # fmt: skip
    assert noted.exit_code == 0, noted.output
    lifted = postloan(
        "suspension", "lift", suspension_id, "--on", "2025-06-30", "--reason", "提示已办结",
        "--figures-on", "2025-06-30",
        token=tokens["risk2"],
    )  # fmt: skip
    assert lifted.exit_code == 0, lifted.output
    shown = postloan("suspension", "show", suspension_id, token=tokens["risk"])
    assert shown.exit_code == 0, shown.output
    read = json.loads(shown.output)
    assert (read["state"], read["suspended_by"], read["lifted_by"]) == (
        "lifted",
        "陈静（RM01）",
        "杨帆（RM02）",
    )
    assert read["notes"][0]["supervised_by"] == "陈静（RM01）"
