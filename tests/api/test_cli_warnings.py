"""``dossier postloan warning``: 发布 → 处置 → 反馈 → 认定 → 消除 at the console.

The post-loan officer raises BEH-05 (挪用) by its catalogue code, the risk manager receives its
report and handles it, the officer reports the result, the reviewer determines it, the branch
head clears it; the handler's own clearing is refused in both languages (exit 1), nothing
recorded.
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
LOAN = "JJ-CLI-WRN-1"


def warning(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "warning", *args, "--token", token],
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
        "reviewer": enrol("RV01", "李娜", "reviewer"),
        "risk": enrol("RM01", "陈静", "risk_manager"),
        "head": enrol("BH01", "赵刚", "branch_head"),
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


def test_a_signal_goes_round_the_loop_at_the_console(tokens: dict[str, str]) -> None:
    """Rows 003-91, 002-92 and the rulebook's WRN-51 row, at the console."""
    raised = warning(
        "raise", LOAN, "--code", "BEH-05", "--on", "2025-04-01", "--reason", "资金转入关联企业",
        token=tokens["officer"],
    )  # fmt: skip
    assert raised.exit_code == 0, raised.output
    found = re.search(r"signal_id: (\S+)", raised.output)
    assert found, raised.output
    signal = found.group(1)

    steps = [
        ("report", ["--on", "2025-04-02"], "risk", "WarningReported"),
        ("handle", ["--on", "2025-04-03", "--measures", "限期收回"], "risk", "WarningHandled"),
        ("feedback", ["--on", "2025-04-10", "--result", "资金已回流"], "officer", "Feedback"),
        ("determine", ["--on", "2025-04-12", "--opinion", "属实", "--dismissed"], "reviewer", ""),
    ]
    for verb, args, who, event in steps:
        done = warning(verb, LOAN, signal, *args, token=tokens[who])
        assert done.exit_code == 0, done.output
        assert event in done.output

    before = events()
    by_handler = warning(
        "clear", LOAN, signal, "--on", "2025-04-15", "--reason", "已化解", token=tokens["risk"]
    )
    assert by_handler.exit_code == 1
    assert "处置人" in by_handler.output
    assert "handled" in by_handler.output
    assert events() == before
    cleared = warning(
        "clear", LOAN, signal, "--on", "2025-04-15", "--reason", "已化解", token=tokens["head"]
    )
    assert cleared.exit_code == 0, cleared.output
    assert "WarningCleared" in cleared.output
    archive = open_archive(read_settings())
    try:
        [signal_read] = archive.loan(LOAN).warnings.values()
        assert (signal_read.status, signal_read.confirmed) == ("cleared", False)
    finally:
        archive.close()


def test_a_red_signal_s_emergency_plan_is_started_and_followed_at_the_console(
    tokens: dict[str, str],
) -> None:
    """Row 002-31 and the rulebook's WRN-58/WRN-59 rows, at the console: a red signal's plan
    is started by the risk manager (an account manager's start refused, exit 1, nothing
    recorded), its progress recorded; the loan read holds both."""
    raised = warning(
        "raise", LOAN, "--code", "OPS-02", "--on", "2025-04-01", "--reason", "实际控制人失联",
        token=tokens["officer"],
    )  # fmt: skip
    assert raised.exit_code == 0, raised.output
    found = re.search(r"signal_id: (\S+)", raised.output)
    assert found, raised.output
    signal = found.group(1)
    plan = [
        "plan", LOAN, signal, "--on", "2025-04-01", "--measures", "冻结授信额度，追加抵押",
        "--owner", "AM01", "--due", "2025-04-30",
    ]  # fmt: skip
    before = events()
    refused = warning(*plan, token=tokens["am"])
    assert refused.exit_code == 1
    assert "start_emergency_plan" in refused.output
    assert events() == before
    started = warning(*plan, token=tokens["risk"])
    assert started.exit_code == 0, started.output
    assert "EmergencyPlanStarted" in started.output
    progressed = warning(
        "progress", LOAN, signal, "--on", "2025-04-05", "--progress", "已冻结授信额度",
        token=tokens["officer"],
    )  # fmt: skip
    assert progressed.exit_code == 0, progressed.output
    assert "EmergencyProgressRecorded" in progressed.output
    archive = open_archive(read_settings())
    try:
        [signal_read] = archive.loan(LOAN).warnings.values()
        assert (signal_read.plan_required, signal_read.plan_progress) == (True, 1)
        assert signal_read.plan_started_on is not None
        assert signal_read.plan_owner_id == archive.staff("AM01").id
    finally:
        archive.close()
