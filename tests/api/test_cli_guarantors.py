"""``dossier postloan guarantor add|reassess``: a guarantee registered and its guarantor
re-assessed at the console; a weakened finding raises GUA-03; a bad ID refused (exit 1),
nothing recorded."""

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
LOAN = "JJ-CLI-GUA-1"


def guarantor(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "guarantor", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


@pytest.fixture
def token(data_dir: Path) -> str:
    enrol = ["staff", "add", "--no", "AM01", "--name", "张伟", "--branch", "营业部"]
    added = runner.invoke(app, [*enrol, "--role", "account_manager"])
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    archive = open_archive(read_settings())
    try:
        archive.execute(CommandContext(archive.authenticate(token)), make_disbursement(LOAN))
    finally:
        archive.close()
    return token


def events() -> int:
    archive = open_archive(read_settings())
    try:
        return archive.recorder.max_notification_id() or 0
    finally:
        archive.close()


def test_a_guarantor_registered_and_reassessed_at_the_console(token: str) -> None:
    """Rows 000-04, 000-10: the account manager registers 王建国's guarantee and finds his
    capacity weakened (GUA-03 raised); a malformed ID card number is refused, nothing
    recorded."""
    body = ["--name", "王建国", "--kind", "person", "--amount", "300000.00"]
    body += ["--contract-no", "BZ-CLI-1", "--on", "2025-03-01"]
    before = events()
    bad = guarantor("add", LOAN, *body, "--id-no", "12345", token=token)
    assert bad.exit_code == 1, bad.output
    assert "身份证" in bad.output
    assert events() == before

    added = guarantor("add", LOAN, *body, "--id-no", "330106197503120011", token=token)
    assert added.exit_code == 0, added.output
    found = re.search(r"guarantee_id: (\S+)", added.output)
    assert found, added.output
    weakened = guarantor(
        "reassess",
        LOAN,
        found.group(1),
        "--on",
        "2025-09-01",
        "--capacity",
        "weakened",
        "--findings",
        "保证人另有贷款逾期",
        token=token,
    )
    assert weakened.exit_code == 0, weakened.output
    archive = open_archive(read_settings())
    try:
        loan = archive.loan(LOAN)
    finally:
        archive.close()
    assert [g.capacity.value for g in loan.guarantees.values()] == ["weakened"]
    assert [w.code for w in loan.warnings.values()] == ["GUA-03"]
