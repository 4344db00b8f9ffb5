"""``dossier postloan monitoring``: key customers and their monitoring at the console, with the
callers' tokens.

A loan of 3.5亿元 makes its borrower a key customer (3亿元以上); the branch head designates the
post-loan officer online monitor, who records the month judged 预警; the account manager
verifies and the risk manager confirms. Designating the account manager is refused in both
languages (exit 1), nothing recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.core import CommandContext
from tests.factories import make_disbursement

runner = CliRunner()
LOAN = "JJ-CLI-MON-1"


def monitoring(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "monitoring", *args, "--token", token],
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
        "officer": enrol("PL01", "刘洋", "post_loan_officer"),
        "risk": enrol("RM01", "陈静", "risk_manager"),
        "head": enrol("BH01", "赵刚", "branch_head"),
    }
    archive = open_archive(read_settings())
    try:
        archive.execute(
            CommandContext(archive.authenticate(tokens["am"])),
            make_disbursement(LOAN, value_date="2025-03-01", principal="350000000.00"),
        )
    finally:
        archive.close()
    return tokens


def test_a_key_customer_monitored_and_its_flag_filtered_at_the_console(
    tokens: dict[str, str],
) -> None:
    """Rows 004-17, 004-23, 003-88, 000-54 at the console."""
    wrong = monitoring(
        "designate", "AM01", "--since", "2025-04-01", "--reason", "x", token=tokens["head"]
    )
    assert wrong.exit_code == 1, wrong.output
    assert "贷后管理岗或风险经理" in wrong.output
    made = monitoring(
        "designate", "PL01", "--since", "2025-04-01", "--reason", "专职监测", token=tokens["head"]
    )
    assert made.exit_code == 0, made.output
    listed = monitoring("key-customers", "--on", "2025-04-10", "--json", token=tokens["risk"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)["data"]
    assert [(r["rank"], r["bases"], r["monitored"]) for r in rows] == [(1, ["top", "large"], False)]
    recorded = monitoring(
        "record", "--loan-no", LOAN, "--on", "2025-04-10", "--judgment", "warning",
        "--findings", "资产负债率显著上升", "--figure", "资产负债率=78%", "--signal", "FIN-01",
        token=tokens["officer"],
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    record_id = next(ln.split()[-1] for ln in recorded.output.splitlines() if "record_id" in ln)
    verified = monitoring(
        "verify", record_id, "--on", "2025-04-11", "--substantiated", "--opinion", "属实",
        token=tokens["am"],
    )  # fmt: skip
    assert verified.exit_code == 0, verified.output
    decided = monitoring(
        "decide", record_id, "--on", "2025-04-12", "--confirm", "--reason", "确认预警",
        token=tokens["risk"],
    )  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert "signal_id" in decided.output
    shown = monitoring("key-customers", "--on", "2025-04-12", token=tokens["risk"])
    assert shown.exit_code == 0, shown.output
    assert "预警" in shown.output
    assert "前N大贷款客户" in shown.output
