"""``dossier postloan partner``: partner institutions at the console (rows 002-97, 000-34).

The risk manager registers a guarantee company and a servicer, suspends and resumes the
company with the reason, the account manager records a communication with the servicer; the
list prints each with its figures and status. The account manager may not register one:
refused in both languages (exit 1), nothing recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


def partner(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "partner", *args, "--token", token],
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
    }


def test_partners_are_registered_suspended_resumed_and_listed_at_the_console(
    tokens: dict[str, str],
) -> None:
    company = [
        "register", "91330100MA2GU0001K",
        "--name", "杭州示例融资担保有限公司",
        "--kind", "guarantee_company",
        "--contact", "钱经理",
        "--from", "2025-01-01",
        "--on", "2025-02-01",
        "--limit", "2000000.00",
    ]  # fmt: skip
    refused = partner(*company, token=tokens["am"])
    assert refused.exit_code == 1, refused.output
    assert "风险经理" in refused.output
    done = partner(*company, token=tokens["risk"])
    assert done.exit_code == 0, done.output
    servicer = [
        "register", "91411500MA40FE0018",
        "--name", "河南示例饲料有限公司",
        "--kind", "servicer",
        "--contact", "孙主管",
        "--from", "2025-01-01",
        "--on", "2025-02-01",
    ]  # fmt: skip
    assert partner(*servicer, token=tokens["risk"]).exit_code == 0
    suspended = partner(
        "suspend", "91330100MA2GU0001K", "--on", "2025-03-01", "--reason", "代偿率超线",
        token=tokens["risk"],
    )  # fmt: skip
    assert suspended.exit_code == 0, suspended.output
    resumed = partner(
        "resume", "91330100MA2GU0001K", "--on", "2025-03-10", "--reason", "已整改",
        token=tokens["risk"],
    )  # fmt: skip
    assert resumed.exit_code == 0, resumed.output
    talked = partner(
        "communicate", "91411500MA40FE0018", "--on", "2025-03-11",
        "--verified", "核实存栏与饲料款结算", token=tokens["am"],
    )  # fmt: skip
    assert talked.exit_code == 0, talked.output
    listed = partner("list", "--on", "2025-03-12", token=tokens["risk"])
    assert listed.exit_code == 0, listed.output
    found = {p["credit_code"]: p for p in json.loads(listed.output)["data"]}
    company_row = found["91330100MA2GU0001K"]
    assert (company_row["status"], company_row["status_reason"]) == ("active", "已整改")
    assert company_row["registered_by_name"] == "陈静（RM01）"
    servicer_row = found["91411500MA40FE0018"]
    assert (servicer_row["last_communicated_on"], servicer_row["communication_due_on"]) == (
        "2025-03-11",
        "2025-04-10",
    )
