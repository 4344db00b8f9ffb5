"""``dossier postloan paper``: a monitoring report through its chain at the console, with the
callers' tokens.

The account manager drafts the monthly monitoring report (定期监控报告) with its PDF; the risk
department returns it with a reason, the author revises it with a new PDF, the risk department
and the branch head approve it; ``show`` prints it with every person by name and writes its
document to a file. The author reviewing their own paper is refused in both languages (exit 1),
nothing recorded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from tests.api.conftest import pdf
from tests.api.test_cli_supervision import enrol

runner = CliRunner()


def paper(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", "paper", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def test_a_monitoring_report_is_returned_revised_and_approved_at_the_console(
    data_dir: Path, tmp_path: Path
) -> None:
    """Rows 003-14, 003-47 at the console."""
    am = enrol("AM01", "张伟", "营业部", "account_manager")
    risk = enrol("RM01", "陈静", "总行", "risk_manager")
    head = enrol("BH01", "周建国", "营业部", "branch_head")
    first, second = tmp_path / "report.pdf", tmp_path / "report-2.pdf"
    first.write_bytes(pdf("定期监控报告"))
    second.write_bytes(pdf("定期监控报告 修改稿"))
    made = paper(
        "draft", "--kind", "monitoring_report", "--period", "2026-10",
        "--title", "2026年10月定期监控报告", "--on", "2026-11-02", "--pdf", str(first),
        token=am,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    paper_id = next(line.split()[-1] for line in made.output.splitlines() if "paper_id" in line)
    own = paper("review", paper_id, "--on", "2026-11-03", "--reason", "同意", token=am)
    assert own.exit_code == 1, own.output
    assert "客户经理" in own.output
    back = paper(
        "review", paper_id, "--on", "2026-11-03", "--reason", "缺现金流分析", "--return",
        token=risk,
    )  # fmt: skip
    assert back.exit_code == 0, back.output
    revised = paper(
        "revise", paper_id, "--on", "2026-11-04", "--note", "补充现金流分析",
        "--pdf", str(second), token=am,
    )  # fmt: skip
    assert revised.exit_code == 0, revised.output
    for token, day in ((risk, "2026-11-05"), (head, "2026-11-06")):
        step = paper("review", paper_id, "--on", day, "--reason", "同意", token=token)
        assert step.exit_code == 0, step.output
    out = tmp_path / "shown.pdf"
    shown = paper("show", paper_id, "--document", str(out), token=am)
    assert shown.exit_code == 0, shown.output
    read = json.loads(shown.output)
    assert (read["state"], read["author"]) == ("approved", "张伟（AM01）")
    assert [(r["reviewer"], r["approved"]) for r in read["reviews"]] == [
        ("陈静（RM01）", False),
        ("陈静（RM01）", True),
        ("周建国（BH01）", True),
    ]
    assert (
        hashlib.sha256(out.read_bytes()).hexdigest()
        == hashlib.sha256(second.read_bytes()).hexdigest()
    )
