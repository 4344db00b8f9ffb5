"""``dossier postloan feedback``: a branch's feedback (经办行反馈问题) at the console.

The account manager raises a problem about a rule; the risk manager assigns it to the post-loan
officer, who answers with the measures taken; the account manager closes it. The officer's own
closing is refused in both languages (exit 1), nothing recorded; ``show`` prints where it
stands, people by name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings

runner = CliRunner()


def feedback(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "feedback", *args, "--token", token],
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
    return {
        "am": enrol("AM01", "张伟", "account_manager"),
        "officer": enrol("PL01", "刘洋", "post_loan_officer"),
        "risk": enrol("RM01", "陈静", "risk_manager"),
    }


def test_feedback_is_raised_assigned_answered_and_closed_at_the_console(
    tokens: dict[str, str],
) -> None:
    """Row 000-45 and the rulebook's FBK-01 to FBK-04 rows, at the console."""
    raised = feedback(
        "raise", "--topic", "rule", "--on", "2025-06-02", "--reference", "INS-11",
        "--description", "专项检查时限过短", token=tokens["am"],
    )  # fmt: skip
    assert raised.exit_code == 0, raised.output
    found = re.search(r"feedback_id: (\S+)", raised.output)
    assert found, raised.output
    feedback_id = found.group(1)
    steps = [
        (["assign", feedback_id, "--handler", "PL01", "--on", "2025-06-03"], "risk"),
        (
            ["answer", feedback_id, "--on", "2025-06-04", "--answer", "将评估",
             "--measures", "提交制度修订建议"],
            "officer",
        ),
    ]  # fmt: skip
    for args, who in steps:
        done = feedback(*args, token=tokens[who])
        assert done.exit_code == 0, done.output
    close = ["close", feedback_id, "--on", "2025-06-05", "--opinion", "已解决"]
    before = events()
    wrong = feedback(*close, token=tokens["officer"])
    assert wrong.exit_code == 1
    assert "反馈人本人" in wrong.output
    assert events() == before
    closed = feedback(*close, token=tokens["am"])
    assert closed.exit_code == 0, closed.output
    assert "FeedbackConcluded" in closed.output
    shown = feedback("show", feedback_id, token=tokens["am"])
    assert shown.exit_code == 0, shown.output
    read = json.loads(shown.output)
    assert (read["state"], read["handler"], read["measures"]) == (
        "closed",
        "刘洋（PL01）",
        "提交制度修订建议",
    )
