"""``dossier postloan watch`` and ``dossier postloan maturity``: closer watch and maturity
notices at the console, with the callers' tokens.

The branch head lists the borrower as a key customer and names a third-party servicer; the
account manager sends the maturity notice, and the month's maturities show it issued. The
account manager's own designation is refused in both languages (exit 1), nothing recorded.
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
LOAN = "JJ-CLI-WATCH-1"
VALUE, MATURITY = "2025-03-01", "2025-09-15"


def postloan(*args: str, token: str) -> Result:
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


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    tokens = {
        "am": enrol("AM01", "张伟", "account_manager"),
        "head": enrol("BH01", "赵刚", "branch_head"),
    }
    archive = open_archive(read_settings())
    try:
        archive.execute(
            CommandContext(archive.authenticate(tokens["am"])),
            make_disbursement(LOAN, value_date=VALUE, maturity_date=MATURITY),
        )
    finally:
        archive.close()
    return tokens


def test_closer_watch_and_a_maturity_notice_at_the_console(tokens: dict[str, str]) -> None:
    """Rows 003-87, 003-40, 003-81, 004-18 at the console."""
    refused = postloan(
        "watch", "designate", LOAN, "--on", "2025-04-01", "--reason", "集中度", token=tokens["am"]
    )
    assert refused.exit_code == 1, refused.output
    assert "此操作仅限" in refused.output
    listed = postloan(
        "watch", "designate", LOAN, "--on", "2025-04-01", "--reason", "集中度", token=tokens["head"]
    )
    assert listed.exit_code == 0, listed.output
    assert "已列为重点客户" in listed.output
    served = postloan(
        "watch",
        "third-party",
        LOAN,
        "--servicer",
        "云溪融资服务有限公司",
        "--contact",
        "钱伟",
        "--on",
        "2025-04-01",
        token=tokens["head"],
    )
    assert served.exit_code == 0, served.output
    sent = postloan(
        "maturity",
        "notice",
        LOAN,
        "--on",
        "2025-08-05",
        "--addressee",
        "示例借款人",
        token=tokens["am"],
    )
    assert sent.exit_code == 0, sent.output
    assert "已发出到期通知书" in sent.output
    listing = postloan("maturity", "list", "--month", "2025-09", "--json", token=tokens["am"])
    assert listing.exit_code == 0, listing.output
    answer = json.loads(listing.output)
    assert [(m["loan_no"], m["notice_issued"], m["key_customer"]) for m in answer["data"]] == [
        (LOAN, True, True)
    ]
    assert answer["data"][0]["third_party"] == "云溪融资服务有限公司（钱伟）"
