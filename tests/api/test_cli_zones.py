"""``dossier postloan zone``: a customer's zone and plan at the console, with the callers' tokens.

The account manager proposes 限制 with its plan; her own approval is refused in both languages
(exit 1), nothing recorded; the branch head approves; the account manager reviews it.
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
from tests.factories import make_disbursement

runner = CliRunner()
LOAN = "JJ-CLI-ZONE-1"


def postloan(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "zone", *args, "--token", token],
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
        "head": enrol("BH01", "赵刚", "branch_head"),
    }
    archive = open_archive(read_settings())
    try:
        archive.execute(CommandContext(archive.authenticate(tokens["am"])), make_disbursement(LOAN))
    finally:
        archive.close()
    return tokens


def test_a_zone_proposed_approved_and_reviewed_at_the_console(tokens: dict[str, str]) -> None:
    """Rows 004-12, 004-14 at the console."""
    proposed = postloan(
        "propose",
        LOAN,
        "--zone",
        "restricted",
        "--on",
        "2025-04-01",
        "--reason",
        "销售收入下滑",
        "--responsible",
        "AM01",
        "--measures",
        "压降授信敞口",
        "--target",
        "一年内压降50%",
        "--deadline",
        "2026-03-31",
        token=tokens["am"],
    )
    assert proposed.exit_code == 0, proposed.output
    assert "已提出区间划分" in proposed.output
    [proposal] = re.findall(r"proposal_id\W+([0-9a-f-]{36})", proposed.output)
    refused = postloan(
        "approve", LOAN, proposal, "--on", "2025-04-02", "--opinion", "同意", token=tokens["am"]
    )
    assert refused.exit_code == 1, refused.output
    assert "此操作仅限" in refused.output
    approved = postloan(
        "approve", LOAN, proposal, "--on", "2025-04-02", "--opinion", "同意", token=tokens["head"]
    )
    assert approved.exit_code == 0, approved.output
    assert "已批准区间划分" in approved.output
    reviewed = postloan(
        "review",
        LOAN,
        "--on",
        "2025-07-01",
        "--progress",
        "已压降20%",
        "--repayment-capacity",
        "还款来源稳定",
        "--operations",
        "经营平稳",
        token=tokens["am"],
    )
    assert reviewed.exit_code == 0, reviewed.output
    assert "已记录区间评估" in reviewed.output
