"""``dossier postloan classify``: 初分 → 认定 → 审批 at the console, three people with their tokens.

The account manager proposes 关注 for a corporate loan, the reviewer determines it at 关注二级, a
risk manager approves the determined grade; the approval of the proposal before its 认定 is
refused in both languages (exit 1), nothing recorded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.core import CommandContext
from domain.values import Grade
from tests.factories import make_disbursement

runner = CliRunner()
LOAN = "JJ-CLI-CLS-1"


def classify(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "classify", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def enrol(staff_no: str, name: str, role: str) -> str:
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", "营业部", "--role", role],
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    tokens = {
        "am": enrol("AM01", "张伟", "account_manager"),
        "reviewer": enrol("RV01", "李娜", "reviewer"),
        "risk": enrol("RM01", "陈静", "risk_manager"),
    }
    archive = open_archive(read_settings())
    try:
        archive.execute(CommandContext(archive.authenticate(tokens["am"])), make_disbursement(LOAN))
    finally:
        archive.close()
    return tokens


def proposal_of(result: Result) -> str:
    assert result.exit_code == 0, result.output
    found = re.search(r"proposal_id: (\S+)", result.output)
    assert found, result.output
    return found.group(1)


def events() -> int:
    archive = open_archive(read_settings())
    try:
        return archive.recorder.max_notification_id() or 0
    finally:
        archive.close()


def test_three_people_classify_at_the_console(tokens: dict[str, str]) -> None:
    """Rows 000-21, 000-65 and the rulebook's 初分→认定→审批 row, at the console."""
    proposal = proposal_of(
        classify(
            "propose",
            LOAN,
            "--grade",
            "special_mention",
            "--reason",
            "主要客户流失",
            "--as-of",
            "2025-03-01",
            token=tokens["am"],
        )
    )
    before = events()
    early = classify("approve", LOAN, proposal, "--reason", "同意", token=tokens["risk"])
    assert early.exit_code == 1
    assert "尚未认定" in early.output
    assert "determin" in early.output
    assert events() == before

    determined = classify(
        "determine",
        LOAN,
        proposal,
        "--grade",
        "special_mention",
        "--sub-grade",
        "special_mention_2",
        "--reason",
        "认定为关注二级",
        token=tokens["reviewer"],
    )
    assert determined.exit_code == 0, determined.output
    assert "已认定分类" in determined.output
    assert "ClassificationDetermined" in determined.output

    approved = classify("approve", LOAN, proposal, "--reason", "同意", token=tokens["risk"])
    assert approved.exit_code == 0, approved.output
    assert "ClassificationApproved" in approved.output
    archive = open_archive(read_settings())
    try:
        loan = archive.loan(LOAN)
        assert (loan.grade, loan.sub_grade) == (Grade.SPECIAL_MENTION, "special_mention_2")
    finally:
        archive.close()
