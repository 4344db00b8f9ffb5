"""``dossier postloan info change`` and ``dossier postloan funds record`` at the console.

The account manager records the borrower's new phone, the risk manager a downgrade with the
rating form; a downgrade without the form is refused in both languages (exit 1), nothing
recorded; a use of the funds against the purpose raises BEH-05 in the same act.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.core import CommandContext
from tests.api.conftest import pdf
from tests.factories import make_disbursement

runner = CliRunner()
LOAN = "JJ-CLI-INF-1"


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
        "risk": enrol("RM01", "陈静", "risk_manager"),
    }
    archive = open_archive(read_settings())
    try:
        archive.execute(CommandContext(archive.authenticate(tokens["am"])), make_disbursement(LOAN))
    finally:
        archive.close()
    return tokens


def events() -> int:
    archive = open_archive(read_settings())
    try:
        return archive.recorder.max_notification_id() or 0
    finally:
        archive.close()


def test_information_changes_and_a_use_of_funds_at_the_console(
    tokens: dict[str, str], tmp_path: Path
) -> None:
    """Rows 002-82, 002-18: the information changes and the funds use, at the console."""
    phone = postloan(
        "info", "change", LOAN, "--on", "2025-04-01", "--set", "phone=13800138000",
        "--set", "address=上海市浦东新区世纪大道 1 号", "--reason", "客户来电告知",
        token=tokens["am"],
    )  # fmt: skip
    assert phone.exit_code == 0, phone.output
    assert "BorrowerInformationChanged" in phone.output

    before = events()
    no_form = postloan(
        "info", "change", LOAN, "--on", "2025-04-20", "--set", "rating=BBB",
        "--reason", "年度评级下调", token=tokens["risk"],
    )  # fmt: skip
    assert no_form.exit_code == 1
    assert "信用等级评定表" in no_form.output
    assert "rating form" in no_form.output
    assert events() == before
    form = tmp_path / "rating.pdf"
    form.write_bytes(pdf("借款人信用等级评定表"))
    rated = postloan(
        "info", "change", LOAN, "--on", "2025-04-20", "--set", "rating=BBB",
        "--reason", "年度评级下调", "--file", f"rating_form={form}", token=tokens["risk"],
    )  # fmt: skip
    assert rated.exit_code == 0, rated.output

    misused = postloan(
        "funds", "record", LOAN, "--on", "2025-04-22", "--amount", "200000.00",
        "--payee", "某房地产公司", "--use", "支付购房款", "--payment-method", "self",
        "--against-purpose", token=tokens["am"],
    )  # fmt: skip
    assert misused.exit_code == 0, misused.output
    assert "WarningRaised" in misused.output
    assert "signal_id" in misused.output

    archive = open_archive(read_settings())
    try:
        loan = archive.loan(LOAN)
        assert loan.borrower_rating == "BBB"
        assert loan.borrower_information["phone"] == "13800138000"
        assert [w.code for w in loan.warnings.values()] == ["BEH-05"]
    finally:
        archive.close()
