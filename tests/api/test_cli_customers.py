"""``dossier postloan customer …``: the customer file at the console (rows 002-76, 000-33,
002-95).

The branch head names the customer's managing bank; the account manager records its operating
rhythm, three failed calls (失联 after the third) and the new phone verified. A managing bank at
the wrong level is refused in both languages (exit 1), nothing recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.core import CommandContext
from domain.customer import Customer
from tests.factories import make_disbursement

runner = CliRunner()
LOAN = "JJ-CLI-CUS-1"


def customer(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "customer", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def enrol(staff_no: str, name: str, role: str) -> str:
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", "营业部", "--role", role],
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


def stored() -> tuple[int, Customer | None, str]:
    archive = open_archive(read_settings())
    try:
        borrower = archive.loan(LOAN).borrower_id
        found = archive._stored_customer(borrower)
        return archive.recorder.max_notification_id() or 0, found, borrower
    finally:
        archive.close()


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
            make_disbursement(LOAN, branch="营业部"),
        )
    finally:
        archive.close()
    return tokens


def test_the_customer_file_kept_at_the_console(tokens: dict[str, str]) -> None:
    before, _none, borrower = stored()
    wrong = customer(
        "managing-branch", borrower, "--branch", "总行", "--on", "2025-03-10",
        "--reason", "分层经营", token=tokens["head"],
    )  # fmt: skip
    assert wrong.exit_code == 1, wrong.output
    assert "客户管理行" in wrong.output or "数据权限" in wrong.output
    assert stored()[0] == before, "a refusal records nothing"
    named = customer(
        "managing-branch", borrower, "--branch", "营业部", "--on", "2025-03-10",
        "--reason", "小户由支行管理", token=tokens["head"],
    )  # fmt: skip
    assert named.exit_code == 0, named.output
    paced = customer(
        "rhythm", borrower, "--month", "5", "--month", "9", "--from-day", "10", "--to-day", "20",
        "--window", "18:00-20:00", "--note", "出栏前后回访", "--on", "2025-03-15",
        token=tokens["am"],
    )  # fmt: skip
    assert paced.exit_code == 0, paced.output
    for on in ("2025-04-01", "2025-04-05", "2025-04-10"):
        tried = customer(
            "attempt", borrower, "--on", on, "--channel", "phone", "--purpose", "return_visit",
            "--contact", "13800000000", "--not-reached", "--note", "空号", token=tokens["am"],
        )  # fmt: skip
        assert tried.exit_code == 0, tried.output
    _position, found, _id = stored()
    assert found is not None
    assert (found.managing_branch, found.unreachable_since is not None) == ("营业部", True)
    assert found.rhythm is not None
    assert found.rhythm.months == (5, 9)
    verified = customer(
        "verify", borrower, "--on", "2025-04-20", "--learned-on", "2025-04-18",
        "--phone", "13900000000", "--note", "村委会告知新号码，核实为本人", token=tokens["am"],
    )  # fmt: skip
    assert verified.exit_code == 0, verified.output
    _position, found, _id = stored()
    assert found is not None
    assert found.unreachable_since is None
