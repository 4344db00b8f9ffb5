"""``dossier tasks``: the work queue at the console, judged as the API judges it.

Staff are enrolled with ``dossier staff add`` and a corporate loan is disbursed on Friday 10
January 2025. On 20 January the account manager's overdue tasks are the contract originals
(due 15 January, three working days after signing); the branch head lists everyone's by owner,
as JSON; an account manager asking for everyone's is refused in both languages (exit 1), no
token exits 2. Without ``--on`` the archive's today, which follows DOSSIER_CLOCK, judges.
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
from projections.rules_state import shipped_rules
from tests.factories import make_disbursement

runner = CliRunner()
LOAN = "JJ-CLI-TASK-1"


def dossier(*args: str, token: str | None = None) -> Result:
    return runner.invoke(
        app,
        ["tasks", *args, *(["--token", token] if token else [])],
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


def test_my_overdue_tasks_and_everyones_by_owner_as_json(
    tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = dossier("--overdue", "--on", "2025-01-20", token=tokens["am"])
    assert table.exit_code == 0, table.output
    assert "合同原件移交" in table.output
    assert LOAN in table.output
    assert "2025-01-15" in table.output
    assert "transfers.originals_working_days = 3" in table.output
    assert "首次跟踪检查" not in table.output  # due 25 January: not overdue yet
    assert shipped_rules().version[:12] in table.output

    listed = dossier(
        "--all", "--owner", "AM01", "--on", "2025-01-26", "--json", token=tokens["head"]
    )
    assert listed.exit_code == 0, listed.output
    body = json.loads(listed.output)
    assert (body["on"], body["rules_version"]) == ("2025-01-26", shipped_rules().version)
    assert [(t["kind"], t["due_on"], t["owner_no"], t["overdue"]) for t in body["data"]] == [
        ("originals_transfer", "2025-01-15", "AM01", True),
        ("first_inspection", "2025-01-25", "AM01", True),
        # The bank's only borrower is among its top 50 (MON-02): inspected on site each quarter.
        ("top_customer_on_site", "2025-04-10", "AM01", False),
    ]

    refused = dossier("--all", token=tokens["am"])
    assert refused.exit_code == 1, refused.output
    assert "read_all_tasks" in refused.output
    assert "此操作仅限" in refused.output
    assert dossier("--on", "2025-01-20").exit_code == 2  # no token
    assert dossier("--on", "20 January", token=tokens["am"]).exit_code == 2

    # No --on: the archive's today, on the rehearsal clock.
    monkeypatch.setenv("DOSSIER_CLOCK", "2030-01-02T09:00:00+08:00")
    today = json.loads(ok(dossier("--json", "--kind", "first_inspection", token=tokens["am"])))
    assert today["on"] == "2030-01-02"
    assert [t["kind"] for t in today["data"]] == ["first_inspection"]


def ok(answer: Result) -> str:
    assert answer.exit_code == 0, answer.output
    return answer.output
